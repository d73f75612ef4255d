"""The probation (3RO) adapter: CSV rows of supervision events and ankle-tag alerts → signals."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from adapters.exports import Mapped, MappingError, NativeRecord
from adapters.registry import adapter
from gateway.schemas import (
    BreachOfConditions,
    ContactAssigned,
    ContactPerson,
    InvolvementOpened,
    Person,
    RiskAssessment,
)
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import InvolvementRole
from gateway.schemas.measure import MeasureKind
from gateway.schemas.risk_assessment import Instrument, RiskLevel
from tests.fictional import BRAM

PACKAGE = importlib.import_module("adapters.3ro")
ADAPTER = PACKAGE.ADAPTER
SAMPLES = Path(__file__).parents[2] / "adapters" / "3ro" / "samples"
BAD = SAMPLES / "bad"
CEST = timezone(timedelta(hours=2))

LOTTE = Person(given_name="Lotte", family_name="Dekker", birth_date=date(1993, 8, 30))
DENNIS = Person(bsn="345678904", given_name="Dennis", family_name="Vos", birth_date=date(1985, 6, 3))
YARA = Person(given_name="Yara", family_name="Bos", birth_date=date(1988, 11, 21))
KUIPER = ContactPerson(
    role="toezichthouder",
    name="Sanne Kuiper",
    phone="+31 10 555 0131",
    unit="Reclassering Nederland, unit Rotterdam-Zuid",
)

# The columns one row needs whatever its kind; the tests below add their kind's columns.
ROW = {
    "zaaknummer": "RN-2026-003310",
    "gebeurtenis_id": "TZ-000900",
    "tijdstip": "2026-05-02T07:12:00+02:00",
    "client_voornamen": "Dennis",
    "client_achternaam": "Vos",
    "toezichthouder_naam": "Sanne Kuiper",
    "toezichthouder_telefoon": "+31 10 555 0131",
}


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())  # type: ignore[no-any-return]


def read_row(**cells: str) -> NativeRecord:
    """One row of the given cells (ROW's and these), read as the adapter reads an export."""
    row = {**ROW, **cells}
    raw = f"{';'.join(row)}\n{';'.join(row.values())}\n".encode()
    [record] = ADAPTER.read(raw)
    return record  # type: ignore[no-any-return]


def mapped(record: NativeRecord) -> list[Mapped]:
    assert record.ok, record.problems
    return ADAPTER.to_signals(record.native)  # type: ignore[no-any-return]


def one_signal(**cells: str) -> Any:
    [only] = mapped(read_row(**cells))
    return only.signal


def alarm(**cells: str) -> Any:
    return one_signal(soort="ENKELBANDALARM", kader="GEDRAGSAANWIJZING", **cells)


# --- the adapter as the plumbing finds it ---------------------------------------------------------------


def test_the_registry_finds_the_adapter_in_its_non_identifier_package() -> None:
    found = adapter("3ro")
    assert found is ADAPTER
    assert (found.org, found.media_type, found.suffix) == ("3ro", "text/csv", ".csv")


def test_to_signals_refuses_anything_but_a_row_of_this_export() -> None:
    with pytest.raises(TypeError, match="ProbationRow"):
        ADAPTER.to_signals({"soort": "ENKELBANDALARM"})


# --- each kind of row, field by field -------------------------------------------------------------------


def test_an_ankle_tag_alert_maps_to_a_breach_detected_by_the_tag() -> None:
    [record, *_] = read(SAMPLES / "enkelbandalarm.csv")
    assert (record.position, record.record_id) == ("line 2", "RN-2026-003310/EM-26-120301")
    [only] = mapped(record)
    assert only.part == "breach"
    breach = only.signal
    assert isinstance(breach, BreachOfConditions)
    assert breach.suspect == DENNIS
    assert breach.victim == YARA
    assert breach.children == []
    assert breach.measure is MeasureKind.CONTACT_BAN
    assert breach.breach_time == datetime(2026, 5, 2, 7, 12, tzinfo=CEST)
    assert breach.place == "Schiedam"
    assert breach.detected_by is DetectedBy.ANKLE_TAG
    assert breach.severity is Severity.HIGH
    assert breach.description == "Betrokkene 6 minuten binnen de zone rond de werkplek van het slachtoffer."
    assert breach.contact == KUIPER
    assert breach.attributes() == {
        "minors_involved": False,
        "measure": "contact_ban",
        "severity": "high",
        "detected_by": "ankle_tag",
    }


@pytest.mark.parametrize(
    ("alarmcode", "zone_slachtoffer", "measure", "severity"),
    [
        ("UITSLUITINGSZONE", "ja", MeasureKind.BEHAVIOURAL_ORDER, Severity.HIGH),
        ("UITSLUITINGSZONE", "nee", MeasureKind.BEHAVIOURAL_ORDER, Severity.MEDIUM),
        ("INSLUITINGSZONE", "", MeasureKind.BEHAVIOURAL_ORDER, Severity.MEDIUM),
        ("SABOTAGE", "", MeasureKind.ANKLE_TAG, Severity.HIGH),
        ("GEEN_SIGNAAL", "ja", MeasureKind.ANKLE_TAG, Severity.MEDIUM),
    ],
)
def test_the_alarm_decides_severity_and_which_measure_was_breached(
    alarmcode: str, zone_slachtoffer: str, measure: MeasureKind, severity: Severity
) -> None:
    """Zone alarms breach the measure drawing the zone (kader); tag alarms breach the ankle tag."""
    breach = alarm(alarmcode=alarmcode, zone_slachtoffer=zone_slachtoffer)
    assert (breach.measure, breach.severity, breach.detected_by) == (measure, severity, DetectedBy.ANKLE_TAG)


def test_an_alert_without_place_victim_or_account_leaves_them_out() -> None:
    breach = alarm(alarmcode="INSLUITINGSZONE")
    assert (breach.place, breach.victim, breach.description) == (None, None, None)
    assert breach.suspect == Person(given_name="Dennis", family_name="Vos")
    assert breach.contact == ContactPerson(
        role="toezichthouder", name="Sanne Kuiper", phone="+31 10 555 0131"
    )


def test_a_supervision_breach_maps_field_by_field() -> None:
    records = read(SAMPLES / "overtreding.csv")
    [only] = mapped(records[3])
    assert (records[3].record_id, only.part) == ("RN-2026-003310/TZ-000314", "breach")
    assert only.signal == BreachOfConditions(
        suspect=DENNIS,
        victim=YARA,
        measure=MeasureKind.CONTACT_BAN,
        breach_time=datetime(2026, 4, 10, 20, 15, tzinfo=CEST),
        place="Schiedam",
        detected_by=DetectedBy.VICTIM_REPORT,
        severity=Severity.HIGH,
        description="Slachtoffer meldt dat betrokkene haar via een nieuw telefoonnummer berichten stuurt.",
        contact=KUIPER,
    )


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("AFSPRAAK_GEMIST", Severity.LOW),
        ("MELDPLICHT_NIET_NAGEKOMEN", Severity.LOW),
        ("BEHANDELING_NIET_GEVOLGD", Severity.MEDIUM),
        ("CONTACT_SLACHTOFFER", Severity.HIGH),
        ("GEBIED_BETREDEN", Severity.HIGH),
    ],
)
def test_what_the_supervisor_found_decides_the_severity(code: str, severity: Severity) -> None:
    breach = one_signal(soort="OVERTREDING", kader="BIJZONDERE_VOORWAARDEN", overtredingscode=code)
    assert breach.severity is severity
    assert breach.measure is MeasureKind.SPECIAL_CONDITIONS
    assert breach.detected_by is DetectedBy.SUPERVISOR  # no bron: the supervisor found it


@pytest.mark.parametrize(
    ("bron", "detected_by"),
    [
        ("TOEZICHTHOUDER", DetectedBy.SUPERVISOR),
        ("SLACHTOFFER", DetectedBy.VICTIM_REPORT),
        ("POLITIE", DetectedBy.POLICE_OBSERVATION),
        ("DERDEN", DetectedBy.OTHER),
    ],
)
def test_the_source_of_a_supervision_breach_says_how_it_came_to_light(
    bron: str, detected_by: DetectedBy
) -> None:
    breach = one_signal(
        soort="OVERTREDING", kader="GEDRAGSAANWIJZING", overtredingscode="GEBIED_BETREDEN", bron=bron
    )
    assert breach.detected_by is detected_by


@pytest.mark.parametrize(
    ("kader", "measure"),
    [
        ("GEDRAGSAANWIJZING", MeasureKind.BEHAVIOURAL_ORDER),
        ("CONTACTVERBOD", MeasureKind.CONTACT_BAN),
        ("GEBIEDSVERBOD", MeasureKind.AREA_BAN),
        ("ENKELBAND", MeasureKind.ANKLE_TAG),
        ("BIJZONDERE_VOORWAARDEN", MeasureKind.SPECIAL_CONDITIONS),
        ("SCHORSINGSVOORWAARDEN", MeasureKind.SUSPENSION_CONDITIONS),
    ],
)
def test_every_framework_names_its_measure(kader: str, measure: MeasureKind) -> None:
    breach = one_signal(soort="OVERTREDING", kader=kader, overtredingscode="AFSPRAAK_GEMIST")
    assert breach.measure is measure


def test_the_start_of_supervision_is_dat_informatie_about_the_client_only() -> None:
    records = read(SAMPLES / "start-toezicht.csv")
    [only] = mapped(records[0])
    assert (records[0].record_id, only.part) == ("RN-2026-003310/TZ-000201", "involvement")
    # The row names the victim too; dat-informatie is about the supervised person alone.
    assert only.signal == InvolvementOpened(
        suspect=DENNIS, role=InvolvementRole.SUPERVISOR, since=date(2026, 3, 20), contact=KUIPER
    )
    assert only.signal.attributes() == {"minors_involved": False, "involvement_role": "supervisor"}


def test_the_start_day_is_the_day_at_the_rows_own_offset() -> None:
    start = one_signal(soort="START_TOEZICHT", tijdstip="2026-03-11T00:30:00+01:00")
    assert start.since == date(2026, 3, 11)


def test_assigning_a_supervisor_maps_to_contact_assigned() -> None:
    records = read(SAMPLES / "toewijzing-toezichthouder.csv")
    [only] = mapped(records[0])
    assert (records[0].record_id, only.part) == ("RN-2026-003310/TZ-000203", "contact")
    assert only.signal == ContactAssigned(
        suspect=DENNIS,
        victim=YARA,
        role=ContactRole.SUPERVISOR,
        contact=KUIPER,
        availability="ma-do 09:00-17:00",
    )
    [without_hours] = mapped(records[1])
    assert isinstance(without_hours.signal, ContactAssigned)
    assert without_hours.signal.availability is None
    assert without_hours.signal.victim is None


def test_a_risk_reassessment_by_an_assessor_maps_field_by_field() -> None:
    records = read(SAMPLES / "risicotaxatie.csv")
    [only] = mapped(records[1])
    assert (records[1].record_id, only.part) == ("RN-2026-003310/TZ-000402", "risk")
    assert only.signal == RiskAssessment(
        suspect=DENNIS,
        victim=YARA,
        instrument=Instrument.B_SAFER,
        risk_level=RiskLevel.HIGH,
        previous_risk_level=RiskLevel.MEDIUM,
        assessed_on=date(2026, 4, 14),
        assessor=ContactPerson(
            role="taxateur",
            name="Joost Verbeek",
            phone="+31 10 555 0141",
            unit="Reclassering Nederland, unit Rotterdam-Zuid",
        ),
        contact=KUIPER,
    )
    assert only.signal.risk_rising()


@pytest.mark.parametrize(("code", "instrument"), [("RISC", Instrument.RISC), ("SRP", Instrument.SRP)])
def test_without_an_assessor_the_supervisor_assessed(code: str, instrument: Instrument) -> None:
    risk = one_signal(soort="RISICOTAXATIE", instrument=code, risiconiveau="laag")
    assert risk.instrument is instrument
    assert (risk.risk_level, risk.previous_risk_level) == (RiskLevel.LOW, None)
    assert risk.assessor == risk.contact
    assert risk.assessor.role == "toezichthouder"
    assert (risk.no_way_out_but_violence, risk.victim_fears_for_life) == (None, None)


# --- every sample, the bad corpus and the scenario --------------------------------------------------------


GOOD_SAMPLES = sorted(SAMPLES.glob("*.csv"))


def test_there_is_a_sample_of_every_kind_of_row() -> None:
    kinds = {type(record.native.root).__name__ for path in GOOD_SAMPLES for record in read(path) if record.ok}
    assert kinds == {
        "AnkleTagAlert",
        "SupervisionBreach",
        "SupervisionStart",
        "SupervisorAssigned",
        "RiskReassessment",
    }


@pytest.mark.parametrize("path", GOOD_SAMPLES, ids=lambda path: path.name)
def test_every_sample_reads_and_maps_without_problems(path: Path) -> None:
    records = read(path)
    assert records
    for record in records:
        assert record.ok, (record.position, record.problems)
        assert len(mapped(record)) == 1


def test_no_two_rows_of_the_samples_share_an_id() -> None:
    ids = [record.record_id for path in GOOD_SAMPLES for record in read(path)]
    assert None not in ids
    assert len(ids) == len(set(ids))


# file → ({position: problem paths} refused when read, {position: problem paths} refused when mapped,
#         positions that still map)
BAD_CORPUS: dict[str, tuple[dict[str, list[str]], dict[str, list[str]], list[str]]] = {
    "missing-cell.csv": ({"line 3": ["toezichthouder_telefoon"]}, {}, ["line 2"]),
    "missing-column.csv": ({"line 3": ["alarmcode"]}, {}, ["line 2"]),
    "unparseable-date.csv": ({"line 2": ["tijdstip"], "line 4": ["client_geboortedatum"]}, {}, ["line 3"]),
    "number-as-date.csv": ({"line 3": ["tijdstip"]}, {}, ["line 2"]),
    "local-time-without-offset.csv": ({"line 2": ["tijdstip"]}, {}, ["line 3"]),
    "unknown-code.csv": (
        {"line 2": ["alarmcode"], "line 4": ["soort"], "line 5": ["instrument"]},
        {},
        ["line 3"],
    ),
    "invalid-bsn.csv": ({"line 3": ["client_bsn"]}, {}, ["line 2"]),
    "ragged-row.csv": ({"line 3": ["(row)"], "line 4": ["(row)"]}, {}, ["line 2", "line 5"]),
    "not-utf8.csv": ({"file": ["(file)"]}, {}, []),
    "column-of-another-kind.csv": ({"line 2": ["alarmcode"]}, {}, ["line 3"]),
    "bad-phone-and-case-number.csv": (
        {"line 2": ["toezichthouder_telefoon"], "line 4": ["zaaknummer"]},
        {},
        ["line 3"],
    ),
    "reads-but-cannot-be-mapped.csv": (
        {},
        {
            "line 2": ["zone_slachtoffer"],
            "line 4": ["slachtoffer_voornamen", "slachtoffer_achternaam"],
            "line 5": ["taxateur_telefoon"],
        },
        ["line 3"],
    ),
}


def test_the_bad_corpus_is_complete() -> None:
    assert sorted(path.name for path in BAD.iterdir()) == sorted(BAD_CORPUS)


@pytest.mark.parametrize("name", sorted(BAD_CORPUS))
def test_a_bad_export_refuses_exactly_its_bad_rows_and_the_rest_goes_through(name: str) -> None:
    unreadable, unmappable, good = BAD_CORPUS[name]
    records = read(BAD / name)
    refused_reading = {r.position: [p.path for p in r.problems] for r in records if not r.ok}
    assert refused_reading == unreadable
    refused_mapping: dict[str, list[str]] = {}
    went_through = []
    for record in (r for r in records if r.ok):
        try:
            signals = ADAPTER.to_signals(record.native)
        except MappingError as error:
            refused_mapping[record.position] = [p.path for p in error.problems]
        else:
            assert len(signals) == 1
            went_through.append(record.position)
    assert refused_mapping == unmappable
    assert went_through == good


def test_a_problem_names_the_column_and_never_repeats_the_value() -> None:
    offending = {
        "invalid-bsn.csv": "111222334",
        "unknown-code.csv": "BATTERIJ_LEEG",
        "number-as-date.csv": "1777698720",
        "bad-phone-and-case-number.csv": "bel de meldkamer",
        "unparseable-date.csv": "02-05-2026",
    }
    for name, value in offending.items():
        problems = [p for r in read(BAD / name) for p in r.problems]
        assert problems
        assert all(value not in f"{p.path} {p.message} {p.expected}" for p in problems), name
    [unknown_kind] = read(BAD / "unknown-code.csv")[2].problems
    assert unknown_kind.path == "soort"
    assert "EINDE_TOEZICHT" not in unknown_kind.message
    assert unknown_kind.expected is not None and "START_TOEZICHT" in unknown_kind.expected


def test_a_rejection_says_what_to_send_instead() -> None:
    [tijdstip] = read(BAD / "local-time-without-offset.csv")[0].problems
    assert tijdstip.expected == "an ISO 8601 date-time with a UTC offset, e.g. 2026-04-18T22:47:00+02:00"
    [bsn] = read(BAD / "invalid-bsn.csv")[1].problems
    assert (bsn.message, bsn.expected) == (
        "not a valid BSN: it fails the 11-test",
        "a BSN of nine digits that passes the 11-test",
    )
    record = read(BAD / "reads-but-cannot-be-mapped.csv")[0]
    with pytest.raises(MappingError) as raised:
        ADAPTER.to_signals(record.native)
    [zone] = raised.value.problems
    assert zone.expected == "ja or nee"


SCENARIO_ALERT = (
    "Meldkamer EM: betrokkene om 22:47 binnen de uitsluitingszone rond de woning van het slachtoffer. "
    "Politie direct door de meldkamer gealarmeerd."
)


def test_the_scenario_yields_exactly_probations_part_of_the_case() -> None:
    """Supervision of the behavioural order from 11 March, then the alert of 18 April at 22:47."""
    signals = [
        (record.record_id, m.part, m.signal)
        for record in read(SAMPLES / "scenario.csv")
        for m in mapped(record)
    ]
    assert signals == [
        (
            "RN-2026-004417/TZ-000101",
            "involvement",
            InvolvementOpened(
                suspect=BRAM, role=InvolvementRole.SUPERVISOR, since=date(2026, 3, 11), contact=KUIPER
            ),
        ),
        (
            "RN-2026-004417/TZ-000102",
            "contact",
            ContactAssigned(
                suspect=BRAM,
                victim=LOTTE,
                role=ContactRole.SUPERVISOR,
                contact=KUIPER,
                availability="ma-vr 08:30-17:00",
            ),
        ),
        (
            "RN-2026-004417/EM-26-118934",
            "breach",
            BreachOfConditions(
                suspect=BRAM,
                victim=LOTTE,
                measure=MeasureKind.BEHAVIOURAL_ORDER,
                breach_time=datetime(2026, 4, 18, 22, 47, tzinfo=CEST),
                place="Rotterdam",
                detected_by=DetectedBy.ANKLE_TAG,
                severity=Severity.HIGH,
                description=SCENARIO_ALERT,
                contact=KUIPER,
            ),
        ),
    ]
    # On the wire the alert keeps its local time and offset, as the monitoring centre registered it.
    assert signals[2][2].model_dump(mode="json")["breach_time"] == "2026-04-18T22:47:00+02:00"


def test_the_scenario_stays_within_the_fictional_persons() -> None:
    text = (SAMPLES / "scenario.csv").read_text()
    assert "111222333" in text
    assert "123456782" not in text  # a supervision file holds no victim's BSN


@pytest.mark.parametrize("path", [*GOOD_SAMPLES, *sorted(BAD.iterdir())], ids=lambda path: path.name)
def test_reading_and_mapping_twice_gives_the_same(path: Path) -> None:
    def outcome() -> list[tuple[str, str | None, Any]]:
        result: list[tuple[str, str | None, Any]] = []
        for record in read(path):
            if not record.ok:
                result.append((record.position, record.record_id, record.problems))
                continue
            try:
                signals = ADAPTER.to_signals(record.native)
            except MappingError as error:
                result.append((record.position, record.record_id, error.problems))
            else:
                result.append((record.position, record.record_id, [(m.part, m.signal) for m in signals]))
        return result

    assert outcome() == outcome()


def test_the_same_row_in_another_export_keeps_its_id_and_part() -> None:
    """The plumbing makes the signal id from (org, record id, part): a re-export changes neither."""
    alone = read_row(
        zaaknummer="RN-2026-004417",
        gebeurtenis_id="EM-26-118934",
        soort="ENKELBANDALARM",
        kader="GEDRAGSAANWIJZING",
        alarmcode="UITSLUITINGSZONE",
        zone_slachtoffer="ja",
    )
    [in_scenario] = [r for r in read(SAMPLES / "scenario.csv") if r.record_id == alone.record_id]
    assert [m.part for m in mapped(alone)] == [m.part for m in mapped(in_scenario)] == ["breach"]
