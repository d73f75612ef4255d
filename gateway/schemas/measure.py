"""Measures on a suspect (behavioural order, bans, ankle tag, conditions): imposed, extended, ended."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.conditions import Condition
from gateway.schemas.times import Day


class MeasureKind(StrEnum):
    BEHAVIOURAL_ORDER = "behavioural_order"
    """*Gedragsaanwijzing* by the prosecutor (art. 509hh Sv)."""
    CONTACT_BAN = "contact_ban"
    """*Contactverbod*, e.g. as a measure imposed by the court (art. 38v Sr)."""
    AREA_BAN = "area_ban"
    """*Locatie- of gebiedsverbod*."""
    ANKLE_TAG = "ankle_tag"
    """*Enkelband*: electronic monitoring. A tag alert (tampering, no signal) is a breach of this measure."""
    SPECIAL_CONDITIONS = "special_conditions"
    """*Bijzondere voorwaarden* of a suspended sentence, supervised by probation."""
    SUSPENSION_CONDITIONS = "suspension_conditions"
    """*Schorsingsvoorwaarden*: conditions of a suspended pre-trial detention."""
    TEMPORARY_RESTRAINING_ORDER = "temporary_restraining_order"
    """*Tijdelijk huisverbod* (Wet tijdelijk huisverbod): the mayor, or the police by the mayor's
    mandate, bars him from the home and from contact with those who live there, for 10 days; the
    mayor may extend it to at most four weeks after the order. Since 1.1."""
    CIVIL_CONTACT_BAN = "civil_contact_ban"
    """*Civielrechtelijk contactverbod*: ordered by the civil court at the victim's request (e.g. in
    kort geding), enforced by a penalty payment (*dwangsom*), not by the criminal law. Since 1.1."""
    CIVIL_AREA_BAN = "civil_area_ban"
    """*Civielrechtelijk gebieds- of straatverbod*: as the civil contact ban, for an area. Since 1.1."""


class EndReason(StrEnum):
    EXPIRED = "expired"
    """*Verlopen*: the end date passed without an extension."""
    LIFTED = "lifted"
    """*Opgeheven* by the prosecutor or the court before its end date."""
    REVOKED_AFTER_BREACH = "revoked_after_breach"
    """Revoked because of a breach, e.g. the suspect is back in custody."""
    REPLACED = "replaced"
    """Replaced by another measure, e.g. conditions in the judgment."""
    CASE_CLOSED = "case_closed"
    """The criminal case ended (sepot, acquittal)."""


class MeasureSignal(Signal):
    """What the three measure signals share: which *maatregel*, and whom to call about it."""

    kind: MeasureKind = Field(
        description=(
            "Which measure. temporary_restraining_order, civil_contact_ban and civil_area_ban since 1.1."
        )
    )
    contact: ContactPerson = Field(description="Whom to call about the measure, e.g. the zaaksofficier.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "measure": self.kind.value}


class MeasureImposed(MeasureSignal):
    """*Opgelegde maatregel*: a behavioural order, ban, ankle tag or conditions now apply.

    Send it when the measure is imposed, so that the police can enforce it and probation and Veilig
    Thuis know what the suspect must keep to, and until when.
    """

    name: ClassVar[str] = "measure_imposed"
    version: ClassVar[str] = "1.1"

    starts_on: Day = Field(description="First day the measure applies.")
    ends_on: Day | None = Field(
        default=None,
        validate_default=True,
        description=(
            "Last day the measure applies; None when it runs until a later decision. Required for a "
            "temporary_restraining_order, which ends unless extended."
        ),
    )
    conditions: list[Condition] = Field(default_factory=list, description="The conditions of the measure.")

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None and info.data.get("kind") is MeasureKind.TEMPORARY_RESTRAINING_ORDER:
            raise ValueError(
                "a temporary_restraining_order ends after 10 days unless extended: send its ends_on"
            )
        starts_on = info.data.get("starts_on")
        if value is not None and starts_on is not None and value < starts_on:
            raise ValueError(f"ends_on must not be before starts_on ({starts_on.isoformat()})")
        return value


class MeasureExtended(MeasureSignal):
    """*Verlenging*: a measure now runs longer than its previous end date.

    Send it as soon as the extension is decided: forgotten extensions let bans lapse unnoticed.
    """

    name: ClassVar[str] = "measure_extended"
    version: ClassVar[str] = "1.1"

    previous_ends_on: Day = Field(description="The end date before this extension.")
    ends_on: Day = Field(description="The new last day the measure applies.")
    conditions: list[Condition] = Field(
        default_factory=list, description="The conditions as they apply from the extension on."
    )

    @field_validator("ends_on")
    @classmethod
    def _ends_later_than_before(cls, value: date, info: ValidationInfo) -> date:
        previous = info.data.get("previous_ends_on")
        if previous is not None and value <= previous:
            raise ValueError(f"ends_on must be after previous_ends_on ({previous.isoformat()})")
        return value


class MeasureEnded(MeasureSignal):
    """*Beëindigde maatregel*: a measure no longer applies.

    Send it on the day it ends, so that the police stop enforcing it and the victim can be told.
    """

    name: ClassVar[str] = "measure_ended"
    version: ClassVar[str] = "1.1"

    ended_on: Day = Field(description="Last day the measure applied.")
    reason: EndReason = Field(description="Why the measure ended.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "end_reason": self.reason.value}
