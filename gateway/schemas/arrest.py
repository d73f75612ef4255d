"""Arrest: the suspect is in custody, for breaking a measure or for a new offence."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.measure import MeasureKind
from gateway.schemas.persons import Person
from gateway.schemas.times import Timestamp


class Offence(StrEnum):
    STALKING = "stalking"
    """*Belaging* (art. 285b Sr)."""
    THREAT = "threat"
    """*Bedreiging* (art. 285 Sr)."""
    ASSAULT = "assault"
    """*Mishandeling* (art. 300 Sr)."""
    DAMAGE_TO_PROPERTY = "damage_to_property"
    """*Vernieling* (art. 350 Sr)."""
    TRESPASS = "trespass"
    """*Huisvredebreuk* (art. 138 Sr): entering or staying in her home against her will."""
    OTHER = "other"


class Arrest(Signal):
    """*Aanhouding*: the suspect was arrested and is held, for breaking a measure, for a new offence,
    or both.

    Send it at the arrest: the prosecution service must decide within 9 hours of `arrested_at`
    whether to hold or release him (*heenzenden*), and the partners protecting the victim must know
    he is held, and that a decision on his release follows within hours.
    """

    name: ClassVar[str] = "arrest"
    version: ClassVar[str] = "1.1"

    suspect: Person = Field(description="The arrested suspect.")
    arrested_at: Timestamp = Field(
        description="When the suspect was arrested: the prosecution service's 9 hours run from it."
    )
    measure: MeasureKind | None = Field(
        default=None,
        description=(
            "The measure whose breach the arrest is for. Send measure, offence or both. "
            "temporary_restraining_order, civil_contact_ban and civil_area_ban since 1.1."
        ),
    )
    offence: Offence | None = Field(
        default=None,
        validate_default=True,
        description="The new offence the arrest is for. Send measure, offence or both.",
    )
    incident_time: Timestamp | None = Field(
        default=None,
        description="When the breach or offence happened, as far as known; caught in the act: the arrest.",
    )
    incident_place: str | None = Field(
        default=None, description="Municipality of the breach or offence.", max_length=200
    )
    held_at: str | None = Field(
        default=None,
        description="Where the suspect is held (*plaats van insluiting*), e.g. a cell complex.",
        max_length=200,
    )
    contact: ContactPerson = Field(description="Whom to call about the arrest: the arresting unit's officer.")

    @field_validator("offence")
    @classmethod
    def _for_a_measure_or_an_offence(cls, value: Offence | None, info: ValidationInfo) -> Offence | None:
        # A measure that failed its own validation is missing from info.data: that is its problem.
        if value is None and "measure" in info.data and info.data["measure"] is None:
            raise ValueError(
                "an arrest is for breaking a measure or for a new offence: send measure, offence or both"
            )
        return value

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "breach_of_measure": self.measure is not None,
            "new_offence": self.offence is not None,
        }
