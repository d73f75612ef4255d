"""Exact accounting of what a fault test's or the soak's records led to: per recipient nothing
missing, nothing twice, the order per key kept; each poison record dead-lettered once, receipted
once, delivered and audited never; the audit's chains unbroken; and `reconcile` clean."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from gateway.audit.verify import verify_topic
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import KafkaConnection, Record, partition_counts, read_to_end
from gateway.reconcile import Report, reconcile
from gateway.schemas.audit import AuditRecord
from gateway.settings import RECIPIENTS
from gateway.topics import ALERTS, AUDIT, DLQ, inbox_topic
from tests.integration.faults import ID_REUSED, Expected, Mix, Place, signal_id
from tests.integration.kafka_helpers import read_topic
from tools.stack import Endpoints

READ_TIMEOUT_S = 300.0


async def read_messages(kafka: KafkaConnection, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every committed record of the topic, in (partition, offset) order."""
    count = (await partition_counts(kafka, [topic]))[topic]
    consumer = AIOKafkaConsumer(**kafka.client_options(), isolation_level="read_committed")
    await consumer.start()
    try:
        starts = {TopicPartition(topic, p): 0 for p in range(count)}
        found = [m async for m in read_to_end(consumer, starts, timeout_s=READ_TIMEOUT_S)]
    finally:
        await consumer.stop()
    return sorted(found, key=lambda m: (m.partition, m.offset))


async def read_all(kafka: KafkaConnection, topic: str) -> list[tuple[int, int, bytes]]:
    """(partition, offset, value) of every committed record in the topic."""
    return [(m.partition, m.offset, m.value or b"") for m in await read_messages(kafka, topic)]


@dataclass(frozen=True)
class Copy:
    """One copy of a signal in a recipient's inbox, where it is there."""

    partition: int
    offset: int
    signal_id: str


@dataclass
class Inboxes:
    """Each recipient's copies of signals in the order its adapter reads them, and the rejection
    receipts by the place of the record refused."""

    copies: dict[str, list[Copy]] = field(default_factory=dict)
    receipts: Counter[Place] = field(default_factory=Counter)

    def counted(self, ids: set[str]) -> Counter[tuple[str, str]]:
        """(signal id, recipient) → how many copies of these signals the inboxes hold."""
        return Counter(
            (c.signal_id, org) for org, copies in self.copies.items() for c in copies if c.signal_id in ids
        )


async def read_inboxes(admin: KafkaConnection) -> Inboxes:
    """As `admin`: no other principal may read every inbox."""
    inboxes = Inboxes()
    for org in RECIPIENTS:
        inboxes.copies[org] = []
        for partition, offset, value in await read_all(admin, inbox_topic(org)):
            item = orjson.loads(value)
            # Copies of signals; match notices (also naming a signal) are the index's, not copies.
            if "delivery_id" in item and item["signal_type"] != MATCH_NOTICE:
                inboxes.copies[org].append(Copy(partition, offset, item["signal_id"]))
            elif "reason" in item and "topic" in item:
                inboxes.receipts[(item["topic"], item["partition"], item["offset"])] += 1
    return inboxes


async def delivered(admin: KafkaConnection, ids: set[str]) -> Counter[tuple[str, str]]:
    """(signal id, recipient) → how many copies of our signals the inboxes hold."""
    return (await read_inboxes(admin)).counted(ids)


def order_broken(inboxes: Inboxes, mix: Mix, places: list[Place]) -> list[str]:
    """Where a recipient's copies of the signals sent with one key on one sender's topic are not in
    the order the signals were written (signals of one key share a partition, so their offsets
    order them; copies of one key share an inbox partition). Signals of different senders, or of
    different keys, have no order between them."""
    origin = {
        signal_id(record): (places[n], record.key) for n, record in enumerate(mix.records) if mix.is_signal(n)
    }
    broken = []
    for org, copies in inboxes.copies.items():
        last: dict[tuple[str, bytes | None], tuple[Copy, int]] = {}
        for copy in copies:
            if copy.signal_id not in origin:
                continue
            (topic, _, offset), key = origin[copy.signal_id]
            before = last.get((topic, key))
            if before is not None and before[0].partition != copy.partition:
                partitions = f"{before[0].partition} and {copy.partition}"
                broken.append(f"{org}: copies of one key of {topic} in inbox partitions {partitions}")
            elif before is not None and before[1] > offset:
                at = f"{copy.partition}/{copy.offset}"
                broken.append(f"{org}: {topic}@{offset} delivered at {at}, after {topic}@{before[1]}")
            last[(topic, key)] = (copy, offset)
    return broken


async def dead_letters(admin: KafkaConnection) -> dict[Place, list[str]]:
    """The reasons `gateway.dlq` gives, by the place of the record it holds (`kp_source_*`)."""
    found: dict[Place, list[str]] = defaultdict(list)
    for message in await read_messages(admin, DLQ):
        headers = {name: (value or b"").decode(errors="replace") for name, value in message.headers}
        if "kp_source_topic" in headers:
            place = (
                headers["kp_source_topic"],
                int(headers["kp_source_partition"]),
                int(headers["kp_source_offset"]),
            )
            found[place].append(headers.get("kp_error_reason", ""))
    return found


async def audited(audit_reader: KafkaConnection, ids: set[str]) -> Counter[tuple[str, str]]:
    """(signal id, recipient) → how many audit records of our signals there are."""
    counts: Counter[tuple[str, str]] = Counter()
    for _, _, value in await read_all(audit_reader, AUDIT):
        record = AuditRecord.model_validate_json(value)
        if record.signal_id in ids and record.signal_type != MATCH_NOTICE:
            counts[(record.signal_id, record.recipient)] += 1
    return counts


async def assert_exactly_once(
    where: Endpoints, records: list[Record], expected: Expected, inboxes: Inboxes | None = None
) -> Counter[tuple[str, str]]:
    """Each signal reached each recipient policy grants it once, and no other; one audit record per
    (signal, recipient asked), in unbroken chains. The copies counted."""
    ids = {signal_id(record) for record in records}
    got = (inboxes or await read_inboxes(where.kafka("admin"))).counted(ids)
    missing = expected.at_least - set(got)
    duplicated = {key: n for key, n in got.items() if n > 1}
    unexpected = set(got) - expected.at_most
    assert not missing, f"{len(missing)} deliveries lost, e.g. {sorted(missing)[:3]}"
    assert not duplicated, f"{len(duplicated)} deliveries duplicated, e.g. {sorted(duplicated.items())[:3]}"
    assert not unexpected, f"{len(unexpected)} deliveries policy did not grant"
    audit = await audited(where.kafka("audit-reader"), ids)
    asked = len(RECIPIENTS) - 1  # every partner but the sender
    assert len(audit) == len(records) * asked, "one audit record per (signal, recipient asked)"
    assert all(n == 1 for n in audit.values()), "an audit record was written twice"
    verified = await verify_topic(where.kafka("audit-reader"))
    assert verified.findings == [], [str(f) for f in verified.findings[:5]]
    assert verified.records >= len(records) * asked
    return got


@dataclass(frozen=True)
class Accounting:
    """What a run's records led to, once checked."""

    records: int
    signals: int
    poison: int
    copies: int
    deliveries: Counter[str]
    """per recipient, copies of the run's signals"""
    dead_letters: int
    receipts: int
    reconciled: Report


async def assert_accounted(
    where: Endpoints, mix: Mix, places: list[Place], expected: Expected, group: str, since: datetime
) -> Accounting:
    """Everything a run with poison and copies must show: exactly once per recipient for the
    signals, their order per key, each poison record dead-lettered once (with its reason) and
    receipted once, nothing of it delivered or audited, and `reconcile` of the gateway's group from
    `since` (just before the run sent its first record) clean."""
    admin = where.kafka("admin")
    inboxes = await read_inboxes(admin)
    got = await assert_exactly_once(where, mix.signals, expected, inboxes)
    broken = order_broken(inboxes, mix, places)
    assert not broken, f"order per key broken {len(broken)} times, e.g. {broken[:3]}"

    poisoned = {places[n]: mix.reason(n) for n in mix.poison}
    refused_ids = {signal_id(mix.records[n]) for n, kind in mix.poison.items() if kind != ID_REUSED}
    leaked = inboxes.counted(refused_ids) + await audited(where.kafka("audit-reader"), refused_ids)
    assert not leaked, f"poison delivered or audited: {sorted(leaked)[:3]}"
    found = await dead_letters(admin)
    wrong = {
        place: found.get(place, []) for place, reason in poisoned.items() if found.get(place) != [reason]
    }
    example = sorted(wrong.items())[:3]
    assert not wrong, f"{len(wrong)} poison records not dead-lettered once with their reason, e.g. {example}"
    good = {place for place in places if place not in poisoned}
    assert not good & set(found), f"signals dead-lettered: {sorted(good & set(found))[:3]}"
    receipts = {place: inboxes.receipts[place] for place in poisoned if inboxes.receipts[place] != 1}
    assert not receipts, f"poison receipted other than once: {sorted(receipts.items())[:3]}"

    report = await reconcile(admin, group, since)
    assert report.gaps == [], f"{len(report.gaps)} gaps, e.g. {[str(gap) for gap in report.gaps[:5]]}"
    assert not report.pending, f"records not handled: {report.pending}"
    assert report.accounted >= len(mix.records), f"{report.accounted} accounted for, {len(mix.records)} sent"
    return Accounting(
        records=len(mix.records),
        signals=len(mix.signals),
        poison=len(mix.poison),
        copies=len(mix.copies),
        deliveries=Counter(org for _, org in got.elements()),
        dead_letters=len(poisoned),
        receipts=sum(inboxes.receipts[place] for place in poisoned),
        reconciled=report,
    )


@dataclass(frozen=True)
class Alerts:
    delivered: int
    settled: int  # obligation alerts closed, their obligation met, before they could be delivered
    slowest_s: float  # the longest from an alert raised to its delivery

    def __str__(self) -> str:
        return (
            f"{self.delivered} alerts delivered (the slowest {self.slowest_s:.1f} s after it was raised), "
            f"{self.settled} closed before delivery as their obligation was met"
        )


async def assert_alerts_delivered(where: Endpoints, records: list[Record], timeout_s: float = 60.0) -> Alerts:
    """Every alert raised about these signals (by the gateway, in the transaction that routes the
    signal; or by the on-call service, for an obligation a signal opened) was raised once and
    delivered by the on-call service; or, for an obligation's alert, closed by the service because
    the obligation was met before the alert could be delivered (nothing left to act on)."""
    ids = {signal_id(record) for record in records}

    def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [event for event in found if event.get("signal_id") in ids]

    raised = [e for e in ours(await read_topic(where.kafka("admin"), ALERTS)) if e["kind"] == "raised"]
    assert raised, "the signals raised no alert"
    per_alert = Counter(e["alert_id"] for e in raised)
    assert set(per_alert.values()) == {1}, f"raised twice: {[k for k, n in per_alert.items() if n > 1][:3]}"
    of_obligations = {e["alert_id"] for e in raised if e.get("obligation_id")}

    def outcomes(found: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
        delivered = {e["alert_id"] for e in ours(found) if e["kind"] == "delivered"}
        settled = {
            e["alert_id"]
            for e in ours(found)
            if e["kind"] == "closed" and e.get("by") == "ketenpoort" and e["alert_id"] in of_obligations
        }
        return delivered, settled - delivered

    def accounted(found: list[dict[str, Any]]) -> bool:
        return set(per_alert) <= set.union(*outcomes(found))

    # The on-call service writes each delivery in a transaction of its own: give a backlog of
    # alerts time at 10 a second, beside the base timeout.
    wait_s = timeout_s + len(per_alert) / 10
    found = await read_topic(where.kafka("admin"), ALERTS, until=accounted, timeout_s=wait_s)
    delivered, settled = outcomes(found)
    left = sorted(set(per_alert) - delivered - settled)
    assert not left, f"{len(left)} alerts neither delivered nor settled, e.g. {left[:3]}"
    raised_at = {e["alert_id"]: datetime.fromisoformat(e["at"]) for e in raised}
    first: dict[str, datetime] = {}
    for e in ours(found):
        if e["kind"] == "delivered":
            first.setdefault(e["alert_id"], datetime.fromisoformat(e["at"]))
    took = [(at - raised_at[alert]).total_seconds() for alert, at in first.items() if alert in raised_at]
    return Alerts(len(delivered), len(settled), max(took, default=0.0))
