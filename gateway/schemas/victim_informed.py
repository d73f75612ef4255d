"""The victim was informed: who told her what, when and how (*slachtoffer geïnformeerd*)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.persons import Person
from gateway.schemas.times import Timestamp


class InformedAbout(StrEnum):
    """What the victim was told of."""

    RELEASE = "release"
    """A release from custody, planned or done (*vrijlating*, *heenzending*, *schorsing*)."""
    MEASURE = "measure"
    """A measure imposed, extended or ended (a behavioural order, a ban, an ankle tag)."""
    DECISION = "decision"
    """A decision of the prosecution service (sepot, summons, penalty order)."""


class InformingChannel(StrEnum):
    """How she was told."""

    PHONE = "phone"
    IN_PERSON = "in_person"
    LETTER = "letter"


class VictimInformed(Signal):
    """*Slachtoffer geïnformeerd*: the sender told the victim of a release, a measure or a decision.

    Send it once she has been told, so that the partners know she knows (and who told her, when
    and how) and nobody assumes she was told when she was not. `about_signal` names the signal she
    was told of, when the sender knows it.
    """

    name: ClassVar[str] = "victim_informed"
    version: ClassVar[str] = "1.0"

    victim: Person = Field(description="The victim who was informed.")
    about: InformedAbout = Field(description="What she was told of: release, measure or decision.")
    about_signal: UUID | None = Field(
        default=None, description="The id of the signal she was told of (its ce_id), if known."
    )
    informed_at: Timestamp = Field(description="When she was told.")
    channel: InformingChannel = Field(description="How she was told: phone, in_person or letter.")
    informed_by: ContactPerson = Field(description="Who told her, and whom to call about it.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "about": self.about.value}
