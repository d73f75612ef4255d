"""Police native records → Ketenpoort signals. Pure functions: no Kafka, no files."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from adapters.police.native import NativeOfficer, NativePerson, PoliceReportRecord
from gateway.schemas import ContactPerson, NewReport, Person
from gateway.schemas.new_report import ReporterRole, ReportKind, StalkingIndicator

REPORTER_ROLES = {
    "slachtoffer": ReporterRole.VICTIM,
    "getuige": ReporterRole.WITNESS,
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


def signal_id(record_number: str, signal: str) -> UUID:
    """The same native record always yields the same signal id, so re-sending is idempotent."""
    return uuid5(NAMESPACE_URL, f"urn:ketenpoort:police:{record_number}:{signal}")


def person(native: NativePerson) -> Person:
    return Person(
        bsn=native.bsn,
        given_name=native.voornamen,
        family_name=native.achternaam,
        birth_date=native.geboortedatum,
    )


def contact(officer: NativeOfficer) -> ContactPerson:
    return ContactPerson(role=officer.rol, name=officer.naam, phone=officer.telefoon, unit=officer.eenheid)


def to_new_report(record: PoliceReportRecord) -> NewReport:
    return NewReport(
        kind=ReportKind(record.soort),
        reporter_role=REPORTER_ROLES[record.melder_rol],
        incident_time=record.pleegdatum,
        incident_place=record.pleegplaats,
        stalking_indicators=[INDICATORS[code] for code in record.kenmerken],
        suspect=person(record.verdachte) if record.verdachte else None,
        victim=person(record.slachtoffer) if record.slachtoffer else None,
        children=[person(child) for child in record.kinderen],
        description=record.toelichting,
        contact=contact(record.behandelaar),
    )
