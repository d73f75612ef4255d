"""Chain obligations as a consequence of each signal (a step, see gateway/consequences.py): what
must happen next, by whom, by when (docs/obligations.md).

Which obligations a signal opens is asked of the policy (gateway/policies/obligations.rego, with
each kind's owner, clock and source in ketenpoort/config/obligations.json), cached like every policy
answer. The due time is computed here from the kind's clock and the signal: a number of hours, a
number of Dutch working days (weekends and public holidays, from the `holidays` library, skipped), or
before a date field of the signal (`release_time`, `ends_on`). A signal of a type and sender that
meets an open obligation about the same person records it met, in the same transaction.

The open obligations live in the topic `chain.obligations` (events keyed by obligation id): each
gateway reads it whole at start and follows it; a batch's changes hold once it is committed.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import holidays
from aiokafka import ConsumerRecord, TopicPartition
from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.decisions import DecisionError, Rule
from gateway.kafka import KafkaConnection, Record, read_whole
from gateway.kafka import follow as follow_partitions
from gateway.logging import get_logger
from gateway.pipeline import Accepted
from gateway.schemas.obligation import MeetingSignal, ObligationEvent
from gateway.topics import OBLIGATIONS

log = get_logger("gateway.obligations")

LOCAL = ZoneInfo("Europe/Amsterdam")  # the chain's working days are Dutch ones
END_OF_DAY = time(23, 59, 59)


class Clock(BaseModel):
    """One of: `hours`, `working_days`, or `before_field` (a date or time field of the signal)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours: float | None = None
    working_days: int | None = None
    before_field: str | None = None


class ObligationSpec(BaseModel):
    """What the policy says of one kind of obligation a signal opens."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    owner: str
    clock: Clock
    remind_before_hours: float
    met_by: list[MeetingSignal]
    tell_on_lapse: list[str]
    source: str


def _read_opened(result: Any, _: dict[str, Any]) -> dict[str, ObligationSpec]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise DecisionError(f"obligations policy returned no object: {result!r:.200}")
    try:
        return {kind: ObligationSpec.model_validate(spec) for kind, spec in result.items()}
    except ValidationError as error:
        raise DecisionError(f"obligation specification is malformed: {error}") from None


OPENED: Rule[dict[str, ObligationSpec]] = Rule("ketenpoort/obligations/opened", _read_opened)


@functools.cache
def _public_holidays(year: int) -> frozenset[date]:
    """The Dutch public holidays of a year, worked out once per year, not once per signal."""
    return frozenset(holidays.country_holidays("NL", years=year))


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the `days`-th Dutch working day after `start` (weekends and public holidays skip)."""
    day = start.astimezone(LOCAL).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _public_holidays(day.year):
            counted += 1
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL).astimezone(UTC)


def due_at(clock: Clock, signal: Accepted, opened_at: datetime) -> datetime | None:
    """When an obligation of this clock, opened by this signal, is due; None when the signal lacks
    the date its clock runs to (a measure without an end date has no extension to decide)."""
    if clock.hours is not None:
        return opened_at + timedelta(hours=clock.hours)
    if clock.working_days is not None:
        return add_working_days(opened_at, clock.working_days)
    if clock.before_field is not None:
        value = signal.body.get(clock.before_field)
        if not isinstance(value, str):
            return None
        if "T" in value:
            return datetime.fromisoformat(value).astimezone(UTC)
        # A date: the obligation is due at the start of that day, local time.
        return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=LOCAL).astimezone(UTC)
    return None


@dataclass
class ObligationBook:
    """The open obligations, by obligation id, and by the person they are about (so a signal looks
    only at its own person's, not at every open obligation)."""

    open: dict[UUID, ObligationEvent] = field(default_factory=dict)
    positions: dict[TopicPartition, int] = field(default_factory=dict)
    _by_subject: dict[str, dict[UUID, ObligationEvent]] = field(default_factory=dict)

    def apply(self, event: ObligationEvent) -> None:
        mine = self._by_subject.setdefault(event.subject, {})
        if event.event == "opened":
            self.open[event.obligation_id] = mine[event.obligation_id] = event
        else:
            self.open.pop(event.obligation_id, None)
            mine.pop(event.obligation_id, None)
            if not mine:
                del self._by_subject[event.subject]

    def take(self, message: ConsumerRecord[bytes, bytes]) -> None:
        if message.value:
            self.apply(ObligationEvent.model_validate_json(message.value))

    def about(self, subject: str) -> list[ObligationEvent]:
        return list(self._by_subject.get(subject, {}).values())


def obligation_record(event: ObligationEvent) -> Record:
    value = event.model_dump_json(by_alias=True).encode()
    return Record(OBLIGATIONS, str(event.obligation_id).encode(), value, [])


class KeepObligations:
    """The step: record met what this signal meets, and open what it opens."""

    def __init__(self, book: ObligationBook, decisions: DecisionCache) -> None:
        self.book, self.decisions = book, decisions
        self._changes: list[ObligationEvent] = []

    def begin(self) -> None:
        self._changes = []

    def committed(self) -> None:
        for event in self._changes:
            self.book.apply(event)
        self._changes = []

    def _open_now(self, subject: str) -> list[ObligationEvent]:
        current = {event.obligation_id: event for event in self.book.about(subject)}
        for event in self._changes:
            if event.subject == subject:
                if event.event == "opened":
                    current[event.obligation_id] = event
                else:
                    current.pop(event.obligation_id, None)
        return list(current.values())

    async def __call__(self, decided: Decided) -> Effects:
        signal, now = decided.signal, decided.now
        events = [
            open_event.model_copy(update={"event": "met", "at": now, "met_signal": signal.envelope.id})
            for open_event in self._open_now(signal.pseudonym)
            if any(
                m.type == signal.envelope.signal and m.from_ == signal.envelope.org for m in open_event.met_by
            )
        ]
        _, opened = await self.decisions.ask(OPENED, decided.asked)
        for kind, spec in sorted(opened.items()):
            due = due_at(spec.clock, signal, now)
            if due is None:
                continue
            events.append(
                ObligationEvent(
                    obligation_id=uuid5(signal.envelope.id, f"obligation:{kind}"),
                    event="opened",
                    at=now,
                    kind=kind,
                    owner=spec.owner,
                    subject=signal.pseudonym,
                    opened_by=signal.envelope.id,
                    due_at=due,
                    remind_at=due - timedelta(hours=spec.remind_before_hours),
                    met_by=spec.met_by,
                    tell_on_lapse=spec.tell_on_lapse,
                    source=spec.source,
                )
            )
        self._changes += events
        return Effects([obligation_record(event) for event in events])


async def load_book(kafka: KafkaConnection) -> ObligationBook:
    book = ObligationBook()
    book.positions = await read_whole(kafka, OBLIGATIONS, book.take)
    log.info("obligations_loaded", open=len(book.open))
    return book


async def follow(kafka: KafkaConnection, book: ObligationBook, stop: asyncio.Event) -> None:
    """Keep the book current with what other gateway instances record. (This instance's own events
    arrive too: applying them again changes nothing.)"""
    await follow_partitions(kafka, book.positions, book.take, stop=stop)
