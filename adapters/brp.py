"""What the JSON exports of the prosecution service, the Child Protection Board and the safety house
share: a person as registered from the BRP, a phone number's pattern, and the strictness of every
native model (an unknown field is an error, not ignored)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.persons import Bsn, Person
from gateway.schemas.times import Day

PHONE = r"^\+?[0-9 ()-]{6,20}$"


class Native(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NativePerson(Native):
    """A person as the organisation registers them (from the BRP): suspect, victim or child."""

    bsn: Bsn | None = Field(default=None, description="Burgerservicenummer; must pass the 11-test.")
    voornamen: str = Field(min_length=1, max_length=200, description="Given names.")
    voorvoegsel: str | None = Field(
        default=None, min_length=1, max_length=10, description="Prefix of the family name, e.g. 'de', 'van'."
    )
    geslachtsnaam: str = Field(min_length=1, max_length=189, description="Family name without its prefix.")
    geboortedatum: Day | None = Field(default=None, description="Date of birth.")


def person(native: NativePerson) -> Person:
    """The chain's person: the family name with its prefix ('de Vries')."""
    family_name = (
        f"{native.voorvoegsel} {native.geslachtsnaam}" if native.voorvoegsel else native.geslachtsnaam
    )
    return Person(
        bsn=native.bsn, given_name=native.voornamen, family_name=family_name, birth_date=native.geboortedatum
    )
