"""How an alert reaches a person on call: the organisation's webhook, e-mail, and the web console.

Every channel takes the same `Notice`: which alert, for whom, at which tier, and the content the
sharing policy grants the organisation. A channel that cannot take a notice raises ChannelFailed;
the on-call service records which channels took it in the `delivered` event, and a failed channel
never holds up the others. The console always takes it (it lists every open alert), so an alert is
never delivered nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from gateway.schemas.labels import DEFAULT_LANGUAGE, Language


class ChannelFailed(Exception):
    """The channel did not take the notice."""


@dataclass(frozen=True)
class Notice:
    """One alert, for one person on call."""

    alert_id: UUID
    org: str
    priority: str
    reason: str  # why, in `language`: the policy's reason line, or which obligation is due
    signal_id: UUID
    signal_type: str
    sender: str
    raised_at: datetime
    tier: str  # primary, secondary or duty_officer
    person: str
    email: str | None
    escalation: bool  # it came to this person because nobody acknowledged it in time
    console_url: str  # where to acknowledge it
    content: dict[str, Any] = field(default_factory=dict)  # what the sharing policy grants `org`
    language: Language = DEFAULT_LANGUAGE  # of what people read: the organisation's (Dutch by default)


class Channel(Protocol):
    name: str

    async def notify(self, notice: Notice) -> None: ...
