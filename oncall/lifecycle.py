"""An on-call alert's life, as events: raised, delivered, acknowledged, escalated, closed.

Pure: no Kafka, no clock of its own. The events are what goes on `alerts.oncall`, keyed by alert
id; an alert's state is the fold of its events, so a restarted gateway rebuilds every open alert,
and every timer, by reading the topic again (`AlertBook`).

The gateway raises an alert (`raised`); the on-call service delivers it to the organisation's
primary on call (`delivered`, with the channels that took it). If nobody acknowledges it within the
deadline of its priority after that delivery, it escalates to the secondary (`escalated`, then
`delivered` again), then to the duty officer; after that it reminds the duty officer each deadline
until someone acknowledges or closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.schemas.alert import AlertEvent, Priority, Tier

TIERS: tuple[Tier, ...] = ("primary", "secondary", "duty_officer")
ACK_DEADLINES: dict[str, timedelta] = {
    "p1": timedelta(minutes=5),
    "p2": timedelta(minutes=15),
    "p3": timedelta(hours=1),  # a chain obligation's reminder
}
LOCAL = ZoneInfo("Europe/Amsterdam")  # rosters are in the partners' own time


class OnCall(BaseModel):
    """A person on call: how to reach them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    phone: str = Field(pattern=r"^\+?[0-9 ()-]{6,20}$")
    email: str | None = None


class Shift(BaseModel):
    """Who is on call on these weekdays (0 is Monday) from `start` to `end`, local time; a shift
    whose end is before its start runs past midnight, and one whose end is its start lasts a day."""

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
        if self.start < self.end:
            return today in self.days and self.start <= moment < self.end
        return (today in self.days and moment >= self.start) or (yesterday in self.days and moment < self.end)

    def person(self, tier: Tier) -> OnCall:
        return {"primary": self.primary, "secondary": self.secondary, "duty_officer": self.duty_officer}[tier]


class Roster(BaseModel):
    """One organisation's on-call roster."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    org: str
    shifts: tuple[Shift, ...]

    @model_validator(mode="after")
    def _nobody_missing(self) -> Roster:
        """Somebody is on call at every moment of the week: a gap is said when the roster is read,
        not when an alert finds nobody."""
        monday = datetime(2026, 1, 5, tzinfo=LOCAL)
        for step in range(7 * 24 * 4):
            moment = monday + timedelta(minutes=15 * step)
            if not any(shift.covers(moment) for shift in self.shifts):
                raise ValueError(f"the on-call roster of {self.org} has nobody at {moment:%a %H:%M}")
        return self

    def on_call(self, at: datetime) -> Shift:
        """The shift covering `at`; a gap in the roster is a configuration error, said at once."""
        for shift in self.shifts:
            if shift.covers(at):
                return shift
        raise LookupError(f"the on-call roster of {self.org} has nobody at {at.astimezone(LOCAL):%a %H:%M}")


@dataclass
class Alert:
    """An alert's state: the fold of its events. `since` is when it reached the person it is with:
    the deadline to acknowledge runs from there."""

    alert_id: UUID
    org: str
    priority: Priority
    signal_id: UUID
    raised_at: datetime
    signal_type: str = ""
    sender: str = ""
    reason: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    tier: Tier = "primary"
    person: str | None = None
    delivered: bool = False  # to the person of the current tier
    since: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    obligation_id: UUID | None = None  # raised by a chain obligation's clock
    events: list[AlertEvent] = field(default_factory=list)

    @classmethod
    def raised(cls, event: AlertEvent) -> Alert:
        return cls(
            event.alert_id, event.org, event.priority, event.signal_id, event.at, event.signal_type or "",
            event.sender or "", event.reason or "", dict(event.content or {}), event.tier or "primary",
            event.person, obligation_id=event.obligation_id, events=[event],
        )  # fmt: skip

    def apply(self, event: AlertEvent) -> None:
        self.events.append(event)
        if event.kind == "delivered" and event.tier == self.tier and not self.delivered:
            self.delivered, self.person, self.since = True, event.person, event.at
        elif event.kind == "escalated":
            self.tier, self.person, self.delivered = event.tier or self.tier, event.person, False
        elif event.kind == "acknowledged" and self.acknowledged_by is None:
            self.acknowledged_by, self.acknowledged_at = event.by or "unknown", event.at
        elif event.kind == "closed" and self.closed_at is None:
            self.closed_at = event.at

    @property
    def open(self) -> bool:
        """Still waiting for someone to take it."""
        return self.acknowledged_by is None and self.closed_at is None

    @property
    def status(self) -> str:
        if self.closed_at is not None:
            return "closed"
        return "acknowledged" if self.acknowledged_by is not None else "open"

    def due(self, deadlines: dict[str, timedelta] = ACK_DEADLINES) -> datetime | None:
        """When it escalates unless acknowledged; None once acknowledged or closed, and while it is
        not yet delivered to the person of its tier (the deadline runs from the delivery)."""
        if not self.open or not self.delivered or self.since is None:
            return None
        return self.since + deadlines[self.priority]

    def escalation(
        self, now: datetime, roster: Roster, deadlines: dict[str, timedelta] = ACK_DEADLINES
    ) -> AlertEvent | None:
        """The escalation due at `now`: to the next tier, or a reminder to the duty officer."""
        due = self.due(deadlines)
        if due is None or now < due:
            return None
        tier = TIERS[min(TIERS.index(self.tier) + 1, len(TIERS) - 1)]
        return AlertEvent(
            alert_id=self.alert_id, kind="escalated", at=now, org=self.org, priority=self.priority,
            signal_id=self.signal_id, tier=tier, person=roster.on_call(now).person(tier).name,
        )  # fmt: skip


@dataclass
class AlertBook:
    """Every alert, rebuilt from the events of `alerts.oncall` in order. Applying an event twice
    (the service's own event, then its echo from the topic) changes nothing.

    The book keeps which alerts wait for a delivery and when each open alert falls due, updated as
    events arrive: the service asks after every event, and the book holds every alert the topic
    still has, closed ones too, so the questions cost what the open alerts cost, not all of them."""

    deadlines: dict[str, timedelta] = field(default_factory=lambda: dict(ACK_DEADLINES))
    alerts: dict[UUID, Alert] = field(default_factory=dict)
    _seen: set[UUID] = field(default_factory=set)
    _undelivered: dict[UUID, Alert] = field(default_factory=dict)
    _due: dict[UUID, datetime] = field(default_factory=dict)

    def apply(self, event: AlertEvent) -> Alert | None:
        """The alert the event changed, or None when it changed nothing."""
        if event.event_id in self._seen:
            return None
        self._seen.add(event.event_id)
        if event.kind == "raised":
            if event.alert_id in self.alerts:
                return None  # the same signal routed again: one alert
            alert = self.alerts[event.alert_id] = Alert.raised(event)
        else:
            found = self.alerts.get(event.alert_id)
            if found is None:
                return None
            found.apply(event)
            alert = found
        self._track(alert)
        return alert

    def _track(self, alert: Alert) -> None:
        if alert.open and not alert.delivered:
            self._undelivered[alert.alert_id] = alert
        else:
            self._undelivered.pop(alert.alert_id, None)
        due = alert.due(self.deadlines)
        if due is not None:
            self._due[alert.alert_id] = due
        else:
            self._due.pop(alert.alert_id, None)

    def undelivered(self) -> list[Alert]:
        """Open alerts not yet delivered to the person of their tier: to deliver now."""
        return list(self._undelivered.values())

    def escalations(self, now: datetime, rosters: dict[str, Roster]) -> list[AlertEvent]:
        """The escalations due at `now`, for whoever writes them to the topic and notifies."""
        due = [self.alerts[alert_id] for alert_id, moment in self._due.items() if moment <= now]
        events = (alert.escalation(now, rosters[alert.org], self.deadlines) for alert in due)
        return [event for event in events if event is not None]

    def next_due(self) -> datetime | None:
        """When the next timer runs out: the moment to look again."""
        return min(self._due.values(), default=None)
