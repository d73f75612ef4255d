"""Veilig Thuis rows → Ketenpoort signals. Pure functions: no Kafka, no files.

| `soort` | signals (part) |
|---|---|
| melding | new_report ("report"), involvement_opened ("involvement") |
| veiligheidsbeoordeling | safety_assessment ("safety"); a follow-up with `vervolgmoment` |
| toewijzing | contact_assigned ("contact") |
| afsluiting | involvement_closed ("closing") |

A row that reads but does not fit its kind (a column its kind needs is empty, a column its kind does
not use is filled, a person without a name, a date out of order) raises MappingError, naming the
columns and never their values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from pydantic import ValidationError

from adapters.exports import Mapped, MappingError
from adapters.veiligthuis.native import (
    COLUMNS_BY_KIND,
    COMMON_COLUMNS,
    CONDITIONS,
    PERSON_COLUMNS,
    PERSONS,
    RegistrationRow,
)
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
from gateway.schemas.problems import Problem, problems_from
from gateway.schemas.safety_assessment import AppliesTo, SafetyCondition

S = TypeVar("S", bound=Signal)

REPORTER_ROLES = {
    "slachtoffer": ReporterRole.VICTIM,
    "omstander": ReporterRole.WITNESS,
    "professional": ReporterRole.PROFESSIONAL,
    "anoniem": ReporterRole.ANONYMOUS,
}

INDICATORS = {
    "VOLGEN": StalkingIndicator.FOLLOWING,
    "ONGEWENST_CONTACT": StalkingIndicator.UNWANTED_CONTACT,
    "BEDREIGING": StalkingIndicator.THREATS,
    "VERNIELING": StalkingIndicator.DAMAGE_TO_PROPERTY,
    "POSTEN": StalkingIndicator.SURVEILLANCE,
    "ONLINE": StalkingIndicator.ONLINE_STALKING,
    "GEWELD": StalkingIndicator.VIOLENCE,
}

APPLIES_TO = {"verdachte": AppliesTo.SUSPECT, "slachtoffer": AppliesTo.VICTIM, "gezin": AppliesTo.FAMILY}

CONTACT_ROLES = {"casusregisseur": ContactRole.CASE_DIRECTOR, "casushouder": ContactRole.CASE_HOLDER}

CLOSE_REASONS = {
    "afgerond": CloseReason.COMPLETED,
    "overgedragen": CloseReason.HANDED_OVER,
    "geen_zorgen": CloseReason.NO_CONCERNS,
    "toestemming_ingetrokken": CloseReason.CONSENT_WITHDRAWN,
    "verhuisd": CloseReason.MOVED_AWAY,
    "anders": CloseReason.OTHER,
}

INVOLVEMENT_ROLE = InvolvementRole.CASE_HOLDER
"""Veilig Thuis holds the case for the whole family (*casushouder*)."""


def to_signals(row: RegistrationRow) -> list[Mapped]:
    """The signals one row means. Raises MappingError when the row does not fit its kind."""
    problems = [*column_problems(row), *person_problems(row), *order_problems(row)]
    if problems:
        raise MappingError(problems)
    if row.soort == "melding":
        return [
            Mapped("report", _safely(to_new_report, row)),
            Mapped("involvement", _safely(to_involvement_opened, row)),
        ]
    if row.soort == "veiligheidsbeoordeling":
        return [Mapped("safety", _safely(to_safety_assessment, row))]
    if row.soort == "toewijzing":
        return [Mapped("contact", _safely(to_contact_assigned, row))]
    return [Mapped("closing", _safely(to_involvement_closed, row))]


# Checks: what the native model alone cannot see. Each names the column, never its value.


def column_problems(row: RegistrationRow) -> list[Problem]:
    """Every column the row's kind needs is filled, and no column another kind uses."""
    kind = COLUMNS_BY_KIND[row.soort]
    filled = row.model_fields_set
    missing = [
        Problem(
            path=column,
            message=f"empty, but a row of soort {row.soort} needs it",
            expected=f"this column filled on every row of soort {row.soort}",
        )
        for column in sorted(kind.required - filled)
    ]
    foreign = [
        Problem(
            path=column,
            message=f"filled, but a row of soort {row.soort} does not use it",
            expected=f"this column empty on rows of soort {row.soort}",
        )
        for column in sorted(filled - COMMON_COLUMNS - kind.required - kind.optional)
    ]
    return missing + foreign


def person_problems(row: RegistrationRow) -> list[Problem]:
    """A person with any column filled has a name; the row names a verdachte or a slachtoffer."""
    problems = []
    for person in PERSONS:
        filled = {column for column in PERSON_COLUMNS if f"{person}_{column}" in row.model_fields_set}
        if filled:
            problems += [
                Problem(
                    path=f"{person}_{column}",
                    message=f"empty, but other {person} columns are filled",
                    expected=f"{person}_{column} filled, or every {person}_ column empty",
                )
                for column in ("voornamen", "achternaam")
                if column not in filled
            ]
    if row.verdachte_achternaam is None and row.slachtoffer_achternaam is None and not problems:
        problems.append(
            Problem(
                path="slachtoffer_achternaam",
                message="the row names neither a slachtoffer nor a verdachte",
                expected="the slachtoffer's or the verdachte's voornamen and achternaam",
            )
        )
    return problems


def order_problems(row: RegistrationRow) -> list[Problem]:
    """Safety conditions come with whom they apply to; dates follow each other."""
    problems = []
    for text, applies_to in CONDITIONS:
        has_text = text in row.model_fields_set
        has_applies_to = applies_to in row.model_fields_set
        if has_text != has_applies_to:
            empty = applies_to if has_text else text
            problems.append(
                Problem(
                    path=empty,
                    message=f"empty, but {text if has_text else applies_to} is filled",
                    expected=f"both {text} and {applies_to}, or neither",
                )
            )
    if row.beoordeeld_op is not None and any(day <= row.beoordeeld_op for day in row.monitoring_op or []):
        problems.append(
            Problem(
                path="monitoring_op",
                message="a monitoring day is not after beoordeeld_op",
                expected="days after beoordeeld_op, usually 3, 12 and 18 months later",
            )
        )
    started, closed = row.zaak_gestart_op, row.afgesloten_op
    if started is not None and closed is not None and closed < started:
        problems.append(
            Problem(
                path="afgesloten_op",
                message="before zaak_gestart_op",
                expected="a day on or after zaak_gestart_op",
            )
        )
    return problems


# The signals, field by field. They assume the checks above passed.


def person(row: RegistrationRow, prefix: str) -> Person | None:
    """The person in the columns `<prefix>_bsn`, `_voornamen`, `_achternaam`, `_geboortedatum`."""
    cells: dict[str, Any] = {column: getattr(row, f"{prefix}_{column}") for column in PERSON_COLUMNS}
    if cells["achternaam"] is None:
        return None
    return Person(
        bsn=cells["bsn"],
        given_name=cells["voornamen"],
        family_name=cells["achternaam"],
        birth_date=cells["geboortedatum"],
    )


def persons(row: RegistrationRow) -> dict[str, Any]:
    """The signal's suspect, victim and children."""
    children = [child for prefix in PERSONS[2:] if (child := person(row, prefix)) is not None]
    return {"suspect": person(row, "verdachte"), "victim": person(row, "slachtoffer"), "children": children}


def contact(row: RegistrationRow) -> ContactPerson:
    """The medewerker of the row: whom partners call at Veilig Thuis."""
    return ContactPerson(
        role=row.medewerker_functie, name=row.medewerker_naam, phone=row.medewerker_telefoon, unit=row.team
    )


def case_started(row: RegistrationRow) -> date:
    """First day of the case: `zaak_gestart_op`, else (on a melding) the day it was registered."""
    return row.zaak_gestart_op or row.geregistreerd_op.date()


def to_new_report(row: RegistrationRow) -> NewReport:
    """*Melding*: Veilig Thuis never takes an aangifte, so the kind is always melding."""
    return NewReport(
        **persons(row),
        kind=ReportKind.MELDING,
        reporter_role=REPORTER_ROLES[row.melder] if row.melder else None,
        incident_time=row.incident_op,
        incident_place=row.incident_plaats,
        stalking_indicators=[INDICATORS[code] for code in row.kenmerken or []],
        description=row.toelichting,
        contact=contact(row),
    )


def to_involvement_opened(row: RegistrationRow) -> InvolvementOpened:
    """*Dat-informatie*: Veilig Thuis holds the case since it started, no case content."""
    return InvolvementOpened(
        **persons(row), role=INVOLVEMENT_ROLE, since=case_started(row), contact=contact(row)
    )


def to_safety_assessment(row: RegistrationRow) -> SafetyAssessment:
    """The assessment of a melding, or with `vervolgmoment` the follow-up that many months after
    the afsluiting (`follow_up_months`)."""
    conditions = [
        SafetyCondition(description=getattr(row, text), applies_to=APPLIES_TO[getattr(row, applies_to)])
        for text, applies_to in CONDITIONS
        if getattr(row, text) is not None
    ]
    return SafetyAssessment(
        **persons(row),
        acute_unsafety=row.acute_onveiligheid == "ja",
        structural_unsafety=row.structurele_onveiligheid == "ja",
        safety_conditions=conditions,
        assessed_on=row.beoordeeld_op,
        monitoring_dates=row.monitoring_op or [],
        contact=contact(row),
        follow_up_months=row.vervolgmoment,
    )


def to_contact_assigned(row: RegistrationRow) -> ContactAssigned:
    """The row's medewerker now holds `rol` in the case."""
    return ContactAssigned(
        **persons(row),
        role=CONTACT_ROLES[row.rol] if row.rol else None,
        contact=contact(row),
        availability=row.bereikbaarheid,
    )


def to_involvement_closed(row: RegistrationRow) -> InvolvementClosed:
    return InvolvementClosed(
        **persons(row),
        role=INVOLVEMENT_ROLE,
        since=case_started(row),
        until=row.afgesloten_op,
        reason=CLOSE_REASONS[row.reden_afsluiting] if row.reden_afsluiting else None,
        contact=contact(row),
    )


def _safely(make: Callable[[RegistrationRow], S], row: RegistrationRow) -> S:
    """A signal the checks let through but the catalogue still refuses is a mapping problem too."""
    try:
        return make(row)
    except ValidationError as error:
        raise MappingError(
            [
                Problem(
                    path="(row)",
                    message=f"the signal's {problem.path} would be invalid: {problem.message}",
                    expected=problem.expected,
                )
                for problem in problems_from(error)
            ]
        ) from None
