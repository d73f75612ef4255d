"""Victim support's registrations → Ketenpoort signals. Pure functions: no Kafka, no files.

| `soort` | signal | part |
|---|---|---|
| beschermingsbehoeften | protection_needs, with her consent and whom it covers | `needs` |
| slachtoffer_geinformeerd | victim_informed | `informed` |
| melding_overtreding | breach_of_conditions, detected_by victim_report; only with consent | `breach` |

Victim support passes on what the victim tells it on her consent (gateway/policies/
protection_needs.rego): her needs carry the consent as she gave it, and the policies decide on it;
a breach she reports is sent only when she consented, since breach_of_conditions goes to the
prosecutor, the police, probation and Veilig Thuis whoever sends it.
"""

from __future__ import annotations

from adapters.exports import Mapped, MappingError
from adapters.slachtofferhulp.native import (
    Behoefte,
    BreachRecord,
    Ernst,
    InformedRecord,
    Maatregel,
    NativeAddress,
    NativeClient,
    NativeSuspect,
    NativeWorker,
    NeedsRecord,
    Onderwerp,
    Partner,
    VictimSupportRecord,
    Wijze,
)
from gateway.schemas import (
    Address,
    BreachOfConditions,
    ContactPerson,
    Person,
    ProtectionNeeds,
    VictimInformed,
)
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.measure import MeasureKind
from gateway.schemas.problems import Problem
from gateway.schemas.protection_needs import ConsentScope, ProtectionNeed
from gateway.schemas.victim_informed import InformedAbout, InformingChannel

NEEDS: dict[Behoefte, ProtectionNeed] = {
    "GEEN_CONTACT_VERDACHTE": ProtectionNeed.NO_CONTACT_WITH_SUSPECT,
    "INFORMEREN_VOOR_VRIJLATING": ProtectionNeed.INFORMED_BEFORE_RELEASE,
    "INFORMEREN_BESLISSINGEN": ProtectionNeed.INFORMED_OF_DECISIONS,
    "VREES_VOOR_VEILIGHEID": ProtectionNeed.FEARS_FOR_SAFETY,
    "VEILIG_ADRES": ProtectionNeed.SAFE_ADDRESS,
    "VASTE_CONTACTPERSOON_POLITIE": ProtectionNeed.FIXED_POLICE_CONTACT,
    "GEBIEDSVERBOD": ProtectionNeed.AREA_BAN,
}

PARTNERS: dict[Partner, ConsentScope] = {
    "POLITIE": ConsentScope.POLICE,
    "OM": ConsentScope.OM,
    "VEILIG_THUIS": ConsentScope.VEILIGTHUIS,
}

SUBJECTS: dict[Onderwerp, InformedAbout] = {
    "VRIJLATING": InformedAbout.RELEASE,
    "MAATREGEL": InformedAbout.MEASURE,
    "BESLISSING": InformedAbout.DECISION,
}

CHANNELS: dict[Wijze, InformingChannel] = {
    "TELEFONISCH": InformingChannel.PHONE,
    "PERSOONLIJK": InformingChannel.IN_PERSON,
    "BRIEF": InformingChannel.LETTER,
}

MEASURES: dict[Maatregel, MeasureKind] = {
    "GEDRAGSAANWIJZING": MeasureKind.BEHAVIOURAL_ORDER,
    "CONTACTVERBOD": MeasureKind.CONTACT_BAN,
    "GEBIEDSVERBOD": MeasureKind.AREA_BAN,
    "ENKELBAND": MeasureKind.ANKLE_TAG,
    "BIJZONDERE_VOORWAARDEN": MeasureKind.SPECIAL_CONDITIONS,
    "SCHORSINGSVOORWAARDEN": MeasureKind.SUSPENSION_CONDITIONS,
}

SEVERITIES: dict[Ernst, Severity] = {"laag": Severity.LOW, "midden": Severity.MEDIUM, "hoog": Severity.HIGH}


def victim(client: NativeClient) -> Person:
    return Person(
        given_name=client.voornamen,
        family_name=client.achternaam,
        birth_date=client.geboortedatum,
        address=address(client.adres) if client.adres else None,
    )


def address(native: NativeAddress) -> Address:
    return Address(
        street=native.straat,
        house_number=native.huisnummer,
        postal_code=native.postcode,
        city=native.woonplaats,
    )


def suspect(native: NativeSuspect | None) -> Person | None:
    if native is None:
        return None
    return Person(given_name=native.voornamen, family_name=native.achternaam, birth_date=native.geboortedatum)


def contact(worker: NativeWorker) -> ContactPerson:
    return ContactPerson(role=worker.functie, name=worker.naam, phone=worker.telefoon, unit=worker.team)


def _twice(codes: list[Behoefte] | list[Partner], path: str) -> list[Problem]:
    if len(set(codes)) == len(codes):
        return []
    return [Problem(path=path, message="a code is given twice", expected="each code at most once")]


def needs_problems(record: NeedsRecord) -> list[Problem]:
    """What reads well but does not say one thing: a code twice, a change that changes nothing,
    consent without whom it covers, or partners without consent."""
    problems = _twice(record.behoeften, "behoeften") + _twice(
        record.toestemming_partners, "toestemming_partners"
    )
    if record.vorige_behoeften is not None and set(record.vorige_behoeften) == set(record.behoeften):
        problems.append(
            Problem(
                path="vorige_behoeften",
                message="the same as behoeften: nothing changed",
                expected="the needs before the change, or no vorige_behoeften for needs registered anew",
            )
        )
    if record.toestemming_delen and not record.toestemming_partners:
        problems.append(
            Problem(
                path="toestemming_partners",
                message="empty while toestemming_delen is true: whom did she consent to?",
                expected="one or more of POLITIE, OM, VEILIG_THUIS",
            )
        )
    if not record.toestemming_delen and record.toestemming_partners:
        problems.append(
            Problem(
                path="toestemming_partners",
                message="names partners while toestemming_delen is false",
                expected="an empty list, or toestemming_delen true",
            )
        )
    return problems


def to_protection_needs(record: NeedsRecord) -> ProtectionNeeds:
    """*Beschermingsbehoeften* → protection_needs: a change when the record has `vorige_behoeften`."""
    problems = needs_problems(record)
    if problems:
        raise MappingError(problems)
    previous = record.vorige_behoeften
    return ProtectionNeeds(
        suspect=suspect(record.verdachte),
        victim=victim(record.client),
        needs=[NEEDS[code] for code in record.behoeften],
        changed=previous is not None,
        previous_needs=[NEEDS[code] for code in previous] if previous is not None else None,
        recorded_at=record.registratietijdstip,
        consent_to_share=record.toestemming_delen,
        consent_scope=[PARTNERS[code] for code in record.toestemming_partners],
        contact=contact(record.casemanager),
    )


def to_victim_informed(record: InformedRecord) -> VictimInformed:
    """*Slachtoffer geïnformeerd* → victim_informed; told by her casemanager unless another is named."""
    return VictimInformed(
        suspect=suspect(record.verdachte),
        victim=victim(record.client),
        about=SUBJECTS[record.onderwerp],
        about_signal=record.ketenpoort_signaal_id,
        informed_at=record.geinformeerd_op,
        channel=CHANNELS[record.wijze],
        informed_by=contact(record.geinformeerd_door or record.casemanager),
    )


def to_breach(record: BreachRecord) -> BreachOfConditions:
    """*Melding overtreding* → breach_of_conditions, detected by her report; refused without her
    consent to pass it on."""
    if not record.toestemming_delen:
        raise MappingError(
            [
                Problem(
                    path="toestemming_delen",
                    message="false: victim support passes on a breach she reports only with her consent",
                    expected="true once she consents; without it, help her report it to the police herself",
                )
            ]
        )
    return BreachOfConditions(
        suspect=suspect(record.verdachte),
        victim=victim(record.client),
        measure=MEASURES[record.overtreden_maatregel],
        breach_time=record.pleegdatum,
        place=record.pleegplaats,
        detected_by=DetectedBy.VICTIM_REPORT,
        severity=SEVERITIES[record.ernst],
        description=record.toelichting,
        contact=contact(record.casemanager),
    )


def to_signals(record: VictimSupportRecord) -> list[Mapped]:
    """The one signal a registration means, with its stable part name."""
    if isinstance(record, NeedsRecord):
        return [Mapped("needs", to_protection_needs(record))]
    if isinstance(record, InformedRecord):
        return [Mapped("informed", to_victim_informed(record))]
    return [Mapped("breach", to_breach(record))]
