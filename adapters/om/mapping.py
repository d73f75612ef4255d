"""OM native records → Ketenpoort signals. Pure functions: no Kafka, no files.

Check, then build: `check` lists every reason a record that reads well still cannot become a
signal, by native field (an unknown code, a section that does not fit the record's kind, dates in
the wrong order), so the OM's IT team sees all of them at once; the builders then only translate.
Every OM code is translated by an explicit table below. A problem names the field and what is
expected (for a code: the known codes), never the value sent: problems travel in receipts and logs.
One record becomes one signal, its part named after the signal type; a decision that carries an
agreement on who informs the victim becomes a second, `victim_informing_agreed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from typing import TypedDict, TypeVar

from pydantic import ValidationError

from adapters.brp import person
from adapters.exports import Mapped, MappingError, unknown_codes
from adapters.om.native import NativeCondition, NativeMeasure, NativeOfficer, OmRecord
from gateway.schemas import (
    ContactPerson,
    MeasureEnded,
    MeasureExtended,
    MeasureImposed,
    Person,
    ProsecutionDecision,
    ReleaseFromCustody,
    Signal,
)
from gateway.schemas.conditions import Condition, ConditionKind
from gateway.schemas.measure import EndReason, MeasureKind
from gateway.schemas.problems import Problem, problems_from
from gateway.schemas.prosecution_decision import DecisionKind
from gateway.schemas.release_from_custody import ReleaseKind, ReleaseStatus
from gateway.schemas.risk_assessment import RiskLevel
from gateway.schemas.victim_informed import InformedAbout
from gateway.schemas.victim_informing import AgreedBy, InformingAgreement, VictimInformingAgreed

T = TypeVar("T")


class RecordKind(StrEnum):
    """What one OM record is: the signal it becomes."""

    MEASURE_IMPOSED = MeasureImposed.name
    MEASURE_EXTENDED = MeasureExtended.name
    MEASURE_ENDED = MeasureEnded.name
    PROSECUTION_DECISION = ProsecutionDecision.name
    RELEASE_FROM_CUSTODY = ReleaseFromCustody.name


RECORD_KINDS = {
    "MAATREGEL_OPGELEGD": RecordKind.MEASURE_IMPOSED,
    "MAATREGEL_VERLENGD": RecordKind.MEASURE_EXTENDED,
    "MAATREGEL_BEEINDIGD": RecordKind.MEASURE_ENDED,
    "VERVOLGINGSBESLISSING": RecordKind.PROSECUTION_DECISION,
    "INVRIJHEIDSTELLING": RecordKind.RELEASE_FROM_CUSTODY,
}

# The section each record kind must carry, and only it.
SECTIONS = {
    RecordKind.MEASURE_IMPOSED: "maatregel",
    RecordKind.MEASURE_EXTENDED: "maatregel",
    RecordKind.MEASURE_ENDED: "maatregel",
    RecordKind.PROSECUTION_DECISION: "vervolgingsbeslissing",
    RecordKind.RELEASE_FROM_CUSTODY: "invrijheidstelling",
}

MEASURE_KINDS = {
    "GEDRAGSAANWIJZING": MeasureKind.BEHAVIOURAL_ORDER,  # art. 509hh Sv
    "CONTACTVERBOD": MeasureKind.CONTACT_BAN,  # e.g. art. 38v Sr
    "GEBIEDSVERBOD": MeasureKind.AREA_BAN,
    "LOCATIEVERBOD": MeasureKind.AREA_BAN,
    "ELEKTRONISCHE_MONITORING": MeasureKind.ANKLE_TAG,
    "BIJZONDERE_VOORWAARDEN": MeasureKind.SPECIAL_CONDITIONS,
    "SCHORSINGSVOORWAARDEN": MeasureKind.SUSPENSION_CONDITIONS,
}

CONDITION_KINDS = {
    "CONTACTVERBOD": ConditionKind.CONTACT_BAN,
    "GEBIEDSVERBOD": ConditionKind.AREA_BAN,
    "LOCATIEVERBOD": ConditionKind.AREA_BAN,
    "MELDPLICHT": ConditionKind.REPORTING_DUTY,
    "ENKELBAND": ConditionKind.ANKLE_TAG,
    "RECLASSERINGSTOEZICHT": ConditionKind.PROBATION_SUPERVISION,
    "OVERIG": ConditionKind.OTHER,
}

END_REASONS = {
    "VERLOPEN": EndReason.EXPIRED,
    "OPGEHEVEN": EndReason.LIFTED,
    "HERROEPEN_NA_OVERTREDING": EndReason.REVOKED_AFTER_BREACH,
    "VERVANGEN": EndReason.REPLACED,
    "ZAAK_AFGEDAAN": EndReason.CASE_CLOSED,
}

DECISIONS = {
    "INVERZEKERINGSTELLING": DecisionKind.HOLD_IN_CUSTODY,
    "VOORGELEIDING_RC": DecisionKind.INVESTIGATING_JUDGE_HEARING,
    "HEENZENDEN": DecisionKind.RELEASE,
    "SEPOT": DecisionKind.DISMISSAL,
    "VOORWAARDELIJK_SEPOT": DecisionKind.DISMISSAL,
    "DAGVAARDEN": DecisionKind.SUMMONS,
    "STRAFBESCHIKKING": DecisionKind.PENALTY_ORDER,
}

RELEASE_KINDS = {
    "HEENZENDING": ReleaseKind.RELEASE_AFTER_ARREST,
    "SCHORSING_VOORLOPIGE_HECHTENIS": ReleaseKind.SUSPENSION_OF_PRETRIAL_DETENTION,
    "EINDE_DETENTIE": ReleaseKind.END_OF_DETENTION,
    "VERLOF": ReleaseKind.LEAVE,
}

RELEASE_STATUSES = {
    "GEPLAND": ReleaseStatus.PLANNED,
    "UITGEVOERD": ReleaseStatus.DONE,
}

RISK_LEVELS = {
    "LAAG": RiskLevel.LOW,
    "MIDDEN": RiskLevel.MEDIUM,
    "HOOG": RiskLevel.HIGH,
}


def to_signals(record: OmRecord) -> list[Mapped]:
    """The signals one OM record means: exactly one. Raises MappingError when it cannot be mapped."""
    problems = check(record)
    if problems:
        raise MappingError(problems)
    kind = RECORD_KINDS[record.soort]
    try:
        signal = BUILDERS[kind](record)
    except ValidationError as error:
        # `check` mirrors the catalogue's rules with the native names; should the catalogue still
        # refuse the signal, the record is rejected like any other, not the whole export.
        raise MappingError(problems_from(error, prefix=f"({kind.value}) ")) from None
    mapped = [Mapped(part=kind.value, signal=signal)]
    decision = record.vervolgingsbeslissing
    if decision is not None and decision.slachtoffer_informeren:
        mapped.append(Mapped(part=VictimInformingAgreed.name, signal=to_victim_informing_agreed(record)))
    return mapped


def check(record: OmRecord) -> list[Problem]:
    """Every reason this record cannot be mapped, by native field; empty when it can."""
    problems = unknown_codes(_codes(record))
    kind = RECORD_KINDS.get(record.soort)
    if kind is not None:
        problems += _section_problems(record, kind)
        problems += RULES[kind](record)
    return problems


def contact(officer: NativeOfficer) -> ContactPerson:
    return ContactPerson(role=officer.functie, name=officer.naam, phone=officer.telefoon, unit=officer.parket)


def conditions(natives: list[NativeCondition], until: date | None = None) -> list[Condition]:
    """The conditions, each ending on its own einddatum, else on `until` (the measure's end)."""
    return [
        Condition(
            kind=CONDITION_KINDS[native.soort],
            description=native.omschrijving,
            ends_on=native.einddatum or until,
        )
        for native in natives
    ]


def to_measure_imposed(record: OmRecord) -> MeasureImposed:
    measure = _section(record.maatregel)
    return MeasureImposed(
        **_persons(record),
        kind=MEASURE_KINDS[measure.soort],
        starts_on=measure.ingangsdatum,
        ends_on=measure.einddatum,
        conditions=conditions(measure.voorwaarden, until=measure.einddatum),
        contact=contact(record.behandelaar),
    )


def to_measure_extended(record: OmRecord) -> MeasureExtended:
    measure = _section(record.maatregel)
    ends_on = _section(measure.einddatum)
    return MeasureExtended(
        **_persons(record),
        kind=MEASURE_KINDS[measure.soort],
        previous_ends_on=_section(measure.vorige_einddatum),
        ends_on=ends_on,
        conditions=conditions(measure.voorwaarden, until=ends_on),
        contact=contact(record.behandelaar),
    )


def to_measure_ended(record: OmRecord) -> MeasureEnded:
    measure = _section(record.maatregel)
    return MeasureEnded(
        **_persons(record),
        kind=MEASURE_KINDS[measure.soort],
        ended_on=_section(measure.datum_beeindiging),
        reason=END_REASONS[_section(measure.reden_beeindiging)],
        contact=contact(record.behandelaar),
    )


def to_prosecution_decision(record: OmRecord) -> ProsecutionDecision:
    decision = _section(record.vervolgingsbeslissing)
    return ProsecutionDecision(
        **_persons(record),
        decision=DECISIONS[decision.beslissing],
        decision_time=record.tijdstip,
        hearing_on=decision.zittingsdatum,
        conditions=conditions(decision.voorwaarden),
        contact=contact(record.behandelaar),
    )


INFORM_ABOUT = {
    "VRIJLATING": InformedAbout.RELEASE,
    "MAATREGEL": InformedAbout.MEASURE,
    "BESLISSING": InformedAbout.DECISION,
}
INFORMERS = {
    "SLACHTOFFERHULP": "slachtofferhulp",
    "POLITIE": "police",
    "OM": "om",
    "VEILIG_THUIS": "veiligthuis",
}


def to_victim_informing_agreed(record: OmRecord) -> VictimInformingAgreed:
    agreed = _section(record.vervolgingsbeslissing).slachtoffer_informeren
    return VictimInformingAgreed(
        suspect=person(record.verdachte),
        victim=person(_section(record.slachtoffer)),
        agreements=[
            InformingAgreement(about=INFORM_ABOUT[item.onderwerp], informer=INFORMERS[item.door])
            for item in agreed
        ],
        agreed_by=AgreedBy.PROSECUTION,
        agreed_on=record.tijdstip.date(),
        contact=contact(record.behandelaar),
    )


def to_release_from_custody(record: OmRecord) -> ReleaseFromCustody:
    release = _section(record.invrijheidstelling)
    risk = release.bekend_risiconiveau
    return ReleaseFromCustody(
        **_persons(record),
        kind=RELEASE_KINDS[release.soort],
        status=RELEASE_STATUSES[release.status],
        release_time=release.tijdstip,
        conditions=conditions(release.voorwaarden),
        known_risk_level=RISK_LEVELS[risk] if risk is not None else None,
        contact=contact(record.behandelaar),
    )


BUILDERS: dict[RecordKind, Callable[[OmRecord], Signal]] = {
    RecordKind.MEASURE_IMPOSED: to_measure_imposed,
    RecordKind.MEASURE_EXTENDED: to_measure_extended,
    RecordKind.MEASURE_ENDED: to_measure_ended,
    RecordKind.PROSECUTION_DECISION: to_prosecution_decision,
    RecordKind.RELEASE_FROM_CUSTODY: to_release_from_custody,
}


# The rules per record kind, beyond the codes: what its section must and must not hold.


def _imposed_problems(record: OmRecord) -> list[Problem]:
    measure = record.maatregel
    if measure is None:
        return []
    problems = _not_for(measure, ("vorige_einddatum", "datum_beeindiging", "reden_beeindiging"), record.soort)
    if measure.einddatum is not None and measure.einddatum < measure.ingangsdatum:
        problems.append(
            Problem(
                path="maatregel.einddatum",
                message="the measure ends before it starts",
                expected="a date on or after maatregel.ingangsdatum",
            )
        )
    return problems


def _extended_problems(record: OmRecord) -> list[Problem]:
    measure = record.maatregel
    if measure is None:
        return []
    problems = _not_for(measure, ("datum_beeindiging", "reden_beeindiging"), record.soort)
    problems += _missing_for(measure, ("vorige_einddatum", "einddatum"), record.soort)
    if measure.einddatum and measure.vorige_einddatum and measure.einddatum <= measure.vorige_einddatum:
        problems.append(
            Problem(
                path="maatregel.einddatum",
                message="an extension must end later than the measure did before",
                expected="a date after maatregel.vorige_einddatum",
            )
        )
    return problems


def _ended_problems(record: OmRecord) -> list[Problem]:
    measure = record.maatregel
    if measure is None:
        return []
    problems = _not_for(measure, ("vorige_einddatum",), record.soort)
    return problems + _missing_for(measure, ("datum_beeindiging", "reden_beeindiging"), record.soort)


def _decision_problems(record: OmRecord) -> list[Problem]:
    decision = record.vervolgingsbeslissing
    if decision is None:
        return []
    problems = []
    if decision.zittingsdatum is not None and decision.zittingsdatum < record.tijdstip.date():
        problems.append(
            Problem(
                path="vervolgingsbeslissing.zittingsdatum",
                message="the hearing is before the decision",
                expected="a date on or after the day of tijdstip",
            )
        )
    if decision.slachtoffer_informeren and record.slachtoffer is None:
        problems.append(
            Problem(
                path="slachtoffer",
                message="who informs the victim is agreed, but no victim is registered",
                expected="the victim, when vervolgingsbeslissing.slachtoffer_informeren is filled",
            )
        )
    onderwerpen = [item.onderwerp for item in decision.slachtoffer_informeren]
    if len(onderwerpen) != len(set(onderwerpen)):
        problems.append(
            Problem(
                path="vervolgingsbeslissing.slachtoffer_informeren",
                message="a subject is named twice",
                expected="one informer per onderwerp",
            )
        )
    return problems


def _release_problems(record: OmRecord) -> list[Problem]:
    return []


RULES: dict[RecordKind, Callable[[OmRecord], list[Problem]]] = {
    RecordKind.MEASURE_IMPOSED: _imposed_problems,
    RecordKind.MEASURE_EXTENDED: _extended_problems,
    RecordKind.MEASURE_ENDED: _ended_problems,
    RecordKind.PROSECUTION_DECISION: _decision_problems,
    RecordKind.RELEASE_FROM_CUSTODY: _release_problems,
}


def _codes(record: OmRecord) -> Iterator[tuple[str, str | None, Mapping[str, object]]]:
    """Every code in the record: its path, its value, and the table that translates it."""
    yield "soort", record.soort, RECORD_KINDS
    if (measure := record.maatregel) is not None:
        yield "maatregel.soort", measure.soort, MEASURE_KINDS
        yield "maatregel.reden_beeindiging", measure.reden_beeindiging, END_REASONS
        yield from _condition_codes(measure.voorwaarden, "maatregel.voorwaarden")
    if (decision := record.vervolgingsbeslissing) is not None:
        yield "vervolgingsbeslissing.beslissing", decision.beslissing, DECISIONS
        yield from _condition_codes(decision.voorwaarden, "vervolgingsbeslissing.voorwaarden")
        for n, item in enumerate(decision.slachtoffer_informeren):
            yield f"vervolgingsbeslissing.slachtoffer_informeren.{n}.onderwerp", item.onderwerp, INFORM_ABOUT
            yield f"vervolgingsbeslissing.slachtoffer_informeren.{n}.door", item.door, INFORMERS
    if (release := record.invrijheidstelling) is not None:
        yield "invrijheidstelling.soort", release.soort, RELEASE_KINDS
        yield "invrijheidstelling.status", release.status, RELEASE_STATUSES
        yield "invrijheidstelling.bekend_risiconiveau", release.bekend_risiconiveau, RISK_LEVELS
        yield from _condition_codes(release.voorwaarden, "invrijheidstelling.voorwaarden")


def _condition_codes(
    natives: list[NativeCondition], path: str
) -> Iterator[tuple[str, str | None, Mapping[str, object]]]:
    for n, native in enumerate(natives):
        yield f"{path}.{n}.soort", native.soort, CONDITION_KINDS


def _section_problems(record: OmRecord, kind: RecordKind) -> list[Problem]:
    """The record carries the section of its kind and no other: a stray section would be lost."""
    wanted = SECTIONS[kind]
    problems = [
        Problem(
            path=section,
            message="this section does not belong to the record's soort",
            expected=f"only '{wanted}' for this soort",
        )
        for section in sorted(set(SECTIONS.values()) - {wanted})
        if getattr(record, section) is not None
    ]
    if getattr(record, wanted) is None:
        problems.append(
            Problem(
                path=wanted, message="missing: the record's soort needs this section", expected="this section"
            )
        )
    return problems


def _missing_for(measure: NativeMeasure, fields: tuple[str, ...], soort: str) -> list[Problem]:
    return [
        Problem(
            path=f"maatregel.{name}", message=f"missing: required for soort {soort}", expected="this field"
        )
        for name in fields
        if getattr(measure, name) is None
    ]


def _not_for(measure: NativeMeasure, fields: tuple[str, ...], soort: str) -> list[Problem]:
    return [
        Problem(
            path=f"maatregel.{name}",
            message=f"does not belong to soort {soort}",
            expected="no such field: remove it",
        )
        for name in fields
        if getattr(measure, name) is not None
    ]


class _Persons(TypedDict):
    suspect: Person
    victim: Person | None
    children: list[Person]


def _persons(record: OmRecord) -> _Persons:
    return {
        "suspect": person(record.verdachte),
        "victim": person(record.slachtoffer) if record.slachtoffer else None,
        "children": [person(child) for child in record.kinderen],
    }


def _section(value: T | None) -> T:
    """A part of the record `check` has made sure of."""
    if value is None:
        raise AssertionError("check() lets no record through without it")
    return value
