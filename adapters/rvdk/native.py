"""The Child Protection Board's native export: inquiries and child protection measures as JSON.

One object, or an array of objects, as the Board's case registration exports them. Each record is
one change (*mutatie*) in one Board case (*zaaknummer*), numbered within that case
(*mutatienummer*): an inquiry (*raadsonderzoek*) started or closed, or a child protection measure
(*kinderbeschermingsmaatregel*) that took effect or ended. Which it is, is the code in `soort`;
for a measure, `maatregel` says which. Field names are the export's, in Dutch; codes are kept as
text here and translated in `mapping.py`, so that an unknown code is reported with the known ones.
The Board's findings have no field here: the chain learns *that* the Board is involved with a
child, and whom to call, not what it found. See README.md for the full table and a sample.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from adapters.brp import PHONE, NativePerson
from adapters.brp import Native as _Native
from gateway.schemas.times import Day, Timestamp

ZAAKNUMMER = r"^RVDK-[0-9]{4}-[0-9]{6}$"


class NativeInvestigator(_Native):
    """The professional at the Board to call about the child, usually the *raadsonderzoeker*."""

    functie: str = Field(
        min_length=1, max_length=100, description="Role, e.g. 'raadsonderzoeker', 'teamleider', 'piket'."
    )
    naam: str = Field(min_length=1, max_length=200, description="Name.")
    telefoon: str = Field(pattern=PHONE, description="Direct phone number.")
    vestiging: str | None = Field(
        default=None, max_length=200, description="Office, e.g. 'Raad voor de Kinderbescherming, Rotterdam'."
    )


class RvdkRecord(_Native):
    """One change in a Board case, as the Board's case registration exports it."""

    zaaknummer: str = Field(
        pattern=ZAAKNUMMER, description="The Board's case number, e.g. 'RVDK-2026-018342'."
    )
    mutatienummer: int = Field(
        strict=True, ge=1, description="Number of the change within the case (a JSON number)."
    )
    soort: str = Field(
        description="Record kind: ONDERZOEK_GESTART, ONDERZOEK_AFGESLOTEN, MAATREGEL_INGEGAAN or "
        "MAATREGEL_BEEINDIGD."
    )
    tijdstip: Timestamp = Field(description="When the change was registered, with a UTC offset.")
    kinderen: list[NativePerson] = Field(
        min_length=1, description="The child or children the inquiry or measure concerns."
    )
    pleger: NativePerson | None = Field(
        default=None, description="The person suspected of the violence, as the Board knows them."
    )
    slachtoffer: NativePerson | None = Field(
        default=None, description="The adult victim of the violence, as the Board knows them."
    )
    maatregel: str | None = Field(
        default=None,
        description="Measure code: OTS, VOTS, MACHTIGING_UHP, SPOEDMACHTIGING_UHP, GEZAGSBEEINDIGING "
        "(README). Required for MAATREGEL_*; absent for ONDERZOEK_*.",
    )
    startdatum: Day = Field(description="First day of the inquiry, or the day the measure took effect.")
    einddatum_beschikking: Day | None = Field(
        default=None, description="Last day of the measure as the court ordered it; for MAATREGEL_* only."
    )
    datum_afsluiting: Day | None = Field(
        default=None,
        description="Last day of the inquiry or the measure. Required for ONDERZOEK_AFGESLOTEN and "
        "MAATREGEL_BEEINDIGD; absent otherwise.",
    )
    contactpersoon: NativeInvestigator = Field(description="Whom partners should call about the child.")


def record_id(item: dict[str, Any]) -> str | None:
    """The record's id, picked from the raw object so that even a record that fails validation is
    named: case number and change number, e.g. 'RVDK-2026-018342:2'. Two records never share it."""
    number, change = item.get("zaaknummer"), item.get("mutatienummer")
    if not isinstance(number, str) or not number or isinstance(change, bool) or not isinstance(change, int):
        return None
    return f"{number}:{change}"
