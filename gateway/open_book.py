"""The gateway's book of open obligations: what a signal may meet, and what is open already of a
kind, looked up by the signal's persons (docs/obligations.md).

The gateway reads `chain.obligations` whole at start and follows it, so this book holds every open
obligation of the chain. It holds each compactly (`Held`): what a signal looks it up by and meets it
with, and its first event packed, from which the `met` event is written (every event carries the
obligation as it was opened). As the fold's pydantic event an open obligation took about 3.5 KB;
held here, under 1 KB (docs/benchmarks.md, "Per-signal cost").

Bounded in time: an obligation due more than `horizon` ago is forgotten, and with it the ids of
those closed (kept so that a late event about a closed one brings nothing back). The on-call
service has long reported it lapsed; a signal after the horizon no longer records it met, and the
record of its lapse stands. Pure: no Kafka; the clock is handed in.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from weakref import WeakValueDictionary

from aiokafka import ConsumerRecord

from gateway.obligation_state import event_of, keys_of_event
from gateway.schemas.obligation import CLOSING, MeetingSignal, ObligationEvent

HORIZON = timedelta(days=365)
"""How long past its due time an open obligation may still be met."""
SWEEP_EVERY = timedelta(hours=1)
_SHARED = {"kind", "owner", "met_by", "remind", "tell_on_lapse", "source"}
_WINDOW = -11  # raw deflate, a 2 KiB window: an event and its terms fit in it


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Terms:
    """What the obligations a kind opens alike share (kind, owner, meeting signals, whom it reminds
    and tells, source): held once for all of them. `text` is their JSON, the dictionary each
    event is packed with, so what they share costs an obligation a few bytes."""

    kind: str
    owner: str
    met_by: tuple[MeetingSignal, ...]
    text: bytes


@dataclass(frozen=True, slots=True)
class Held:
    """An open obligation as the gateway holds it."""

    obligation_id: UUID
    keys: tuple[str, ...]  # the pseudonyms of the person it is about
    item: str | None
    due_at: datetime
    terms: Terms
    packed: bytes  # its first event's JSON, deflated with `terms.text` as dictionary

    @property
    def kind(self) -> str:
        return self.terms.kind

    @property
    def owner(self) -> str:
        return self.terms.owner

    def event(self) -> ObligationEvent:
        """Its first event, as it was."""
        unpacking = zlib.decompressobj(_WINDOW, zdict=self.terms.text)
        return ObligationEvent.model_validate_json(unpacking.decompress(self.packed) + unpacking.flush())

    def overdue(self, now: datetime) -> bool:
        return self.due_at <= now


_terms: WeakValueDictionary[bytes, Terms] = WeakValueDictionary()


def hold(event: ObligationEvent) -> Held:
    """The compact form of an obligation, from its first event."""
    text = event.model_dump_json(by_alias=True, include=_SHARED).encode()
    terms = _terms.get(text)
    if terms is None:
        terms = _terms[text] = Terms(event.kind, event.owner, tuple(event.met_by), text)
    packing = zlib.compressobj(1, zlib.DEFLATED, _WINDOW, zdict=terms.text)
    packed = packing.compress(event.model_dump_json(by_alias=True).encode()) + packing.flush()
    keys = tuple(sys.intern(key) for key in keys_of_event(event))
    return Held(event.obligation_id, keys, event.item, event.due_at, terms, packed)


@dataclass
class OpenIndex:
    """Open obligations by what a signal looks them up by: (person's key, meeting signal type, its
    sender) to find what it may meet, and (person's key, kind) to find what is open already. A
    signal's lookups cost what its own persons have open of that kind or type, not what everybody
    has open."""

    meeting: dict[tuple[str, str, str], dict[UUID, Held]] = field(default_factory=dict)
    kind: dict[tuple[str, str], dict[UUID, Held]] = field(default_factory=dict)

    def _places(self, held: Held) -> list[tuple[dict[Any, dict[UUID, Held]], Any]]:
        places: list[tuple[dict[Any, dict[UUID, Held]], Any]] = [
            (self.meeting, (key, m.type, m.from_)) for key in held.keys for m in held.terms.met_by
        ]
        return places + [(self.kind, (key, held.kind)) for key in held.keys]

    def add(self, held: Held) -> None:
        for index, place in self._places(held):
            index.setdefault(place, {})[held.obligation_id] = held

    def remove(self, held: Held) -> None:
        for index, place in self._places(held):
            mine = index.get(place, {})
            mine.pop(held.obligation_id, None)
            if not mine:
                index.pop(place, None)

    def meeting_about(self, keys: Iterable[str], signal_type: str, sender: str) -> dict[UUID, Held]:
        return {i: h for key in keys for i, h in self.meeting.get((key, signal_type, sender), {}).items()}

    def of_kind(self, keys: Iterable[str], kind: str) -> dict[UUID, Held]:
        return {i: h for key in keys for i, h in self.kind.get((key, kind), {}).items()}


@dataclass
class OpenBook:
    """Every open obligation within the horizon, indexed as a signal looks them up."""

    clock: Callable[[], datetime] = _now
    horizon: timedelta = HORIZON
    held: dict[UUID, Held] = field(default_factory=dict)
    index: OpenIndex = field(default_factory=OpenIndex)
    _closed: dict[date, set[UUID]] = field(default_factory=dict)  # by the day they were due
    _swept: datetime | None = None

    def __len__(self) -> int:
        return len(self.held)

    def open(self) -> list[Held]:
        return list(self.held.values())

    def add(self, held: Held) -> None:
        """An obligation opened (this gateway's own, committed, packed once)."""
        if held.obligation_id not in self.held and not self._is_closed(held.obligation_id, held.due_at):
            self.held[held.obligation_id] = held
            self.index.add(held)

    def apply(self, event: ObligationEvent) -> None:
        """One event of the topic: the first of an obligation holds it, a closing one forgets it."""
        self._sweep()
        obligation_id = event.obligation_id
        if event.due_at < self.clock() - self.horizon or self._is_closed(obligation_id, event.due_at):
            return
        if event.event in CLOSING:
            held = self.held.pop(obligation_id, None)
            if held is not None:
                self.index.remove(held)
            self._closed.setdefault(event.due_at.date(), set()).add(obligation_id)
        elif obligation_id not in self.held:
            self.add(hold(event))

    def take(self, message: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one record of the topic (`event_of`)."""
        if (event := event_of(message)) is not None:
            self.apply(event)

    def _is_closed(self, obligation_id: UUID, due_at: datetime) -> bool:
        return obligation_id in self._closed.get(due_at.date(), ())

    def _sweep(self) -> None:
        """Forget, once an hour, what has passed the horizon since."""
        now = self.clock()
        if self._swept is not None and now - self._swept < SWEEP_EVERY:
            return
        self._swept, before = now, now - self.horizon
        for held in [h for h in self.held.values() if h.due_at < before]:
            del self.held[held.obligation_id]
            self.index.remove(held)
        for day in [d for d in self._closed if d < before.date()]:
            del self._closed[day]
