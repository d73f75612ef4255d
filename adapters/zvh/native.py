"""The safety house's (Zorg- en Veiligheidshuis) native export: its case registration as JSON.

One object, or an array of objects, as the safety house's case system exports them. Each record is
one change (*mutatie*) in one safety-house case (*dossiernummer*), numbered within that case
(*mutatienummer*): the process director (*procesregisseur*) assigned, the case put on the agenda of
the case conference (*actieoverleg*, *casusoverleg*), the conference held with its plan of tasks,
the plan brought up to date between conferences, or the case closed. Which it is, is the code in
`soort`. Field names are the export's, in Dutch; codes are kept as text here and translated in
`mapping.py`, so that an unknown code is reported with the known ones. What was said at the table
has no field here: the chain learns the plan (who does what, by when), not the discussion. See
README.md for the full table and a sample.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from adapters.brp import PHONE, NativePerson
from adapters.brp import Native as _Native
from gateway.schemas.times import Day, Timestamp

DOSSIERNUMMER = r"^ZVH-[A-Z]{2,4}-[0-9]{4}-[0-9]{4,6}$"


class NativeDirector(_Native):
    """The process director (*procesregisseur*): whom the partners call about the case."""

    naam: str = Field(min_length=1, max_length=200, description="Name.")
    telefoon: str = Field(pattern=PHONE, description="Direct phone number.")
    vestiging: str | None = Field(
        default=None,
        max_length=200,
        description="The safety house, e.g. 'Zorg- en Veiligheidshuis Rotterdam-Rijnmond'.",
    )
    bereikbaarheid: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="When to reach them, e.g. 'ma-vr 08:30-17:00'.",
    )


class NativeConference(_Native):
    """The case conference the record is about: the one planned, held, or whose plan is updated."""

    datum: Day = Field(description="The day of the conference: planned, or when it was held.")
    vorm: str = Field(description="Which conference: ACTIEOVERLEG or CASUSOVERLEG (README).")
    deelnemers: list[str] = Field(
        min_length=1,
        max_length=12,
        description="The chain partners at the table (invited, when planned), by their code (README).",
    )


class NativeTask(_Native):
    """One task (*taak*) of the plan (*plan van aanpak*)."""

    taaknummer: int = Field(
        strict=True,
        ge=1,
        description="The task's number in the case's plan, the same each time (a JSON number).",
    )
    actie: str = Field(description="What the task asks, as a code (README), e.g. STOPGESPREK.")
    omschrijving: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="The task in words, as the conference wrote it.",
    )
    eigenaar: str = Field(
        description="Who owns it: a chain partner's code (POLITIE, ...), or GEMEENTE or ZORGAANBIEDER."
    )
    eigenaar_naam: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="For an owner outside the chain (GEMEENTE, ZORGAANBIEDER) only, and there required: "
        "the organisation, e.g. 'Gemeente Rotterdam, wijkteam Charlois'.",
    )
    uiterlijk: Day = Field(description="The last day the task is due.")
    status: str = Field(description="OPEN, AFGEROND or VERVALLEN.")


class ZvhRecord(_Native):
    """One change in a safety-house case, as its case system exports it."""

    dossiernummer: str = Field(
        pattern=DOSSIERNUMMER, description="The safety house's case number, e.g. 'ZVH-RR-2026-0412'."
    )
    mutatienummer: int = Field(
        strict=True, ge=1, description="Number of the change within the case (a JSON number)."
    )
    soort: str = Field(
        description="Record kind: PROCESREGISSEUR_TOEGEWEZEN, OVERLEG_GEPLAND, OVERLEG_GEHOUDEN, "
        "PLAN_BIJGEWERKT or CASUS_AFGESLOTEN."
    )
    tijdstip: Timestamp = Field(description="When the change was registered, with a UTC offset.")
    pleger: NativePerson | None = Field(default=None, description="The person suspected of the violence.")
    slachtoffer: NativePerson | None = Field(default=None, description="The victim of the violence.")
    kinderen: list[NativePerson] = Field(
        default_factory=list, max_length=20, description="Children in the family system."
    )
    startdatum: Day = Field(description="First day of the safety house's process direction in the case.")
    procesregisseur: NativeDirector = Field(description="The process director: whom to call.")
    overleg: NativeConference | None = Field(
        default=None,
        description="The conference; for OVERLEG_GEPLAND, OVERLEG_GEHOUDEN and PLAN_BIJGEWERKT only, and "
        "there required (for PLAN_BIJGEWERKT: the conference that made the plan).",
    )
    risico: str | None = Field(
        default=None,
        description="The risk level the conference works from: LAAG, MIDDEN or HOOG; for the conference "
        "records only.",
    )
    plan: list[NativeTask] | None = Field(
        default=None,
        max_length=50,
        description="The whole plan as it stands: every task, open, done or lapsed. Required for "
        "OVERLEG_GEHOUDEN (empty when no task was agreed) and PLAN_BIJGEWERKT; absent otherwise.",
    )
    datum_afsluiting: Day | None = Field(
        default=None,
        description="Last day of the process direction; CASUS_AFGESLOTEN only, and there required.",
    )
    reden_afsluiting: str | None = Field(
        default=None,
        description="Why the case was closed, as a code (README); CASUS_AFGESLOTEN only, and there required.",
    )


def record_id(item: dict[str, Any]) -> str | None:
    """The record's id, picked from the raw object so that even a record that fails validation is
    named: case number and change number, e.g. 'ZVH-RR-2026-0412:3'. Two records never share it."""
    number, change = item.get("dossiernummer"), item.get("mutatienummer")
    if not isinstance(number, str) or not number or isinstance(change, bool) or not isinstance(change, int):
        return None
    return f"{number}:{change}"
