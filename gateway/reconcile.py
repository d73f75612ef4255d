"""Accounting you can run: every record the gateway read has exactly one outcome.

A record on `signals.<org>` before the gateway group's committed offset was read and handled. Its
outcome is one of:
- *routed*: audit records for it (`source_topic`/`source_partition`/`source_offset`), one per
  recipient asked, delivered or withheld, with the `first` record in `gateway.signal-ids`;
- *dead-lettered*: one record in `gateway.dlq` (`kp_source_*` headers);
- *duplicate*: one `duplicate` record in `gateway.signal-ids`.
A record with none of these, with two different ones, or with one twice is a gap. `account` is the
pure check; `reconcile` reads what it needs from Kafka, as the operators' `admin` principal (it
reads the dead letters, which no service may).

Records read before the gateway recorded where each audit record came from carry no such place: run
it `--since` the upgrade. Records after the committed offsets are not handled yet, not gaps.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from gateway.kafka import KafkaConnection, partition_counts, read_to_end
from gateway.settings import ORGANISATIONS
from gateway.topics import AUDIT, DLQ, SIGNAL_IDS, signals_topic

# Outcomes are written after their records are read, by clocks of other machines: read them from a
# day before `since`, so that none of a record read after `since` is missed.
OUTCOME_MARGIN = timedelta(days=1)

Place = tuple[str, int, int]  # (topic, partition, offset)


def where(place: Place) -> str:
    return f"{place[0]}[{place[1]}]@{place[2]}"


@dataclass(frozen=True)
class Outcome:
    """One thing recorded about a record read: an audit record (per recipient), a dead letter, a
    `first` or a `duplicate` record in the memory of signal ids."""

    place: Place
    kind: str  # "audit", "dead_letter", "first", "duplicate"
    detail: str = ""  # the recipient, for audit records


@dataclass(frozen=True)
class Gap:
    place: Place
    problem: str

    def __str__(self) -> str:
        return f"{where(self.place)}: {self.problem}"


@dataclass
class Report:
    read: int = 0
    accounted: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)
    pending: dict[TopicPartition, int] = field(default_factory=dict)
    """Records after the committed offsets, per partition: not handled yet."""

    def as_json(self) -> dict[str, object]:
        return {
            "read": self.read,
            "accounted": self.accounted,
            "outcomes": dict(self.outcomes),
            "gaps": [{"place": where(g.place), "problem": g.problem} for g in self.gaps],
            "pending": {f"{tp.topic}[{tp.partition}]": n for tp, n in sorted(self.pending.items())},
        }


def judge(found: list[Outcome]) -> tuple[str | None, str | None]:
    """(the outcome, None) or (None, what is wrong) for one record's recorded outcomes."""
    kinds = Counter(outcome.kind for outcome in found)
    if not kinds:
        return None, "no outcome: not routed, not dead-lettered, not recorded as a duplicate"
    if kinds.keys() == {"dead_letter"}:
        return (
            ("rejected", None)
            if kinds["dead_letter"] == 1
            else (None, f"dead-lettered {kinds['dead_letter']} times")
        )
    if kinds.keys() == {"duplicate"}:
        return (
            ("duplicate", None)
            if kinds["duplicate"] == 1
            else (None, f"recorded as a duplicate {kinds['duplicate']} times")
        )
    if kinds.keys() == {"audit", "first"}:
        recipients = Counter(outcome.detail for outcome in found if outcome.kind == "audit")
        twice = sorted(r for r, n in recipients.items() if n > 1)
        if kinds["first"] > 1:
            return None, f"routed {kinds['first']} times"
        if twice:
            return None, f"audited twice for {', '.join(twice)}"
        return "accepted", None
    if kinds.keys() == {"first"}:
        return None, "routed, but no audit record of what was delivered or withheld"
    if kinds.keys() == {"audit"}:
        return None, "audited, but not in the memory of signal ids"
    names = {
        "audit": "audited",
        "first": "routed",
        "dead_letter": "dead-lettered",
        "duplicate": "a duplicate",
    }
    return None, "more than one outcome: " + " and ".join(names[k] for k in sorted(kinds))


def account(records: Iterable[Place], outcomes: Iterable[Outcome]) -> Report:
    """Check that each record read has exactly one outcome. Outcomes of other records are ignored
    (records before `since`, or of another deployment's group)."""
    by_place: dict[Place, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_place[outcome.place].append(outcome)
    report = Report()
    for place in records:
        report.read += 1
        verdict, problem = judge(by_place.get(place, []))
        if verdict is None:
            assert problem is not None
            report.gaps.append(Gap(place, problem))
        else:
            report.accounted += 1
            report.outcomes[verdict] += 1
    return report


def outcome_of(topic: str, message: ConsumerRecord[bytes, bytes]) -> list[Outcome]:
    """What one record of an outcome topic says about which record read."""
    if topic == DLQ:
        headers = {name: (value or b"").decode(errors="replace") for name, value in message.headers}
        try:
            place = (
                headers["kp_source_topic"],
                int(headers["kp_source_partition"]),
                int(headers["kp_source_offset"]),
            )
        except (KeyError, ValueError):
            return []
        return [Outcome(place, "dead_letter")]
    try:
        value = orjson.loads(message.value or b"{}")
    except orjson.JSONDecodeError:
        return []
    if topic == AUDIT:
        if value.get("source_topic") is None:
            return []  # written before audit records said where their signal was read
        place = (value["source_topic"], value["source_partition"], value["source_offset"])
        # A signal's copy and a match notice it made may go to the same recipient: told apart by type.
        return [Outcome(place, "audit", f"{value.get('signal_type')} to {value.get('recipient')}")]
    return [Outcome((value["topic"], value["partition"], value["offset"]), value["outcome"])]


async def _starts(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: datetime | None
) -> dict[TopicPartition, int]:
    beginnings = await consumer.beginning_offsets(partitions)
    if since is None:
        return dict(beginnings)
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, int(since.timestamp() * 1000)))
    ends = await consumer.end_offsets(partitions)
    return {tp: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in partitions}


async def reconcile(admin: KafkaConnection, group: str, since: datetime | None = None) -> Report:
    """Account for every record on `signals.*` (from `since`) up to `group`'s committed offsets."""
    signals = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, [*signals, AUDIT, DLQ, SIGNAL_IDS])
    consumer = AIOKafkaConsumer(
        **admin.client_options(), group_id=group, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    try:
        inputs = [TopicPartition(t, p) for t in signals for p in range(counts[t])]
        committed = {tp: await consumer.committed(tp) for tp in inputs}
        ends = await consumer.end_offsets(inputs)
        starts = await _starts(consumer, inputs, since)
        records: list[Place] = []
        handled = {tp: stop for tp, stop in committed.items() if stop is not None and stop > starts[tp]}
        if handled:
            async for message in read_to_end(consumer, {tp: starts[tp] for tp in handled}):
                tp = TopicPartition(message.topic, message.partition)
                if message.offset < handled[tp]:
                    records.append((message.topic, message.partition, message.offset))
        outcomes: list[Outcome] = []
        from_time = since - OUTCOME_MARGIN if since is not None else None
        for topic in (AUDIT, DLQ, SIGNAL_IDS):
            partitions = [TopicPartition(topic, p) for p in range(counts[topic])]
            if not partitions:
                continue
            async for message in read_to_end(consumer, await _starts(consumer, partitions, from_time)):
                outcomes.extend(outcome_of(topic, message))
    finally:
        await consumer.stop()
    report = account(records, outcomes)
    report.pending = {tp: ends[tp] - (committed[tp] or 0) for tp in inputs if ends[tp] > (committed[tp] or 0)}
    return report
