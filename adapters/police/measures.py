"""The measures the police register themselves → measure signals. Pure functions, like mapping.py.

The prosecution service sends the criminal measures (behavioural order, bans, conditions). Two kinds
reach the chain through the police instead: the mayor's *tijdelijk huisverbod*, which the police
issue by the mayor's mandate and enforce (003: "uitgereikt door de burgemeester of door de politie
indien zij daartoe wordt gemandateerd"), and the contact or area ban a civil court ordered at the
victim's request, which she brings to the police so that they can find it when she calls.
"""

from __future__ import annotations

from datetime import timedelta

from adapters.exports import MappingError
from adapters.police.native import (
    GeregistreerdeMaatregel,
    PoliceMeasureEndedRecord,
    PoliceMeasureExtendedRecord,
    PoliceMeasureImposedRecord,
    PoliceMeasureRecord,
    RedenEinde,
)
from gateway.schemas import ContactPerson, MeasureEnded, MeasureExtended, MeasureImposed, Person
from gateway.schemas.measure import EndReason, MeasureKind
from gateway.schemas.problems import Problem

REGISTERED_MEASURES: dict[GeregistreerdeMaatregel, MeasureKind] = {
    "HUISVERBOD": MeasureKind.TEMPORARY_RESTRAINING_ORDER,
    "CIVIEL_CONTACTVERBOD": MeasureKind.CIVIL_CONTACT_BAN,
    "CIVIEL_GEBIEDSVERBOD": MeasureKind.CIVIL_AREA_BAN,
}

END_REASONS: dict[RedenEinde, EndReason] = {
    "VERLOPEN": EndReason.EXPIRED,
    "INGETROKKEN": EndReason.LIFTED,
    "VERNIETIGD": EndReason.LIFTED,
    "VERVANGEN": EndReason.REPLACED,
}

# The Wet tijdelijk huisverbod: a huisverbod lasts 10 days (003: "in beginsel tien dagen"); the
# mayor may extend it to at most four weeks after the order (art. 9).
HUISVERBOD_DAYS = 10
HUISVERBOD_MOST_DAYS = 28


def _refused(path: str, message: str, expected: str) -> MappingError:
    return MappingError([Problem(path=path, message=message, expected=expected)])


def check_period(record: PoliceMeasureImposedRecord | PoliceMeasureExtendedRecord) -> None:
    """The dates of a measure in order, and a huisverbod within the law's 10 days (imposed) or four
    weeks (extended); the problems never repeat the dates."""
    start, end = record.ingangsdatum, record.einddatum
    if end is not None and end < start:
        raise _refused("einddatum", "before the ingangsdatum", "a day on or after the ingangsdatum")
    if isinstance(record, PoliceMeasureExtendedRecord) and record.einddatum <= record.vorige_einddatum:
        raise _refused("einddatum", "not after the vorige_einddatum", "a day after the vorige_einddatum")
    if record.maatregel != "HUISVERBOD":
        return
    if end is None:
        raise _refused(
            "einddatum",
            "missing: a huisverbod ends after 10 days unless extended",
            "the last day of the huisverbod",
        )
    most = HUISVERBOD_DAYS if isinstance(record, PoliceMeasureImposedRecord) else HUISVERBOD_MOST_DAYS
    if end > start + timedelta(days=most):
        raise _refused(
            "einddatum",
            f"more than {most} days after the ingangsdatum: longer than the Wet tijdelijk huisverbod allows",
            f"at most {most} days after the ingangsdatum",
        )


def to_measure(
    record: PoliceMeasureRecord,
    *,
    suspect: Person,
    victim: Person | None,
    children: list[Person],
    contact: ContactPerson,
) -> MeasureImposed | MeasureExtended | MeasureEnded:
    """*Maatregel opgelegd, verlengd, beëindigd* → measure_imposed, measure_extended, measure_ended,
    with its end date: a huisverbod ends after 10 days unless extended, and the decision on its
    extension is due before then."""
    kind = REGISTERED_MEASURES[record.maatregel]
    if isinstance(record, PoliceMeasureImposedRecord):
        check_period(record)
        return MeasureImposed(
            suspect=suspect,
            victim=victim,
            children=children,
            kind=kind,
            contact=contact,
            starts_on=record.ingangsdatum,
            ends_on=record.einddatum,
        )
    if isinstance(record, PoliceMeasureExtendedRecord):
        check_period(record)
        return MeasureExtended(
            suspect=suspect,
            victim=victim,
            children=children,
            kind=kind,
            contact=contact,
            previous_ends_on=record.vorige_einddatum,
            ends_on=record.einddatum,
        )
    assert isinstance(record, PoliceMeasureEndedRecord)
    return MeasureEnded(
        suspect=suspect,
        victim=victim,
        children=children,
        kind=kind,
        contact=contact,
        ended_on=record.beeindigd_op,
        reason=END_REASONS[record.reden],
    )
