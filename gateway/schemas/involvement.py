"""*Dat-informatie*: that an organisation is involved with a person, since when, and whom to call."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.times import Day


class InvolvementRole(StrEnum):
    CASE_HOLDER = "case_holder"
    """*Casushouder*: holds the case for the family, e.g. Veilig Thuis."""
    INVESTIGATOR = "investigator"
    """*Opsporing*: the police investigate a report."""
    PROSECUTOR = "prosecutor"
    """The prosecution service handles a criminal case."""
    ASSESSOR = "assessor"
    """Assesses or advises, e.g. a probation advice or a Veilig Thuis investigation."""
    SUPERVISOR = "supervisor"
    """*Toezicht*: probation supervises conditions."""
    VICTIM_SUPPORT = "victim_support"
    """*Slachtofferhulp*: supports the victim."""
    CARE_PROVIDER = "care_provider"
    """*Hulpverlening*: treatment or care for someone in the family."""
    CHILD_PROTECTION = "child_protection"
    """*Kinderbescherming*: the Child Protection Board's inquiry into a child's situation, or a child
    protection measure it requested."""
    PROCESS_DIRECTION = "process_direction"
    """*Procesregie*: the safety house directs the case across the partners (its process director and
    the case conference)."""


class CloseReason(StrEnum):
    COMPLETED = "completed"
    """*Afgerond*: the organisation's work is done."""
    HANDED_OVER = "handed_over"
    """*Overgedragen* to another organisation."""
    NO_CONCERNS = "no_concerns"
    """No (longer any) grounds for concern."""
    CONSENT_WITHDRAWN = "consent_withdrawn"
    """The person no longer consents to voluntary help."""
    MOVED_AWAY = "moved_away"
    """The person moved out of the organisation's region."""
    OTHER = "other"


class InvolvementSignal(Signal):
    """What both involvement signals share: the organisation's role, since when, whom to call."""

    role: InvolvementRole = Field(description="The sending organisation's role with the person.")
    since: Day = Field(description="First day of the involvement.")
    contact: ContactPerson = Field(description="Whom to call at the sending organisation.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "involvement_role": self.role.value}


class InvolvementOpened(InvolvementSignal):
    """*Betrokkenheid gestart* (*dat-informatie*): the sender is now involved with the person.

    Send it when the organisation starts working with the person, without case content, so that
    partners involved with the same person find each other.
    """

    name: ClassVar[str] = "involvement_opened"
    version: ClassVar[str] = "1.2"  # 1.1: role child_protection; 1.2: process_direction


class InvolvementClosed(InvolvementSignal):
    """*Betrokkenheid beëindigd* (*dat-informatie*): the sender is no longer involved with the person.

    Send it when the organisation closes its file, so that partners stop counting on it.
    """

    name: ClassVar[str] = "involvement_closed"
    version: ClassVar[str] = "1.2"  # 1.1: role child_protection; 1.2: process_direction

    until: Day = Field(description="Last day of the involvement.")
    reason: CloseReason = Field(description="Why the involvement ended.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "close_reason": self.reason.value}

    @field_validator("until")
    @classmethod
    def _until_not_before_since(cls, value: date, info: ValidationInfo) -> date:
        since = info.data.get("since")
        if since is not None and value < since:
            raise ValueError(f"until must not be before since ({since.isoformat()})")
        return value
