"""The police's native export: one incident registration (*mutatie*) as JSON.

Field names are those of the police system's export, in Dutch. See README.md for a sample.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class NativePerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bsn: str | None = None
    voornamen: str
    achternaam: str
    geboortedatum: date | None = None


class NativeOfficer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rol: str
    naam: str
    telefoon: str
    eenheid: str | None = None


class PoliceReportRecord(BaseModel):
    """*Mutatie*: a registered report of stalking or domestic violence."""

    model_config = ConfigDict(extra="forbid")

    registratienummer: str = Field(pattern=r"^PL[0-9]{4}-[0-9]{8}$")
    soort: str = Field(description="'melding' or 'aangifte'")
    melder_rol: str = Field(description="'slachtoffer', 'getuige', 'professional' or 'anoniem'")
    pleegdatum: datetime
    pleegplaats: str
    kenmerken: list[str] = Field(default_factory=list, description="stalking behaviour codes")
    verdachte: NativePerson | None = None
    slachtoffer: NativePerson | None = None
    kinderen: list[NativePerson] = Field(default_factory=list)
    toelichting: str | None = None
    behandelaar: NativeOfficer
