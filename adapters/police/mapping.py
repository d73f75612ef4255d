"""Police native records → Ketenpoort signals. Pure functions: no Kafka, no files.

What each record kind (`soort`) becomes, with the part name that, with the record id, makes the
signal id:
- melding, aangifte: new_report ("report"), and risk_assessment ("risk") when the SASH was done;
  one that says a measure was broken (`overtreden_maatregel`) also breach_of_conditions ("breach"),
  detected by the report (the victim's, when she reported it), and then new_report only when it
  also reports stalking behaviour (`kenmerken`);
- aanhouding: arrest ("arrest"), and breach_of_conditions ("breach") when it was for breaking a
  measure; an arrest without the label huiselijk geweld: involvement_opened ("involvement") only,
  dat-informatie about the suspect;
- wijziging_contactpersoon: contact_changed ("contact");
- sash_herbeoordeling: risk_assessment ("risk"), with the previous level;
- maatregel_opgelegd, maatregel_verlengd, maatregel_beeindigd: measure_imposed, measure_extended,
  measure_ended ("measure"), for the measures the police register (a tijdelijk huisverbod, a civil
  ban).

The SASH level is the adapter's reading of the form (`sash_level`): see README.md, "The SASH level".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from adapters.exports import Mapped, MappingError
from adapters.police.measures import to_measure
from adapters.police.native import (
    Aanleiding,
    Antwoord,
    Contactrol,
    Feit,
    Kenmerk,
    Maatregel,
    MelderRol,
    NativeAddress,
    NativeOfficer,
    NativePerson,
    Niveau,
    PoliceArrestRecord,
    PoliceContactChangeRecord,
    PoliceMeasureEndedRecord,
    PoliceMeasureExtendedRecord,
    PoliceMeasureImposedRecord,
    PoliceRecord,
    PoliceReportRecord,
    PoliceRescreenRecord,
    SashForm,
)
from gateway.schemas import (
    Address,
    Arrest,
    BreachOfConditions,
    ContactChanged,
    ContactPerson,
    InvolvementOpened,
    NewReport,
    Person,
    RiskAssessment,
)
from gateway.schemas.arrest import Offence
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import InvolvementRole
from gateway.schemas.measure import MeasureKind
from gateway.schemas.new_report import ReporterRole, ReportKind, StalkingIndicator
from gateway.schemas.problems import Problem
from gateway.schemas.risk_assessment import Instrument, RiskLevel

REPORTER_ROLES: dict[MelderRol, ReporterRole] = {
    "slachtoffer": ReporterRole.VICTIM,
    "getuige": ReporterRole.WITNESS,
    "professional": ReporterRole.PROFESSIONAL,
    "anoniem": ReporterRole.ANONYMOUS,
}

INDICATORS: dict[Kenmerk, StalkingIndicator] = {
    "VOLGEN": StalkingIndicator.FOLLOWING,
    "ONGEWENST_CONTACT": StalkingIndicator.UNWANTED_CONTACT,
    "BEDREIGING": StalkingIndicator.THREATS,
    "VERNIELING": StalkingIndicator.DAMAGE_TO_PROPERTY,
    "POSTEN": StalkingIndicator.SURVEILLANCE,
    "ONLINE": StalkingIndicator.ONLINE_STALKING,
    "GEWELD": StalkingIndicator.VIOLENCE,
}

MEASURES: dict[Maatregel, MeasureKind] = {
    "GEDRAGSAANWIJZING": MeasureKind.BEHAVIOURAL_ORDER,
    "CONTACTVERBOD": MeasureKind.CONTACT_BAN,
    "GEBIEDSVERBOD": MeasureKind.AREA_BAN,
    "ENKELBAND": MeasureKind.ANKLE_TAG,
    "BIJZONDERE_VOORWAARDEN": MeasureKind.SPECIAL_CONDITIONS,
    "SCHORSINGSVOORWAARDEN": MeasureKind.SUSPENSION_CONDITIONS,
    "HUISVERBOD": MeasureKind.TEMPORARY_RESTRAINING_ORDER,
    "CIVIEL_CONTACTVERBOD": MeasureKind.CIVIL_CONTACT_BAN,
    "CIVIEL_GEBIEDSVERBOD": MeasureKind.CIVIL_AREA_BAN,
}

OFFENCES: dict[Feit, Offence] = {
    "BELAGING": Offence.STALKING,
    "BEDREIGING": Offence.THREAT,
    "MISHANDELING": Offence.ASSAULT,
    "VERNIELING": Offence.DAMAGE_TO_PROPERTY,
    "HUISVREDEBREUK": Offence.TRESPASS,
    "OVERIG": Offence.OTHER,
}

DETECTED_BY: dict[Aanleiding, DetectedBy] = {
    "WAARNEMING_POLITIE": DetectedBy.POLICE_OBSERVATION,
    "MELDING_SLACHTOFFER": DetectedBy.VICTIM_REPORT,
    "ENKELBANDALARM": DetectedBy.ANKLE_TAG,
    "MELDING_TOEZICHTHOUDER": DetectedBy.SUPERVISOR,
    "OVERIG": DetectedBy.OTHER,
}

SEVERITIES: dict[Niveau, Severity] = {"laag": Severity.LOW, "midden": Severity.MEDIUM, "hoog": Severity.HIGH}

LEVELS: dict[Niveau, RiskLevel] = {"laag": RiskLevel.LOW, "midden": RiskLevel.MEDIUM, "hoog": RiskLevel.HIGH}

CONTACT_ROLES: dict[Contactrol, ContactRole] = {
    "casusregisseur": ContactRole.CASE_DIRECTOR,
    "vaste_contactpersoon": ContactRole.FIXED_CONTACT,
}

# The adapter's reading of the SASH form when the screener gave no eindoordeel (README.md):
# count the risk factors answered ja.
MIDDEN_FROM = 3  # ja answers from which the level is midden
HOOG_FROM = 6  # ja answers from which the level is hoog
MOST_UNKNOWN = 4  # more onbekend answers than this, and the count says too little to derive a level


def person(native: NativePerson) -> Person:
    return Person(
        bsn=native.bsn,
        given_name=native.voornamen,
        family_name=native.achternaam,
        birth_date=native.geboortedatum,
        address=address(native.adres) if native.adres else None,
    )


def address(native: NativeAddress) -> Address:
    return Address(
        street=native.straat,
        house_number=native.huisnummer,
        postal_code=native.postcode,
        city=native.woonplaats,
    )


def contact(officer: NativeOfficer) -> ContactPerson:
    return ContactPerson(role=officer.rol, name=officer.naam, phone=officer.telefoon, unit=officer.eenheid)


@dataclass(frozen=True)
class Subjects:
    """Whom a signal is about: the suspect, the victim and the children of the family."""

    suspect: Person | None
    victim: Person | None
    children: list[Person]


def subjects(record: PoliceRecord) -> Subjects:
    """The persons a record names; refused when it names neither suspect nor victim, since the
    chain links every signal by one of them."""
    if record.verdachte is None and record.slachtoffer is None:
        raise MappingError(
            [
                Problem(
                    path="verdachte",
                    message="the record names neither a verdachte nor a slachtoffer: "
                    "a signal must say whom it is about",
                    expected="a verdachte or a slachtoffer",
                )
            ]
        )
    return Subjects(
        suspect=person(record.verdachte) if record.verdachte else None,
        victim=person(record.slachtoffer) if record.slachtoffer else None,
        children=[person(child) for child in record.kinderen],
    )


def to_new_report(record: PoliceReportRecord) -> NewReport:
    """*Melding* or *aangifte* → new_report."""
    who = subjects(record)
    return NewReport(
        suspect=who.suspect,
        victim=who.victim,
        children=who.children,
        kind=ReportKind(record.soort),
        reporter_role=REPORTER_ROLES[record.melder_rol],
        incident_time=record.pleegdatum,
        incident_place=record.pleegplaats,
        stalking_indicators=[INDICATORS[code] for code in record.kenmerken],
        description=record.toelichting,
        contact=contact(record.behandelaar),
    )


def sash_answers(form: SashForm) -> list[Antwoord]:
    """The answers to the risk factors (not the alarm items) in the order of the form."""
    answers = list(form.risicofactoren.model_dump().values())
    if form.ex_partnerfactoren is not None:
        answers += form.ex_partnerfactoren.model_dump().values()
    return answers


def alarm(answer: Antwoord) -> bool:
    """An alarm item counts only when answered ja; onbekend is not established, so false."""
    return answer == "ja"


def sash_level(form: SashForm) -> RiskLevel:
    """The SASH level of a filled-in form, as this adapter reads it (README.md):

    1. an alarm item answered ja: hoog, whatever else the form says;
    2. else the screener's eindoordeel, if given (the SASH leaves the level to the professional);
    3. else the count of risk factors answered ja: laag below MIDDEN_FROM, hoog from HOOG_FROM,
       midden between; refused when more than MOST_UNKNOWN answers are onbekend and the ja answers
       alone do not reach hoog, since the unknown answers could then change the level.
    """
    alarms = form.alarmvragen
    if alarm(alarms.geen_uitweg_dan_geweld) or alarm(alarms.slachtoffer_vreest_voor_eigen_leven):
        return RiskLevel.HIGH
    if form.eindoordeel is not None:
        return LEVELS[form.eindoordeel]
    answers = sash_answers(form)
    yes, unknown = answers.count("ja"), answers.count("onbekend")
    if yes >= HOOG_FROM:
        return RiskLevel.HIGH
    if unknown > MOST_UNKNOWN:
        raise MappingError(
            [
                Problem(
                    path="sash.eindoordeel",
                    message=f"missing while more than {MOST_UNKNOWN} risk factors are answered 'onbekend': "
                    "the adapter does not guess the level",
                    expected=f"the screener's own level ('laag', 'midden' or 'hoog'), "
                    f"or at most {MOST_UNKNOWN} 'onbekend' answers",
                )
            ]
        )
    return RiskLevel.MEDIUM if yes >= MIDDEN_FROM else RiskLevel.LOW


def to_risk_assessment(
    record: PoliceReportRecord | PoliceRescreenRecord, form: SashForm, previous: Niveau | None = None
) -> RiskAssessment:
    """A SASH screening → risk_assessment, the alarm items as they were answered."""
    who = subjects(record)
    return RiskAssessment(
        suspect=who.suspect,
        victim=who.victim,
        children=who.children,
        instrument=Instrument.SASH,
        no_way_out_but_violence=alarm(form.alarmvragen.geen_uitweg_dan_geweld),
        victim_fears_for_life=alarm(form.alarmvragen.slachtoffer_vreest_voor_eigen_leven),
        risk_level=sash_level(form),
        previous_risk_level=LEVELS[previous] if previous else None,
        assessed_on=form.afnamedatum,
        assessor=contact(form.afgenomen_door),
        contact=contact(record.behandelaar),
    )


@dataclass(frozen=True)
class Breach:
    """What an arrest record says of the breach of a measure it was for."""

    measure: Maatregel
    detected_by: Aanleiding
    severity: Niveau


def breach_of(record: PoliceArrestRecord) -> Breach | None:
    """The breach an arrest was for; None for an arrest for a new offence only. Refused when the
    record names no ground at all, when a breach lacks how it came to light or how serious it is,
    or when those come without the measure breached (they would describe a breach of nothing)."""
    measure, detected_by, severity = record.overtreden_maatregel, record.aanleiding, record.ernst
    if measure is None and record.strafbaar_feit is None:
        raise MappingError(
            [
                Problem(
                    path="overtreden_maatregel",
                    message="the aanhouding names neither an overtreden_maatregel nor a strafbaar_feit: "
                    "a signal must say what the arrest is for",
                    expected="an overtreden_maatregel, a strafbaar_feit, or both",
                )
            ]
        )
    facts = {"aanleiding": detected_by, "ernst": severity}
    if measure is None:
        given = [name for name, value in facts.items() if value is not None]
        if given:
            raise MappingError([_breach_fact_without_measure(name) for name in given])
        return None
    if detected_by is None or severity is None:
        raise MappingError([_breach_fact_missing(name) for name, value in facts.items() if value is None])
    return Breach(measure, detected_by, severity)


def _breach_fact_missing(name: str) -> Problem:
    codes = get_args(Aanleiding if name == "aanleiding" else Niveau)
    return Problem(
        path=name,
        message="missing: required with overtreden_maatregel, to describe the breach",
        expected="one of " + ", ".join(f"'{code}'" for code in codes),
    )


def _breach_fact_without_measure(name: str) -> Problem:
    return Problem(
        path=name,
        message="describes the breach of a measure, but the aanhouding names no overtreden_maatregel",
        expected="the overtreden_maatregel, or leave this field out for a new offence only",
    )


REPORTED_BY: dict[MelderRol, Aanleiding] = {
    "slachtoffer": "MELDING_SLACHTOFFER",
    "getuige": "OVERIG",
    "professional": "OVERIG",
    "anoniem": "OVERIG",
}
"""How a breach a report names came to light: by the victim's report when she reported it."""


def reported_breach_of(record: PoliceReportRecord) -> Breach | None:
    """The breach of a measure a report names; None for a report of stalking only. Refused when
    the breach lacks how serious it is, or the seriousness comes without the measure."""
    if record.overtreden_maatregel is None:
        if record.ernst is not None:
            raise MappingError(
                [
                    Problem(
                        path="ernst",
                        message=f"describes the breach of a measure, but the {record.soort} names no "
                        "overtreden_maatregel",
                        expected="the overtreden_maatregel, or leave ernst out for a report of stalking only",
                    )
                ]
            )
        return None
    if record.ernst is None:
        raise MappingError([_breach_fact_missing("ernst")])
    return Breach(record.overtreden_maatregel, REPORTED_BY[record.melder_rol], record.ernst)


def to_reported_breach(record: PoliceReportRecord, breach: Breach) -> BreachOfConditions:
    """*Melding* or *aangifte* that a measure was broken → breach_of_conditions, at the pleegdatum,
    with the officer's account: the same breach as an ankle tag or an arrest would report."""
    who = subjects(record)
    return BreachOfConditions(
        suspect=who.suspect,
        victim=who.victim,
        children=who.children,
        measure=MEASURES[breach.measure],
        breach_time=record.pleegdatum,
        place=record.pleegplaats,
        detected_by=DETECTED_BY[breach.detected_by],
        severity=SEVERITIES[breach.severity],
        description=record.toelichting,
        contact=contact(record.behandelaar),
    )


def to_arrest(record: PoliceArrestRecord) -> Arrest:
    """*Aanhouding* → arrest: that the suspect is held, since when, where, and what for. The breach
    or offence happened at the pleegdatum when known, else (caught in the act) at the arrest. The
    officer's account is not part of it: the arrest carries facts only."""
    who = subjects(record)
    return Arrest(
        suspect=person(record.verdachte),
        victim=who.victim,
        children=who.children,
        arrested_at=record.aanhoudingstijdstip,
        measure=MEASURES[record.overtreden_maatregel] if record.overtreden_maatregel else None,
        offence=OFFENCES[record.strafbaar_feit] if record.strafbaar_feit else None,
        incident_time=record.pleegdatum or record.aanhoudingstijdstip,
        incident_place=record.pleegplaats,
        held_at=record.plaats_insluiting,
        contact=contact(record.behandelaar),
    )


def to_breach(record: PoliceArrestRecord, breach: Breach) -> BreachOfConditions:
    """*Aanhouding* for breaking a measure → breach_of_conditions. The breach happened at the
    pleegdatum when known, else (caught in the act) at the arrest."""
    who = subjects(record)
    return BreachOfConditions(
        suspect=who.suspect,
        victim=who.victim,
        children=who.children,
        measure=MEASURES[breach.measure],
        breach_time=record.pleegdatum or record.aanhoudingstijdstip,
        place=record.pleegplaats,
        detected_by=DETECTED_BY[breach.detected_by],
        severity=SEVERITIES[breach.severity],
        description=record.toelichting,
        contact=contact(record.behandelaar),
    )


def to_involvement(record: PoliceArrestRecord) -> InvolvementOpened:
    """*Aanhouding* without the label huiselijk geweld → involvement_opened: only that the police
    are involved with the suspect (as `investigator`), since the day of the arrest, and whom to
    call. No offence, no victim, no account: the index brings the police together with partners
    already working with him (a drugs arrest of someone Veilig Thuis knows), and nothing more.
    Refused when it names a measure broken: a ban protects a victim, so that arrest is part of her
    case and carries the label."""
    breach = breach_of(record)
    if breach is not None:
        raise MappingError(
            [
                Problem(
                    path="huiselijk_geweld",
                    message="false, but the aanhouding names an overtreden_maatregel: breaking a measure "
                    "that protects a victim is part of her case",
                    expected="true, or leave out overtreden_maatregel, aanleiding and ernst",
                )
            ]
        )
    return InvolvementOpened(
        suspect=person(record.verdachte),
        role=InvolvementRole.INVESTIGATOR,
        since=record.aanhoudingstijdstip.date(),
        contact=contact(record.behandelaar),
    )


def to_contact_changed(record: PoliceContactChangeRecord) -> ContactChanged:
    """*Wijziging contactpersoon* → contact_changed; refused when nobody actually changes."""
    new, previous = contact(record.behandelaar), contact(record.vorige_behandelaar)
    if new == previous:
        raise MappingError(
            [
                Problem(
                    path="behandelaar",
                    message="the same officer as vorige_behandelaar: nothing changes",
                    expected="the officer who takes over the role",
                )
            ]
        )
    who = subjects(record)
    return ContactChanged(
        suspect=who.suspect,
        victim=who.victim,
        children=who.children,
        role=CONTACT_ROLES[record.rol],
        contact=new,
        availability=record.bereikbaarheid,
        previous_contact=previous,
    )


def to_signals(record: PoliceRecord) -> list[Mapped]:
    """Every signal one police record means, each with its stable part name."""
    if isinstance(record, PoliceReportRecord):
        breach = reported_breach_of(record)
        signals = []
        if breach is None or record.kenmerken:
            signals.append(Mapped("report", to_new_report(record)))
        if breach is not None:
            signals.append(Mapped("breach", to_reported_breach(record, breach)))
        if record.sash is not None:
            signals.append(Mapped("risk", to_risk_assessment(record, record.sash)))
        return signals
    if isinstance(record, PoliceArrestRecord) and not record.huiselijk_geweld:
        return [Mapped("involvement", to_involvement(record))]
    if isinstance(record, PoliceArrestRecord):
        breach = breach_of(record)
        arrest = Mapped("arrest", to_arrest(record))
        return [arrest] if breach is None else [arrest, Mapped("breach", to_breach(record, breach))]
    if isinstance(record, PoliceContactChangeRecord):
        return [Mapped("contact", to_contact_changed(record))]
    if isinstance(
        record, PoliceMeasureImposedRecord | PoliceMeasureExtendedRecord | PoliceMeasureEndedRecord
    ):
        who = subjects(record)
        measure = to_measure(
            record,
            suspect=person(record.verdachte),
            victim=who.victim,
            children=who.children,
            contact=contact(record.behandelaar),
        )
        return [Mapped("measure", measure)]
    return [Mapped("risk", to_risk_assessment(record, record.sash, record.vorige_uitkomst))]
