"""Safety house native records → Ketenpoort signals. Pure functions: no Kafka, no files.

| `soort` | signals (part) |
|---|---|
| PROCESREGISSEUR_TOEGEWEZEN | involvement_opened ("involvement"), contact_assigned ("contact") |
| OVERLEG_GEPLAND | case_conference, status scheduled ("conference") |
| OVERLEG_GEHOUDEN | case_conference, status held, with the plan's tasks ("conference") |
| PLAN_BIJGEWERKT | case_conference, status plan_updated, with the whole plan ("conference") |
| CASUS_AFGESLOTEN | involvement_closed ("closing") |

The involvement signals carry the role process_direction, the contact signal process_director.

Check, then build: `check` lists every reason a record that reads well still cannot become its
signals, by native field (an unknown code, a section the record's kind needs or does not use, a task
owner outside the chain without a name, a task listed twice, dates out of order), so the safety
house's IT team sees all of them at once; the builders then only translate. Every code is translated
by an explicit table below. A problem names the field and what is expected (for a code: the known
codes), never the value sent: problems travel in receipts and logs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from adapters.brp import person
from adapters.exports import Mapped, MappingError, unknown_codes
from adapters.zvh.native import NativeDirector, NativeTask, ZvhRecord
from gateway.schemas import (
    CaseConference,
    ContactAssigned,
    ContactPerson,
    InvolvementClosed,
    InvolvementOpened,
    Signal,
)
from gateway.schemas.case_conference import OTHER_OWNER, CaseTask, ConferenceStatus, TaskAction, TaskStatus
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import CloseReason, InvolvementRole
from gateway.schemas.problems import Problem, problems_from
from gateway.schemas.risk_assessment import RiskLevel

ASSIGNED, CLOSED = "PROCESREGISSEUR_TOEGEWEZEN", "CASUS_AFGESLOTEN"
PLANNED, HELD, UPDATED = "OVERLEG_GEPLAND", "OVERLEG_GEHOUDEN", "PLAN_BIJGEWERKT"

# What each record kind becomes: the parts of the record, each one signal.
RECORD_KINDS: dict[str, tuple[str, ...]] = {
    ASSIGNED: ("involvement", "contact"),
    PLANNED: ("conference",),
    HELD: ("conference",),
    UPDATED: ("conference",),
    CLOSED: ("closing",),
}

CONFERENCE_STATUSES = {
    PLANNED: ConferenceStatus.SCHEDULED,
    HELD: ConferenceStatus.HELD,
    UPDATED: ConferenceStatus.PLAN_UPDATED,
}

# The conference's form: both are the chain's case conference; the form is not passed on.
FORMS = {
    "ACTIEOVERLEG": "the weekly multi-agency meeting on high-risk cases",
    "CASUSOVERLEG": "a conference on this one case",
}

# The chain partners by the names the safety house's system gives them, and their codes.
PARTNERS = {
    "POLITIE": "police",
    "VEILIG_THUIS": "veiligthuis",
    "OM": "om",
    "RECLASSERING": "3ro",
    "SLACHTOFFERHULP": "slachtofferhulp",
    "RAAD_KINDERBESCHERMING": "rvdk",
    "ZVH": "zvh",
}

# Task owners outside the chain: named in eigenaar_naam; the plan keeps their tasks, the chain
# opens no obligation for them.
OUTSIDE = {
    "GEMEENTE": OTHER_OWNER,  # the municipality, its wijkteam
    "ZORGAANBIEDER": OTHER_OWNER,  # a care provider: mental health, addiction care, shelter
}

OWNERS = {**PARTNERS, **OUTSIDE}

ACTIONS = {
    "RISICOTAXATIE": TaskAction.RISK_SCREENING,  # (opnieuw) een SASH afnemen
    "VEILIGHEIDSBEOORDELING": TaskAction.SAFETY_ASSESSMENT,  # of veiligheidsafspraken met het gezin
    "CONTACT_SLACHTOFFER": TaskAction.CONTACT_VICTIM,
    "INFORMEREN_SLACHTOFFER": TaskAction.INFORM_VICTIM,
    "STOPGESPREK": TaskAction.STOP_TALK,
    "MAATREGEL_AANVRAGEN": TaskAction.REQUEST_MEASURE,  # gedragsaanwijzing, huisverbod, civiel verbod
    "TOEZICHT_VOORWAARDEN": TaskAction.CHECK_CONDITIONS,  # toezicht, enkelband
    "HULPVERLENING": TaskAction.ARRANGE_CARE,
    "VEILIGHEID_KINDEREN": TaskAction.CHILD_SAFETY,  # ook: verzoek tot onderzoek aan de Raad
    "OVERIG": TaskAction.OTHER,
}

TASK_STATUSES = {
    "OPEN": TaskStatus.OPEN,
    "AFGEROND": TaskStatus.DONE,
    "VERVALLEN": TaskStatus.CANCELLED,
}

RISKS = {"LAAG": RiskLevel.LOW, "MIDDEN": RiskLevel.MEDIUM, "HOOG": RiskLevel.HIGH}

CLOSE_REASONS = {
    "AFGEROND": CloseReason.COMPLETED,  # procesregie afgerond: het plan is uitgevoerd
    "OVERGEDRAGEN": CloseReason.HANDED_OVER,  # aan een ander veiligheidshuis of aan Veilig Thuis
    "GEEN_ZORGEN_MEER": CloseReason.NO_CONCERNS,
    "GEEN_INSTEMMING": CloseReason.CONSENT_WITHDRAWN,
    "VERHUISD": CloseReason.MOVED_AWAY,
    "OVERIG": CloseReason.OTHER,
}

DIRECTOR_ROLE = "procesregisseur"


def to_signals(record: ZvhRecord) -> list[Mapped]:
    """The signals one safety-house record means. Raises MappingError when it cannot be mapped."""
    problems = check(record)
    if problems:
        raise MappingError(problems)
    mapped = []
    for part in RECORD_KINDS[record.soort]:
        try:
            mapped.append(Mapped(part=part, signal=BUILDERS[part](record)))
        except ValidationError as error:
            # `check` mirrors the catalogue's rules with the native names; should the catalogue still
            # refuse the signal, the record is rejected like any other, not the whole export.
            raise MappingError(problems_from(error, prefix=f"({part}) ")) from None
    return mapped


def check(record: ZvhRecord) -> list[Problem]:
    """Every reason this record cannot be mapped, by native field; empty when it can."""
    problems = unknown_codes(_codes(record))
    if record.pleger is None and record.slachtoffer is None:
        problems.append(
            Problem(
                path="pleger",
                message="missing, and so is slachtoffer: a case is about the suspect or the victim",
                expected="pleger, slachtoffer or both",
            )
        )
    if record.soort in RECORD_KINDS:
        problems += _kind_problems(record)
    if record.overleg is not None:
        names = record.overleg.deelnemers
        problems += [_twice(f"overleg.deelnemers.{n}", "each partner once") for n in _again(names)]
    if record.plan is not None:
        numbers = [native.taaknummer for native in record.plan]
        problems += [_twice(f"plan.{n}.taaknummer", "each taaknummer once") for n in _again(numbers)]
        problems += [
            problem for n, native in enumerate(record.plan) for problem in _owner_problems(n, native)
        ]
    return problems + _date_problems(record)


def contact(director: NativeDirector) -> ContactPerson:
    return ContactPerson(
        role=DIRECTOR_ROLE, name=director.naam, phone=director.telefoon, unit=director.vestiging
    )


def _persons(record: ZvhRecord) -> dict[str, Any]:
    return {
        "suspect": person(record.pleger) if record.pleger else None,
        "victim": person(record.slachtoffer) if record.slachtoffer else None,
        "children": [person(child) for child in record.kinderen],
    }


def to_involvement_opened(record: ZvhRecord) -> InvolvementOpened:
    return InvolvementOpened(
        **_persons(record),
        role=InvolvementRole.PROCESS_DIRECTION,
        since=record.startdatum,
        contact=contact(record.procesregisseur),
    )


def to_contact_assigned(record: ZvhRecord) -> ContactAssigned:
    return ContactAssigned(
        **_persons(record),
        role=ContactRole.PROCESS_DIRECTOR,
        contact=contact(record.procesregisseur),
        availability=record.procesregisseur.bereikbaarheid,
    )


def task(native: NativeTask) -> CaseTask:
    return CaseTask(
        task_id=f"taak-{native.taaknummer}",
        action=ACTIONS[native.actie],
        description=native.omschrijving,
        owner=OWNERS[native.eigenaar],
        owner_name=native.eigenaar_naam,
        due_on=native.uiterlijk,
        status=TASK_STATUSES[native.status],
    )


def to_case_conference(record: ZvhRecord) -> CaseConference:
    assert record.overleg is not None  # checked: every conference record has one
    return CaseConference(
        **_persons(record),
        conference_id=record.dossiernummer,
        status=CONFERENCE_STATUSES[record.soort],
        conference_on=record.overleg.datum,
        participants=[PARTNERS[name] for name in record.overleg.deelnemers],
        risk_level=RISKS[record.risico] if record.risico is not None else None,
        tasks=[task(native) for native in record.plan or []],
        contact=contact(record.procesregisseur),
    )


def to_involvement_closed(record: ZvhRecord) -> InvolvementClosed:
    assert record.datum_afsluiting is not None and record.reden_afsluiting is not None  # checked
    return InvolvementClosed(
        **_persons(record),
        role=InvolvementRole.PROCESS_DIRECTION,
        since=record.startdatum,
        until=record.datum_afsluiting,
        reason=CLOSE_REASONS[record.reden_afsluiting],
        contact=contact(record.procesregisseur),
    )


# Each part of a record, and the signal it is built as.
BUILDERS: dict[str, Callable[[ZvhRecord], Signal]] = {
    "involvement": to_involvement_opened,
    "contact": to_contact_assigned,
    "conference": to_case_conference,
    "closing": to_involvement_closed,
}


def _codes(record: ZvhRecord) -> Iterator[tuple[str, str | None, Mapping[str, object]]]:
    """Every code in the record: its path, its value, and the table that translates it."""
    yield "soort", record.soort, RECORD_KINDS
    yield "risico", record.risico, RISKS
    yield "reden_afsluiting", record.reden_afsluiting, CLOSE_REASONS
    if record.overleg is not None:
        yield "overleg.vorm", record.overleg.vorm, FORMS
        for n, name in enumerate(record.overleg.deelnemers):
            yield f"overleg.deelnemers.{n}", name, PARTNERS
    for n, native in enumerate(record.plan or []):
        yield f"plan.{n}.actie", native.actie, ACTIONS
        yield f"plan.{n}.eigenaar", native.eigenaar, OWNERS
        yield f"plan.{n}.status", native.status, TASK_STATUSES


def _kind_problems(record: ZvhRecord) -> list[Problem]:
    """What the record's soort asks: the conference (and its risk) for the conference records only,
    the plan for a held conference and a plan update only, the closing date and reason for a
    closed case only."""
    soort, problems = record.soort, []
    conference = soort in CONFERENCE_STATUSES
    if conference and record.overleg is None:
        problems.append(_missing("overleg", soort))
    for name in ("overleg", "risico"):
        if not conference and getattr(record, name) is not None:
            problems.append(_not_for(name, soort))
    if soort in (HELD, UPDATED) and record.plan is None:
        problems.append(_missing("plan", soort))
    if soort not in (HELD, UPDATED) and record.plan is not None:
        problems.append(_not_for("plan", soort))
    if soort == UPDATED and record.plan == []:
        problems.append(
            Problem(path="plan", message=f"empty: soort {soort} lists the whole plan", expected="every task")
        )
    for name in ("datum_afsluiting", "reden_afsluiting"):
        if soort == CLOSED and getattr(record, name) is None:
            problems.append(_missing(name, soort))
        if soort != CLOSED and getattr(record, name) is not None:
            problems.append(_not_for(name, soort))
    return problems


def _owner_problems(n: int, native: NativeTask) -> list[Problem]:
    """An owner outside the chain is named; a chain partner is known by its code alone."""
    if native.eigenaar in OUTSIDE and native.eigenaar_naam is None:
        return [
            Problem(
                path=f"plan.{n}.eigenaar_naam",
                message=f"missing: eigenaar {native.eigenaar} is outside the chain",
                expected="the organisation's name, e.g. 'Gemeente Rotterdam, wijkteam Charlois'",
            )
        ]
    if native.eigenaar in PARTNERS and native.eigenaar_naam is not None:
        return [
            Problem(
                path=f"plan.{n}.eigenaar_naam",
                message=f"does not belong to eigenaar {native.eigenaar}, a chain partner",
                expected="no such field for a chain partner: remove it",
            )
        ]
    return []


def _again(values: list[Any]) -> list[int]:
    """The positions of the values listed before."""
    return [n for n, value in enumerate(values) if value in values[:n]]


def _twice(path: str, expected: str) -> Problem:
    return Problem(path=path, message="listed twice", expected=expected)


def _date_problems(record: ZvhRecord) -> list[Problem]:
    problems = []
    if record.datum_afsluiting is not None and record.datum_afsluiting < record.startdatum:
        problems.append(
            Problem(
                path="datum_afsluiting",
                message="ends before it starts",
                expected="a date on or after startdatum",
            )
        )
    held = record.overleg if record.soort in (HELD, UPDATED) else None
    if held is not None and held.datum > record.tijdstip.date():
        problems.append(
            Problem(
                path="overleg.datum",
                message="after tijdstip: a conference is registered as held only once it was",
                expected="the day it was held, on or before the day of tijdstip",
            )
        )
    return problems


def _missing(name: str, soort: str) -> Problem:
    return Problem(path=name, message=f"missing: required for soort {soort}", expected="this field")


def _not_for(name: str, soort: str) -> Problem:
    return Problem(
        path=name, message=f"does not belong to soort {soort}", expected="no such field: remove it"
    )
