"""Child Protection Board native records → Ketenpoort signals. Pure functions: no Kafka, no files.

Check, then build: `check` lists every reason a record that reads well still cannot become a
signal, by native field (an unknown code, a measure on an inquiry, a missing closing date, dates in
the wrong order), so the Board's IT team sees all of them at once; the builder then only
translates. Every Board code is translated by an explicit table below. A problem names the field
and what is expected (for a code: the known codes), never the value sent: problems travel in
receipts and logs. One record becomes one `child_protection` signal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import ValidationError

from adapters.brp import person
from adapters.exports import Mapped, MappingError, unknown_codes
from adapters.rvdk.native import NativeInvestigator, RvdkRecord
from gateway.schemas import ChildProtection, ContactPerson
from gateway.schemas.child_protection import (
    ChildProtectionKind,
    ChildProtectionMeasure,
    ChildProtectionStatus,
)
from gateway.schemas.problems import Problem, problems_from

PART = ChildProtection.name

# What each record kind is: an inquiry or a measure, started or ended.
RECORD_KINDS: dict[str, tuple[ChildProtectionKind, ChildProtectionStatus]] = {
    "ONDERZOEK_GESTART": (ChildProtectionKind.INQUIRY, ChildProtectionStatus.STARTED),
    "ONDERZOEK_AFGESLOTEN": (ChildProtectionKind.INQUIRY, ChildProtectionStatus.ENDED),
    "MAATREGEL_INGEGAAN": (ChildProtectionKind.MEASURE, ChildProtectionStatus.STARTED),
    "MAATREGEL_BEEINDIGD": (ChildProtectionKind.MEASURE, ChildProtectionStatus.ENDED),
}

MEASURES = {
    "OTS": ChildProtectionMeasure.SUPERVISION_ORDER,  # ondertoezichtstelling, BW 1:255
    "VOTS": ChildProtectionMeasure.PROVISIONAL_SUPERVISION_ORDER,  # voorlopige OTS, BW 1:257
    "MACHTIGING_UHP": ChildProtectionMeasure.OUT_OF_HOME_PLACEMENT,  # uithuisplaatsing, BW 1:265b
    "SPOEDMACHTIGING_UHP": ChildProtectionMeasure.OUT_OF_HOME_PLACEMENT,  # the same, in haste
    "GEZAGSBEEINDIGING": ChildProtectionMeasure.TERMINATION_OF_AUTHORITY,  # BW 1:266
}


def to_signals(record: RvdkRecord) -> list[Mapped]:
    """The signals one Board record means: exactly one. Raises MappingError when it cannot be mapped."""
    problems = check(record)
    if problems:
        raise MappingError(problems)
    try:
        signal = to_child_protection(record)
    except ValidationError as error:
        # `check` mirrors the catalogue's rules with the native names; should the catalogue still
        # refuse the signal, the record is rejected like any other, not the whole export.
        raise MappingError(problems_from(error, prefix=f"({PART}) ")) from None
    return [Mapped(part=PART, signal=signal)]


def check(record: RvdkRecord) -> list[Problem]:
    """Every reason this record cannot be mapped, by native field; empty when it can."""
    problems = unknown_codes(_codes(record))
    if record.soort in RECORD_KINDS:
        problems += _kind_problems(record)
    return problems + _date_problems(record)


def contact(investigator: NativeInvestigator) -> ContactPerson:
    return ContactPerson(
        role=investigator.functie,
        name=investigator.naam,
        phone=investigator.telefoon,
        unit=investigator.vestiging,
    )


def to_child_protection(record: RvdkRecord) -> ChildProtection:
    kind, status = RECORD_KINDS[record.soort]
    return ChildProtection(
        suspect=person(record.pleger) if record.pleger else None,
        victim=person(record.slachtoffer) if record.slachtoffer else None,
        children=[person(child) for child in record.kinderen],
        kind=kind,
        measure=MEASURES[record.maatregel] if record.maatregel is not None else None,
        status=status,
        started_on=record.startdatum,
        ends_on=record.einddatum_beschikking,
        ended_on=record.datum_afsluiting,
        contact=contact(record.contactpersoon),
    )


def _codes(record: RvdkRecord) -> Iterator[tuple[str, str | None, Mapping[str, object]]]:
    """Every code in the record: its path, its value, and the table that translates it."""
    yield "soort", record.soort, RECORD_KINDS
    yield "maatregel", record.maatregel, MEASURES


def _kind_problems(record: RvdkRecord) -> list[Problem]:
    """What the record's soort asks: a measure code and its court end date for a measure only, a
    closing date for an ended inquiry or measure only."""
    kind, status = RECORD_KINDS[record.soort]
    problems = []
    if kind is ChildProtectionKind.MEASURE and record.maatregel is None:
        problems.append(_missing("maatregel", record.soort))
    for name in ("maatregel", "einddatum_beschikking"):
        if kind is ChildProtectionKind.INQUIRY and getattr(record, name) is not None:
            problems.append(_not_for(name, record.soort))
    if status is ChildProtectionStatus.ENDED and record.datum_afsluiting is None:
        problems.append(_missing("datum_afsluiting", record.soort))
    if status is ChildProtectionStatus.STARTED and record.datum_afsluiting is not None:
        problems.append(_not_for("datum_afsluiting", record.soort))
    return problems


def _date_problems(record: RvdkRecord) -> list[Problem]:
    return [
        Problem(
            path=name,
            message="ends before it starts",
            expected="a date on or after startdatum",
        )
        for name in ("einddatum_beschikking", "datum_afsluiting")
        if (day := getattr(record, name)) is not None and day < record.startdatum
    ]


def _missing(name: str, soort: str) -> Problem:
    return Problem(path=name, message=f"missing: required for soort {soort}", expected="this field")


def _not_for(name: str, soort: str) -> Problem:
    return Problem(
        path=name, message=f"does not belong to soort {soort}", expected="no such field: remove it"
    )
