"""An obligation's state is the fold of its events on `chain.obligations` (docs/obligations.md).

Pure: no Kafka, no clock. The on-call service folds the topic to know what to remind of and what
has lapsed, the monitor to count (the gateway holds only what a signal may meet, compactly:
gateway/open_book.py). Applying an event
twice (a service's own event, then its echo from the topic) changes nothing: each change holds
from its first event on (an escalation is counted by its event id); every event carries
the obligation as it was opened, so the fold needs no event but the ones it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from gateway.logging import get_logger
from gateway.schemas.obligation import CLOSING, ObligationEvent

log = get_logger("gateway.obligation_state")

Status = Literal["open", "lapsed", "met", "done_elsewhere", "waived"]


@dataclass
class Obligation:
    first: ObligationEvent  # the opened event, or whichever came first
    reminded_at: datetime | None = None
    escalations: set[UUID] = field(default_factory=set)  # the escalated events' ids
    lapsed_at: datetime | None = None
    closed: ObligationEvent | None = None  # met, done elsewhere or waived

    @property
    def obligation_id(self) -> UUID:
        return self.first.obligation_id

    @property
    def keys(self) -> list[str]:
        """The pseudonyms the person it is about goes by."""
        return keys_of_event(self.first)

    @property
    def opened_at(self) -> datetime:
        return self.first.opened_at or self.first.at

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def status(self) -> Status:
        if self.closed is not None:
            return self.closed.event  # type: ignore[return-value]
        return "lapsed" if self.lapsed_at is not None else "open"

    def overdue(self, now: datetime) -> bool:
        return self.closed is None and self.first.due_at <= now

    def next_moment(self) -> datetime | None:
        """When its clock next needs looking at: the reminder, then the due time; None once it is
        closed or has lapsed."""
        if self.closed is not None or self.lapsed_at is not None:
            return None
        return self.first.remind_at if self.reminded_at is None else self.first.due_at

    def apply(self, event: ObligationEvent) -> None:
        if event.event == "reminded" and self.reminded_at is None:
            self.reminded_at = event.at
        elif event.event == "escalated":
            self.escalations.add(event.event_id)
        elif event.event == "lapsed" and self.lapsed_at is None:
            self.lapsed_at = event.at
        elif event.event in CLOSING and self.closed is None:
            self.closed = event


def event_of(message: ConsumerRecord[bytes, bytes]) -> ObligationEvent | None:
    """The event a record of the topic holds. A record that is not an event is logged and passed
    over (None): only the gateway and the on-call service may write the topic (ACLs), so it is no
    lost obligation, and one bad record must not stop every service that reads the topic at start."""
    if not message.value:
        return None
    try:
        return ObligationEvent.model_validate_json(message.value)
    except ValidationError as error:
        log.error("obligation_event_unreadable", offset=message.offset, error=str(error)[:300])
        return None


def keys_of_event(event: ObligationEvent) -> list[str]:
    """The pseudonyms the person an obligation is about goes by."""
    return event.subject_keys or [event.subject]


@dataclass
class Obligations:
    """Every obligation the topic holds, and by person (each of the person's pseudonyms) those not
    yet closed. `keep_closed=False` forgets a closed obligation's details (the on-call service
    needs only the open ones; the monitor needs all)."""

    keep_closed: bool = True
    by_id: dict[UUID, Obligation] = field(default_factory=dict)
    _closed: set[UUID] = field(default_factory=set)
    _open_by_subject: dict[str, dict[UUID, Obligation]] = field(default_factory=dict)

    def apply(self, event: ObligationEvent) -> Obligation | None:
        """The obligation the event is about, or None when it is closed and forgotten."""
        if event.obligation_id in self._closed:
            return None
        obligation = self.by_id.get(event.obligation_id)
        if obligation is None:
            obligation = self.by_id[event.obligation_id] = Obligation(event)
            for key in obligation.keys:
                self._open_by_subject.setdefault(key, {})[event.obligation_id] = obligation
        obligation.apply(event)
        if obligation.closed is not None:
            self._forget_open(obligation)
        return obligation

    def _forget_open(self, obligation: Obligation) -> None:
        for key in obligation.keys:
            mine = self._open_by_subject.get(key, {})
            mine.pop(obligation.obligation_id, None)
            if not mine:
                self._open_by_subject.pop(key, None)
        if not self.keep_closed:
            del self.by_id[obligation.obligation_id]
            self._closed.add(obligation.obligation_id)

    def take(self, message: ConsumerRecord[bytes, bytes]) -> Obligation | None:
        """Apply one record of the topic (`event_of`)."""
        event = event_of(message)
        return self.apply(event) if event is not None else None

    def open_about(self, subject: str) -> list[Obligation]:
        return list(self._open_by_subject.get(subject, {}).values())

    def open(self) -> list[Obligation]:
        return list(
            {o.obligation_id: o for mine in self._open_by_subject.values() for o in mine.values()}.values()
        )
