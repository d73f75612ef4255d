"""The Veilig Thuis adapter: CSV rows of the case system → signals, field by field."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.exports import Mapped, MappingError, NativeRecord
from adapters.registry import adapter
from adapters.veiligthuis import ADAPTER
from adapters.veiligthuis.mapping import to_signals
from adapters.veiligthuis.native import RegistrationRow
from gateway.schemas import (
    ContactAssigned,
    ContactPerson,
    InvolvementClosed,
    InvolvementOpened,
    NewReport,
    Person,
    SafetyAssessment,
    Signal,
)
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import CloseReason, InvolvementRole
from gateway.schemas.new_report import ReporterRole, ReportKind, StalkingIndicator
from gateway.schemas.problems import problems_from
from gateway.schemas.safety_assessment import AppliesTo, SafetyCondition
from tests.fictional import BRAM, LOTTE, NOOR

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parents[2] / "adapters" / "veiligthuis" / "samples"
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))

TRIAGE = ContactPerson(
    role="medewerker triage",
    name="J. Visser",
    phone="+31 10 555 0120",
    unit="Veilig Thuis Rotterdam Rijnmond, triage",
)
CASUSREGISSEUR = ContactPerson(
    role="casusregisseur",
    name="A. Bouzid",
    phone="+31 10 555 0121",
    unit="Veilig Thuis Rotterdam Rijnmond, team Zuid",
)


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def rows(name: str) -> dict[str, RegistrationRow]:
    """The rows of a sample file by record id, all read without problems."""
    records = read(SAMPLES / name)
    assert all(record.ok for record in records), [record.problems for record in records]
    return {str(record.record_id): record.native for record in records}


def signals(row: RegistrationRow) -> dict[str, Signal]:
    return {mapped.part: mapped.signal for mapped in to_signals(row)}


def changed(row: RegistrationRow, **cells: str | None) -> RegistrationRow:
    """The row as if exported with these cells changed (None: left empty), read again."""
    data = row.model_dump(mode="json", exclude_unset=True)
    for column, value in cells.items():
        if value is None:
            data.pop(column, None)
        else:
            data[column] = value
    return RegistrationRow.model_validate(data)


def mapping_problems(row: RegistrationRow) -> set[str]:
    with pytest.raises(MappingError) as raised:
        to_signals(row)
    return {problem.path for problem in raised.value.problems}


# The adapter itself


def test_the_registry_returns_the_veilig_thuis_adapter() -> None:
    assert adapter("veiligthuis") is ADAPTER
    assert ADAPTER.org == "veiligthuis"
    assert ADAPTER.media_type == "text/csv"
    assert ADAPTER.suffix == ".csv"


def test_the_adapter_maps_only_its_own_rows() -> None:
    with pytest.raises(TypeError, match="RegistrationRow"):
        ADAPTER.to_signals({"zaaknummer": "VT-2026-004711"})


# melding → new_report + involvement_opened


def test_a_melding_becomes_a_new_report_field_by_field() -> None:
    row = rows("scenario.csv")["VT-2026-004711/1"]
    report = signals(row)["report"]
    assert isinstance(report, NewReport)
    assert report.kind is ReportKind.MELDING
    assert report.reporter_role is ReporterRole.VICTIM
    assert report.incident_time == datetime(2026, 3, 1, 21, 50, tzinfo=CET)
    assert report.incident_place == "Rotterdam"
    assert report.stalking_indicators == [
        StalkingIndicator.FOLLOWING,
        StalkingIndicator.UNWANTED_CONTACT,
        StalkingIndicator.THREATS,
    ]
    assert report.suspect == BRAM
    assert report.victim == LOTTE
    assert report.children == [NOOR]
    assert report.description == row.toelichting
    assert report.contact == TRIAGE
    assert report.attributes() == {"minors_involved": True, "report_kind": "melding"}


def test_a_melding_opens_veilig_thuis_involvement_since_the_day_it_was_registered() -> None:
    opened = signals(rows("scenario.csv")["VT-2026-004711/1"])["involvement"]
    assert isinstance(opened, InvolvementOpened)
    assert opened.role is InvolvementRole.CASE_HOLDER
    assert opened.since == date(2026, 3, 2)
    assert opened.contact == TRIAGE
    assert (opened.suspect, opened.victim, opened.children) == (BRAM, LOTTE, [NOOR])


def test_a_melding_by_a_professional_names_two_children() -> None:
    report = signals(rows("melding.csv")["VT-2026-005120/1"])["report"]
    assert isinstance(report, NewReport)
    assert report.reporter_role is ReporterRole.PROFESSIONAL
    assert report.incident_time == datetime(2026, 5, 9, 23, 10, tzinfo=CEST)
    assert report.stalking_indicators == [
        StalkingIndicator.ONLINE_STALKING,
        StalkingIndicator.SURVEILLANCE,
        StalkingIndicator.DAMAGE_TO_PROPERTY,
    ]
    assert [(child.given_name, child.bsn) for child in report.children] == [
        ("Daan", "345678928"),
        ("Yara", None),
    ]
    assert report.suspect is not None and report.suspect.family_name == "Haddou"
    assert report.victim is not None and report.victim.family_name == "de Wit"


def test_an_anonymous_melding_without_indicators_and_with_its_own_start_day() -> None:
    mapped = signals(rows("melding.csv")["VT-2026-005133/1"])
    report, opened = mapped["report"], mapped["involvement"]
    assert isinstance(report, NewReport) and isinstance(opened, InvolvementOpened)
    assert report.reporter_role is ReporterRole.ANONYMOUS
    assert report.stalking_indicators == []
    assert report.description is None
    assert report.suspect is None
    assert report.victim == Person(given_name="Eva", family_name="Jansen")
    assert report.children == []
    assert report.attributes()["minors_involved"] is False
    assert opened.since == date(2026, 5, 12)


def test_a_melding_by_a_bystander_is_a_witness_report_and_the_team_may_be_empty() -> None:
    report = signals(rows("melding.csv")["VT-2026-005140/1"])["report"]
    assert isinstance(report, NewReport)
    assert report.reporter_role is ReporterRole.WITNESS
    assert report.stalking_indicators == [StalkingIndicator.VIOLENCE]
    assert report.contact.unit is None


# toewijzing → contact_assigned


def test_assigning_a_casusregisseur_becomes_contact_assigned() -> None:
    assigned = signals(rows("scenario.csv")["VT-2026-004711/2"])["contact"]
    assert isinstance(assigned, ContactAssigned)
    assert assigned.role is ContactRole.CASE_DIRECTOR
    assert assigned.contact == CASUSREGISSEUR
    assert assigned.availability == "ma-vr 08:30-17:00"
    assert (assigned.suspect, assigned.victim, assigned.children) == (BRAM, LOTTE, [NOOR])
    assert assigned.attributes() == {"minors_involved": True, "role": "case_director"}


def test_assigning_a_casushouder_becomes_contact_assigned_as_case_holder() -> None:
    by_id = rows("toewijzing.csv")
    holder = signals(by_id["VT-2026-005120/2"])["contact"]
    assert isinstance(holder, ContactAssigned)
    assert holder.role is ContactRole.CASE_HOLDER
    assert holder.contact.name == "E. Smit" and holder.contact.role == "casushouder"
    assert holder.availability == "ma-do 09:00-17:00"
    director = signals(by_id["VT-2026-005140/2"])["contact"]
    assert isinstance(director, ContactAssigned)
    assert director.role is ContactRole.CASE_DIRECTOR
    assert director.availability is None
    assert director.children == []


# veiligheidsbeoordeling → safety_assessment


def test_a_safety_assessment_maps_field_by_field() -> None:
    assessment = signals(rows("scenario.csv")["VT-2026-004711/3"])["safety"]
    assert isinstance(assessment, SafetyAssessment)
    assert assessment.acute_unsafety is True
    assert assessment.structural_unsafety is True
    assert assessment.assessed_on == date(2026, 3, 3)
    assert [condition.applies_to for condition in assessment.safety_conditions] == [
        AppliesTo.SUSPECT,
        AppliesTo.SUSPECT,
        AppliesTo.SUSPECT,
        AppliesTo.VICTIM,
        AppliesTo.FAMILY,
    ]
    assert assessment.safety_conditions[0].description == (
        "Bram heeft geen contact met Lotte, ook niet via anderen of online."
    )
    assert assessment.monitoring_dates == [date(2026, 6, 3), date(2027, 3, 3), date(2027, 9, 3)]
    assert assessment.contact == CASUSREGISSEUR
    assert assessment.attributes() == {
        "minors_involved": True,
        "acute_unsafety": True,
        "structural_unsafety": True,
        "has_safety_conditions": True,
        "follow_up_months": None,
    }
    assert assessment.follow_up_months is None  # the assessment of the melding, not a follow-up


def test_a_safety_assessment_without_unsafety_or_conditions() -> None:
    by_id = rows("veiligheidsbeoordeling.csv")
    safe = signals(by_id["VT-2026-005133/2"])["safety"]
    assert isinstance(safe, SafetyAssessment)
    assert (safe.acute_unsafety, safe.structural_unsafety) == (False, False)
    assert safe.safety_conditions == []
    assert safe.monitoring_dates == []
    structural = signals(by_id["VT-2026-005120/3"])["safety"]
    assert isinstance(structural, SafetyAssessment)
    assert (structural.acute_unsafety, structural.structural_unsafety) == (False, True)
    assert [condition.applies_to for condition in structural.safety_conditions] == [
        AppliesTo.SUSPECT,
        AppliesTo.FAMILY,
    ]


def test_a_follow_up_assessment_says_how_many_months_after_the_afsluiting() -> None:
    by_id = rows("veiligheidsbeoordeling.csv")
    first = signals(by_id["VT-2026-005120/3"])["safety"]
    follow_up = signals(by_id["VT-2026-005120/10"])["safety"]
    assert isinstance(first, SafetyAssessment) and isinstance(follow_up, SafetyAssessment)
    assert first.follow_up_months is None
    assert follow_up.follow_up_months == 3
    assert follow_up.assessed_on == date(2028, 2, 15)
    assert (follow_up.acute_unsafety, follow_up.structural_unsafety) == (False, False)
    assert (follow_up.suspect, follow_up.victim, follow_up.children) == (
        first.suspect,
        first.victim,
        first.children,
    )
    assert follow_up.attributes()["follow_up_months"] == 3


@pytest.mark.parametrize("months", [3, 12, 18])
def test_every_follow_up_moment(months: int) -> None:
    row = changed(rows("scenario.csv")["VT-2026-004711/3"], vervolgmoment=str(months))
    assessment = signals(row)["safety"]
    assert isinstance(assessment, SafetyAssessment) and assessment.follow_up_months == months


@pytest.mark.parametrize("value", ["6", "0", "03", "12 mnd", "drie", "3.0", "-3"])
def test_a_follow_up_moment_veilig_thuis_does_not_have_is_refused_when_read(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        changed(rows("scenario.csv")["VT-2026-004711/3"], vervolgmoment=value)
    [problem] = problems_from(raised.value)
    assert problem.path == "vervolgmoment"
    assert problem.message == "not one of Veilig Thuis's follow-up moments (months after the afsluiting)"
    assert problem.expected == "3, 12 or 18, in whole digits; empty on the assessment of a melding"


def test_a_follow_up_moment_on_another_kind_of_row_is_refused() -> None:
    row = changed(rows("afsluiting.csv")["VT-2026-005133/3"], vervolgmoment="3")
    assert mapping_problems(row) == {"vervolgmoment"}


def test_gaps_between_numbered_conditions_are_skipped() -> None:
    row = rows("scenario.csv")["VT-2026-004711/3"]
    assessment = signals(changed(row, voorwaarde_2=None, voorwaarde_2_geldt_voor=None))["safety"]
    assert isinstance(assessment, SafetyAssessment)
    assert len(assessment.safety_conditions) == 4
    assert "komt niet bij de woning" not in " ".join(c.description for c in assessment.safety_conditions)


# afsluiting → involvement_closed


def test_closing_a_case_becomes_involvement_closed() -> None:
    by_id = rows("afsluiting.csv")  # exported with a UTF-8 byte order mark
    closed = signals(by_id["VT-2026-005133/3"])["closing"]
    assert isinstance(closed, InvolvementClosed)
    assert closed.role is InvolvementRole.CASE_HOLDER
    assert (closed.since, closed.until) == (date(2026, 5, 12), date(2026, 5, 20))
    assert closed.reason is CloseReason.NO_CONCERNS
    assert closed.contact.name == "R. Dekkers"
    assert closed.victim == Person(given_name="Eva", family_name="Jansen")
    completed = signals(by_id["VT-2026-005120/9"])["closing"]
    assert isinstance(completed, InvolvementClosed)
    assert (completed.since, completed.until) == (date(2026, 5, 11), date(2027, 11, 15))
    assert completed.reason is CloseReason.COMPLETED
    assert completed.attributes() == {
        "minors_involved": True,
        "involvement_role": "case_holder",
        "close_reason": "completed",
    }


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("afgerond", CloseReason.COMPLETED),
        ("overgedragen", CloseReason.HANDED_OVER),
        ("geen_zorgen", CloseReason.NO_CONCERNS),
        ("toestemming_ingetrokken", CloseReason.CONSENT_WITHDRAWN),
        ("verhuisd", CloseReason.MOVED_AWAY),
        ("anders", CloseReason.OTHER),
    ],
)
def test_every_reason_for_closing(code: str, reason: CloseReason) -> None:
    row = changed(rows("afsluiting.csv")["VT-2026-005133/3"], reden_afsluiting=code)
    closed = signals(row)["closing"]
    assert isinstance(closed, InvolvementClosed) and closed.reason is reason


# Every sample, the scenario, determinism


def test_every_sample_reads_and_maps_without_problems() -> None:
    files = sorted(SAMPLES.glob("*.csv"))
    assert {path.name for path in files} == {
        "melding.csv",
        "veiligheidsbeoordeling.csv",
        "toewijzing.csv",
        "afsluiting.csv",
        "scenario.csv",
    }
    kinds = set()
    for path in files:
        records = read(path)
        assert records, path.name
        for record in records:
            assert record.ok, (path.name, record.position, record.problems)
            assert record.record_id is not None
            mapped = ADAPTER.to_signals(record.native)
            assert mapped
            kinds |= {item.signal.name for item in mapped}
    assert kinds == {
        "new_report",
        "involvement_opened",
        "contact_assigned",
        "safety_assessment",
        "involvement_closed",
    }


def test_no_two_rows_in_the_samples_share_an_id() -> None:
    ids = [
        (record.record_id, record.native)
        for path in SAMPLES.rglob("*.csv")
        for record in read(path)
        if record.record_id is not None
    ]
    by_id: dict[str, object] = {}
    for record_id, native in ids:
        # the same id may appear in two files only for the very same row
        assert by_id.setdefault(record_id, native) == native, record_id


def test_the_scenario_yields_exactly_the_expected_signals() -> None:
    mapped = [
        (record.record_id, item.part, item.signal)
        for record in read(SAMPLES / "scenario.csv")
        for item in ADAPTER.to_signals(record.native)
    ]
    family = {"suspect": BRAM, "victim": LOTTE, "children": [NOOR]}
    assert mapped == [
        (
            "VT-2026-004711/1",
            "report",
            NewReport(
                **family,
                kind=ReportKind.MELDING,
                reporter_role=ReporterRole.VICTIM,
                incident_time=datetime(2026, 3, 1, 21, 50, tzinfo=CET),
                incident_place="Rotterdam",
                stalking_indicators=[
                    StalkingIndicator.FOLLOWING,
                    StalkingIndicator.UNWANTED_CONTACT,
                    StalkingIndicator.THREATS,
                ],
                description=(
                    "Melder (slachtoffer) vertelt dat haar ex-partner haar sinds januari volgt, haar "
                    "dagelijks berichten stuurt en dreigt. Dochter Noor was thuis toen hij gisteravond "
                    "aan de deur stond."
                ),
                contact=TRIAGE,
            ),
        ),
        (
            "VT-2026-004711/1",
            "involvement",
            InvolvementOpened(
                **family, role=InvolvementRole.CASE_HOLDER, since=date(2026, 3, 2), contact=TRIAGE
            ),
        ),
        (
            "VT-2026-004711/2",
            "contact",
            ContactAssigned(
                **family,
                role=ContactRole.CASE_DIRECTOR,
                contact=CASUSREGISSEUR,
                availability="ma-vr 08:30-17:00",
            ),
        ),
        (
            "VT-2026-004711/3",
            "safety",
            SafetyAssessment(
                **family,
                acute_unsafety=True,
                structural_unsafety=True,
                safety_conditions=[
                    SafetyCondition(
                        description="Bram heeft geen contact met Lotte, ook niet via anderen of online.",
                        applies_to=AppliesTo.SUSPECT,
                    ),
                    SafetyCondition(
                        description="Bram komt niet bij de woning van Lotte en Noor.",
                        applies_to=AppliesTo.SUSPECT,
                    ),
                    SafetyCondition(
                        description="Omgang van Bram met Noor alleen begeleid, na afspraak via Veilig Thuis.",
                        applies_to=AppliesTo.SUSPECT,
                    ),
                    SafetyCondition(
                        description=(
                            "Lotte maakt met haar vaste contactpersoon bij de politie een veiligheidsplan."
                        ),
                        applies_to=AppliesTo.VICTIM,
                    ),
                    SafetyCondition(
                        description="Noor wordt van en naar school gebracht door haar grootmoeder.",
                        applies_to=AppliesTo.FAMILY,
                    ),
                ],
                assessed_on=date(2026, 3, 3),
                monitoring_dates=[date(2026, 6, 3), date(2027, 3, 3), date(2027, 9, 3)],
                contact=CASUSREGISSEUR,
            ),
        ),
    ]


def _all_signals(raw: bytes) -> list[tuple[str | None, list[Mapped]]]:
    return [(record.record_id, ADAPTER.to_signals(record.native)) for record in ADAPTER.read(raw)]


def test_mapping_twice_gives_equal_signals() -> None:
    for path in SAMPLES.glob("*.csv"):
        raw = path.read_bytes()
        assert _all_signals(raw) == _all_signals(raw), path.name


def test_the_readme_sample_is_the_start_of_the_scenario() -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    sample = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    scenario = _all_signals((SAMPLES / "scenario.csv").read_bytes())
    short = _all_signals(sample.encode())
    # the sample leaves out the toelichting, which only the melding's new_report carries
    [(report_id, [report, opened]), contact] = short
    [(_, [full_report, full_opened]), full_contact, _] = scenario
    assert isinstance(report.signal, NewReport) and isinstance(full_report.signal, NewReport)
    assert report.signal == full_report.signal.model_copy(update={"description": None})
    assert (report_id, opened, contact) == ("VT-2026-004711/1", full_opened, full_contact)


def test_column_order_and_a_comma_separated_export_do_not_change_the_signals() -> None:
    import csv
    import io

    raw = (SAMPLES / "scenario.csv").read_bytes()
    table = list(csv.reader(io.StringIO(raw.decode()), delimiter=";"))
    order = list(reversed(range(len(table[0]))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\r\n")
    writer.writerows([[line[n] for n in order] for line in table])
    assert _all_signals(out.getvalue().encode()) == _all_signals(raw)


# The bad corpus: exactly these rows are rejected, for exactly these columns; the rest still maps

GOOD = {"line 2"}  # every bad file starts with one good row (a toewijzing)

BAD: dict[str, dict[str, set[str]]] = {
    "missing-required.csv": {
        "line 3": {"geregistreerd_op", "medewerker_telefoon"},
        "line 4": {"zaaknummer"},
    },
    "missing-kind-column.csv": {"line 3": {"incident_op"}},
    "date-not-iso.csv": {
        "line 3": {"geregistreerd_op"},
        "line 4": {"beoordeeld_op"},
        "line 5": {"geregistreerd_op"},  # no UTC offset
    },
    "number-as-date.csv": {
        "line 3": {"incident_op"},
        "line 4": {"verdachte_geboortedatum", "monitoring_op.1"},
    },
    "impossible-date.csv": {"line 3": {"beoordeeld_op", "monitoring_op.1"}},
    "unknown-code.csv": {
        "line 3": {"soort"},
        "line 4": {"melder", "kenmerken.1"},
        "line 5": {"acute_onveiligheid", "voorwaarde_2_geldt_voor"},
        "line 6": {"rol"},
    },
    "invalid-bsn.csv": {
        "line 3": {"verdachte_bsn"},
        "line 4": {"slachtoffer_bsn", "kind_1_bsn"},
    },
    "ragged-row.csv": {"line 3": {"(row)"}, "line 4": {"(row)"}},
    "wrong-values.csv": {"line 3": {"zaaknummer", "gebeurtenisnummer", "medewerker_telefoon"}},
    "unknown-column.csv": {"line 3": {"behandelaar"}},
    "wrong-columns-for-kind.csv": {
        "line 3": {"incident_plaats", "beoordeeld_op"},
        "line 4": {"afgesloten_op", "reden_afsluiting"},
        "line 5": {
            "zaak_gestart_op",
            "afgesloten_op",
            "reden_afsluiting",
            "melder",
            "incident_op",
            "incident_plaats",
            "kenmerken",
            "toelichting",
        },
    },
    "person-without-name.csv": {
        "line 3": {"slachtoffer_voornamen", "kind_1_achternaam"},
        "line 4": {"slachtoffer_achternaam"},
    },
    "follow-up-not-a-moment.csv": {
        "line 3": {"vervolgmoment"},  # 6 months
        "line 4": {"vervolgmoment"},  # "12 mnd"
        "line 5": {"vervolgmoment"},  # on an afsluiting
    },
    "out-of-order.csv": {
        "line 3": {"voorwaarde_2_geldt_voor", "voorwaarde_5", "monitoring_op"},
        "line 4": {"afgesloten_op"},
    },
}

# Values in the bad corpus that must never appear in a problem: they may be personal data.
OFFENDING_VALUES = (
    "111222334",
    "12345678X",
    "1772398200",
    "19900412",
    "buurman",
    "STALKEN",
    "Hémelaar",
    "12 mnd",
)


def _outcomes(path: Path) -> tuple[dict[str, set[str]], dict[str, list[Mapped]], list[str]]:
    rejected: dict[str, set[str]] = {}
    mapped: dict[str, list[Mapped]] = {}
    texts: list[str] = []
    for record in read(path):
        problems = list(record.problems)
        if record.ok:
            try:
                mapped[record.position] = ADAPTER.to_signals(record.native)
            except MappingError as error:
                problems = list(error.problems)
        if problems:
            rejected[record.position] = {problem.path for problem in problems}
            texts += [f"{problem} {problem.expected}" for problem in problems]
            assert all(problem.message for problem in problems)
    return rejected, mapped, texts


def test_the_bad_corpus_is_complete() -> None:
    assert {path.name for path in (SAMPLES / "bad").glob("*.csv")} == {*BAD, "not-utf8.csv"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_rejects_exactly_its_bad_rows_and_maps_the_rest(name: str) -> None:
    rejected, mapped, texts = _outcomes(SAMPLES / "bad" / name)
    assert rejected == BAD[name]
    assert set(mapped) == GOOD
    [good] = mapped["line 2"]
    assert good.part == "contact" and isinstance(good.signal, ContactAssigned)
    assert not [value for value in OFFENDING_VALUES for text in texts if value in text]


def test_every_problem_says_what_is_expected() -> None:
    for name in BAD:
        for record in read(SAMPLES / "bad" / name):
            problems = list(record.problems)
            if record.ok:
                try:
                    ADAPTER.to_signals(record.native)
                except MappingError as error:
                    problems = list(error.problems)
            for problem in problems:
                if problem.path not in {"(row)", "gebeurtenisnummer"}:
                    assert problem.expected, (name, record.position, problem)


def test_a_file_that_is_not_utf8_is_rejected_whole() -> None:
    [record] = read(SAMPLES / "bad" / "not-utf8.csv")
    assert (record.position, record.record_id, record.native) == ("file", None, None)
    assert [problem.path for problem in record.problems] == ["(file)"]
    assert "not UTF-8" in record.problems[0].message


def test_a_unix_time_is_never_taken_for_a_date() -> None:
    row = rows("scenario.csv")["VT-2026-004711/1"]
    for column, value in (("verdachte_geboortedatum", "638236800"), ("incident_op", "1772398200")):
        with pytest.raises(ValueError, match="not an ISO 8601"):
            changed(row, **{column: value})


def test_a_signal_the_catalogue_refuses_is_a_mapping_problem_not_a_crash() -> None:
    row = rows("scenario.csv")["VT-2026-004711/2"]
    unchecked = row.model_copy(update={"medewerker_telefoon": "bel de receptie"})
    assert mapping_problems(unchecked) == {"(row)"}


def test_a_third_child_is_mapped_too() -> None:
    row = changed(
        rows("scenario.csv")["VT-2026-004711/2"], kind_3_voornamen="Sem", kind_3_achternaam="Dekker"
    )
    assigned = signals(row)["contact"]
    assert [child.given_name for child in assigned.children] == ["Noor", "Sem"]
