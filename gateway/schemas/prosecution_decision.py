"""The prosecution service's decisions in a case: custody, release, and how the case goes on."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.conditions import Condition
from gateway.schemas.times import Day, Timestamp


class DecisionKind(StrEnum):
    HOLD_IN_CUSTODY = "hold_in_custody"
    """*Inverzekeringstelling*: the suspect stays in police custody."""
    INVESTIGATING_JUDGE_HEARING = "investigating_judge_hearing"
    """*Voorgeleiding RC*: the suspect is brought before the investigating judge for detention."""
    RELEASE = "release"
    """*Heenzenden*: the suspect is released, possibly on conditions."""
    DISMISSAL = "dismissal"
    """*Sepot*: no prosecution, possibly on conditions."""
    SUMMONS = "summons"
    """*Dagvaarding*: the case goes to court."""
    PENALTY_ORDER = "penalty_order"
    """*Strafbeschikking*: the prosecutor imposes the penalty."""


class ProsecutionDecision(Signal):
    """*Beslissing van het OM*: hold or release (*heenzenden*), sepot, summons (*dagvaarding*) or
    penalty order (*strafbeschikking*).

    Send it when the decision is taken, so that the ZSM partners and Veilig Thuis need not chase it.
    """

    name: ClassVar[str] = "prosecution_decision"
    version: ClassVar[str] = "1.0"

    decision: DecisionKind = Field(description="What the prosecutor decided.")
    decision_time: Timestamp = Field(description="When the decision was taken.")
    hearing_on: Day | None = Field(
        default=None, description="Day of the court or investigating-judge hearing, if one is set."
    )
    conditions: list[Condition] = Field(
        default_factory=list, description="Conditions attached to the decision, e.g. to a release or sepot."
    )
    contact: ContactPerson = Field(description="The case prosecutor (*zaaksofficier*) to call.")

    @field_validator("hearing_on")
    @classmethod
    def _hearing_not_before_decision(cls, value: date | None, info: ValidationInfo) -> date | None:
        decided = info.data.get("decision_time")
        if value is not None and decided is not None and value < decided.date():
            raise ValueError(f"hearing_on must not be before decision_time ({decided.date().isoformat()})")
        return value

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "decision": self.decision.value}
