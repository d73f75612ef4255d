"""Contact person assigned or changed: whom the partners should call about a case from now on."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal


class ContactRole(StrEnum):
    CASE_DIRECTOR = "case_director"
    """*Casusregisseur* at the police: owns the case across the chain."""
    FIXED_CONTACT = "fixed_contact"
    """*Vaste contactpersoon* for the victim."""
    SUPERVISOR = "supervisor"
    """*Toezichthouder* at probation."""
    CASE_HOLDER = "case_holder"
    """*Casushouder*, e.g. at Veilig Thuis."""
    CASE_PROSECUTOR = "case_prosecutor"
    """*Zaaksofficier* at the prosecution service."""
    PROCESS_DIRECTOR = "process_director"
    """*Procesregisseur*: watches over the whole process of a (complex) case and the alignment of all
    partners, e.g. at the Zorg- en Veiligheidshuis or Veilig Thuis. Since 1.1."""
    VICTIM_COORDINATOR = "victim_coordinator"
    """*Slachtoffercoördinator*: the victim's fixed contact in a high-risk case, e.g. at the
    prosecution service or the police. Since 1.1."""


class ContactSignal(Signal):
    """What both contact signals share: the role, the *contactpersoon* and when to reach them."""

    role: ContactRole = Field(
        description=(
            "The role the contact person has in the case. process_director and victim_coordinator since 1.1."
        )
    )
    contact: ContactPerson = Field(description="The contact person to call from now on.")
    availability: str | None = Field(
        default=None, description="When the contact can be reached, e.g. 'ma-vr 08:30-17:00'.", max_length=100
    )

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "role": self.role.value}


class ContactAssigned(ContactSignal):
    """*Contactpersoon toegewezen*: someone now holds a role in the case, e.g. the *casusregisseur*.

    Send it when the role is first filled, so that partners know whom to call and victims need not
    retell their story.
    """

    name: ClassVar[str] = "contact_assigned"
    version: ClassVar[str] = "1.1"


class ContactChanged(ContactSignal):
    """*Contactpersoon gewijzigd*: another professional takes over a role in the case.

    Send it on the day of the hand-over, so that nobody keeps calling the previous contact.
    """

    name: ClassVar[str] = "contact_changed"
    version: ClassVar[str] = "1.1"

    previous_contact: ContactPerson = Field(description="The contact person who held the role until now.")

    @field_validator("previous_contact")
    @classmethod
    def _someone_else(cls, value: ContactPerson, info: ValidationInfo) -> ContactPerson:
        if value == info.data.get("contact"):
            raise ValueError("previous_contact is the same as contact: send contact_assigned, or the new one")
        return value
