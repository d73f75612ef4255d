"""The police adapter: its native export read, mapped field by field, and refused where it must be."""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import product
from pathlib import Path
from typing import Any, get_args

import pytest

from adapters.exports import Mapped, MappingError, NativeRecord
from adapters.ingest import signal_id
from adapters.police import ADAPTER
from adapters.police.mapping import (
    CONTACT_ROLES,
    DETECTED_BY,
    HOOG_FROM,
    INDICATORS,
    LEVELS,
    MEASURES,
    MIDDEN_FROM,
    MOST_UNKNOWN,
    OFFENCES,
    REPORTER_ROLES,
    SEVERITIES,
    sash_level,
    to_new_report,
    to_signals,
)
from adapters.police.measures import END_REASONS, REGISTERED_MEASURES
from adapters.police.native import (
    KINDS,
    MUTATIONS,
    Aanleiding,
    Antwoord,
    Contactrol,
    Feit,
    GeregistreerdeMaatregel,
    Kenmerk,
    Maatregel,
    MelderRol,
    Niveau,
    PoliceMutation,
    PoliceReportRecord,
    RedenEinde,
    SashExPartnerFactors,
    SashForm,
    SashRiskFactors,
    Soort,
)
from adapters.registry import adapter
from gateway.schemas import (
    Address,
    Arrest,
    BreachOfConditions,
    ContactChanged,
    InvolvementOpened,
    MeasureEnded,
    MeasureExtended,
    MeasureImposed,
    NewReport,
    RiskAssessment,
    Signal,
)
from gateway.schemas.arrest import Offence
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import InvolvementRole
from gateway.schemas.measure import EndReason, MeasureKind
from gateway.schemas.new_report import ReporterRole, ReportKind, StalkingIndicator
from gateway.schemas.risk_assessment import Instrument, RiskLevel

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "adapters" / "police" / "samples"
BAD = SAMPLES / "bad"
EXAMPLES = ROOT / "docs" / "examples"

FACTORS = list(SashRiskFactors.model_fields)
EX_PARTNER = list(SashExPartnerFactors.model_fields)
OFFICER = {"rol": "SASH-screener", "naam": "Brigadier T. Visser", "telefoon": "+31 10 555 0199"}


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def mapped(path: Path) -> list[list[Mapped]]:
    records = read(path)
    assert all(record.ok for record in records), [record.problems for record in records]
    return [ADAPTER.to_signals(record.native) for record in records]


def only(path: Path, part: str) -> Any:
    """The one signal with `part` in a one-record sample file."""
    [signals] = mapped(path)
    return next(m.signal for m in signals if m.part == part)


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())["data"]
    return data


# --- the adapter as the plumbing sees it ---------------------------------------------------------


def test_the_registry_returns_the_police_adapter() -> None:
    assert adapter("police") is ADAPTER
    assert (ADAPTER.org, ADAPTER.media_type, ADAPTER.suffix) == ("police", "application/json", ".json")


def test_to_signals_takes_only_what_read_gives() -> None:
    native = PoliceReportRecord.model_validate_json((SAMPLES / "report-1.json").read_bytes())
    with pytest.raises(TypeError, match="PoliceMutation"):
        ADAPTER.to_signals(native)
    assert ADAPTER.to_signals(PoliceMutation(native)) == to_signals(native)


def test_one_object_or_an_array_of_objects() -> None:
    single = read(SAMPLES / "report-1.json")
    assert [(r.position, r.record_id) for r in single] == [("record 1", "PL0100-20261104")]
    scenario = read(SAMPLES / "scenario.json")
    assert [(r.position, r.record_id) for r in scenario] == [
        ("record 1", "PL1700-26004512"),
        ("record 2", "PL1700-26004512/1"),
    ]


def test_a_registration_and_its_mutations_never_share_a_record_id() -> None:
    ids = [record.record_id for path in sorted(SAMPLES.glob("*.json")) for record in read(path)]
    assert None not in ids
    assert len(ids) == len(set(ids)), ids
    assert {"PL0100-20261104", "PL0100-20261104/1", "PL0100-20261104/2"} <= set(ids)


def test_a_corrected_report_is_a_mutation_of_its_registration() -> None:
    record = json.loads((SAMPLES / "report-1.json").read_text()) | {"mutatienummer": 3}
    [corrected] = ADAPTER.read(json.dumps(record).encode())
    assert corrected.ok and corrected.record_id == "PL0100-20261104/3"
    assert [m.part for m in ADAPTER.to_signals(corrected.native)] == ["report"]


def test_a_mutation_without_its_number_is_named_by_position_only() -> None:
    [record, *_] = read(BAD / "mutation-number.json")
    assert record.record_id is None and not record.ok


# --- melding and aangifte → new_report (+ risk_assessment) ---------------------------------------


def test_an_aangifte_maps_field_by_field() -> None:
    native = PoliceReportRecord.model_validate_json((SAMPLES / "report-1.json").read_bytes())
    report = to_new_report(native)
    assert report.kind is ReportKind.AANGIFTE
    assert report.reporter_role is ReporterRole.VICTIM
    assert report.incident_time == native.pleegdatum == datetime.fromisoformat("2026-11-03T21:40:00+01:00")
    assert report.incident_place == "Rotterdam"
    assert report.stalking_indicators == [
        StalkingIndicator.FOLLOWING,
        StalkingIndicator.UNWANTED_CONTACT,
        StalkingIndicator.THREATS,
    ]
    assert report.suspect is not None and report.suspect.bsn == "111222333"
    assert (report.suspect.given_name, report.suspect.family_name) == ("Bram", "Verhoef")
    assert report.suspect.birth_date == date(1990, 4, 12)
    assert report.victim is not None and report.victim.birth_date == date(1993, 8, 30)
    assert [(child.given_name, child.bsn) for child in report.children] == [("Mila", None)]
    assert report.description == native.toelichting
    assert (report.contact.role, report.contact.name) == ("casusregisseur", "Inspecteur J. Bakker")
    assert (report.contact.phone, report.contact.unit) == ("+31 10 000 0001", "Basisteam Rotterdam-Zuid")
    assert report.attributes() == {"minors_involved": True, "report_kind": "aangifte"}
    assert report == NewReport.model_validate(example("new_report"))


def test_an_aangifte_without_sash_is_only_a_report() -> None:
    [signals] = mapped(SAMPLES / "report-1.json")
    assert [(m.part, m.signal.name) for m in signals] == [("report", "new_report")]


def test_a_melding_with_sash_is_a_report_and_a_risk_assessment() -> None:
    [signals] = mapped(SAMPLES / "report-2.json")
    assert [(m.part, m.signal.name) for m in signals] == [
        ("report", "new_report"),
        ("risk", "risk_assessment"),
    ]
    report, risk = (m.signal for m in signals)
    assert isinstance(report, NewReport) and isinstance(risk, RiskAssessment)
    assert report.kind is ReportKind.MELDING and report.reporter_role is ReporterRole.PROFESSIONAL
    assert report.stalking_indicators == [StalkingIndicator.SURVEILLANCE, StalkingIndicator.ONLINE_STALKING]
    assert report.incident_place == "Vlaardingen" and report.children == []
    assert report.victim is not None and report.victim.address == Address(
        street="Havenkade", house_number="27B", postal_code="3131 AA", city="Vlaardingen"
    )
    assert risk.instrument is Instrument.SASH
    assert risk.risk_level is RiskLevel.MEDIUM  # three ja answers, no eindoordeel
    assert risk.no_way_out_but_violence is False
    assert risk.victim_fears_for_life is False  # answered onbekend: not established
    assert risk.previous_risk_level is None and risk.risk_rising() is False
    assert risk.assessed_on == date(2026, 2, 17)
    assert (risk.assessor.role, risk.assessor.name) == ("vaste contactpersoon", "Brigadier A. Smit")
    assert risk.contact == report.contact
    assert (risk.suspect, risk.victim, risk.children) == (report.suspect, report.victim, report.children)


def test_every_code_has_its_translation() -> None:
    assert set(REPORTER_ROLES) == set(get_args(MelderRol))
    assert set(INDICATORS) == set(get_args(Kenmerk))
    assert set(MEASURES) == set(get_args(Maatregel))
    assert set(DETECTED_BY) == set(get_args(Aanleiding))
    assert set(OFFENCES) == set(get_args(Feit)) and set(OFFENCES.values()) == set(Offence)
    assert set(SEVERITIES) == set(LEVELS) == set(get_args(Niveau))
    assert set(CONTACT_ROLES) == set(get_args(Contactrol))
    assert set(KINDS) == set(get_args(Soort)) and set(KINDS) > MUTATIONS
    assert len(set(MEASURES.values())) == len(MeasureKind)


# --- aanhouding → arrest (+ breach_of_conditions) -------------------------------------------------


def arrest_record(**changes: Any) -> PoliceMutation:
    """The sample arrest for breaking a contact ban, with fields changed (None: left out)."""
    record = json.loads((SAMPLES / "aanhouding.json").read_text()) | changes
    return PoliceMutation.model_validate({key: value for key, value in record.items() if value is not None})


NEW_OFFENCE_ONLY: dict[str, Any] = {
    "overtreden_maatregel": None,
    "aanleiding": None,
    "ernst": None,
    "strafbaar_feit": "MISHANDELING",
}


def test_an_arrest_for_breaking_a_measure_is_an_arrest_and_a_breach() -> None:
    [signals] = mapped(SAMPLES / "aanhouding.json")
    assert [(m.part, m.signal.name) for m in signals] == [
        ("arrest", "arrest"),
        ("breach", "breach_of_conditions"),
    ]
    arrest, breach = (m.signal for m in signals)
    assert isinstance(arrest, Arrest) and isinstance(breach, BreachOfConditions)
    assert (arrest.suspect, arrest.victim, arrest.children) == (
        breach.suspect,
        breach.victim,
        breach.children,
    )
    assert arrest.contact == breach.contact and arrest.measure is breach.measure


def test_an_arrest_maps_field_by_field() -> None:
    arrest = only(SAMPLES / "aanhouding.json", "arrest")
    assert isinstance(arrest, Arrest)
    assert arrest.arrested_at == datetime.fromisoformat("2026-05-02T19:05:00+02:00")
    assert arrest.measure is MeasureKind.CONTACT_BAN and arrest.offence is None
    assert arrest.incident_time == datetime.fromisoformat("2026-05-02T17:30:00+02:00")
    assert (arrest.incident_place, arrest.held_at) == ("Vlaardingen", "Politiebureau Vlaardingen")
    assert (arrest.suspect.bsn, arrest.suspect.family_name) == ("345678916", "de Wit")
    assert arrest.victim is not None and arrest.victim.bsn == "345678904"
    assert (arrest.contact.name, arrest.contact.unit) == (
        "Brigadier A. Smit",
        "Basisteam Schiedam-Vlaardingen",
    )
    assert arrest.attributes() == {"minors_involved": False, "breach_of_measure": True, "new_offence": False}
    assert arrest == Arrest.model_validate(example("arrest"))


def test_the_arrest_carries_no_free_text() -> None:
    arrest = only(SAMPLES / "aanhouding.json", "arrest")
    dumped = json.dumps(arrest.model_dump(mode="json"))
    assert "twaalf keer" not in dumped and "description" not in dumped


def test_an_arrest_for_a_new_offence_is_only_an_arrest() -> None:
    [[only_signal]] = mapped(SAMPLES / "aanhouding-nieuw-feit.json")
    arrest = only_signal.signal
    assert only_signal.part == "arrest" and isinstance(arrest, Arrest)
    assert arrest.offence is Offence.THREAT and arrest.measure is None
    assert arrest.arrested_at == datetime.fromisoformat("2026-12-03T21:50:00+01:00")
    assert arrest.incident_time == datetime.fromisoformat("2026-12-03T20:15:00+01:00")
    assert arrest.held_at == "Cellencomplex Rotterdam"
    assert [child.given_name for child in arrest.children] == ["Mila"]
    assert arrest.attributes() == {"minors_involved": True, "breach_of_measure": False, "new_offence": True}


@pytest.mark.parametrize(
    ("changes", "parts"),
    [
        ({}, ["arrest", "breach"]),
        ({"strafbaar_feit": "BEDREIGING"}, ["arrest", "breach"]),
        (NEW_OFFENCE_ONLY, ["arrest"]),
        (
            {**NEW_OFFENCE_ONLY, "toelichting": None, "plaats_insluiting": None, "pleegdatum": None},
            ["arrest"],
        ),
    ],
)
def test_every_arrest_record_yields_an_arrest_and_a_breach_only_of_a_measure(
    changes: dict[str, Any], parts: list[str]
) -> None:
    signals = ADAPTER.to_signals(arrest_record(**changes))
    assert [m.part for m in signals] == parts
    arrest = signals[0].signal
    assert isinstance(arrest, Arrest)
    assert (arrest.measure is not None) is ("breach" in parts)
    assert (arrest.offence is not None) is ("strafbaar_feit" in changes)


def test_an_arrest_without_pleegdatum_dates_the_incident_at_the_arrest() -> None:
    [_, [arrest, breach]] = mapped(SAMPLES / "scenario.json")
    assert isinstance(arrest.signal, Arrest) and isinstance(breach.signal, BreachOfConditions)
    caught = datetime.fromisoformat("2026-04-18T23:10:00+02:00")
    assert arrest.signal.arrested_at == arrest.signal.incident_time == breach.signal.breach_time == caught


def test_the_arrest_and_its_breach_have_ids_of_their_own_and_the_breach_keeps_its_id() -> None:
    [record] = read(SAMPLES / "aanhouding.json")
    assert record.record_id == "PL1700-26002231/2"
    ids = {m.part: signal_id("police", record.record_id, m.part) for m in ADAPTER.to_signals(record.native)}
    assert ids["arrest"] != ids["breach"]
    assert ids["breach"] == signal_id("police", "PL1700-26002231/2", "breach")  # as before the arrest existed


def test_an_arrest_maps_to_a_breach_field_by_field() -> None:
    breach = only(SAMPLES / "aanhouding.json", "breach")
    assert isinstance(breach, BreachOfConditions)
    assert breach.measure is MeasureKind.CONTACT_BAN
    assert breach.breach_time == datetime.fromisoformat("2026-05-02T17:30:00+02:00")  # pleegdatum, not arrest
    assert breach.place == "Vlaardingen"
    assert breach.detected_by is DetectedBy.VICTIM_REPORT
    assert breach.severity is Severity.MEDIUM
    assert breach.description is not None and breach.description.startswith("Slachtoffer meldt")
    assert breach.suspect is not None and breach.suspect.bsn == "345678916"
    assert breach.victim is not None and breach.victim.bsn == "345678904"
    assert (breach.contact.name, breach.contact.phone) == ("Brigadier A. Smit", "+31 10 555 0105")
    assert breach.attributes() == {
        "minors_involved": False,
        "measure": "contact_ban",
        "severity": "medium",
        "detected_by": "victim_report",
    }


# --- a melding or aangifte that a measure was broken → breach_of_conditions -----------------------


def test_a_victims_report_of_a_broken_ban_is_a_breach_not_a_new_report() -> None:
    [[breach], [report, also_breach]] = mapped(SAMPLES / "melding-overtreding.json")
    assert breach.part == "breach" and isinstance(breach.signal, BreachOfConditions)
    signal = breach.signal
    assert signal.measure is MeasureKind.CONTACT_BAN
    assert signal.detected_by is DetectedBy.VICTIM_REPORT and signal.severity is Severity.HIGH
    assert signal.breach_time == datetime.fromisoformat("2026-05-09T21:10:00+02:00")
    assert signal.place == "Vlaardingen"
    assert signal.description is not None and signal.description.startswith("Melder verklaart")
    assert signal.suspect is not None and signal.suspect.bsn == "345678916"
    assert signal.victim is not None and signal.victim.bsn == "345678904"
    assert signal.contact.role == "vaste contactpersoon"
    # an aangifte that also reports stalking keeps its new_report beside the breach
    assert [report.part, also_breach.part] == ["report", "breach"]
    assert isinstance(report.signal, NewReport) and report.signal.kind is ReportKind.AANGIFTE
    assert isinstance(also_breach.signal, BreachOfConditions)
    assert also_breach.signal.measure is MeasureKind.AREA_BAN


def test_a_reported_breach_has_the_id_of_its_record_and_part() -> None:
    records = read(SAMPLES / "melding-overtreding.json")
    ids = [
        signal_id("police", record.record_id, m.part)
        for record in records
        for m in ADAPTER.to_signals(record.native)
    ]
    assert ids == [
        signal_id("police", "PL1700-26003340", "breach"),
        signal_id("police", "PL1700-26003341", "report"),
        signal_id("police", "PL1700-26003341", "breach"),
    ]
    assert len(set(ids)) == 3


@pytest.mark.parametrize(
    ("melder", "detected_by"),
    [
        ("slachtoffer", DetectedBy.VICTIM_REPORT),
        ("getuige", DetectedBy.OTHER),
        ("professional", DetectedBy.OTHER),
    ],
)
def test_who_reported_the_breach_says_how_it_came_to_light(melder: str, detected_by: DetectedBy) -> None:
    record = json.loads((SAMPLES / "melding-overtreding.json").read_text())[0] | {"melder_rol": melder}
    [breach] = ADAPTER.to_signals(PoliceMutation.model_validate(record))
    assert isinstance(breach.signal, BreachOfConditions) and breach.signal.detected_by is detected_by


def test_a_report_that_names_no_broken_measure_is_a_new_report_as_before() -> None:
    record = json.loads((SAMPLES / "melding-overtreding.json").read_text())[0]
    del record["overtreden_maatregel"], record["ernst"]
    [report] = ADAPTER.to_signals(PoliceMutation.model_validate(record))
    assert report.part == "report" and isinstance(report.signal, NewReport)
    assert [m.part for m in ADAPTER.to_signals(read(SAMPLES / "report-1.json")[0].native)] == ["report"]


# --- wijziging_contactpersoon → contact_changed --------------------------------------------------


def test_a_change_of_contact_person_maps_field_by_field() -> None:
    changed = only(SAMPLES / "wijziging-contactpersoon.json", "contact")
    assert isinstance(changed, ContactChanged)
    assert changed.role is ContactRole.CASE_DIRECTOR
    assert (changed.contact.name, changed.contact.phone) == ("Inspecteur S. Yilmaz", "+31 10 555 0103")
    assert (changed.previous_contact.name, changed.previous_contact.phone) == (
        "Inspecteur J. Bakker",
        "+31 10 000 0001",
    )
    assert changed.availability == "ma-vr 08:30-17:00"
    assert changed.suspect is not None and changed.suspect.given_name == "Bram"
    assert [child.given_name for child in changed.children] == ["Mila"]
    assert changed.attributes() == {"minors_involved": True, "role": "case_director"}


# --- sash_herbeoordeling → risk_assessment -------------------------------------------------------


def test_a_new_screening_carries_the_previous_level() -> None:
    risk = only(SAMPLES / "sash-herbeoordeling.json", "risk")
    assert isinstance(risk, RiskAssessment)
    assert risk.previous_risk_level is RiskLevel.MEDIUM
    assert risk.risk_level is RiskLevel.HIGH  # the screener's eindoordeel: the count alone says midden
    assert risk.risk_rising() is True
    assert (risk.no_way_out_but_violence, risk.victim_fears_for_life) == (False, False)
    assert risk.assessed_on == date(2026, 11, 20)
    assert risk.assessor.name == "Brigadier P. de Graaf" and risk.contact.name == "Inspecteur J. Bakker"


# --- the SASH level ------------------------------------------------------------------------------


def sash(
    yes: int = 0,
    unknown: int = 0,
    *,
    ex_partner: tuple[Antwoord, Antwoord] | None = None,
    no_way_out: Antwoord = "nee",
    fears: Antwoord = "nee",
    eindoordeel: Niveau | None = None,
) -> SashForm:
    """A form with `yes` general risk factors answered ja, the next `unknown` onbekend, the rest nee."""
    assert yes + unknown <= len(FACTORS)
    answers = ["ja"] * yes + ["onbekend"] * unknown + ["nee"] * (len(FACTORS) - yes - unknown)
    return SashForm.model_validate(
        {
            "afnamedatum": "2026-03-04",
            "afgenomen_door": OFFICER,
            "risicofactoren": dict(zip(FACTORS, answers, strict=True)),
            "ex_partnerfactoren": dict(zip(EX_PARTNER, ex_partner, strict=True)) if ex_partner else None,
            "alarmvragen": {
                "geen_uitweg_dan_geweld": no_way_out,
                "slachtoffer_vreest_voor_eigen_leven": fears,
            },
            "eindoordeel": eindoordeel,
        }
    )


def test_the_form_has_twelve_risk_factors_two_ex_partner_factors_and_two_alarm_items() -> None:
    assert len(FACTORS) == 12 and len(EX_PARTNER) == 2
    assert (MIDDEN_FROM, HOOG_FROM, MOST_UNKNOWN) == (3, 6, 4)


@pytest.mark.parametrize(("no_way_out", "fears"), [("ja", "nee"), ("nee", "ja"), ("ja", "ja")])
@pytest.mark.parametrize("eindoordeel", [None, "laag", "midden"])
def test_an_alarm_item_answered_ja_forces_hoog(
    no_way_out: Antwoord, fears: Antwoord, eindoordeel: Niveau | None
) -> None:
    for yes, unknown in [(0, 0), (0, len(FACTORS)), (2, 10), (5, 0)]:
        form = sash(yes, unknown, no_way_out=no_way_out, fears=fears, eindoordeel=eindoordeel)
        assert sash_level(form) is RiskLevel.HIGH


@pytest.mark.parametrize(("no_way_out", "fears"), list(product(["ja", "nee", "onbekend"], repeat=2)))
def test_the_alarm_items_reach_the_signal_as_answered(no_way_out: Antwoord, fears: Antwoord) -> None:
    record = PoliceReportRecord.model_validate_json((SAMPLES / "report-1.json").read_bytes())
    record = record.model_copy(update={"sash": sash(no_way_out=no_way_out, fears=fears)})
    [_, risk] = (m.signal for m in to_signals(record))
    assert isinstance(risk, RiskAssessment)
    assert risk.no_way_out_but_violence is (no_way_out == "ja")
    assert risk.victim_fears_for_life is (fears == "ja")
    assert (risk.risk_level is RiskLevel.HIGH) is ("ja" in (no_way_out, fears))


@pytest.mark.parametrize(
    ("yes", "level"),
    [
        (0, "laag"),
        (1, "laag"),
        (2, "laag"),
        (3, "midden"),
        (4, "midden"),
        (5, "midden"),
        (6, "hoog"),
        (12, "hoog"),
    ],
)
def test_without_eindoordeel_the_count_of_ja_answers_gives_the_level(yes: int, level: str) -> None:
    assert sash_level(sash(yes)) is RiskLevel(level)
    assert sash_level(sash(yes, no_way_out="onbekend", fears="onbekend")) is RiskLevel(level)


@pytest.mark.parametrize(
    ("yes", "ex_partner", "level"),
    [
        (2, ("ja", "nee"), "midden"),
        (1, ("ja", "ja"), "midden"),
        (2, ("nee", "onbekend"), "laag"),
        (4, ("ja", "ja"), "hoog"),
        (5, ("ja", "nee"), "hoog"),
        (5, ("nee", "nee"), "midden"),
    ],
)
def test_the_ex_partner_factors_count_with_the_others(
    yes: int, ex_partner: tuple[Antwoord, Antwoord], level: str
) -> None:
    assert sash_level(sash(yes, ex_partner=ex_partner)) is RiskLevel(level)


@pytest.mark.parametrize(
    ("yes", "level"), [(0, "laag"), (2, "laag"), (3, "midden"), (5, "midden"), (6, "hoog")]
)
def test_up_to_four_onbekend_answers_do_not_count(yes: int, level: str) -> None:
    assert sash_level(sash(yes, MOST_UNKNOWN)) is RiskLevel(level)


@pytest.mark.parametrize(
    ("yes", "unknown", "ex_partner"),
    [(0, 5, None), (5, 5, None), (0, 12, None), (2, 3, ("onbekend", "onbekend"))],
)
def test_more_than_four_onbekend_answers_need_the_screeners_eindoordeel(
    yes: int, unknown: int, ex_partner: tuple[Antwoord, Antwoord] | None
) -> None:
    with pytest.raises(MappingError) as refused:
        sash_level(sash(yes, unknown, ex_partner=ex_partner))
    [problem] = refused.value.problems
    assert problem.path == "sash.eindoordeel"
    assert problem.expected is not None and "'laag', 'midden' or 'hoog'" in problem.expected
    for level in get_args(Niveau):
        assert sash_level(sash(yes, unknown, ex_partner=ex_partner, eindoordeel=level)) is RiskLevel(level)


@pytest.mark.parametrize("unknown", [5, 6])
def test_onbekend_answers_do_not_matter_once_the_ja_answers_reach_hoog(unknown: int) -> None:
    assert sash_level(sash(HOOG_FROM, unknown)) is RiskLevel.HIGH


@pytest.mark.parametrize(
    ("yes", "eindoordeel"), [(12, "laag"), (8, "midden"), (0, "hoog"), (4, "laag"), (1, "midden")]
)
def test_the_screeners_eindoordeel_wins_over_the_count(yes: int, eindoordeel: Niveau) -> None:
    assert sash_level(sash(yes, eindoordeel=eindoordeel)) is RiskLevel(eindoordeel)


def test_more_ja_answers_never_lower_the_level_and_alarm_items_always_give_hoog() -> None:
    order = list(RiskLevel)
    for unknown in range(MOST_UNKNOWN + 1):
        levels = [order.index(sash_level(sash(yes, unknown))) for yes in range(len(FACTORS) - unknown + 1)]
        assert levels == sorted(levels)
        for yes in range(len(FACTORS) - unknown + 1):
            # onbekend counts as neither ja nor nee: the same level as with nee in its place
            assert sash_level(sash(yes, unknown)) is sash_level(sash(yes))
    for yes, unknown in product(range(len(FACTORS) + 1), repeat=2):
        if yes + unknown <= len(FACTORS):
            assert sash_level(sash(yes, unknown, fears="ja")) is RiskLevel.HIGH
            assert sash_level(sash(yes, unknown, no_way_out="ja")) is RiskLevel.HIGH


# --- every sample, every bad export --------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_every_sample_reads_and_maps_with_no_problems(path: Path) -> None:
    for signals in mapped(path):
        assert signals
        assert len({m.part for m in signals}) == len(signals)
        for m in signals:
            assert isinstance(m.signal, Signal)
            assert type(m.signal).model_validate(m.signal.model_dump(mode="json")) == m.signal
            assert m.signal.subject() is not None


def test_the_samples_cover_every_record_kind() -> None:
    kinds = {record.native.root.soort for path in SAMPLES.glob("*.json") for record in read(path)}
    assert kinds == set(get_args(Soort))


# For each bad export: the rejected positions with their problem paths (read or mapping problems),
# and text from the offending values that must not appear in any problem.
BAD_EXPORTS: dict[str, tuple[dict[str, list[str]], list[str]]] = {
    "missing-field.json": ({"record 2": ["pleegdatum"]}, []),
    "unparseable-date.json": ({"record 2": ["pleegdatum"]}, ["maart"]),
    "number-for-date.json": ({"record 1": ["aanhoudingstijdstip"]}, ["1777741500"]),
    "no-utc-offset.json": ({"record 2": ["pleegdatum"]}, ["2026-03-20T18"]),
    "unknown-code.json": (
        {"record 1": ["overtreden_maatregel"], "record 3": ["kenmerken.1"]},
        ["MELDPLICHT", "AFLUISTEREN"],
    ),
    "invalid-bsn.json": ({"record 2": ["verdachte.bsn"]}, ["345678929"]),
    "unknown-soort.json": ({"record 2": ["soort"], "record 3": ["soort"]}, ["huisbezoek"]),
    "unknown-field.json": ({"record 1": ["bijzonderheden"]}, ["gebeld"]),
    "mutation-number.json": ({"record 1": ["mutatienummer"], "record 2": ["mutatienummer"]}, []),
    "not-an-object.json": ({"record 2": ["(record)"]}, ["PL1700-26003316"]),
    "sash-answer.json": ({"record 1": ["sash.risicofactoren.escalatie"]}, ["misschien"]),
    "not-json.json": ({"file": ["(file)"]}, ["PL1700-26003318"]),
    "not-utf8.json": ({"file": ["(file)"]}, ["Smits", "bericht"]),
    # Records that read well but cannot be mapped:
    "sash-too-many-unknowns.json": ({"record 2": ["sash.eindoordeel"]}, []),
    "no-subject.json": ({"record 1": ["verdachte"]}, []),
    "same-contact.json": ({"record 1": ["behandelaar"]}, ["Yilmaz", "0103"]),
    "arrest-no-ground.json": ({"record 2": ["overtreden_maatregel"]}, []),
    "arrest-breach-facts.json": ({"record 1": ["ernst"], "record 2": ["aanleiding", "ernst"]}, []),
    "report-breach-facts.json": ({"record 1": ["ernst"], "record 2": ["ernst"]}, []),
    "arrest-not-domestic-violence.json": (
        {"record 1": ["huiselijk_geweld"], "record 2": ["huiselijk_geweld"]},
        ["nee"],
    ),
    "huisverbod-dates.json": (
        {
            "record 1": ["einddatum"],  # a huisverbod without its end
            "record 2": ["einddatum"],  # 18 days: more than 10
            "record 3": ["einddatum"],  # extended to 31 days: more than four weeks
            "record 4": ["einddatum"],  # extended to before the previous end
        },
        ["2026-05-20", "2026-06-02", "2026-11-01"],
    ),
}


def outcomes(path: Path) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Per rejected position its problem paths; the positions that mapped; the problems' text."""
    rejected: dict[str, list[str]] = {}
    good: list[str] = []
    texts: list[str] = []
    for record in read(path):
        problems = list(record.problems)
        if record.ok:
            try:
                assert ADAPTER.to_signals(record.native)
                good.append(record.position)
            except MappingError as error:
                problems = list(error.problems)
        if problems:
            rejected[record.position] = [problem.path for problem in problems]
            texts += [f"{problem.message} {problem.expected}" for problem in problems]
    return rejected, good, texts


def test_the_bad_corpus_is_all_expected() -> None:
    assert len(BAD_EXPORTS) >= 8
    assert sorted(path.name for path in BAD.iterdir()) == sorted(BAD_EXPORTS)


@pytest.mark.parametrize("name", sorted(BAD_EXPORTS))
def test_a_bad_export_rejects_exactly_its_bad_records_and_the_rest_goes_through(name: str) -> None:
    expected, secrets = BAD_EXPORTS[name]
    rejected, good, texts = outcomes(BAD / name)
    assert rejected == expected
    if "file" not in expected:
        assert good, "every bad export with records mixes good ones in"
        assert not set(good) & set(expected)
    for secret in secrets:
        assert not any(secret in text for text in texts), f"a problem repeats the offending value {secret!r}"


# --- the shared scenario -------------------------------------------------------------------------


def test_the_scenario_yields_exactly_steps_2_and_5() -> None:
    records = read(SAMPLES / "scenario.json")
    signals = [(r.record_id, m.part, m.signal) for r in records for m in ADAPTER.to_signals(r.native)]
    assert [(record_id, part, s.name) for record_id, part, s in signals] == [
        ("PL1700-26004512", "report", "new_report"),
        ("PL1700-26004512", "risk", "risk_assessment"),
        ("PL1700-26004512/1", "arrest", "arrest"),
        ("PL1700-26004512/1", "breach", "breach_of_conditions"),
    ]
    report, risk, arrest, breach = (s for _, _, s in signals)
    assert isinstance(report, NewReport) and isinstance(risk, RiskAssessment)
    assert isinstance(arrest, Arrest) and isinstance(breach, BreachOfConditions)
    for signal in (report, risk, arrest, breach):
        assert signal.suspect is not None and (signal.suspect.bsn, signal.suspect.given_name) == (
            "111222333",
            "Bram",
        )
        assert signal.victim is not None and (signal.victim.bsn, signal.victim.given_name) == (
            "123456782",
            "Lotte",
        )
        assert [(c.bsn, c.given_name, c.birth_date) for c in signal.children] == [
            ("234567806", "Noor", date(2019, 2, 14))
        ]
        assert signal.contact.role == "casusregisseur"
    # Step 2: the aangifte of stalking, and the SASH with one alarm item ja: hoog.
    assert report.kind is ReportKind.AANGIFTE and report.incident_place == "Rotterdam"
    assert set(report.stalking_indicators) == {
        StalkingIndicator.FOLLOWING,
        StalkingIndicator.UNWANTED_CONTACT,
        StalkingIndicator.THREATS,
    }
    assert (risk.instrument, risk.risk_level) == (Instrument.SASH, RiskLevel.HIGH)
    assert (risk.victim_fears_for_life, risk.no_way_out_but_violence) == (True, False)
    assert risk.assessed_on == date(2026, 3, 4) and risk.previous_risk_level is None
    form = records[0].native.root.sash
    calm = form.alarmvragen.model_copy(update={"slachtoffer_vreest_voor_eigen_leven": "nee"})
    assert sash_level(form.model_copy(update={"alarmvragen": calm})) is RiskLevel.MEDIUM, (
        "the alarm item gives hoog"
    )
    # Step 5: the arrest near her home, a breach of the behavioural order detected by the police.
    assert arrest.arrested_at == datetime.fromisoformat("2026-04-18T23:10:00+02:00")
    assert (arrest.measure, arrest.offence) == (MeasureKind.BEHAVIOURAL_ORDER, None)
    assert arrest.held_at == "Cellencomplex Rotterdam"
    assert breach.measure is MeasureKind.BEHAVIOURAL_ORDER
    assert breach.detected_by is DetectedBy.POLICE_OBSERVATION and breach.severity is Severity.HIGH
    assert breach.breach_time == datetime.fromisoformat("2026-04-18T23:10:00+02:00")


# --- determinism ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_mapping_twice_gives_equal_signals(path: Path) -> None:
    assert mapped(path) == mapped(path)
    assert read(path) == read(path)


# --- measures the police register: the tijdelijk huisverbod and the civil bans --------------------


def test_every_registered_measure_and_end_reason_has_its_code() -> None:
    assert set(REGISTERED_MEASURES) == set(get_args(GeregistreerdeMaatregel)) <= set(get_args(Maatregel))
    assert all(MEASURES[code] is kind for code, kind in REGISTERED_MEASURES.items())
    assert set(END_REASONS) == set(get_args(RedenEinde))
    assert {"maatregel_opgelegd", "maatregel_verlengd", "maatregel_beeindigd"} <= MUTATIONS


def test_a_huisverbod_is_imposed_extended_and_ended_with_its_dates() -> None:
    records = read(SAMPLES / "huisverbod.json")
    signals = [(r.record_id, m.part, m.signal) for r in records for m in ADAPTER.to_signals(r.native)]
    assert [(record_id, part, s.name) for record_id, part, s in signals] == [
        ("PL1700-26005120/1", "measure", "measure_imposed"),
        ("PL1700-26005120/2", "measure", "measure_extended"),
        ("PL1700-26005120/3", "measure", "measure_ended"),
    ]
    imposed, extended, ended = (s for _, _, s in signals)
    assert isinstance(imposed, MeasureImposed) and isinstance(extended, MeasureExtended)
    assert isinstance(ended, MeasureEnded)
    for signal in (imposed, extended, ended):
        assert signal.kind is MeasureKind.TEMPORARY_RESTRAINING_ORDER
        assert signal.suspect is not None and signal.suspect.given_name == "Mark"
        assert signal.victim is not None and signal.victim.given_name == "Sanne"
        assert signal.contact.role == "hulpofficier van justitie"
        assert signal.attributes()["measure"] == "temporary_restraining_order"
    # it carries its end, so that the decision on extending it is due before then
    assert (imposed.starts_on, imposed.ends_on) == (date(2026, 5, 2), date(2026, 5, 12))
    assert (extended.previous_ends_on, extended.ends_on) == (date(2026, 5, 12), date(2026, 5, 30))
    assert (ended.ended_on, ended.reason) == (date(2026, 5, 30), EndReason.EXPIRED)


def test_a_civil_ban_may_run_without_an_end() -> None:
    ban = only(SAMPLES / "civiel-contactverbod.json", "measure")
    assert isinstance(ban, MeasureImposed)
    assert (ban.kind, ban.starts_on, ban.ends_on) == (MeasureKind.CIVIL_CONTACT_BAN, date(2026, 6, 15), None)
    assert ban.victim is not None and ban.victim.bsn is None


@pytest.mark.parametrize(
    ("reden", "reason"),
    [("VERLOPEN", EndReason.EXPIRED), ("INGETROKKEN", EndReason.LIFTED), ("VERVANGEN", EndReason.REPLACED)],
)
def test_why_a_measure_ended(reden: str, reason: EndReason) -> None:
    raw = json.loads((SAMPLES / "huisverbod.json").read_text())[2] | {"reden": reden}
    [ended] = ADAPTER.to_signals(PoliceMutation.model_validate(raw))
    assert ended.signal.reason is reason


def test_a_huisverbod_may_last_ten_days_and_be_extended_to_four_weeks() -> None:
    imposed, extended, _ = json.loads((SAMPLES / "huisverbod.json").read_text())
    ten = PoliceMutation.model_validate(imposed | {"einddatum": "2026-05-12"})
    assert ADAPTER.to_signals(ten)[0].signal.ends_on == date(2026, 5, 12)
    four_weeks = PoliceMutation.model_validate(extended | {"einddatum": "2026-05-30"})
    assert ADAPTER.to_signals(four_weeks)[0].signal.ends_on == date(2026, 5, 30)
    with pytest.raises(MappingError) as refused:
        ADAPTER.to_signals(PoliceMutation.model_validate(extended | {"einddatum": "2026-05-31"}))
    assert [p.path for p in refused.value.problems] == ["einddatum"]
    assert "28 days" in refused.value.problems[0].message


def test_an_arrest_for_breaking_a_huisverbod_is_an_arrest_and_a_breach() -> None:
    arrest, breach = (m.signal for m in ADAPTER.to_signals(arrest_record(overtreden_maatregel="HUISVERBOD")))
    assert arrest.measure is MeasureKind.TEMPORARY_RESTRAINING_ORDER
    assert breach.measure is MeasureKind.TEMPORARY_RESTRAINING_ORDER


# --- an arrest without the label huiselijk geweld: dat-informatie only -----------------------------


def test_an_arrest_without_the_label_huiselijk_geweld_is_dat_informatie_about_the_suspect_only() -> None:
    [record] = read(SAMPLES / "aanhouding-zonder-huiselijk-geweld.json")
    [mapped_] = ADAPTER.to_signals(record.native)
    involvement = mapped_.signal
    assert mapped_.part == "involvement" and isinstance(involvement, InvolvementOpened)
    assert (involvement.role, involvement.since) == (InvolvementRole.INVESTIGATOR, date(2026, 9, 14))
    assert involvement.suspect is not None and involvement.suspect.bsn == "111222333"
    assert (involvement.victim, involvement.children) == (None, [])
    assert involvement.contact.name == "Agent K. de Groot"
    # nothing of the arrest itself: no offence, no place, no time, no account
    body = json.dumps(involvement.model_dump(mode="json"))
    for secret in ("Cellencomplex", "verdovende", "02:40", "OVERIG", "other"):
        assert secret not in body
    assert involvement.attributes() == {"minors_involved": False, "involvement_role": "investigator"}


def test_the_label_defaults_to_huiselijk_geweld_as_exports_so_far_hold_only_those() -> None:
    assert [m.part for m in ADAPTER.to_signals(arrest_record())] == ["arrest", "breach"]
    explicit = arrest_record(huiselijk_geweld=True)
    assert ADAPTER.to_signals(explicit) == ADAPTER.to_signals(arrest_record())
    assert signal_id("police", "PL1700-26007781/1", "involvement") != signal_id(
        "police", "PL1700-26007781/1", "arrest"
    )
