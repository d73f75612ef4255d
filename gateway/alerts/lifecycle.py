"""An on-call alert's life, as events: raised, delivered, acknowledged, escalated, closed.

Pure: no Kafka, no clock of its own. The events are what goes on `alerts.oncall`, keyed by alert
id; an alert's state is the fold of its events, so a restarted gateway rebuilds every open alert,
and every timer, by reading the topic again (`AlertBook`).

An alert goes to the organisation's primary on call first. If nobody acknowledges it within the
deadline of its priority, it escalates to the secondary, then to the duty officer; after that it
reminds the duty officer each deadline until someone acknowledges or closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Priority = Literal["p1", "p2"]
Tier = Literal["primary", "secondary", "duty_officer"]
Kind = Literal["raised", "delivered", "acknowledged", "escalated", "closed"]

TIERS: tuple[Tier, ...] = ("primary", "secondary", "duty_officer")
ACK_DEADLINES: dict[str, timedelta] = {"p1": timedelta(minutes=5), "p2": timedelta(minutes=15)}
LOCAL = ZoneInfo("Europe/Amsterdam")  # rosters are in the partners' own time


class OnCall(BaseModel):
    """A person on call: how to reach them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    phone: str = Field(pattern=r"^\+?[0-9 ()-]{6,20}$")
    email: str | None = None


class Shift(BaseModel):
    """Who is on call on these weekdays (0 is Monday) from `start` to `end`, local time; a shift
    whose end is before its start runs past midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: frozenset[int] = Field(description="Weekdays the shift starts on, 0 (Monday) to 6.")
    start: time
    end: time
    primary: OnCall
    secondary: OnCall
    duty_officer: OnCall

    def covers(self, at: datetime) -> bool:
        local = at.astimezone(LOCAL)
        moment, today, yesterday = local.time(), local.weekday(), (local.weekday() - 1) % 7
        if self.start <= self.end:
            return today in self.days and self.start <= moment < self.end
        return (today in self.days and moment >= self.start) or (yesterday in self.days and moment < self.end)

    def person(self, tier: Tier) -> OnCall:
        return {"primary": self.primary, "secondary": self.secondary, "duty_officer": self.duty_officer}[tier]


class Roster(BaseModel):
    """One organisation's on-call roster."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    org: str
    shifts: tuple[Shift, ...]

    def on_call(self, at: datetime) -> Shift:
        """The shift covering `at`; a gap in the roster is a configuration error, said at once."""
        for shift in self.shifts:
            if shift.covers(at):
                return shift
        raise LookupError(f"the on-call roster of {self.org} has nobody at {at.astimezone(LOCAL):%a %H:%M}")


class AlertEvent(BaseModel):
    """One change in an alert's life, as it is kept on `alerts.oncall`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: UUID
    kind: Kind
    at: AwareDatetime
    org: str = Field(description="The organisation whose on-call staff the alert is for.")
    priority: Priority
    signal_id: UUID = Field(description="The signal that raised the alert.")
    tier: Tier | None = Field(default=None, description="Whom the alert is with after this event.")
    person: str | None = Field(default=None, description="That person's name.")
    by: str | None = Field(default=None, description="Who acknowledged or closed it.")


@dataclass
class Alert:
    """An alert's state: the fold of its events."""

    alert_id: UUID
    org: str
    priority: Priority
    signal_id: UUID
    raised_at: datetime
    tier: Tier = "primary"
    person: str | None = None
    since: datetime | None = None  # when it came to its current tier
    acknowledged_by: str | None = None
    closed: bool = False

    @classmethod
    def raised(cls, event: AlertEvent) -> Alert:
        return cls(
            event.alert_id, event.org, event.priority, event.signal_id, event.at, event.tier or "primary",
            event.person, event.at,
        )  # fmt: skip

    def apply(self, event: AlertEvent) -> None:
        if event.kind == "escalated":
            self.tier, self.person, self.since = event.tier or self.tier, event.person, event.at
        elif event.kind == "acknowledged":
            self.acknowledged_by = event.by or "unknown"
        elif event.kind == "closed":
            self.closed = True

    @property
    def open(self) -> bool:
        """Still waiting for someone to take it."""
        return self.acknowledged_by is None and not self.closed

    def due(self) -> datetime | None:
        """When it escalates unless acknowledged; None once acknowledged or closed."""
        if not self.open:
            return None
        return (self.since or self.raised_at) + ACK_DEADLINES[self.priority]

    def escalation(self, now: datetime, roster: Roster) -> AlertEvent | None:
        """The escalation due at `now`: to the next tier, or a reminder to the duty officer."""
        due = self.due()
        if due is None or now < due:
            return None
        tier = TIERS[min(TIERS.index(self.tier) + 1, len(TIERS) - 1)]
        return AlertEvent(
            alert_id=self.alert_id, kind="escalated", at=now, org=self.org, priority=self.priority,
            signal_id=self.signal_id, tier=tier, person=roster.on_call(now).person(tier).name,
        )  # fmt: skip


@dataclass
class AlertBook:
    """Every alert, rebuilt from the events of `alerts.oncall` in order."""

    alerts: dict[UUID, Alert] = field(default_factory=dict)

    def apply(self, event: AlertEvent) -> None:
        if event.kind == "raised":
            self.alerts.setdefault(event.alert_id, Alert.raised(event))
        elif event.alert_id in self.alerts:
            self.alerts[event.alert_id].apply(event)

    def escalations(self, now: datetime, rosters: dict[str, Roster]) -> list[AlertEvent]:
        """The escalations due at `now`, for whoever writes them to the topic and notifies."""
        due = (alert.escalation(now, rosters[alert.org]) for alert in self.alerts.values())
        return [event for event in due if event is not None]

    def next_due(self) -> datetime | None:
        """When the next timer runs out: the moment to look again."""
        moments = [due for alert in self.alerts.values() if (due := alert.due()) is not None]
        return min(moments, default=None)
