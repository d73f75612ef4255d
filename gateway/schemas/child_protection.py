"""The Child Protection Board's involvement with a child: an inquiry or a child protection measure,
started or ended (*raadsonderzoek*, *kinderbeschermingsmaatregel*)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.persons import Person
from gateway.schemas.times import Day


class ChildProtectionKind(StrEnum):
    INQUIRY = "inquiry"
    """*Raadsonderzoek* (*beschermingsonderzoek*): the Board investigates whether the child needs a
    child protection measure (BW 1:238)."""
    MEASURE = "measure"
    """*Kinderbeschermingsmaatregel*: a measure the court imposed, usually at the Board's request."""


class ChildProtectionMeasure(StrEnum):
    SUPERVISION_ORDER = "supervision_order"
    """*Ondertoezichtstelling* (OTS, BW 1:255): a family guardian supervises the child's upbringing."""
    PROVISIONAL_SUPERVISION_ORDER = "provisional_supervision_order"
    """*Voorlopige ondertoezichtstelling* (VOTS, BW 1:257): in acute danger, before the inquiry ends."""
    OUT_OF_HOME_PLACEMENT = "out_of_home_placement"
    """*Uithuisplaatsing* (BW 1:265b): the child lives elsewhere, with a supervision order."""
    TERMINATION_OF_AUTHORITY = "termination_of_authority"
    """*Gezagsbeëindiging* (BW 1:266): a parent's authority ends; a guardian (voogd) takes it over."""


class ChildProtectionStatus(StrEnum):
    STARTED = "started"
    """The inquiry started, or the measure took effect."""
    ENDED = "ended"
    """The inquiry ended (with or without a request to the court), or the measure ended."""


class ChildProtection(Signal):
    """*Raadsonderzoek* or *kinderbeschermingsmaatregel*: the Child Protection Board started or ended
    an inquiry into a child's situation, or a child protection measure took effect or ended.

    Send it when the inquiry starts or ends and when a measure starts or ends, so that the partners
    working with the family know the Board is involved with the child and whom to call there
    (*dat-informatie* for the children). The parents go in as suspect and victim, as far as the
    Board knows them; the Board's findings stay with the Board.
    """

    name: ClassVar[str] = "child_protection"
    version: ClassVar[str] = "1.0"

    children: list[Person] = Field(
        min_length=1, description="The child or children the inquiry or measure concerns."
    )
    kind: ChildProtectionKind = Field(description="An inquiry, or a measure.")
    measure: ChildProtectionMeasure | None = Field(
        default=None,
        validate_default=True,
        description="Which measure; required for kind 'measure', absent for an inquiry.",
    )
    status: ChildProtectionStatus = Field(description="Whether it started or ended.")
    started_on: Day = Field(description="First day of the inquiry, or the day the measure took effect.")
    ends_on: Day | None = Field(
        default=None,
        description="Last day a measure applies as the court ordered it (a supervision order runs up to "
        "a year and can be extended); None for an inquiry or a measure without an end date.",
    )
    ended_on: Day | None = Field(
        default=None,
        validate_default=True,
        description="Last day of the inquiry or the measure; required when status is 'ended'.",
    )
    contact: ContactPerson = Field(description="Whom to call at the Board, e.g. the raadsonderzoeker.")

    def subject(self) -> Person | None:
        """The child the Board's file is about: the chain links this signal by the (first) child."""
        return self.children[0] if self.children else super().subject()

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "child_protection_kind": self.kind.value,
            "child_protection_measure": self.measure.value if self.measure else None,
            "child_protection_status": self.status.value,
        }

    @field_validator("measure")
    @classmethod
    def _measure_for_a_measure(
        cls, value: ChildProtectionMeasure | None, info: ValidationInfo
    ) -> ChildProtectionMeasure | None:
        kind = info.data.get("kind")
        if kind is ChildProtectionKind.MEASURE and value is None:
            raise ValueError("kind 'measure' needs the measure")
        if kind is ChildProtectionKind.INQUIRY and value is not None:
            raise ValueError("an inquiry has no measure: leave it out")
        return value

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        started_on = info.data.get("started_on")
        if value is not None and started_on is not None and value < started_on:
            raise ValueError(f"ends_on must not be before started_on ({started_on.isoformat()})")
        return value

    @field_validator("ended_on")
    @classmethod
    def _ended_when_ended(cls, value: date | None, info: ValidationInfo) -> date | None:
        status, started_on = info.data.get("status"), info.data.get("started_on")
        if status is ChildProtectionStatus.ENDED and value is None:
            raise ValueError("status 'ended' needs ended_on")
        if status is ChildProtectionStatus.STARTED and value is not None:
            raise ValueError("status 'started' has no ended_on: leave it out")
        if value is not None and started_on is not None and value < started_on:
            raise ValueError(f"ended_on must not be before started_on ({started_on.isoformat()})")
        return value
