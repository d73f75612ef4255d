"""The prosecution service's native export: ZSM decisions and events of a criminal case as JSON.

One object, or an array of objects, as the OM's case system (GPS, the ZSM registration) exports
them. Each record is one decision or event (*beslissing* / *gebeurtenis*) in one case
(*parketnummer*), numbered within that case (*gebeurtenisnummer*). Which kind of record it is, is
the code in `soort`; the section of that kind (`maatregel`, `vervolgingsbeslissing` or
`invrijheidstelling`) holds its details. Field names are the export's, in Dutch; codes are kept as
text here and translated in `mapping.py`, so that an unknown code is reported with the known ones.
See README.md for the full table and a sample.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from adapters.brp import PHONE, NativePerson
from adapters.brp import Native as _Native
from gateway.schemas.times import Day, Timestamp

PARKETNUMMER = r"^[0-9]{2}/[0-9]{6}-[0-9]{2}$"


class NativeOfficer(_Native):
    """The professional at the OM to call about this record, usually the *zaaksofficier*."""

    functie: str = Field(
        min_length=1,
        max_length=100,
        description="Role, e.g. 'zaaksofficier', 'ZSM-officier', 'parketsecretaris'.",
    )
    naam: str = Field(min_length=1, max_length=200, description="Name.")
    telefoon: str = Field(pattern=PHONE, description="Direct phone number.")
    parket: str | None = Field(
        default=None,
        max_length=200,
        description="Office and desk, e.g. 'Arrondissementsparket Rotterdam, ZSM'.",
    )


class NativeCondition(_Native):
    """*Voorwaarde*: one condition or instruction the suspect must keep to."""

    soort: str = Field(description="Condition code: CONTACTVERBOD, GEBIEDSVERBOD, MELDPLICHT, ... (README).")
    omschrijving: str = Field(
        min_length=1, max_length=1000, description="The condition as imposed: which persons, which area."
    )
    einddatum: Day | None = Field(
        default=None,
        description="Last day it applies. Absent: with a measure, until the measure's einddatum; "
        "with a release, until further notice.",
    )


class NativeMeasure(_Native):
    """*Maatregel*: the measure as it stands after this record (imposed, extended or ended)."""

    soort: str = Field(description="Measure code: GEDRAGSAANWIJZING, CONTACTVERBOD, ... (README).")
    grondslag: str | None = Field(
        default=None, max_length=100, description="Legal basis, e.g. 'art. 509hh Sv'. Not passed on."
    )
    ingangsdatum: Day = Field(description="First day the measure applies.")
    einddatum: Day | None = Field(
        default=None,
        description="Last day the measure applies (after an extension: the new one); absent when it runs "
        "until a later decision. Required for MAATREGEL_VERLENGD.",
    )
    vorige_einddatum: Day | None = Field(
        default=None, description="The end date before the extension. Required for MAATREGEL_VERLENGD only."
    )
    datum_beeindiging: Day | None = Field(
        default=None, description="Last day the measure applied. Required for MAATREGEL_BEEINDIGD only."
    )
    reden_beeindiging: str | None = Field(
        default=None,
        description="End-reason code: VERLOPEN, OPGEHEVEN, ... Required for MAATREGEL_BEEINDIGD only.",
    )
    voorwaarden: list[NativeCondition] = Field(
        default_factory=list, description="The conditions of the measure, as they apply after this record."
    )


class NativeInforming(_Native):
    """One agreement on informing the victim: of what, by whom."""

    onderwerp: str = Field(description="What she is told of: VRIJLATING, MAATREGEL or BESLISSING.")
    door: str = Field(description="Who tells her: SLACHTOFFERHULP, POLITIE, OM or VEILIG_THUIS.")


class NativeDecision(_Native):
    """*Vervolgingsbeslissing*: what the prosecutor decided on the case or on custody."""

    beslissing: str = Field(description="Decision code: DAGVAARDEN, SEPOT, STRAFBESCHIKKING, ... (README).")
    zittingsdatum: Day | None = Field(
        default=None, description="Day of the court or investigating-judge hearing, if one is set."
    )
    voorwaarden: list[NativeCondition] = Field(
        default_factory=list, description="Conditions attached to the decision, e.g. to a conditional sepot."
    )
    slachtoffer_informeren: list[NativeInforming] = Field(
        default_factory=list,
        description="Who informs the victim of what, as agreed with this decision (needs `slachtoffer`).",
    )


class NativeRelease(_Native):
    """*Invrijheidstelling*: the suspect is (to be) released, and on which conditions."""

    soort: str = Field(description="Release code: HEENZENDING, SCHORSING_VOORLOPIGE_HECHTENIS, ... (README).")
    status: str = Field(description="GEPLAND (not yet released) or UITGEVOERD (released).")
    tijdstip: Timestamp = Field(description="When the suspect is or was released, with a UTC offset.")
    voorwaarden: list[NativeCondition] = Field(
        default_factory=list, description="The conditions the suspect must keep to after release."
    )
    bekend_risiconiveau: str | None = Field(
        default=None,
        description="The latest risk level the OM knows of: LAAG, MIDDEN or HOOG (e.g. from SASH).",
    )


class OmRecord(_Native):
    """One decision or event in a case, as the OM's case system exports it."""

    parketnummer: str = Field(
        pattern=PARKETNUMMER, description="The case number, e.g. '10/730145-26' (office/number-year)."
    )
    gebeurtenisnummer: int = Field(
        strict=True, ge=1, description="Number of the decision or event within the case (a JSON number)."
    )
    soort: str = Field(
        description="Record kind: MAATREGEL_OPGELEGD, MAATREGEL_VERLENGD, MAATREGEL_BEEINDIGD, "
        "VERVOLGINGSBESLISSING or INVRIJHEIDSTELLING."
    )
    tijdstip: Timestamp = Field(description="When the decision was taken or the event registered.")
    verdachte: NativePerson = Field(description="The suspect the case is about.")
    slachtoffer: NativePerson | None = Field(default=None, description="The victim, if registered.")
    kinderen: list[NativePerson] = Field(default_factory=list, description="Children in the family system.")
    behandelaar: NativeOfficer = Field(description="Whom partners should call about this record.")
    maatregel: NativeMeasure | None = Field(
        default=None, description="For MAATREGEL_OPGELEGD, MAATREGEL_VERLENGD and MAATREGEL_BEEINDIGD."
    )
    vervolgingsbeslissing: NativeDecision | None = Field(
        default=None, description="For VERVOLGINGSBESLISSING."
    )
    invrijheidstelling: NativeRelease | None = Field(default=None, description="For INVRIJHEIDSTELLING.")


def record_id(item: dict[str, Any]) -> str | None:
    """The record's id, picked from the raw object so that even a record that fails validation is
    named: case number and event number, e.g. '10/730145-26:3'. Two records never share it."""
    number, event = item.get("parketnummer"), item.get("gebeurtenisnummer")
    if not isinstance(number, str) or not number or isinstance(event, bool) or not isinstance(event, int):
        return None
    return f"{number}:{event}"
