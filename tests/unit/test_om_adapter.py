"""The prosecution service's (OM) adapter: its JSON export read, checked and mapped to signals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from adapters.exports import MappingError, NativeRecord
from adapters.om import ADAPTER, mapping
from adapters.om.native import OmRecord, record_id
from adapters.police.measures import REGISTERED_MEASURES
from adapters.registry import adapter
from gateway.schemas import (
    ContactPerson,
    MeasureEnded,
    MeasureExtended,
    MeasureImposed,
    Person,
    ProsecutionDecision,
    ReleaseFromCustody,
)
from gateway.schemas.conditions import Condition, ConditionKind
from gateway.schemas.measure import EndReason, MeasureKind
from gateway.schemas.prosecution_decision import DecisionKind
from gateway.schemas.release_from_custody import ReleaseKind, ReleaseStatus
from gateway.schemas.risk_assessment import RiskLevel
from gateway.schemas.victim_informed import InformedAbout
from gateway.schemas.victim_informing import AgreedBy, InformingAgreement, VictimInformingAgreed
from tests.fictional import BRAM, LOTTE, NOOR
from tests.unit import adapter_corpus as corpus
from tests.unit.adapter_corpus import rejected_paths

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parents[2] / "adapters" / "om" / "samples"
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))

JANSEN = ContactPerson(
    role="zaaksofficier",
    name="mr. R. Jansen",
    phone="+31 10 555 0111",
    unit="Arrondissementsparket Rotterdam, ZSM",
)


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def natives(name: str) -> list[OmRecord]:
    records = read(SAMPLES / name)
    assert all(record.ok for record in records), [record.problems for record in records]
    return [record.native for record in records]


def signals(name: str) -> list[Any]:
    return [mapped.signal for native in natives(name) for mapped in ADAPTER.to_signals(native)]


def raw_sample(name: str, n: int = 0) -> dict[str, Any]:
    return corpus.raw_sample(SAMPLES / name, n)


def problems_of(item: dict[str, Any]) -> list[str]:
    return corpus.mapping_problems(ADAPTER, OmRecord, item)


# --- the adapter ---------------------------------------------------------------------------------


def test_the_registry_returns_the_om_adapter() -> None:
    assert adapter("om") is ADAPTER
    assert (ADAPTER.org, ADAPTER.media_type, ADAPTER.suffix) == ("om", "application/json", ".json")


def test_the_record_id_is_case_number_and_event_number() -> None:
    assert [record.record_id for record in read(SAMPLES / "scenario.json")] == [
        "10/730145-26:1",
        "10/730145-26:2",
        "10/730145-26:3",
    ]
    assert record_id({"parketnummer": "10/730145-26"}) is None
    assert record_id({"parketnummer": "10/730145-26", "gebeurtenisnummer": "2"}) is None
    assert record_id({"parketnummer": "10/730145-26", "gebeurtenisnummer": True}) is None


def test_no_two_sample_records_share_an_id() -> None:
    ids = [record.record_id for path in SAMPLES.glob("*.json") for record in read(path)]
    assert None not in ids
    assert len(ids) == len(set(ids))


def test_one_object_is_an_export_of_one_record() -> None:
    [record] = read(SAMPLES / "measure-extended.json")
    assert record.ok and record.position == "record 1" and record.record_id == "10/730145-26:4"


def test_only_om_records_are_mapped() -> None:
    with pytest.raises(TypeError, match="OmRecord"):
        ADAPTER.to_signals({"parketnummer": "10/730145-26"})


# --- field by field, per record kind -------------------------------------------------------------


def test_a_behavioural_order_becomes_measure_imposed() -> None:
    [mapped] = ADAPTER.to_signals(natives("scenario.json")[0])
    assert mapped.part == "measure_imposed"
    order = mapped.signal
    assert isinstance(order, MeasureImposed)
    assert order.kind is MeasureKind.BEHAVIOURAL_ORDER
    assert (order.starts_on, order.ends_on) == (date(2026, 3, 10), date(2026, 6, 7))
    assert [condition.kind for condition in order.conditions] == [
        ConditionKind.CONTACT_BAN,
        ConditionKind.AREA_BAN,
        ConditionKind.ANKLE_TAG,
    ]
    assert order.conditions[0].description == "Geen contact met Lotte Dekker, direct, via anderen of online."
    # a condition without its own einddatum ends with the measure
    assert {condition.ends_on for condition in order.conditions} == {date(2026, 6, 7)}
    assert (order.suspect, order.victim, order.children) == (BRAM, LOTTE, [NOOR])
    assert order.contact == JANSEN
    assert order.attributes() == {"minors_involved": True, "measure": "behavioural_order"}


def test_measure_imposed_names_prefixes_and_own_end_dates() -> None:
    first, second = signals("measure-imposed.json")
    assert isinstance(first, MeasureImposed) and isinstance(second, MeasureImposed)
    assert first.suspect == Person(
        bsn="345678904", given_name="Kevin", family_name="de Wit", birth_date=date(1985, 6, 3)
    )
    assert first.victim is not None and first.victim.family_name == "El Amrani"
    assert [child.family_name for child in first.children] == ["de Wit"]
    assert first.children[0].bsn is None
    assert [(condition.kind, condition.ends_on) for condition in first.conditions] == [
        (ConditionKind.CONTACT_BAN, date(2026, 8, 1)),
        (ConditionKind.REPORTING_DUTY, date(2026, 6, 30)),
        (ConditionKind.PROBATION_SUPERVISION, date(2026, 8, 1)),
    ]
    assert first.contact.role == "ZSM-officier"
    # suspension conditions until a later decision: no end date, neither for the conditions
    assert second.kind is MeasureKind.SUSPENSION_CONDITIONS
    assert second.suspect is not None and second.suspect.family_name == "van den Berg"
    assert second.victim is None and second.children == []
    assert second.ends_on is None
    assert [(condition.kind, condition.ends_on) for condition in second.conditions] == [
        (ConditionKind.AREA_BAN, None),
        (ConditionKind.OTHER, None),
    ]


def test_an_extension_becomes_measure_extended() -> None:
    [extended] = signals("measure-extended.json")
    assert isinstance(extended, MeasureExtended)
    assert extended.kind is MeasureKind.BEHAVIOURAL_ORDER
    assert (extended.previous_ends_on, extended.ends_on) == (date(2026, 6, 7), date(2026, 9, 5))
    assert [(condition.kind, condition.ends_on) for condition in extended.conditions] == [
        (ConditionKind.CONTACT_BAN, date(2026, 9, 5)),
        (ConditionKind.AREA_BAN, date(2026, 9, 5)),
    ]
    assert (extended.suspect, extended.victim) == (BRAM, LOTTE)
    assert extended.contact.unit == "Arrondissementsparket Rotterdam"


def test_an_end_becomes_measure_ended() -> None:
    lifted, revoked = signals("measure-ended.json")
    assert isinstance(lifted, MeasureEnded) and isinstance(revoked, MeasureEnded)
    assert (lifted.kind, lifted.ended_on, lifted.reason) == (
        MeasureKind.BEHAVIOURAL_ORDER,
        date(2026, 6, 15),
        EndReason.LIFTED,
    )
    assert (revoked.kind, revoked.ended_on, revoked.reason) == (
        MeasureKind.SUSPENSION_CONDITIONS,
        date(2026, 6, 30),
        EndReason.REVOKED_AFTER_BREACH,
    )
    assert revoked.contact.unit is None
    assert revoked.attributes() == {
        "minors_involved": False,
        "measure": "suspension_conditions",
        "end_reason": "revoked_after_breach",
    }


def test_a_decision_becomes_prosecution_decision() -> None:
    sepot, custody, hearing, penalty = signals("prosecution-decision.json")
    assert isinstance(sepot, ProsecutionDecision)
    assert sepot.decision is DecisionKind.DISMISSAL
    assert sepot.decision_time == datetime(2026, 6, 15, 12, 40, tzinfo=CEST)
    assert sepot.hearing_on is None
    assert sepot.conditions == [
        Condition(
            kind=ConditionKind.CONTACT_BAN,
            description="Geen contact met Fatima El Amrani gedurende de proeftijd.",
            ends_on=date(2027, 6, 14),
        ),
        Condition(
            kind=ConditionKind.PROBATION_SUPERVISION,
            description="Meewerken aan het toezicht van de reclassering.",
            ends_on=date(2027, 6, 14),
        ),
    ]
    assert custody.decision is DecisionKind.HOLD_IN_CUSTODY and custody.conditions == []
    assert custody.contact.role == "hulpofficier van justitie"
    assert (hearing.decision, hearing.hearing_on) == (
        DecisionKind.INVESTIGATING_JUDGE_HEARING,
        date(2026, 5, 12),
    )
    assert penalty.decision is DecisionKind.PENALTY_ORDER
    assert penalty.suspect == Person(given_name="Ruben", family_name="Smit", birth_date=date(1996, 9, 27))
    assert penalty.attributes() == {"minors_involved": False, "decision": "penalty_order"}


def test_a_release_becomes_release_from_custody() -> None:
    suspension, release = signals("release.json")
    assert isinstance(suspension, ReleaseFromCustody) and isinstance(release, ReleaseFromCustody)
    assert suspension.kind is ReleaseKind.SUSPENSION_OF_PRETRIAL_DETENTION
    assert suspension.status is ReleaseStatus.PLANNED
    assert suspension.release_time == datetime(2026, 5, 12, 15, 0, tzinfo=CEST)
    assert suspension.known_risk_level is RiskLevel.MEDIUM
    # a release's condition without einddatum runs until further notice
    assert [(condition.kind, condition.ends_on) for condition in suspension.conditions] == [
        (ConditionKind.AREA_BAN, None),
        (ConditionKind.REPORTING_DUTY, None),
    ]
    assert (release.kind, release.status) == (ReleaseKind.RELEASE_AFTER_ARREST, ReleaseStatus.DONE)
    assert release.release_time == datetime(2026, 3, 20, 16, 25, tzinfo=CET)
    assert release.conditions == [] and release.known_risk_level is None
    assert release.attributes() == {
        "minors_involved": False,
        "release_kind": "release_after_arrest",
        "planned": False,
        "has_conditions": False,
        "risk_level": None,
    }


@pytest.mark.parametrize(
    ("table", "catalogue"),
    [
        (mapping.MEASURE_KINDS, MeasureKind),
        (mapping.CONDITION_KINDS, ConditionKind),
        (mapping.END_REASONS, EndReason),
        (mapping.DECISIONS, DecisionKind),
        (mapping.RELEASE_KINDS, ReleaseKind),
        (mapping.RELEASE_STATUSES, ReleaseStatus),
        (mapping.RISK_LEVELS, RiskLevel),
        (mapping.RECORD_KINDS, mapping.RecordKind),
        (mapping.INFORM_ABOUT, InformedAbout),
    ],
)
def test_every_catalogue_value_has_an_om_code(table: dict[str, StrEnum], catalogue: type[StrEnum]) -> None:
    # The measures the police register (the mayor's huisverbod, the civil court's bans) are not the
    # prosecution service's to send (adapters/police/measures.py).
    not_the_oms = set(REGISTERED_MEASURES.values()) if catalogue is MeasureKind else set()
    assert set(table.values()) == set(catalogue) - not_the_oms
    assert all(code == code.upper() and " " not in code for code in table)


def test_each_record_kind_names_its_signal_and_builder() -> None:
    assert {kind.value for kind in mapping.RecordKind} == {
        "measure_imposed",
        "measure_extended",
        "measure_ended",
        "prosecution_decision",
        "release_from_custody",
    }
    assert set(mapping.BUILDERS) == set(mapping.RULES) == set(mapping.SECTIONS) == set(mapping.RecordKind)


# --- what cannot be mapped -----------------------------------------------------------------------


def test_an_unknown_code_names_the_field_and_the_known_codes_but_not_the_value() -> None:
    item = raw_sample("release.json")
    item["invrijheidstelling"]["status"] = "VOORWAARDELIJK"
    item["invrijheidstelling"]["bekend_risiconiveau"] = "ZEER_HOOG"
    native = OmRecord.model_validate(item)
    with pytest.raises(MappingError) as raised:
        ADAPTER.to_signals(native)
    status, risk = raised.value.problems
    assert status.path == "invrijheidstelling.status"
    assert status.message == "unknown code"
    assert status.expected == "one of GEPLAND, UITGEVOERD"
    assert risk.path == "invrijheidstelling.bekend_risiconiveau"
    assert risk.expected == "one of LAAG, MIDDEN, HOOG"
    assert "VOORWAARDELIJK" not in str(raised.value) and "ZEER_HOOG" not in str(raised.value)


@pytest.mark.parametrize(
    ("sample", "change", "paths"),
    [
        pytest.param(
            "measure-imposed.json",
            {"maatregel": {"einddatum": "2026-05-03"}},
            ["maatregel.einddatum"],
            id="imposed-ends-before-it-starts",
        ),
        pytest.param(
            "measure-imposed.json",
            {"maatregel": {"datum_beeindiging": "2026-06-01", "vorige_einddatum": "2026-06-01"}},
            ["maatregel.vorige_einddatum", "maatregel.datum_beeindiging"],
            id="imposed-with-fields-of-other-kinds",
        ),
        pytest.param(
            "measure-extended.json",
            {"maatregel": {"vorige_einddatum": None, "einddatum": None}},
            ["maatregel.vorige_einddatum", "maatregel.einddatum"],
            id="extension-without-its-dates",
        ),
        pytest.param(
            "measure-extended.json",
            {"maatregel": {"einddatum": "2026-06-07"}},
            ["maatregel.einddatum"],
            id="extension-not-later",
        ),
        pytest.param(
            "measure-ended.json",
            {"maatregel": {"datum_beeindiging": None, "reden_beeindiging": None}},
            ["maatregel.datum_beeindiging", "maatregel.reden_beeindiging"],
            id="end-without-date-and-reason",
        ),
        pytest.param(
            "measure-ended.json",
            {"maatregel": {"reden_beeindiging": "AFGELOPEN", "soort": "HUISARREST"}},
            ["maatregel.soort", "maatregel.reden_beeindiging"],
            id="end-with-unknown-codes",
        ),
        pytest.param(
            "prosecution-decision.json",
            {"vervolgingsbeslissing": {"zittingsdatum": "2026-06-14"}},
            ["vervolgingsbeslissing.zittingsdatum"],
            id="hearing-before-decision",
        ),
        pytest.param(
            "prosecution-decision.json",
            {"vervolgingsbeslissing": {"voorwaarden": [{"soort": "X", "omschrijving": "y"}] * 2}},
            ["vervolgingsbeslissing.voorwaarden.0.soort", "vervolgingsbeslissing.voorwaarden.1.soort"],
            id="every-unknown-condition-code",
        ),
        pytest.param(
            "release.json",
            {"soort": "MAATREGEL_OPGELEGD"},
            ["invrijheidstelling", "maatregel"],
            id="section-of-another-kind",
        ),
    ],
)
def test_a_record_that_reads_but_cannot_be_mapped_says_where(
    sample: str, change: dict[str, Any], paths: list[str]
) -> None:
    item = raw_sample(sample)
    for key, value in change.items():
        if isinstance(value, dict):
            item[key] = {**item[key], **value}
        else:
            item[key] = value
    assert problems_of(item) == paths


def test_a_rule_of_the_catalogue_the_checks_miss_is_still_a_mapping_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(record: OmRecord) -> MeasureImposed:
        return MeasureImposed(kind="unknown", starts_on=date(2026, 3, 10), contact=JANSEN)

    monkeypatch.setitem(mapping.BUILDERS, mapping.RecordKind.MEASURE_IMPOSED, broken)
    with pytest.raises(MappingError) as raised:
        ADAPTER.to_signals(natives("scenario.json")[0])
    assert [problem.path for problem in raised.value.problems] == ["(measure_imposed) kind"]


# --- samples -------------------------------------------------------------------------------------


def test_every_sample_reads_and_maps_without_problems() -> None:
    kinds = set()
    for path in SAMPLES.glob("*.json"):
        records = read(path)
        assert records, path.name
        for record in records:
            assert record.ok, (path.name, record.position, record.problems)
            mapped = ADAPTER.to_signals(record.native)
            assert [item.part for item in mapped] == [item.signal.name for item in mapped]
            kinds |= {item.signal.name for item in mapped}
    assert kinds == {kind.value for kind in mapping.RecordKind} | {"victim_informing_agreed"}


# Per bad file: the rejected positions with their problem paths; every other record maps.
BAD: dict[str, tuple[int, dict[str, list[str]]]] = {
    "missing-field.json": (2, {"record 2": ["behandelaar"]}),
    "bad-date.json": (2, {"record 1": ["maatregel.ingangsdatum"]}),
    "number-as-date.json": (2, {"record 2": ["tijdstip"]}),
    "time-without-offset.json": (2, {"record 2": ["invrijheidstelling.tijdstip"]}),
    "unknown-code.json": (3, {"record 2": ["maatregel.voorwaarden.1.soort"], "record 3": ["soort"]}),
    "invalid-bsn.json": (2, {"record 2": ["slachtoffer.bsn"]}),
    "not-json.json": (1, {"file": ["(file)"]}),
    "not-utf8.json": (1, {"file": ["(file)"]}),
    "unmappable.json": (
        4,
        {
            "record 1": ["maatregel.einddatum"],
            "record 3": ["invrijheidstelling", "vervolgingsbeslissing"],
            "record 4": ["vervolgingsbeslissing.zittingsdatum"],
        },
    ),
    "unknown-field.json": (2, {"record 1": ["opmerking_intern"]}),
    "not-an-object.json": (3, {"record 2": ["(record)"], "record 3": ["(record)"]}),
    "wrong-types.json": (2, {"record 2": ["parketnummer", "gebeurtenisnummer"]}),
    "informing-without-victim.json": (
        3,
        {
            "record 1": ["slachtoffer"],
            "record 2": [
                "vervolgingsbeslissing.slachtoffer_informeren.0.door",
                "vervolgingsbeslissing.slachtoffer_informeren",
            ],
        },
    ),
}

# Values in the bad files that are, or stand for, what a problem must never repeat.
NEVER_REPEATED = (
    "123456783",
    "HUISARREST",
    "MAATREGEL_GEWIJZIGD",
    "niet voor de keten",
    "René",
    "04-05-2026",
    "BURGEMEESTER",
)


def test_the_bad_corpus_is_complete() -> None:
    assert {path.name for path in (SAMPLES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_export_rejects_exactly_its_bad_records_and_the_rest_goes_through(name: str) -> None:
    count, expected = BAD[name]
    records = read(SAMPLES / "bad" / name)
    assert len(records) == count
    assert rejected_paths(ADAPTER, records, NEVER_REPEATED) == expected


def test_a_rejected_record_is_still_named_when_its_id_reads() -> None:
    records = read(SAMPLES / "bad" / "missing-field.json")
    assert [(record.record_id, record.ok) for record in records] == [
        ("10/740001-26:1", True),
        ("10/740001-26:2", False),
    ]


# --- the shared scenario -------------------------------------------------------------------------


def test_the_scenario_yields_exactly_its_signals() -> None:
    records = read(SAMPLES / "scenario.json")
    mapped = [
        (record.record_id, item.part, item.signal)
        for record in records
        for item in ADAPTER.to_signals(record.native)
    ]
    persons = {"suspect": BRAM, "victim": LOTTE, "children": [NOOR]}
    until = date(2026, 6, 7)
    assert mapped == [
        (
            "10/730145-26:1",
            "measure_imposed",
            MeasureImposed(
                **persons,
                kind=MeasureKind.BEHAVIOURAL_ORDER,
                starts_on=date(2026, 3, 10),
                ends_on=until,
                conditions=[
                    Condition(
                        kind=ConditionKind.CONTACT_BAN,
                        description="Geen contact met Lotte Dekker, direct, via anderen of online.",
                        ends_on=until,
                    ),
                    Condition(
                        kind=ConditionKind.AREA_BAN,
                        description="Niet komen in de straat van de woning van Lotte Dekker "
                        "(kaart bij de gedragsaanwijzing).",
                        ends_on=until,
                    ),
                    Condition(
                        kind=ConditionKind.ANKLE_TAG,
                        description="Enkelband ter controle van het gebiedsverbod.",
                        ends_on=until,
                    ),
                ],
                contact=JANSEN,
            ),
        ),
        (
            "10/730145-26:2",
            "prosecution_decision",
            ProsecutionDecision(
                **persons,
                decision=DecisionKind.SUMMONS,
                decision_time=datetime(2026, 4, 21, 14, 30, tzinfo=CEST),
                hearing_on=date(2026, 6, 16),
                contact=JANSEN,
            ),
        ),
        (  # agreed with the decision: victim support tells Lotte of the release (her wish)
            "10/730145-26:2",
            "victim_informing_agreed",
            VictimInformingAgreed(
                suspect=BRAM,
                victim=LOTTE,
                agreements=[InformingAgreement(about=InformedAbout.RELEASE, informer="slachtofferhulp")],
                agreed_by=AgreedBy.PROSECUTION,
                agreed_on=date(2026, 4, 21),
                contact=JANSEN,
            ),
        ),
        (
            "10/730145-26:3",
            "release_from_custody",
            ReleaseFromCustody(
                **persons,
                kind=ReleaseKind.RELEASE_AFTER_ARREST,
                status=ReleaseStatus.PLANNED,
                release_time=datetime(2026, 4, 21, 16, 0, tzinfo=CEST),
                conditions=[
                    Condition(
                        kind=ConditionKind.CONTACT_BAN,
                        description="Het contactverbod met Lotte Dekker uit de gedragsaanwijzing "
                        "blijft van kracht.",
                        ends_on=until,
                    ),
                    Condition(
                        kind=ConditionKind.AREA_BAN,
                        description="Het gebiedsverbod voor de straat van Lotte Dekker "
                        "uit de gedragsaanwijzing blijft van kracht.",
                        ends_on=until,
                    ),
                    Condition(
                        kind=ConditionKind.ANKLE_TAG,
                        description="Enkelband ter controle van het gebiedsverbod.",
                        ends_on=until,
                    ),
                ],
                known_risk_level=RiskLevel.HIGH,
                contact=JANSEN,
            ),
        ),
    ]


def test_the_scenario_release_is_announced_before_it_happens() -> None:
    decision, agreed, release = signals("scenario.json")[1:]
    assert release.status is ReleaseStatus.PLANNED
    assert decision.decision_time < release.release_time
    assert isinstance(agreed, VictimInformingAgreed) and agreed.agreed_on == release.release_time.date()


# --- determinism ---------------------------------------------------------------------------------


def test_reading_and_mapping_twice_gives_equal_signals() -> None:
    for path in SAMPLES.glob("*.json"):
        first = [ADAPTER.to_signals(record.native) for record in read(path)]
        second = [ADAPTER.to_signals(record.native) for record in read(path)]
        assert first == second
        assert [[item.signal.model_dump(mode="json") for item in items] for items in first] == [
            [item.signal.model_dump(mode="json") for item in items] for items in second
        ]


def test_a_decision_naming_who_informs_the_victim_also_becomes_victim_informing_agreed() -> None:
    (record,) = read(SAMPLES / "decision-informing.json")
    decision, agreed = ADAPTER.to_signals(record.native)
    assert decision.part == "prosecution_decision" and agreed.part == "victim_informing_agreed"
    assert isinstance(agreed.signal, VictimInformingAgreed)
    assert [(a.about.value, a.informer) for a in agreed.signal.agreements] == [
        ("release", "slachtofferhulp"),
        ("measure", "police"),
        ("decision", "om"),
    ]
    assert agreed.signal.victim.family_name == "Vermeulen" and agreed.signal.agreed_by.value == "prosecution"
