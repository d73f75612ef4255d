"""An on-call alert's events, as they are kept on `alerts.oncall` (keyed by alert id): the gateway
writes `raised`, the on-call service (oncall/) every later event. Shared by both, so it lives here."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Priority = Literal["p1", "p2", "p3"]
"""p1 and p2 for what a signal raises (a breach is p1); p3 for a chain obligation's reminder."""
Tier = Literal["primary", "secondary", "duty_officer"]
Kind = Literal["raised", "delivered", "acknowledged", "escalated", "closed"]


class AlertEvent(BaseModel):
    """One change in an alert's life, as it is kept on `alerts.oncall` (keyed by alert id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(default_factory=uuid4, description="This event's own id: applied once.")
    alert_id: UUID
    kind: Kind
    at: AwareDatetime
    org: str = Field(description="The organisation whose on-call staff the alert is for.")
    priority: Priority
    signal_id: UUID = Field(description="The signal that raised the alert.")
    tier: Tier | None = Field(default=None, description="Whom the alert is with after this event.")
    person: str | None = Field(default=None, description="That person's name.")
    by: str | None = Field(default=None, description="Who acknowledged or closed it.")
    note: str | None = Field(default=None, max_length=2000, description="Why it was closed, in a line.")
    channels: list[str] | None = Field(default=None, description="Delivered: the channels that took it.")
    # Raised only: what the alert is about, and the content the sharing policy grants `org` (the
    # sender's own signal, where the sender is alerted).
    signal_type: str | None = None
    sender: str | None = None
    reason: str | None = None
    content: dict[str, Any] | None = None
    # Raised by a chain obligation's clock (oncall/obligations.py): a reminder (p3) or a lapse (p2).
    obligation_id: UUID | None = None
