"""Victim support's native export: registrations in a victim's file (*dossier*) as JSON.

One object, or an array of objects, as Slachtofferhulp Nederland's client system exports them.
Each record is one registration in one victim's file (`dossiernummer`), numbered within that file
(`registratienummer`): her protection needs (*beschermingsbehoeften*) or their change, that she
was informed of a release, a measure or a decision (*slachtoffer geïnformeerd*), or a breach of a
ban or conditions she reported (*melding overtreding*). Which kind it is, is the value of `soort`.
Field names and codes are the export's, in Dutch; `mapping.py` translates them. See README.md for
every field and a sample.

Victim support registers no BSN (it has no legal ground to use one): the victim (its *cliënt*) and
the suspect are named by name and date of birth, by which the chain links them too.
"""

from __future__ import annotations

from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, RootModel, model_validator

from gateway.schemas.times import Day, Timestamp

DOSSIERNUMMER = r"^SHN-[0-9]{4}-[0-9]{6}$"
PHONE = r"^\+?[0-9 ()-]{6,20}$"
POSTCODE = r"^\d{4} ?[A-Z]{2}$"

Behoefte = Literal[
    "GEEN_CONTACT_VERDACHTE",
    "INFORMEREN_VOOR_VRIJLATING",
    "INFORMEREN_BESLISSINGEN",
    "VREES_VOOR_VEILIGHEID",
    "VEILIG_ADRES",
    "VASTE_CONTACTPERSOON_POLITIE",
    "GEBIEDSVERBOD",
]
Partner = Literal["POLITIE", "OM", "VEILIG_THUIS"]
Onderwerp = Literal["VRIJLATING", "MAATREGEL", "BESLISSING"]
Wijze = Literal["TELEFONISCH", "PERSOONLIJK", "BRIEF"]
Maatregel = Literal[
    "GEDRAGSAANWIJZING",
    "CONTACTVERBOD",
    "GEBIEDSVERBOD",
    "ENKELBAND",
    "BIJZONDERE_VOORWAARDEN",
    "SCHORSINGSVOORWAARDEN",
]
Ernst = Literal["laag", "midden", "hoog"]
Soort = Literal["beschermingsbehoeften", "slachtoffer_geinformeerd", "melding_overtreding"]


class _Native(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NativeAddress(_Native):
    """*Adres*: where the victim lives, or her safe address (*veilig adres*)."""

    straat: str = Field(min_length=1, max_length=200, description="Street name.")
    huisnummer: str = Field(min_length=1, max_length=20, description="House number with any addition, '12A'.")
    postcode: str = Field(pattern=POSTCODE, description="Dutch postal code, '3012 AB'.")
    woonplaats: str = Field(min_length=1, max_length=100, description="Place of residence.")


class NativeClient(_Native):
    """*Cliënt*: the victim victim support supports."""

    voornamen: str = Field(min_length=1, max_length=200, description="Given names.")
    achternaam: str = Field(min_length=1, max_length=200, description="Family name with any prefix ('de').")
    geboortedatum: Day | None = Field(default=None, description="Date of birth, e.g. 1993-08-30.")
    adres: NativeAddress | None = Field(default=None, description="Her address, where she gave it.")


class NativeSuspect(_Native):
    """*Verdachte*: the person she is protected from, as she named him."""

    voornamen: str = Field(min_length=1, max_length=200, description="Given names.")
    achternaam: str = Field(min_length=1, max_length=200, description="Family name with any prefix.")
    geboortedatum: Day | None = Field(default=None, description="Date of birth, where known.")


class NativeWorker(_Native):
    """*Medewerker*: the victim support professional partners should call."""

    functie: str = Field(
        default="casemanager", min_length=1, max_length=100, description="Role, e.g. 'casemanager'."
    )
    naam: str = Field(min_length=1, max_length=200, description="Name, e.g. 'R. de Boer'.")
    telefoon: str = Field(pattern=PHONE, description="Direct phone number, e.g. '+31 10 000 0051'.")
    team: str | None = Field(
        default=None, max_length=200, description="Team or region, e.g. 'regio Rotterdam-Rijnmond'."
    )


class _Registration(_Native):
    dossiernummer: str = Field(
        pattern=DOSSIERNUMMER, description="The victim's file, e.g. 'SHN-2026-004211'."
    )
    registratienummer: int = Field(
        ge=1, strict=True, description="Number of this registration within the file: 1, 2, ..."
    )
    registratietijdstip: Timestamp = Field(description="When it was registered, with a UTC offset.")
    client: NativeClient = Field(description="The victim.")
    verdachte: NativeSuspect | None = Field(default=None, description="The suspect, where she named him.")
    casemanager: NativeWorker = Field(description="Her casemanager at victim support.")


class NeedsRecord(_Registration):
    """*Beschermingsbehoeften*: her protection needs and wishes now, with those before when they
    changed, and with whom she agreed they may be shared."""

    soort: Literal["beschermingsbehoeften"] = Field(description="'beschermingsbehoeften'.")
    behoeften: list[Behoefte] = Field(max_length=7, description="Her needs now; empty when she has none.")
    vorige_behoeften: list[Behoefte] | None = Field(
        default=None,
        max_length=7,
        description="Her needs as registered before, for a change; absent when new.",
    )
    toestemming_delen: bool = Field(
        strict=True, description="Whether she consents to sharing them: true or false."
    )
    toestemming_partners: list[Partner] = Field(
        default_factory=list,
        max_length=3,
        description="The partners she consents to: POLITIE, OM, VEILIG_THUIS.",
    )


class InformedRecord(_Registration):
    """*Slachtoffer geïnformeerd*: victim support told her of a release, a measure or a decision."""

    soort: Literal["slachtoffer_geinformeerd"] = Field(description="'slachtoffer_geinformeerd'.")
    onderwerp: Onderwerp = Field(description="What she was told of: VRIJLATING, MAATREGEL or BESLISSING.")
    ketenpoort_signaal_id: UUID | None = Field(
        default=None, description="The id of the Ketenpoort delivery's signal she was told of, if known."
    )
    geinformeerd_op: Timestamp = Field(description="When she was told, with a UTC offset.")
    wijze: Wijze = Field(description="How: TELEFONISCH, PERSOONLIJK or BRIEF.")
    geinformeerd_door: NativeWorker | None = Field(
        default=None, description="Who told her, when not her casemanager."
    )


class BreachRecord(_Registration):
    """*Melding overtreding*: she reported that the suspect broke a ban or conditions. Passed on
    only with her consent (`toestemming_delen`, mapping.py checks)."""

    soort: Literal["melding_overtreding"] = Field(description="'melding_overtreding'.")
    verdachte: NativeSuspect = Field(description="The suspect who broke it.")
    overtreden_maatregel: Maatregel = Field(description="What he broke, e.g. CONTACTVERBOD.")
    pleegdatum: Timestamp = Field(description="When it happened, as far as she knows, with a UTC offset.")
    pleegplaats: str | None = Field(
        default=None, min_length=1, max_length=200, description="Municipality where it happened."
    )
    ernst: Ernst = Field(description="The casemanager's judgement: 'laag', 'midden' or 'hoog'.")
    toelichting: str | None = Field(
        default=None,
        min_length=1,
        max_length=10_000,
        description="Her account, as the casemanager wrote it down.",
    )
    toestemming_delen: bool = Field(
        strict=True, description="Whether she consents to passing the report on: must be true to send it."
    )


VictimSupportRecord = NeedsRecord | InformedRecord | BreachRecord

KINDS: dict[str, type[VictimSupportRecord]] = {
    "beschermingsbehoeften": NeedsRecord,
    "slachtoffer_geinformeerd": InformedRecord,
    "melding_overtreding": BreachRecord,
}


class _Kind(BaseModel):
    model_config = ConfigDict(extra="ignore")

    soort: Soort


class VictimSupportRegistration(RootModel[VictimSupportRecord]):
    """One record of the export, read as the model its `soort` names, so that a problem names the
    record's own field."""

    @model_validator(mode="wrap")
    @classmethod
    def _by_kind(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if not isinstance(data, dict):
            return handler(data)
        kind = _Kind.model_validate(data).soort
        return cls(KINDS[kind].model_validate(data))


def record_id(item: dict[str, Any]) -> str:
    """The file number and the registration number, `SHN-2026-004211/3`: unique in the export.
    Without both there is no id (KeyError): the record is named by its position only."""
    return f"{item['dossiernummer']}/{item['registratienummer']}"
