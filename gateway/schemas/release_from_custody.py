"""Release from custody: the suspect is (about to be) free again, and on which conditions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.conditions import Condition
from gateway.schemas.risk_assessment import RiskLevel
from gateway.schemas.times import Timestamp


class ReleaseKind(StrEnum):
    RELEASE_AFTER_ARREST = "release_after_arrest"
    """*Heenzending*: released by the prosecutor after arrest."""
    SUSPENSION_OF_PRETRIAL_DETENTION = "suspension_of_pretrial_detention"
    """*Schorsing voorlopige hechtenis*: released on conditions while the case continues."""
    END_OF_DETENTION = "end_of_detention"
    """*Einde detentie*: the sentence or pre-trial detention has ended."""
    LEAVE = "leave"
    """*Verlof*: temporary leave from prison or a clinic."""


class ReleaseStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"


class ReleaseFromCustody(Signal):
    """*Vrijlating*: release after arrest (*heenzending*), suspension of pre-trial detention, end of
    detention or leave.

    Send it before the release when it is planned, else at the release, with the conditions imposed,
    so that the victim can be warned in time.
    """

    name: ClassVar[str] = "release_from_custody"
    version: ClassVar[str] = "1.0"

    kind: ReleaseKind = Field(description="What kind of release.")
    status: ReleaseStatus = Field(description="Whether the release is planned or has happened.")
    release_time: Timestamp = Field(description="When the suspect is or was released.")
    conditions: list[Condition] = Field(
        default_factory=list, description="The conditions the suspect must keep to after release."
    )
    known_risk_level: RiskLevel | None = Field(
        default=None, description="The latest risk level (laag, midden, hoog) the sender knows of."
    )
    contact: ContactPerson = Field(description="Whom to call about the release, e.g. the zaaksofficier.")

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "release_kind": self.kind.value,
            "planned": self.status is ReleaseStatus.PLANNED,
            "has_conditions": bool(self.conditions),
            "risk_level": self.known_risk_level.value if self.known_risk_level else None,
        }
