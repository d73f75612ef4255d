"""Persons named in a signal: suspect, victim, children. Fictional in every fixture."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from gateway.schemas.times import Day

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def check_bsn(value: str) -> str:
    """The one check of a BSN, wherever one is read: nine ASCII digits (not other scripts' digits,
    which `str.isdigit` accepts and which would name nobody), whose weighted sum (9..2, and -1 for
    the last) is divisible by 11."""
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        raise ValueError("a BSN is exactly nine digits 0-9")
    total = sum(int(digit) * weight for digit, weight in zip(value, WEIGHTS, strict=True))
    if total % 11 != 0 or value == "000000000":
        raise ValueError("not a valid BSN: it fails the 11-test")
    return value


Bsn = Annotated[str, AfterValidator(check_bsn)]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    street: str = Field(description="Street name.", max_length=200)
    house_number: str = Field(description="House number with any addition, e.g. '12A'.", max_length=20)
    postal_code: str = Field(description="Dutch postal code, e.g. '1234 AB'.", pattern=r"^\d{4} ?[A-Z]{2}$")
    city: str = Field(description="Place of residence.", max_length=100)


class Person(BaseModel):
    """A person the signal is about. The BSN is the preferred identifier for chain linking."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bsn: Bsn | None = Field(default=None, description="Burgerservicenummer, checked with the 11-test.")
    given_name: str = Field(description="Given name(s).", min_length=1, max_length=200)
    family_name: str = Field(
        description="Family name, with any prefix ('de', 'van').", min_length=1, max_length=200
    )
    birth_date: Day | None = Field(default=None, description="Date of birth.")
    address: Address | None = Field(default=None, description="Home address, where known.")
