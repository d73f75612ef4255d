"""Probation rows → Ketenpoort signals. Pure functions: no Kafka, no files.

| `soort` | signal | part |
|---|---|---|
| ENKELBANDALARM | breach_of_conditions, detected by the ankle tag | `breach` |
| OVERTREDING | breach_of_conditions, detected by the supervisor (or as `bron` says) | `breach` |
| START_TOEZICHT | involvement_opened, role supervisor (*dat-informatie*) | `involvement` |
| TOEWIJZING_TOEZICHTHOUDER | contact_assigned, role supervisor | `contact` |
| RISICOTAXATIE | risk_assessment (RISc, B-SAFER, SRP) | `risk` |
"""

from __future__ import annotations

from adapters.exports import Mapped, MappingError
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
from gateway.schemas.problems import Problem
from gateway.schemas.risk_assessment import Instrument, RiskLevel

from .native import (
    AlarmCode,
    AnkleTagAlert,
    BreachCode,
    Event,
    EventColumns,
    Framework,
    InstrumentCode,
    ProbationRow,
    RiskReassessment,
    Source,
    SupervisionBreach,
    SupervisionStart,
    SupervisorAssigned,
    YesNo,
)

SUPERVISOR_ROLE = "toezichthouder"
ASSESSOR_ROLE = "taxateur"

MEASURES = {
    Framework.BEHAVIOURAL_ORDER: MeasureKind.BEHAVIOURAL_ORDER,
    Framework.CONTACT_BAN: MeasureKind.CONTACT_BAN,
    Framework.AREA_BAN: MeasureKind.AREA_BAN,
    Framework.ANKLE_TAG: MeasureKind.ANKLE_TAG,
    Framework.SPECIAL_CONDITIONS: MeasureKind.SPECIAL_CONDITIONS,
    Framework.SUSPENSION_CONDITIONS: MeasureKind.SUSPENSION_CONDITIONS,
}

TAG_ALARMS = frozenset({AlarmCode.TAMPER, AlarmCode.NO_SIGNAL})
"""Alarms about the tag itself: a breach of the ankle tag (MeasureKind.ANKLE_TAG), whatever `kader`.
A zone alarm is a breach of the measure that draws the zone (`kader`)."""

EXCLUSION_ZONE_SEVERITY = {YesNo.YES: Severity.HIGH, YesNo.NO: Severity.MEDIUM}
"""Inside the zone around the victim (`zone_slachtoffer` ja) is the most severe: he is where she is."""

ALARM_SEVERITY = {
    AlarmCode.INCLUSION_ZONE: Severity.MEDIUM,
    AlarmCode.TAMPER: Severity.HIGH,
    AlarmCode.NO_SIGNAL: Severity.MEDIUM,
}
"""Tampering is as severe as the victim's zone: a suspect who cuts his tag can go there unseen.
Leaving the inclusion zone and a lost signal ask the police to look, not to run."""

ZONE_UNKNOWN = Problem(
    path="zone_slachtoffer",
    message="an exclusion-zone alert must say whether the zone protects the victim: it decides the severity",
    expected="ja or nee",
)

BREACH_SEVERITY = {
    BreachCode.MISSED_APPOINTMENT: Severity.LOW,
    BreachCode.MISSED_REPORTING: Severity.LOW,
    BreachCode.TREATMENT_ABANDONED: Severity.MEDIUM,
    BreachCode.VICTIM_CONTACT: Severity.HIGH,
    BreachCode.AREA_ENTERED: Severity.HIGH,
}
"""Contact with the victim or being in her area is what the conditions exist to prevent; a missed
appointment is for the supervisor and the prosecutor, not the police on the street."""

DETECTED_BY = {
    Source.SUPERVISOR: DetectedBy.SUPERVISOR,
    Source.VICTIM: DetectedBy.VICTIM_REPORT,
    Source.POLICE: DetectedBy.POLICE_OBSERVATION,
    Source.OTHER: DetectedBy.OTHER,
}

INSTRUMENTS = {
    InstrumentCode.RISC: Instrument.RISC,
    InstrumentCode.B_SAFER: Instrument.B_SAFER,
    InstrumentCode.SRP: Instrument.SRP,
}


def to_signals(row: ProbationRow) -> list[Mapped]:
    """The signals one row means: exactly one per row. Raises MappingError when it cannot be mapped."""
    event = row.root
    problems = _problems(event)
    if problems:
        raise MappingError(problems)
    match event:
        case AnkleTagAlert():
            return [Mapped("breach", alert_breach(event))]
        case SupervisionBreach():
            return [Mapped("breach", supervision_breach(event))]
        case SupervisionStart():
            return [Mapped("involvement", involvement(event))]
        case SupervisorAssigned():
            return [Mapped("contact", contact_assigned(event))]
        case RiskReassessment():
            return [Mapped("risk", risk_assessment(event))]


def _problems(event: Event) -> list[Problem]:
    """What reads well but leaves a signal incomplete: half a victim, half an assessor, an
    exclusion zone without saying whose."""
    problems = _pair(
        event,
        ("slachtoffer_voornamen", "slachtoffer_achternaam", "slachtoffer_geboortedatum"),
        required=("slachtoffer_voornamen", "slachtoffer_achternaam"),
        what="the victim needs given names and a family name",
    )
    if isinstance(event, RiskReassessment):
        problems += _pair(
            event,
            ("taxateur_naam", "taxateur_telefoon"),
            required=("taxateur_naam", "taxateur_telefoon"),
            what="the assessor needs a name and a phone number",
        )
    if isinstance(event, AnkleTagAlert) and _zone_unknown(event):
        problems.append(ZONE_UNKNOWN)
    return problems


def _pair(
    event: EventColumns, columns: tuple[str, ...], required: tuple[str, ...], what: str
) -> list[Problem]:
    """When any of `columns` is filled, every one of `required` must be."""
    if all(getattr(event, column) is None for column in columns):
        return []
    return [
        Problem(path=column, message=f"missing: {what}", expected="this cell filled, or the others empty")
        for column in required
        if getattr(event, column) is None
    ]


def client(event: EventColumns) -> Person:
    """The supervised person (*cliënt*): the suspect in every signal."""
    return Person(
        bsn=event.client_bsn,
        given_name=event.client_voornamen,
        family_name=event.client_achternaam,
        birth_date=event.client_geboortedatum,
    )


def victim(event: EventColumns) -> Person | None:
    """The victim the conditions protect, by name and birth date: a supervision file holds no
    victim's BSN (probation never receives it, see gateway/policies/persons.rego)."""
    if event.slachtoffer_voornamen is None or event.slachtoffer_achternaam is None:
        return None
    return Person(
        given_name=event.slachtoffer_voornamen,
        family_name=event.slachtoffer_achternaam,
        birth_date=event.slachtoffer_geboortedatum,
    )


def supervisor(event: EventColumns) -> ContactPerson:
    return ContactPerson(
        role=SUPERVISOR_ROLE,
        name=event.toezichthouder_naam,
        phone=event.toezichthouder_telefoon,
        unit=event.toezichthouder_unit,
    )


def _zone_unknown(alert: AnkleTagAlert) -> bool:
    return alert.alarmcode is AlarmCode.EXCLUSION_ZONE and alert.zone_slachtoffer is None


def alert_severity(alert: AnkleTagAlert) -> Severity:
    """The severity table: ALARM_SEVERITY, and for an exclusion zone EXCLUSION_ZONE_SEVERITY."""
    if alert.alarmcode is not AlarmCode.EXCLUSION_ZONE:
        return ALARM_SEVERITY[alert.alarmcode]
    if alert.zone_slachtoffer is None:
        raise MappingError([ZONE_UNKNOWN])
    return EXCLUSION_ZONE_SEVERITY[alert.zone_slachtoffer]


def alert_breach(alert: AnkleTagAlert) -> BreachOfConditions:
    """An ankle-tag alert: a breach of the measure drawing the zone, or of the tag itself."""
    measure = MeasureKind.ANKLE_TAG if alert.alarmcode in TAG_ALARMS else MEASURES[alert.kader]
    return BreachOfConditions(
        suspect=client(alert),
        victim=victim(alert),
        measure=measure,
        breach_time=alert.tijdstip,
        place=alert.plaats,
        detected_by=DetectedBy.ANKLE_TAG,
        severity=alert_severity(alert),
        description=alert.toelichting,
        contact=supervisor(alert),
    )


def supervision_breach(breach: SupervisionBreach) -> BreachOfConditions:
    """A breach the supervisor found: of the measure or conditions in `kader`."""
    return BreachOfConditions(
        suspect=client(breach),
        victim=victim(breach),
        measure=MEASURES[breach.kader],
        breach_time=breach.tijdstip,
        place=breach.plaats,
        detected_by=DETECTED_BY[breach.bron],
        severity=BREACH_SEVERITY[breach.overtredingscode],
        description=breach.toelichting,
        contact=supervisor(breach),
    )


def involvement(start: SupervisionStart) -> InvolvementOpened:
    """*Dat-informatie*: probation supervises this person since this day. About the supervised person
    only: no victim, no case content."""
    return InvolvementOpened(
        suspect=client(start),
        role=InvolvementRole.SUPERVISOR,
        since=start.tijdstip.date(),
        contact=supervisor(start),
    )


def contact_assigned(assigned: SupervisorAssigned) -> ContactAssigned:
    return ContactAssigned(
        suspect=client(assigned),
        victim=victim(assigned),
        role=ContactRole.SUPERVISOR,
        contact=supervisor(assigned),
        availability=assigned.bereikbaarheid,
    )


def risk_assessment(assessment: RiskReassessment) -> RiskAssessment:
    """A probation tool's score; the assessor is the supervisor unless the row names another."""
    assessor = supervisor(assessment)
    if assessment.taxateur_naam is not None and assessment.taxateur_telefoon is not None:
        assessor = ContactPerson(
            role=ASSESSOR_ROLE,
            name=assessment.taxateur_naam,
            phone=assessment.taxateur_telefoon,
            unit=assessment.toezichthouder_unit,
        )
    previous = assessment.vorig_risiconiveau
    return RiskAssessment(
        suspect=client(assessment),
        victim=victim(assessment),
        instrument=INSTRUMENTS[assessment.instrument],
        risk_level=RiskLevel(assessment.risiconiveau),
        previous_risk_level=RiskLevel(previous) if previous is not None else None,
        assessed_on=assessment.tijdstip.date(),
        assessor=assessor,
        contact=supervisor(assessment),
    )
