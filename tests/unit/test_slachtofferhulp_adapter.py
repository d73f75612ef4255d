"""Victim support's adapter: its JSON export read, checked and mapped to signals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.exports import NativeRecord
from adapters.registry import adapter
from adapters.slachtofferhulp import ADAPTER, mapping
from adapters.slachtofferhulp.native import record_id
from gateway.schemas import (
    Address,
    BreachOfConditions,
    ContactPerson,
    Person,
    ProtectionNeeds,
    VictimInformed,
)
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.measure import MeasureKind
from gateway.schemas.protection_needs import ConsentScope, ProtectionNeed
from gateway.schemas.victim_informed import InformedAbout, InformingChannel
from tests.unit.adapter_corpus import rejected_paths

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parents[2] / "adapters" / "slachtofferhulp" / "samples"
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))

FATIMA = Person(given_name="Fatima", family_name="El Amrani", birth_date=date(1991, 1, 17))
KEVIN = Person(given_name="Kevin", family_name="de Wit", birth_date=date(1985, 6, 3))
YILMAZ = ContactPerson(
    role="casemanager", name="S. Yilmaz", phone="+31 10 000 0052", unit="regio Rotterdam-Rijnmond"
)


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def signals(name: str) -> list[Any]:
    records = read(SAMPLES / name)
    assert all(record.ok for record in records), [record.problems for record in records]
    return [mapped.signal for record in records for mapped in ADAPTER.to_signals(record.native)]


def test_the_registry_returns_the_victim_support_adapter() -> None:
    assert adapter("slachtofferhulp") is ADAPTER
    assert (ADAPTER.org, ADAPTER.media_type, ADAPTER.suffix) == (
        "slachtofferhulp",
        "application/json",
        ".json",
    )


def test_the_record_id_is_file_and_registration_number() -> None:
    assert [record.record_id for record in read(SAMPLES / "scenario.json")] == [
        "SHN-2026-003907/1",
        "SHN-2026-003907/2",
        "SHN-2026-003907/3",
    ]
    with pytest.raises(KeyError):
        record_id({"dossiernummer": "SHN-2026-003907"})


def test_no_two_sample_records_share_an_id() -> None:
    ids = [record.record_id for path in SAMPLES.glob("*.json") for record in read(path)]
    assert None not in ids
    assert len(ids) == len(set(ids))


def test_every_sample_maps_and_every_kind_is_sampled() -> None:
    parts = {
        (mapped.part, mapped.signal.name)
        for path in SAMPLES.glob("*.json")
        for record in read(path)
        for mapped in ADAPTER.to_signals(record.native)
    }
    assert parts == {
        ("needs", "protection_needs"),
        ("informed", "victim_informed"),
        ("breach", "breach_of_conditions"),
    }


def test_needs_registered_anew_and_changed() -> None:
    first, change, without_consent = signals("beschermingsbehoeften.json")
    assert isinstance(first, ProtectionNeeds) and isinstance(change, ProtectionNeeds)
    assert (first.victim, first.suspect, first.contact) == (FATIMA, KEVIN, YILMAZ)
    assert first.needs == [
        ProtectionNeed.NO_CONTACT_WITH_SUSPECT,
        ProtectionNeed.INFORMED_BEFORE_RELEASE,
        ProtectionNeed.INFORMED_OF_DECISIONS,
    ]
    assert (first.changed, first.previous_needs) == (False, None)
    assert first.recorded_at == datetime(2026, 3, 4, 10, 15, tzinfo=CET)
    assert first.attributes() == {
        "minors_involved": False,
        "consent_to_share": True,
        "consent_scope": ["om", "police"],
        "changed": False,
        "fears_for_safety": False,
    }
    assert change.changed and change.previous_needs == first.needs
    assert ProtectionNeed.SAFE_ADDRESS in change.needs and ProtectionNeed.FEARS_FOR_SAFETY in change.needs
    assert change.victim.address == Address(
        street="Schiedamseweg", house_number="88", postal_code="3026 AC", city="Rotterdam"
    )
    assert change.consent_scope == [ConsentScope.POLICE, ConsentScope.OM, ConsentScope.VEILIGTHUIS]
    assert change.attributes()["fears_for_safety"] is True
    assert isinstance(without_consent, ProtectionNeeds)
    assert (without_consent.consent_to_share, without_consent.consent_scope) == (False, [])
    assert without_consent.suspect is None and without_consent.contact.role == "vrijwilliger"


def test_she_was_informed() -> None:
    release, decision = signals("slachtoffer-geinformeerd.json")
    assert isinstance(release, VictimInformed) and isinstance(decision, VictimInformed)
    assert (release.about, release.channel) == (InformedAbout.RELEASE, InformingChannel.PHONE)
    assert release.about_signal == UUID("6f1c2d0e-3b4a-4c5d-8e9f-0a1b2c3d4e5f")
    assert release.informed_at == datetime(2026, 5, 12, 14, 55, tzinfo=CEST)
    assert release.informed_by == YILMAZ and release.victim == FATIMA
    assert release.attributes() == {"minors_involved": False, "about": "release"}
    assert (decision.about, decision.channel, decision.about_signal) == (
        InformedAbout.DECISION,
        InformingChannel.IN_PERSON,
        None,
    )
    assert decision.informed_by == ContactPerson(
        role="juridisch medewerker", name="M. Hoekstra", phone="+31 10 000 0054"
    )
    assert decision.suspect is None


def test_a_breach_she_reports_is_a_breach_detected_by_her_report() -> None:
    [breach] = signals("melding-overtreding.json")
    assert isinstance(breach, BreachOfConditions)
    assert (breach.suspect, breach.victim, breach.contact) == (KEVIN, FATIMA, YILMAZ)
    assert (breach.measure, breach.detected_by, breach.severity) == (
        MeasureKind.CONTACT_BAN,
        DetectedBy.VICTIM_REPORT,
        Severity.HIGH,
    )
    assert breach.breach_time == datetime(2026, 6, 20, 21, 30, tzinfo=CEST)
    assert breach.place == "Rotterdam" and breach.description is not None


def test_every_code_has_a_catalogue_value() -> None:
    assert set(mapping.NEEDS.values()) == set(ProtectionNeed)
    assert set(mapping.PARTNERS.values()) == set(ConsentScope)
    assert set(mapping.SUBJECTS.values()) == set(InformedAbout)
    assert set(mapping.CHANNELS.values()) == set(InformingChannel)
    assert set(mapping.SEVERITIES.values()) == set(Severity)
    assert set(mapping.MEASURES.values()) <= set(MeasureKind)


# Per bad file: the rejected positions with their problem paths; every other record maps.
BAD: dict[str, tuple[int, dict[str, list[str]]]] = {
    "missing-field.json": (2, {"record 2": ["casemanager"]}),
    "unknown-field.json": (2, {"record 1": ["client.bsn"]}),
    "unknown-code.json": (3, {"record 1": ["behoeften.1"], "record 2": ["soort"]}),
    "time-without-offset.json": (2, {"record 2": ["geinformeerd_op"]}),
    "number-as-date.json": (2, {"record 2": ["pleegdatum"]}),
    "breach-without-consent.json": (2, {"record 1": ["toestemming_delen"]}),
    "consent-without-partners.json": (
        3,
        {"record 1": ["toestemming_partners"], "record 2": ["toestemming_partners"]},
    ),
    "unchanged-change.json": (3, {"record 1": ["vorige_behoeften"], "record 2": ["behoeften"]}),
    "wrong-types.json": (2, {"record 2": ["registratienummer", "toestemming_delen"]}),
    "bad-signal-id.json": (2, {"record 1": ["ketenpoort_signaal_id"]}),
    "not-an-object.json": (3, {"record 2": ["(record)"], "record 3": ["(record)"]}),
    "not-json.json": (1, {"file": ["(file)"]}),
    "not-utf8.json": (1, {"file": ["(file)"]}),
}

# Values in the bad files that a problem must never repeat.
NEVER_REPEATED = ("123456782", "NACHTOPVANG", "nazorg", "nog niet bekend", "1776663900", "Sanne", "Hendriks")


def test_the_bad_corpus_is_complete() -> None:
    assert {path.name for path in (SAMPLES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_export_rejects_exactly_its_bad_records_and_the_rest_goes_through(name: str) -> None:
    count, expected = BAD[name]
    records = read(SAMPLES / "bad" / name)
    assert len(records) == count
    assert rejected_paths(ADAPTER, records, NEVER_REPEATED, one_signal_each=True) == expected
