"""The Child Protection Board's (RvdK) adapter: its JSON export read, checked and mapped to signals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.exports import NativeRecord
from adapters.registry import adapter
from adapters.rvdk import ADAPTER, mapping
from adapters.rvdk.native import RvdkRecord, record_id
from gateway.schemas import ChildProtection, ContactPerson, Person
from gateway.schemas.child_protection import (
    ChildProtectionKind,
    ChildProtectionMeasure,
    ChildProtectionStatus,
)
from tests.fictional import BRAM, LOTTE, NOOR
from tests.unit import adapter_corpus as corpus
from tests.unit.adapter_corpus import rejected_paths

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parents[2] / "adapters" / "rvdk" / "samples"

KOSTER = ContactPerson(
    role="raadsonderzoeker",
    name="S. Koster",
    phone="+31 10 555 0171",
    unit="Raad voor de Kinderbescherming, Rotterdam",
)
SEM = Person(bsn="456789017", given_name="Sem", family_name="de Wit", birth_date=date(2017, 5, 9))


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def signals(name: str) -> list[ChildProtection]:
    found = []
    for record in read(SAMPLES / name):
        assert record.ok, record.problems
        [mapped] = ADAPTER.to_signals(record.native)
        assert mapped.part == "child_protection" and isinstance(mapped.signal, ChildProtection)
        found.append(mapped.signal)
    return found


def raw_sample(name: str, n: int = 0) -> dict[str, Any]:
    return corpus.raw_sample(SAMPLES / name, n)


def problems_of(item: dict[str, Any]) -> list[str]:
    return corpus.mapping_problems(ADAPTER, RvdkRecord, item)


def test_the_registry_returns_the_board_adapter() -> None:
    assert adapter("rvdk") is ADAPTER
    assert (ADAPTER.org, ADAPTER.media_type, ADAPTER.suffix) == ("rvdk", "application/json", ".json")


def test_the_record_id_is_case_number_and_change_number() -> None:
    assert [record.record_id for record in read(SAMPLES / "onderzoek-gestart.json")] == [
        "RVDK-2026-018342:1",
        "RVDK-2026-018401:1",
    ]
    assert record_id({"zaaknummer": "RVDK-2026-018342"}) is None
    assert record_id({"zaaknummer": "RVDK-2026-018342", "mutatienummer": "2"}) is None
    assert record_id({"zaaknummer": "RVDK-2026-018342", "mutatienummer": True}) is None


def test_no_two_sample_records_share_an_id() -> None:
    ids = [record.record_id for path in SAMPLES.glob("*.json") for record in read(path)]
    assert None not in ids and len(ids) == len(set(ids))


def test_only_board_records_are_mapped() -> None:
    with pytest.raises(TypeError, match="RvdkRecord"):
        ADAPTER.to_signals({"zaaknummer": "RVDK-2026-018342"})


def test_an_inquiry_names_the_child_its_parents_and_whom_to_call() -> None:
    first, siblings = signals("onderzoek-gestart.json")
    assert (first.kind, first.status, first.measure) == (
        ChildProtectionKind.INQUIRY,
        ChildProtectionStatus.STARTED,
        None,
    )
    assert first.children == [SEM] and first.subject() == SEM
    assert first.suspect is not None and first.suspect.family_name == "de Wit"
    assert first.victim is not None and first.victim.given_name == "Fatima"
    assert (first.started_on, first.ends_on, first.ended_on) == (date(2026, 5, 6), None, None)
    assert first.contact == KOSTER
    # parents the Board does not name stay out; children without a BSN are still named
    assert siblings.suspect is None and siblings.victim is None
    assert [(child.given_name, child.bsn) for child in siblings.children] == [("Yara", None), ("Daan", None)]
    assert siblings.contact.unit is None


def test_a_closed_inquiry_says_when() -> None:
    [closed] = signals("onderzoek-afgesloten.json")
    assert (closed.kind, closed.status, closed.ended_on) == (
        ChildProtectionKind.INQUIRY,
        ChildProtectionStatus.ENDED,
        date(2026, 7, 30),
    )


def test_each_measure_code_is_translated() -> None:
    ots, placement, provisional = signals("maatregel-ingegaan.json")
    assert [s.measure for s in (ots, placement, provisional)] == [
        ChildProtectionMeasure.SUPERVISION_ORDER,
        ChildProtectionMeasure.OUT_OF_HOME_PLACEMENT,
        ChildProtectionMeasure.PROVISIONAL_SUPERVISION_ORDER,
    ]
    assert (ots.started_on, ots.ends_on) == (date(2026, 8, 12), date(2027, 8, 11))
    assert placement.victim is None  # not registered on that record
    assert provisional.attributes() == {
        "minors_involved": True,
        "child_protection_kind": "measure",
        "child_protection_measure": "provisional_supervision_order",
        "child_protection_status": "started",
    }
    [ended] = signals("maatregel-beeindigd.json")
    assert (ended.status, ended.ended_on) == (ChildProtectionStatus.ENDED, date(2026, 8, 28))
    assert set(mapping.MEASURES.values()) == set(ChildProtectionMeasure)


def test_every_record_kind_and_measure_code_maps() -> None:
    base = raw_sample("maatregel-ingegaan.json")
    for code in mapping.MEASURES:
        [mapped] = ADAPTER.to_signals(RvdkRecord.model_validate({**base, "maatregel": code}))
        assert isinstance(mapped.signal, ChildProtection)
        assert mapped.signal.measure is mapping.MEASURES[code]
    kinds = {(s.kind, s.status) for path in SAMPLES.glob("*.json") for s in signals(path.name)}
    assert kinds == set(mapping.RECORD_KINDS.values())


def test_every_problem_of_a_record_is_named_at_once() -> None:
    inquiry = raw_sample("onderzoek-gestart.json")
    assert problems_of({**inquiry, "maatregel": "OTS", "einddatum_beschikking": "2027-01-01"}) == [
        "maatregel",
        "einddatum_beschikking",
    ]
    assert problems_of({**inquiry, "soort": "MAATREGEL_BEEINDIGD"}) == ["maatregel", "datum_afsluiting"]
    measure = raw_sample("maatregel-ingegaan.json")
    assert problems_of({**measure, "einddatum_beschikking": "2026-08-01"}) == ["einddatum_beschikking"]
    assert problems_of({**measure, "maatregel": "JEUGDRECLASSERING"}) == ["maatregel"]


# Per bad file: the rejected positions with their problem paths; every other record maps.
BAD: dict[str, tuple[int, dict[str, list[str]]]] = {
    "invalid-bsn.json": (2, {"record 2": ["kinderen.0.bsn"]}),
    "missing-field.json": (2, {"record 2": ["contactpersoon"]}),
    "no-child.json": (2, {"record 1": ["kinderen"]}),
    "not-an-object.json": (3, {"record 2": ["(record)"], "record 3": ["(record)"]}),
    "not-json.json": (1, {"file": ["(file)"]}),
    "not-utf8.json": (1, {"file": ["(file)"]}),
    "number-as-date.json": (2, {"record 1": ["startdatum"]}),
    "time-without-offset.json": (2, {"record 2": ["tijdstip"]}),
    "unknown-code.json": (3, {"record 2": ["maatregel"], "record 3": ["soort"]}),
    "unknown-field.json": (2, {"record 1": ["bevindingen"]}),
    "unmappable.json": (
        5,
        {
            "record 1": ["maatregel"],
            "record 2": ["datum_afsluiting"],
            "record 3": ["datum_afsluiting"],
            "record 4": ["maatregel", "datum_afsluiting"],
        },
    ),
    "wrong-types.json": (2, {"record 2": ["zaaknummer", "mutatienummer"]}),
}

# Values in the bad files that are, or stand for, what a problem must never repeat.
NEVER_REPEATED = (
    "456789006",
    "JEUGDRECLASSERING",
    "ONDERZOEK_GEWIJZIGD",
    "niet voor de keten",
    "René",
    "2026/018342",
)


def test_the_bad_corpus_is_complete() -> None:
    assert {path.name for path in (SAMPLES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_export_rejects_exactly_its_bad_records_and_the_rest_goes_through(name: str) -> None:
    count, expected = BAD[name]
    records = read(SAMPLES / "bad" / name)
    assert len(records) == count
    assert rejected_paths(ADAPTER, records, NEVER_REPEATED, one_signal_each=True) == expected


def test_the_scenario_is_the_boards_inquiry_into_noor() -> None:
    [inquiry] = signals("scenario.json")
    assert (inquiry.suspect, inquiry.victim, inquiry.children) == (BRAM, LOTTE, [NOOR])
    assert inquiry.subject() == NOOR
    assert (inquiry.kind, inquiry.status) == (ChildProtectionKind.INQUIRY, ChildProtectionStatus.STARTED)
