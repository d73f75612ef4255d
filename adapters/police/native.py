"""The police's native export: incident registrations and their mutations (*mutaties*) as JSON.

One object, or an array of objects, as the police's registration system exports them. A record is
either a registration of its own (a *melding* or *aangifte* of stalking, with the SASH screening
when one was done) or a mutation of an existing registration (an arrest, a change of the contact
person, a new SASH screening, a measure the police register: a *tijdelijk huisverbod* or a civil
ban imposed, extended or ended), numbered within that registration (`mutatienummer`). Which kind it
is, is the value of `soort`. Field names and codes are the export's, in Dutch; `mapping.py`
translates them. See README.md for the full table and samples.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, RootModel, model_validator

from gateway.schemas.persons import Bsn
from gateway.schemas.times import Day, Timestamp

REGISTRATIENUMMER = r"^PL[0-9]{4}-[0-9]{8}$"
PHONE = r"^\+?[0-9 ()-]{6,20}$"
POSTCODE = r"^\d{4} ?[A-Z]{2}$"

MelderRol = Literal["slachtoffer", "getuige", "professional", "anoniem"]
Kenmerk = Literal["VOLGEN", "ONGEWENST_CONTACT", "BEDREIGING", "VERNIELING", "POSTEN", "ONLINE", "GEWELD"]
Antwoord = Literal["ja", "nee", "onbekend"]
Niveau = Literal["laag", "midden", "hoog"]
Maatregel = Literal[
    "GEDRAGSAANWIJZING",
    "CONTACTVERBOD",
    "GEBIEDSVERBOD",
    "ENKELBAND",
    "BIJZONDERE_VOORWAARDEN",
    "SCHORSINGSVOORWAARDEN",
    "HUISVERBOD",
    "CIVIEL_CONTACTVERBOD",
    "CIVIEL_GEBIEDSVERBOD",
]
# The measures the police register themselves: the mayor's tijdelijk huisverbod, which the police
# issue by the mayor's mandate and enforce, and the bans the civil court ordered at the victim's
# request, which she brings to the police. The prosecution service sends the criminal measures.
GeregistreerdeMaatregel = Literal["HUISVERBOD", "CIVIEL_CONTACTVERBOD", "CIVIEL_GEBIEDSVERBOD"]
RedenEinde = Literal["VERLOPEN", "INGETROKKEN", "VERNIETIGD", "VERVANGEN"]
Aanleiding = Literal[
    "WAARNEMING_POLITIE", "MELDING_SLACHTOFFER", "ENKELBANDALARM", "MELDING_TOEZICHTHOUDER", "OVERIG"
]
Feit = Literal["BELAGING", "BEDREIGING", "MISHANDELING", "VERNIELING", "HUISVREDEBREUK", "OVERIG"]
Contactrol = Literal["casusregisseur", "vaste_contactpersoon"]
Soort = Literal[
    "melding",
    "aangifte",
    "aanhouding",
    "wijziging_contactpersoon",
    "sash_herbeoordeling",
    "maatregel_opgelegd",
    "maatregel_verlengd",
    "maatregel_beeindigd",
]


class _Native(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NativeAddress(_Native):
    """*Adres*: a home address as registered (from the BRP)."""

    straat: str = Field(min_length=1, max_length=200, description="Street name.")
    huisnummer: str = Field(min_length=1, max_length=20, description="House number with any addition, '12A'.")
    postcode: str = Field(pattern=POSTCODE, description="Dutch postal code, '3012 AB'.")
    woonplaats: str = Field(min_length=1, max_length=100, description="Place of residence.")


class NativePerson(_Native):
    """*Betrokkene*: a suspect, victim or child as the police registered them."""

    bsn: Bsn | None = Field(default=None, description="Burgerservicenummer; must pass the 11-test.")
    voornamen: str = Field(min_length=1, max_length=200, description="Given names.")
    achternaam: str = Field(min_length=1, max_length=200, description="Family name with any prefix ('de').")
    geboortedatum: Day | None = Field(default=None, description="Date of birth, e.g. 1990-04-12.")
    adres: NativeAddress | None = Field(default=None, description="Home address, where known.")


class NativeOfficer(_Native):
    """*Behandelaar*: the police professional partners should call, or who did the screening."""

    rol: str = Field(
        min_length=1, max_length=100, description="Role, e.g. 'casusregisseur', 'vaste contactpersoon'."
    )
    naam: str = Field(
        min_length=1, max_length=200, description="Name with rank, e.g. 'Inspecteur J. Bakker'."
    )
    telefoon: str = Field(pattern=PHONE, description="Direct phone number, e.g. '+31 10 555 0101'.")
    eenheid: str | None = Field(
        default=None, max_length=200, description="Team, e.g. 'Basisteam Rotterdam-Zuid'."
    )


class SashRiskFactors(_Native):
    """*Risicofactoren*: the twelve SASH questions asked in every stalking case, each answered
    ja (present), nee (absent) or onbekend (unknown)."""

    fysieke_toenadering: Antwoord = Field(description="Has the suspect physically approached the victim?")
    bedreiging_of_intimidatie: Antwoord = Field(
        description="Does the suspect threaten or aggressively intimidate the victim or those close to her?"
    )
    onrechtmatig_in_woning: Antwoord = Field(
        description="Has the suspect entered the victim's home unbidden?"
    )
    vernieling_of_diefstal: Antwoord = Field(
        description="Has the suspect deliberately destroyed or stolen the victim's belongings?"
    )
    waarschuwing_of_verbod_genegeerd: Antwoord = Field(
        description="Has the suspect ignored a police warning or broken a contact or area ban?"
    )
    escalatie: Antwoord = Field(description="Is the stalking getting worse?")
    contact_noodzakelijk: Antwoord = Field(
        description="Must the victim keep in contact with the suspect, e.g. because of the children?"
    )
    eerder_gestalkt: Antwoord = Field(description="Is the suspect known to have stalked before?")
    geweldsverleden: Antwoord = Field(description="Has the suspect a history of physical or sexual violence?")
    psychische_problemen: Antwoord = Field(
        description="Does the suspect appear to have mental health problems?"
    )
    middelengebruik: Antwoord = Field(description="Has the suspect problems caused by alcohol or drugs?")
    recent_ingrijpend_verlies: Antwoord = Field(
        description="Has the suspect recently suffered a major loss: job, home, network, a death?"
    )


class SashExPartnerFactors(_Native):
    """*Ex-partnerfactoren*: the two SASH questions asked only when the stalker is an ex-partner."""

    bezitterig_of_jaloers: Antwoord = Field(
        description="Was there a sexual relationship, and is the suspect extremely possessive or jealous?"
    )
    conflict_over_kinderen_of_bezit: Antwoord = Field(
        description="Is there a current conflict or legal dispute over the children or shared property?"
    )


class SashAlarmItems(_Native):
    """*Alarmvragen*: the two SASH questions of which a ja forces the level *hoog*."""

    geen_uitweg_dan_geweld: Antwoord = Field(
        description="Has the suspect reached a point where he sees no way out but violence?"
    )
    slachtoffer_vreest_voor_eigen_leven: Antwoord = Field(description="Does the victim fear for her life?")


class SashForm(_Native):
    """*SASH*: the Screening Assessment for Stalking and Harassment as the screener filled it in."""

    afnamedatum: Day = Field(description="The day of the screening.")
    afgenomen_door: NativeOfficer = Field(description="The officer who did the screening.")
    risicofactoren: SashRiskFactors = Field(description="The twelve general risk questions.")
    ex_partnerfactoren: SashExPartnerFactors | None = Field(
        default=None,
        description="The two ex-partner questions; absent unless the stalker is an ex-partner.",
    )
    alarmvragen: SashAlarmItems = Field(description="The two alarm questions.")
    eindoordeel: Niveau | None = Field(
        default=None,
        description="The screener's own level (*niveau van ongerustheid*); absent: derived from the answers.",
    )


class _Registration(_Native):
    registratienummer: str = Field(
        pattern=REGISTRATIENUMMER, description="The registration's number, e.g. 'PL1700-26004512'."
    )
    verdachte: NativePerson | None = Field(default=None, description="The suspect, where known.")
    slachtoffer: NativePerson | None = Field(default=None, description="The victim, where known.")
    kinderen: list[NativePerson] = Field(default_factory=list, description="Children in the family.")
    behandelaar: NativeOfficer = Field(description="Whom partners should call, usually the casusregisseur.")


class _Mutation(_Registration):
    mutatienummer: int = Field(
        ge=1, strict=True, description="Number of this mutation within its registration: 1, 2, ..."
    )


class PoliceReportRecord(_Registration):
    """*Melding* or *aangifte*: a registered report of stalking, with its SASH screening if done,
    or a report that a measure was broken (`overtreden_maatregel`, with `ernst`: mapping.py checks),
    or both."""

    soort: Literal["melding", "aangifte"] = Field(description="'melding' or 'aangifte'.")
    mutatienummer: int | None = Field(
        default=None,
        ge=1,
        strict=True,
        description="Absent for the report as first registered; for a corrected report, its mutation number.",
    )
    melder_rol: MelderRol = Field(
        description="Who reported: 'slachtoffer', 'getuige', 'professional', 'anoniem'."
    )
    pleegdatum: Timestamp = Field(description="When the (latest) incident happened, with a UTC offset.")
    pleegplaats: str = Field(min_length=1, max_length=200, description="Municipality of the incident.")
    kenmerken: list[Kenmerk] = Field(default_factory=list, description="Stalking behaviour codes.")
    toelichting: str | None = Field(
        default=None, max_length=10_000, description="The officer's free-text account of the report."
    )
    sash: SashForm | None = Field(default=None, description="The SASH screening, when one was done.")
    overtreden_maatregel: Maatregel | None = Field(
        default=None,
        description="The measure the report says was broken (a contact ban, an area ban, conditions), "
        "e.g. she reports he called her despite the contact ban; absent for a report of stalking only.",
    )
    ernst: Niveau | None = Field(
        default=None,
        description="The officer's judgement of that breach ('laag', 'midden', 'hoog'); with "
        "overtreden_maatregel only.",
    )


class PoliceArrestRecord(_Mutation):
    """*Aanhouding*: the suspect was arrested, for breaking a measure (a ban, an order, conditions),
    for a new offence (*strafbaar feit*), or both. `aanleiding` and `ernst` describe the breach of
    the measure, and belong only with `overtreden_maatregel` (mapping.py checks)."""

    soort: Literal["aanhouding"] = Field(description="'aanhouding'.")
    verdachte: NativePerson = Field(description="The arrested suspect.")
    aanhoudingstijdstip: Timestamp = Field(description="When the suspect was arrested, with a UTC offset.")
    plaats_insluiting: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Where the suspect is held, e.g. 'Cellencomplex Rotterdam-Zuid'.",
    )
    pleegdatum: Timestamp | None = Field(
        default=None, description="When the breach or offence happened, if known; absent: at the arrest."
    )
    pleegplaats: str | None = Field(
        default=None, min_length=1, max_length=200, description="Municipality of the breach or offence."
    )
    overtreden_maatregel: Maatregel | None = Field(
        default=None, description="The measure that was broken; absent for an arrest for a new offence only."
    )
    strafbaar_feit: Feit | None = Field(
        default=None, description="The new offence; absent for an arrest for breaking a measure only."
    )
    aanleiding: Aanleiding | None = Field(
        default=None, description="How the breach came to light; with a measure only."
    )
    ernst: Niveau | None = Field(
        default=None,
        description="The officer's judgement of the breach ('laag', 'midden', 'hoog'); with a measure only.",
    )
    toelichting: str | None = Field(
        default=None,
        max_length=10_000,
        description="The officer's free-text account; sent only with a breach of a measure.",
    )
    huiselijk_geweld: bool = Field(
        default=True,
        strict=True,
        description=(
            "Whether the registration carries the label huiselijk geweld or (ex-partner) stalking; "
            "false for any other arrest (drugs, theft, ...), which becomes dat-informatie only. "
            "Absent: true, as in an export of domestic-violence and stalking records only."
        ),
    )


class PoliceContactChangeRecord(_Mutation):
    """*Wijziging contactpersoon*: another officer takes over a role in the case."""

    soort: Literal["wijziging_contactpersoon"] = Field(description="'wijziging_contactpersoon'.")
    rol: Contactrol = Field(description="The role handed over: 'casusregisseur' or 'vaste_contactpersoon'.")
    behandelaar: NativeOfficer = Field(description="The officer who holds the role from now on.")
    vorige_behandelaar: NativeOfficer = Field(description="The officer who held the role until now.")
    bereikbaarheid: str | None = Field(
        default=None, min_length=1, max_length=100, description="When to reach the new officer."
    )


class PoliceRescreenRecord(_Mutation):
    """*SASH-herbeoordeling*: a new SASH screening in a running case, e.g. after a new incident."""

    soort: Literal["sash_herbeoordeling"] = Field(description="'sash_herbeoordeling'.")
    sash: SashForm = Field(description="The new screening.")
    vorige_uitkomst: Niveau = Field(description="The level of the previous screening in this registration.")


class _MeasureRecord(_Mutation):
    """A measure the police register (`GeregistreerdeMaatregel`), about the person it bans."""

    maatregel: GeregistreerdeMaatregel = Field(
        description="'HUISVERBOD', 'CIVIEL_CONTACTVERBOD' or 'CIVIEL_GEBIEDSVERBOD'."
    )
    verdachte: NativePerson = Field(
        description="The person the measure bans (for a huisverbod: uit huis geplaatst)."
    )


class PoliceMeasureImposedRecord(_MeasureRecord):
    """*Maatregel opgelegd*: a tijdelijk huisverbod issued, or a civil ban registered."""

    soort: Literal["maatregel_opgelegd"] = Field(description="'maatregel_opgelegd'.")
    ingangsdatum: Day = Field(description="First day the measure applies.")
    einddatum: Day | None = Field(
        default=None,
        description="Last day the measure applies; required for a huisverbod (10 days), absent: no end.",
    )


class PoliceMeasureExtendedRecord(_MeasureRecord):
    """*Maatregel verlengd*: the mayor extended a huisverbod, or the court a civil ban."""

    soort: Literal["maatregel_verlengd"] = Field(description="'maatregel_verlengd'.")
    ingangsdatum: Day = Field(description="First day of the measure as first imposed.")
    vorige_einddatum: Day = Field(description="The last day before this extension.")
    einddatum: Day = Field(description="The new last day.")


class PoliceMeasureEndedRecord(_MeasureRecord):
    """*Maatregel beëindigd*: the measure no longer applies."""

    soort: Literal["maatregel_beeindigd"] = Field(description="'maatregel_beeindigd'.")
    beeindigd_op: Day = Field(description="Last day the measure applied.")
    reden: RedenEinde = Field(
        description="'VERLOPEN' (not extended), 'INGETROKKEN' (by the mayor), 'VERNIETIGD' (by a court), "
        "'VERVANGEN' (by another measure)."
    )


PoliceMeasureRecord = PoliceMeasureImposedRecord | PoliceMeasureExtendedRecord | PoliceMeasureEndedRecord

PoliceRecord = (
    PoliceReportRecord
    | PoliceArrestRecord
    | PoliceContactChangeRecord
    | PoliceRescreenRecord
    | PoliceMeasureRecord
)

KINDS: dict[str, type[PoliceRecord]] = {
    "melding": PoliceReportRecord,
    "aangifte": PoliceReportRecord,
    "aanhouding": PoliceArrestRecord,
    "wijziging_contactpersoon": PoliceContactChangeRecord,
    "sash_herbeoordeling": PoliceRescreenRecord,
    "maatregel_opgelegd": PoliceMeasureImposedRecord,
    "maatregel_verlengd": PoliceMeasureExtendedRecord,
    "maatregel_beeindigd": PoliceMeasureEndedRecord,
}


class _Kind(BaseModel):
    model_config = ConfigDict(extra="ignore")

    soort: Soort


class PoliceMutation(RootModel[PoliceRecord]):
    """One record of the export, of whichever kind its `soort` names.

    `soort` picks the model that reads the record, so that a problem names the record's own field
    (`pleegdatum`, not a path through every kind the record might have been).
    """

    @model_validator(mode="wrap")
    @classmethod
    def _by_kind(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if not isinstance(data, dict):
            return handler(data)
        kind = _Kind.model_validate(data).soort
        return cls(KINDS[kind].model_validate(data))


MUTATIONS = frozenset(
    {
        "aanhouding",
        "wijziging_contactpersoon",
        "sash_herbeoordeling",
        "maatregel_opgelegd",
        "maatregel_verlengd",
        "maatregel_beeindigd",
    }
)


def record_id(item: dict[str, Any]) -> str:
    """The police's own id of a raw record: its registratienummer, and for a mutation of that
    registration (a corrected report too) also its mutatienummer ('PL1700-26004512/1'), so that no
    two records share an id. A mutation without its number has no id (KeyError): the record is then
    named by its position only."""
    number = item["registratienummer"]
    if item.get("soort") in MUTATIONS or "mutatienummer" in item:
        return f"{number}/{item['mutatienummer']}"
    return f"{number}"
