"""The records of `chain.involvements`: one organisation's involvement with one person, by chain
pseudonym (dat-informatie: who is involved, since when, whom to call; never case content). The
gateway keeps the index (gateway/involvements.py)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.schemas.base import ContactPerson

Strength = Literal["bsn", "name_birth_date"]


class Involvement(BaseModel):
    """One organisation's involvement with one person, as the index keeps it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pseudonym: str = Field(
        description="The person's chain pseudonym (of the BSN, or of name and birth date)."
    )
    strength: Strength = Field(description="bsn, or name_birth_date: the weaker match.")
    has_bsn: bool = Field(description="Whether the organisation knew the person's BSN.")
    org: str
    person_role: str = Field(description="suspect, victim or child, in the signal that last said so.")
    role: str = Field(description="The organisation's role, e.g. case_holder, supervisor.")
    since: date
    closed_on: date | None = None
    contact: ContactPerson | None = None
    signal_id: str = Field(description="The signal that last changed this involvement.")
    updated_at: AwareDatetime

    @property
    def key(self) -> tuple[str, str]:
        return (self.pseudonym, self.org)

    def current(self, today: date, retention_months: int) -> bool:
        """Open, or closed less than `retention_months` ago: it still matches and can be looked up."""
        return self.closed_on is None or _months_before(today, retention_months) <= self.closed_on


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))
