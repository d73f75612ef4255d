"""Veilig Thuis's safety assessment and the safety conditions it sets for the family."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.times import Day


class AppliesTo(StrEnum):
    SUSPECT = "suspect"
    VICTIM = "victim"
    FAMILY = "family"
    """The whole family system (*gezinssysteem*), children included."""


class SafetyCondition(BaseModel):
    """*Veiligheidsvoorwaarde*: one thing that must happen or stop for the family to be safe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(description="The condition as agreed or set.", min_length=1, max_length=1000)
    applies_to: AppliesTo = Field(description="Who must keep to it.")


FollowUpMonths = Literal[3, 12, 18]
"""The moments of Veilig Thuis's follow-up (*monitoring*): months after it closed its involvement."""


class SafetyAssessment(Signal):
    """*Veiligheidsbeoordeling* by Veilig Thuis: is there acute or structural unsafety, and on which
    safety conditions (*veiligheidsvoorwaarden*).

    Send it when the assessment is done (within five working days of the report), so that the police,
    the prosecution service and probation have Veilig Thuis's view before they decide. Send it again
    at each follow-up (*monitoring*) 3, 12 and 18 months after Veilig Thuis closed its involvement,
    with `follow_up_months` saying which (since 1.1).
    """

    name: ClassVar[str] = "safety_assessment"
    version: ClassVar[str] = "1.1"

    acute_unsafety: bool = Field(description="Whether there is acute unsafety (*acute onveiligheid*).")
    structural_unsafety: bool = Field(
        description="Whether there is structural unsafety (*structurele onveiligheid*)."
    )
    safety_conditions: list[SafetyCondition] = Field(
        default_factory=list, description="The safety conditions set for the family system."
    )
    assessed_on: Day = Field(description="The day of the assessment.")
    monitoring_dates: list[Day] = Field(
        default_factory=list,
        description="Planned follow-up moments, usually 3, 12 and 18 months after the assessment.",
    )
    contact: ContactPerson = Field(description="Whom to call at Veilig Thuis about the assessment.")
    follow_up_months: FollowUpMonths | None = Field(
        default=None,
        description=(
            "Absent or null for the assessment of a report; 3, 12 or 18 for Veilig Thuis's follow-up "
            "(*monitoring*) that many months after it closed its involvement (involvement_closed.until). "
            "Since 1.1."
        ),
    )

    @field_validator("monitoring_dates")
    @classmethod
    def _monitoring_after_assessment(cls, value: list[date], info: ValidationInfo) -> list[date]:
        assessed_on = info.data.get("assessed_on")
        if assessed_on is not None and any(moment <= assessed_on for moment in value):
            raise ValueError(f"monitoring_dates must all be after assessed_on ({assessed_on.isoformat()})")
        return value

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "acute_unsafety": self.acute_unsafety,
            "structural_unsafety": self.structural_unsafety,
            "has_safety_conditions": bool(self.safety_conditions),
            "follow_up_months": self.follow_up_months,
        }
