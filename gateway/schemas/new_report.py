"""New report (*melding* or *aangifte*) of stalking or domestic violence."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.times import Timestamp


class ReportKind(StrEnum):
    MELDING = "melding"
    """A report without a formal complaint."""
    AANGIFTE = "aangifte"
    """A formal criminal complaint."""


class ReporterRole(StrEnum):
    VICTIM = "victim"
    WITNESS = "witness"
    PROFESSIONAL = "professional"
    ANONYMOUS = "anonymous"


class StalkingIndicator(StrEnum):
    FOLLOWING = "following"
    UNWANTED_CONTACT = "unwanted_contact"
    THREATS = "threats"
    DAMAGE_TO_PROPERTY = "damage_to_property"
    SURVEILLANCE = "surveillance"
    ONLINE_STALKING = "online_stalking"
    VIOLENCE = "violence"


class NewReport(Signal):
    """*Melding* or *aangifte* of (ex-partner) stalking, as taken by the police or Veilig Thuis.

    Send it as soon as the report is registered, so that reports made at several agencies come
    together in the chain.
    """

    name: ClassVar[str] = "new_report"
    version: ClassVar[str] = "1.0"

    kind: ReportKind = Field(description="Melding (report) or aangifte (formal complaint).")
    reporter_role: ReporterRole = Field(description="Who made the report.")
    incident_time: Timestamp = Field(description="When the (latest) incident happened.")
    incident_place: str = Field(description="Municipality or place of the incident.", max_length=200)
    stalking_indicators: list[StalkingIndicator] = Field(
        default_factory=list, description="Observed stalking behaviour."
    )
    description: str | None = Field(
        default=None, description="The reporting officer's free-text account.", max_length=10_000
    )
    contact: ContactPerson = Field(description="Whom to call at the reporting organisation.")

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "report_kind": self.kind.value}
