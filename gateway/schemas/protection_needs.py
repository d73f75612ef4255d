"""The victim's protection needs and wishes (*beschermingsbehoeften*), and the consent to pass them on."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.persons import Person
from gateway.schemas.times import Timestamp


class ProtectionNeed(StrEnum):
    """One need or wish of the victim, as a fact the partners can act on (never free text)."""

    NO_CONTACT_WITH_SUSPECT = "no_contact_with_suspect"
    """She wants no contact with the suspect (*geen contact met verdachte*), e.g. a contact ban."""
    INFORMED_BEFORE_RELEASE = "informed_before_release"
    """She wants to be told before he is released (*informeren vóór vrijlating*)."""
    INFORMED_OF_DECISIONS = "informed_of_decisions"
    """She wants to be told the prosecution service's decisions in the case."""
    FEARS_FOR_SAFETY = "fears_for_safety"
    """She fears for her safety (*vreest voor haar veiligheid*)."""
    SAFE_ADDRESS = "safe_address"
    """She needs a safe address (*veilig adres*, e.g. a shelter): her address must not reach him."""
    FIXED_POLICE_CONTACT = "fixed_police_contact"
    """She wants a fixed contact at the police (*vaste contactpersoon*)."""
    AREA_BAN = "area_ban"
    """She wants him kept away from her home, work or school (*gebiedsverbod*)."""


class ConsentScope(StrEnum):
    """A partner the victim agreed her needs may be passed to (*toestemming delen*)."""

    POLICE = "police"
    OM = "om"
    VEILIGTHUIS = "veiligthuis"


class ProtectionNeeds(Signal):
    """*Beschermingsbehoeften*: what the victim needs and wishes to be safe, as victim support
    registered it, and whom she agreed it may be passed to.

    Send it when the needs are first registered and again whenever they change (`changed`, with the
    needs before), so that the police and the prosecution service protect and inform her as she
    asked and she need not retell it to each of them. The needs pass on only with her consent
    (`consent_to_share`, to the partners in `consent_scope`): victim support shares on her consent.
    """

    name: ClassVar[str] = "protection_needs"
    version: ClassVar[str] = "1.0"

    victim: Person = Field(description="The victim whose needs these are.")
    needs: list[ProtectionNeed] = Field(
        description="Her protection needs and wishes now; empty when she has none (any more).",
        max_length=len(ProtectionNeed),
    )
    changed: bool = Field(description="Whether these needs replace needs passed on before.")
    previous_needs: list[ProtectionNeed] | None = Field(
        default=None,
        description="The needs passed on before, with `changed` only.",
        max_length=len(ProtectionNeed),
        validate_default=True,
    )
    recorded_at: Timestamp = Field(description="When victim support registered the needs (or the change).")
    consent_to_share: bool = Field(
        description="Whether the victim consents to passing her needs on (AVG art. 6(1)(a)).",
    )
    consent_scope: list[ConsentScope] = Field(
        default_factory=list,
        description="The partners she agreed they may be passed to; empty without consent.",
        max_length=len(ConsentScope),
        validate_default=True,
    )
    contact: ContactPerson = Field(description="Her contact at victim support.")

    @field_validator("needs")
    @classmethod
    def _each_need_once(cls, value: list[ProtectionNeed]) -> list[ProtectionNeed]:
        if len(set(value)) != len(value):
            raise ValueError("needs: each need at most once")
        return value

    @field_validator("previous_needs")
    @classmethod
    def _previous_with_a_change(
        cls, value: list[ProtectionNeed] | None, info: ValidationInfo
    ) -> list[ProtectionNeed] | None:
        changed, needs = info.data.get("changed"), info.data.get("needs")
        if changed is True and value is None:
            raise ValueError("previous_needs: required when changed is true (an empty list for none)")
        if changed is False and value is not None:
            raise ValueError("previous_needs: only with changed true")
        if value is not None and needs is not None and set(value) == set(needs):
            raise ValueError("previous_needs: the same as needs, so nothing changed; send changed false")
        return value

    @field_validator("consent_scope")
    @classmethod
    def _scope_with_consent(cls, value: list[ConsentScope], info: ValidationInfo) -> list[ConsentScope]:
        consent = info.data.get("consent_to_share")
        if consent is True and not value:
            raise ValueError("consent_scope: name the partners she agreed to, when consent_to_share is true")
        if consent is False and value:
            raise ValueError("consent_scope: must be empty when consent_to_share is false")
        if len(set(value)) != len(value):
            raise ValueError("consent_scope: each partner at most once")
        return value

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "consent_to_share": self.consent_to_share,
            "consent_scope": sorted(scope.value for scope in self.consent_scope),
            "changed": self.changed,
            "fears_for_safety": ProtectionNeed.FEARS_FOR_SAFETY in self.needs,
        }
