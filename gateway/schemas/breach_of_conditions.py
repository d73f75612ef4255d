"""Breach of conditions: a suspect broke a ban, an order or the conditions of a release."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.measure import MeasureKind
from gateway.schemas.times import Timestamp


class DetectedBy(StrEnum):
    ANKLE_TAG = "ankle_tag"
    """An alert from the electronic monitoring (*enkelband*)."""
    VICTIM_REPORT = "victim_report"
    POLICE_OBSERVATION = "police_observation"
    SUPERVISOR = "supervisor"
    """The probation officer (*toezichthouder*) found it."""
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class BreachOfConditions(Signal):
    """*Overtreding van voorwaarden*: a breach of a behavioural order, a ban, special or suspension
    conditions, or an ankle-tag alert.

    Send it immediately on detection: the case prosecutor, the police and the supervisor must be able
    to act the same day.
    """

    name: ClassVar[str] = "breach_of_conditions"
    version: ClassVar[str] = "1.1"

    measure: MeasureKind = Field(
        description=(
            "The measure that was breached. temporary_restraining_order, civil_contact_ban and "
            "civil_area_ban since 1.1."
        )
    )
    breach_time: Timestamp = Field(description="When the breach happened, as far as known.")
    place: str | None = Field(
        default=None, description="Municipality or place of the breach.", max_length=200
    )
    detected_by: DetectedBy = Field(description="How the breach came to light.")
    severity: Severity = Field(description="The sender's judgement of how serious the breach is.")
    description: str | None = Field(
        default=None, description="The sender's free-text account of the breach.", max_length=10_000
    )
    contact: ContactPerson = Field(description="Whom to call about the breach, e.g. the supervisor.")

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "measure": self.measure.value,
            "severity": self.severity.value,
            "detected_by": self.detected_by.value,
        }
