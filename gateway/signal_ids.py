"""What a signal id means: the same id with the same content is one signal; with other content, a refusal.

A signal's *content* is its canonical body with `ce_type`, `ce_dataschema` and `ce_source`; not
`ce_time` or `traceparent`, which an adapter's resend changes (`content_digest`). The first copy of
an id is routed. Every later copy with the same content is a duplicate: nothing is delivered, and
its outcome ("duplicate of" the first copy's place) is recorded. A later copy with other content
is refused ("id reused with other content"): dead letter and receipt, recipients get nothing new.

**Where ids are remembered.** In the topic `gateway.signal-ids`, keyed by signal id: a `first`
record for the copy that was routed and a `duplicate` record for each later copy, written in the
transaction of the batch that read them, so the memory and the deliveries commit together. Each
gateway instance reads the topic whole at start and follows it, so it also knows the ids the other
instances routed. Copies of one id carry the same content, so the same key, so they arrive on the
same partition and the same instance: there the check is exact. An id reused for other content with
another subject may land on another instance's partition; that instance refuses it once it has
read the first copy's record (its follower polls every half second), not if both arrive within
that moment.

**For how long.** `MEMORY_DAYS` (90): the topic keeps its records as long, and each instance
forgets an id that long after its first copy. Copies come from a sender retrying (seconds), an
adapter sending again what its ledger had not yet recorded (minutes to days) or re-ingesting an
export after losing its ledger (any time). 90 days covers the first two with a wide margin. A copy
later than that is routed again, under the same
delivery ids (they depend only on what the recipient receives), so a recipient that keeps its own
record of delivery ids drops it; the audit records it again under new record ids.

**Bounded.** One entry per id of the last 90 days: at a region's 30,000 signals a year, about 7,400
entries; at a national million a year about 250,000: 42 MiB, 177 bytes an id
(`python -m bench.ids`, docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import struct
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

import orjson
from aiokafka import ConsumerRecord, TopicPartition

from gateway.kafka import KafkaConnection, Record, read_whole
from gateway.kafka import follow as follow_partitions
from gateway.logging import get_logger
from gateway.pipeline import Accepted, Rejected, refuse
from gateway.schemas.signal_seen import SignalSeen
from gateway.topics import SIGNAL_IDS, SIGNAL_IDS_RETENTION_DAYS

log = get_logger("gateway.signal_ids")

MEMORY_DAYS = SIGNAL_IDS_RETENTION_DAYS
SWEEP_EVERY_S = 3600.0


def position(record: Record) -> str:
    """Where a record was read: `signals.police[0]@12`."""
    return f"{record.topic}[{record.partition}]@{record.offset}"


def content_digest(accepted: Accepted) -> str:
    """SHA-256 of the signal's content: canonical body, type, schema and source."""
    envelope = accepted.envelope
    content = {
        "type": envelope.type,
        "dataschema": envelope.dataschema,
        "source": envelope.source,
        "body": accepted.body,
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def seen_record(seen: SignalSeen) -> Record:
    """A copy's record on `gateway.signal-ids`, keyed by its signal id."""
    return Record(SIGNAL_IDS, seen.signal_id.encode(), seen.model_dump_json().encode(), [])


@dataclass(frozen=True)
class Duplicate:
    """A copy of a signal already routed: nothing is delivered, the copy is recorded."""

    signal_id: str
    first: str
    seen: SignalSeen


_ENTRY = struct.Struct("!16sd")  # the first 128 bits of the content digest, when first seen


@dataclass(frozen=True)
class Remembered:
    """What the memory keeps of one routed id."""

    digest: bytes
    first: str
    seen_at: float

    def packed(self) -> bytes:
        """One bytes object per id: a table of a few hundred thousand ids stays tens of MB."""
        return _ENTRY.pack(self.digest, self.seen_at) + self.first.encode()

    @classmethod
    def unpacked(cls, raw: bytes) -> Remembered:
        digest, seen_at = _ENTRY.unpack_from(raw)
        return cls(digest, raw[_ENTRY.size :].decode(), seen_at)

    @classmethod
    def of(cls, digest: str, first: str, seen_at: float) -> Remembered:
        return cls(bytes.fromhex(digest)[:16], first, seen_at)


@dataclass
class SignalIds:
    """The ids routed in the last `MEMORY_DAYS`, by the id's 16 bytes, packed (`Remembered`)."""

    memory_s: float = MEMORY_DAYS * 24 * 3600.0
    seen: dict[bytes, bytes] = field(default_factory=dict)
    positions: dict[TopicPartition, int] = field(default_factory=dict)

    def get(self, signal_id: str) -> Remembered | None:
        raw = self.seen.get(UUID(signal_id).bytes)
        return Remembered.unpacked(raw) if raw is not None else None

    def remember(self, signal_id: str, remembered: Remembered) -> None:
        self.seen.setdefault(UUID(signal_id).bytes, remembered.packed())

    def put(self, seen: SignalSeen) -> None:
        if seen.outcome == "first":
            self.remember(seen.signal_id, Remembered.of(seen.digest, seen.first, seen.seen_at.timestamp()))

    def take(self, message: ConsumerRecord[bytes, bytes]) -> None:
        if message.value:
            self.put(SignalSeen.model_validate_json(message.value))

    def sweep(self, now: float | None = None) -> int:
        """Forget the ids first seen longer ago than the memory lasts; how many were forgotten."""
        cutoff = (now if now is not None else time.time()) - self.memory_s

        def old(item: tuple[bytes, bytes]) -> bool:
            return bool(_ENTRY.unpack_from(item[1])[1] < cutoff)

        # Insertion order is (close to) the order first seen: one pass over the oldest.
        expired = [key for key, _ in itertools.takewhile(old, self.seen.items())]
        for key in expired:
            del self.seen[key]
        return len(expired)

    def view(self) -> IdsView:
        return IdsView(self)


@dataclass
class IdsView:
    """One batch's new ids over the memory, applied only after the batch is committed."""

    ids: SignalIds
    added: dict[str, Remembered] = field(default_factory=dict)

    def check(self, accepted: Accepted, record: Record, now: datetime) -> SignalSeen | Duplicate | Rejected:
        """The first copy (to route, with the record that remembers it), a duplicate, or a refusal."""
        signal_id = str(accepted.envelope.id)
        digest = content_digest(accepted)
        here = position(record)
        known = self.added.get(signal_id) or self.ids.get(signal_id)
        if known is not None and known.seen_at >= now.timestamp() - self.ids.memory_s:
            first = known.first
            if known.digest != bytes.fromhex(digest)[:16]:
                message = f"id reused with other content: it was first used at {first}"
                expected = "a new ce_id for a new or changed fact; the same ce_id only to send the same again"
                return refuse("id_reused", "header ce_id", message, expected, signal_id)
            duplicate = self._seen(signal_id, "duplicate", digest, record, first, now)
            return Duplicate(signal_id, first, duplicate)
        self.added[signal_id] = Remembered.of(digest, here, now.timestamp())
        return self._seen(signal_id, "first", digest, record, here, now)

    @staticmethod
    def _seen(
        signal_id: str,
        outcome: Literal["first", "duplicate"],
        digest: str,
        record: Record,
        first: str,
        now: datetime,
    ) -> SignalSeen:
        return SignalSeen(
            signal_id=signal_id,
            outcome=outcome,
            digest=digest,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            first=first,
            seen_at=now,
        )

    def commit(self) -> None:
        for signal_id, remembered in self.added.items():
            self.ids.remember(signal_id, remembered)
        self.added = {}


async def load_ids(kafka: KafkaConnection) -> SignalIds:
    """The memory as the topic holds it now."""
    ids = SignalIds()
    ids.positions = await read_whole(kafka, SIGNAL_IDS, ids.take)
    forgotten = ids.sweep()
    log.info("signal_ids_loaded", ids=len(ids.seen), forgotten=forgotten)
    return ids


async def follow(kafka: KafkaConnection, ids: SignalIds, stop: asyncio.Event) -> None:
    """Keep the memory current with what other gateway instances route, from where `load_ids`
    stopped, until `stop` is set; forget old ids hourly. (This instance's own records arrive too:
    putting them again changes nothing.)"""
    swept = time.monotonic()

    def sweep_hourly() -> None:
        nonlocal swept
        if time.monotonic() - swept > SWEEP_EVERY_S:
            ids.sweep()
            swept = time.monotonic()

    await follow_partitions(kafka, ids.positions, ids.take, stop=stop, polled=sweep_hourly)
