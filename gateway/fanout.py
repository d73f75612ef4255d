"""Exactly-once fan-out: per batch of signals, one Kafka transaction holds every inbox copy, every
dead letter and receipt, every audit record, and the consumed offsets. A crash anywhere leaves
all of it or none of it.

aiokafka has no KIP-447 fencing, so each gateway instance owns a fixed share of the partitions
(static assignment) and a transactional id of its own: a restarted instance fences its zombie
predecessor. An instance that finds itself fenced (another process started under its transactional
id: a second copy of the same instance number, or its replacement in a rolling deployment) never
writes again: it steps down (`Fenced`), and the newer process continues from the committed offsets.
When a batch cannot be completed (policy engine or broker unavailable, audit not
writable), nothing of it is delivered and the same batch is tried again with capped backoff; the
consumer does not move past it, which is the same as seeking back to the committed offsets.

A transaction that has not completed within `transaction_timeout_s` is given up: aiokafka can keep
sending it to a coordinator that went away (aio-libs/aiokafka#905, #1145), and signals would wait
for ever without a word. Its producer is replaced, which makes the broker finish or abort what it
left; whether it committed after all is then read from the group's committed offsets before the
batch is routed again, so a batch is never delivered twice.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import ConsumerRecord

from gateway import metrics
from gateway.audit import checkpoints
from gateway.audit.chain import AuditChain
from gateway.audit.checkpoints import Checkpointer
from gateway.audit.records import Head
from gateway.clock import now_utc
from gateway.decisions import DecisionError
from gateway.health import Health
from gateway.kafka import KafkaConnection, Record, make_admin, make_producer, stop_within, within
from gateway.logging import get_logger
from gateway.pipeline import Accepted, Rejected
from gateway.router import Routed, Router
from gateway.schemas.audit import AuditRecord
from gateway.signal_ids import Duplicate
from gateway.topics import AUDIT, DLQ_RECORD_MAX_BYTES, sender_of

log = get_logger("gateway.fanout")

RETRY_FIRST_S = 0.2
RETRY_MAX_S = 5.0
# Each request (and each bootstrap server tried, in the order given) waits at most this long, so
# that a node answering nothing is passed over well within SETTLE_TIMEOUT_S.
REQUEST_TIMEOUT_MS = 10_000
SETTLE_TIMEOUT_S = 30.0  # at least: to start a new producer and read the offsets and chain heads
SHUTDOWN_CHECKPOINT_S = 10.0  # a stop waits at most this long for its checkpoint


def record_from(raw: ConsumerRecord[bytes, bytes]) -> Record:
    return Record(
        topic=raw.topic,
        key=raw.key,
        value=raw.value or b"",
        headers=list(raw.headers),
        partition=raw.partition,
        offset=raw.offset,
    )


def _report_lag(consumer: AIOKafkaConsumer, committed: dict[TopicPartition, int]) -> None:
    """How many records wait behind the batch just committed, per partition (as last fetched)."""
    for tp, offset in committed.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(highwater - offset, 0))


def owned_partitions(partitions: int, instance: int, instances: int) -> list[int]:
    """The partitions of each signals topic (and of the audit topic) this instance owns."""
    return [p for p in range(partitions) if p % instances == instance]


def retired_instances(partitions: int, instance: int, instances: int) -> list[int]:
    """The numbers of the instances a larger count had and this count has not (n .. partitions-1),
    as many as fall to this instance: each is fenced by exactly one instance of the new count."""
    return [j for j in range(instances, partitions) if j % instances == instance]


async def fence(kafka: KafkaConnection, transactional_ids: list[str]) -> None:
    """Start and stop a transactional producer under each id: the broker bumps the id's epoch and
    aborts the transaction it left open, so read_committed readers do not wait for it to time out,
    and a process still writing under it is refused from then on."""
    for transactional_id in transactional_ids:
        producer = make_producer(kafka, client_id=transactional_id, transactional_id=transactional_id)
        await producer.start()
        await producer.stop()
        log.info("transactional_id_fenced", transactional_id=transactional_id)


def _firsts(records: list[Record]) -> dict[TopicPartition, int]:
    """The offset of the first record in each partition of a batch."""
    firsts: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        firsts[tp] = min(firsts.get(tp, record.offset), record.offset)
    return firsts


async def committed_offsets(
    kafka: KafkaConnection, group_id: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """The group's committed offset of each partition that has one."""
    admin = make_admin(kafka, client_id=f"{group_id}-offsets", request_timeout_ms=REQUEST_TIMEOUT_MS // 2)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group_id, partitions=partitions)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in found.items() if meta is not None and meta.offset >= 0}


def outgoing(routed: list[Routed], audit: list[AuditRecord]) -> list[list[Record]]:
    """What a batch's transaction writes for each record read: its outputs, then its audit records
    (sealed in the same order, `audit` holds each routed record's entries in turn)."""
    entries = iter(audit)
    return [
        [*r.outputs, *(audit_record(entry) for entry in itertools.islice(entries, len(r.audit)))]
        for r in routed
    ]


def partition_of(out: Record) -> int | None:
    """Where an output goes: an audit record to its chain's partition, anything else by its key."""
    return out.partition if out.topic == AUDIT else None


def audit_record(entry: AuditRecord) -> Record:
    """A sealed audit record as written: keyed by its id, in its chain's partition."""
    return Record(AUDIT, entry.record_id.encode(), entry.as_json(), [], entry.partition)


@dataclass(frozen=True)
class Unsettled:
    """An attempt that may have committed after all: what it routed, the audit heads it sealed,
    and the offset of its first record in each partition."""

    routed: list[Routed]
    heads: dict[int, Head]
    firsts: dict[TopicPartition, int]


class Fenced(Exception):
    """Another process writes under this instance's transactional id now: this one must stop."""


class Fanout:
    def __init__(
        self,
        *,
        kafka: KafkaConnection,
        transactional_id: str,
        group_id: str,
        router: Router,
        chain: AuditChain,
        health: Health,
        transaction_timeout_s: float = 30.0,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        """`checkpointer` signs the audit checkpoints (`checkpoint`); without it none are written."""
        self.kafka = kafka
        self.transactional_id = transactional_id
        self.group_id = group_id
        self.router = router
        self.chain = chain
        self.health = health
        self.transaction_timeout_s = transaction_timeout_s
        self.checkpointer = checkpointer
        self.fenced = False
        self._producer: AIOKafkaProducer | None = None
        self._transacting = asyncio.Lock()  # a batch's transaction, or a checkpoint's: one at a time
        # The last attempt, when it failed in a way that may have committed it after all (it
        # timed out, or Kafka failed it during the commit): settled before the batch is routed again.
        self._unsettled: Unsettled | None = None

    async def _fresh_producer(self) -> AIOKafkaProducer:
        """(Re)create the transactional producer. Starting it fences any older producer with the
        same transactional id and aborts its unfinished transaction; so a fenced instance never
        creates one again (it would fence the process that replaced it)."""
        if self.fenced:
            raise Fenced(self.transactional_id)
        if self._producer is not None:
            await self._stop_producer()
        producer = make_producer(
            self.kafka,
            client_id=self.transactional_id,
            transactional_id=self.transactional_id,
            linger_ms=2,
            max_request_size=DLQ_RECORD_MAX_BYTES + 64 * 1024,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        self._producer = producer  # before it starts: one that never does is stopped all the same
        await producer.start()
        return producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_within(producer)

    async def start(self) -> None:
        await self._fresh_producer()

    async def stop(self) -> None:
        await self.checkpoint("shutdown", timeout_s=min(self.transaction_timeout_s, SHUTDOWN_CHECKPOINT_S))
        await self._stop_producer()

    async def commit(
        self, batch: list[ConsumerRecord[bytes, bytes]], consumer: AIOKafkaConsumer | None = None
    ) -> None:
        """Route and deliver one batch exactly once. Returns only when it is committed; raises
        Fenced, with nothing of the batch delivered, once another process took over this id."""
        if self.fenced:
            raise Fenced(self.transactional_id)
        records = [record_from(raw) for raw in batch]
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        delay = RETRY_FIRST_S
        while True:
            async with self._transacting:
                problem = await self._attempt(records, offsets)
            if self.fenced:
                raise Fenced(self.transactional_id)
            if problem is None:
                if consumer is not None:
                    _report_lag(consumer, offsets)
                return
            component, reason = problem
            metrics.FAIL_CLOSED.labels(component).inc()
            self.health.fail(component, reason)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _attempt(
        self, records: list[Record], offsets: dict[TopicPartition, int]
    ) -> tuple[str, str] | None:
        if self._unsettled is not None:
            committed, problem = await self._settle(self._unsettled, offsets)
            if committed or problem:
                return problem
        started = time.perf_counter()
        try:
            routed = await self.router.route_batch(records)
        except DecisionError as error:
            return "policy", str(error)
        self.health.recover("policy")
        metrics.DECISION_SECONDS.observe(time.perf_counter() - started)
        audit, heads = self.chain.seal([(r.source.partition, entry) for r in routed for entry in r.audit])
        transaction = await within(self._transact(routed, audit, offsets), self.transaction_timeout_s)
        if transaction is None:
            self._unsettled = Unsettled(routed, heads, _firsts(records))
            log.warning(
                "transaction_stuck", timeout_s=self.transaction_timeout_s, records=len(records),
                why="not completed in time; its producer is replaced, and whether it committed is "
                "read from the group's offsets before the batch is routed again",
            )  # fmt: skip
            await self._stop_producer()
            return "kafka", f"transaction not completed within {self.transaction_timeout_s:g} s"
        try:
            transaction.result()
        except ProducerFenced:
            return self._step_down(
                len(records), "another process started under this instance's transactional id; it "
                "continues from the committed offsets, and this one delivers nothing more",
            )  # fmt: skip
        except KafkaError as error:
            # Whatever state the transaction is in, a new producer starts clean: it aborts it, or
            # finishes a commit the broker had begun; which of the two is settled before a retry.
            log.warning("transaction_failed", error=repr(error), records=len(records))
            self._unsettled = Unsettled(routed, heads, _firsts(records))
            await self._stop_producer()
            return "kafka", f"transaction failed: {error!r:.200}"
        self._committed(routed, heads)
        return None

    async def _transact(
        self, routed: list[Routed], audit: list[AuditRecord], offsets: dict[TopicPartition, int]
    ) -> None:
        producer = self._producer or await self._fresh_producer()
        async with producer.transaction():
            for outputs in outgoing(routed, audit):
                for out in outputs:
                    await producer.send(
                        out.topic, out.value, key=out.key, headers=out.headers, partition=partition_of(out)
                    )
            await producer.send_offsets_to_transaction(offsets, self.group_id)

    async def checkpoint(self, kind: str, *, timeout_s: float | None = None) -> None:
        """Sign where this instance's audit chains stand and write it to the checkpoints topic and
        every partner's inbox in a transaction of its own, when they moved since the last one. Only
        committed heads are signed: none while the last batch's outcome is unsettled. A checkpoint
        that fails is logged (`audit_checkpoint_failed`) and written with the next one."""
        if self.checkpointer is None or self.fenced:
            return
        async with self._transacting:
            heads = dict(self.chain.heads)
            if self._unsettled is not None or not self.checkpointer.due(heads):
                return
            at = now_utc()
            checkpoint = self.checkpointer.sign(heads, kind, at)
            if not await self._write_alone(
                checkpoints.records(checkpoint, at), "audit_checkpoint", timeout_s
            ):
                return
            self.checkpointer.written(heads)
            log.info(
                "audit_checkpoint_signed", kind=kind, checkpoint_id=str(checkpoint.checkpoint_id),
                heads={str(h.partition): h.sequence for h in checkpoint.heads},
            )  # fmt: skip

    async def write(self, make: Callable[[], list[Record]], what: str) -> int | None:
        """Write what `make` returns, asked once no batch is in flight, in a transaction of its own:
        how many records, or None when it failed (logged as `<what>_failed`; try again later)."""
        if self.fenced:
            return None
        async with self._transacting:
            outputs = make()
            if not outputs:
                return 0
            return len(outputs) if await self._write_alone(outputs, what, None) else None

    async def _write_alone(self, outputs: list[Record], what: str, timeout_s: float | None) -> bool:
        limit = timeout_s or self.transaction_timeout_s
        done = await within(self._send(outputs), limit)
        try:
            if done is None:
                raise TimeoutError(f"not completed within {limit:g} s")
            done.result()
        except ProducerFenced:
            self._step_down(0, "another process started under this instance's transactional id")
            return False
        except (KafkaError, TimeoutError) as error:
            # A new producer aborts whatever the broker holds of it, before the next batch.
            log.warning(f"{what}_failed", error=repr(error))
            await self._stop_producer()
            return False
        return True

    async def _send(self, outputs: list[Record]) -> None:
        producer = self._producer or await self._fresh_producer()
        async with producer.transaction():
            for out in outputs:
                await producer.send(out.topic, out.value, key=out.key, headers=out.headers)

    def _committed(self, routed: list[Routed], heads: dict[int, Head]) -> None:
        self.chain.advance(heads)
        self.router.committed()
        self.health.recover("kafka")
        self._count(routed)

    async def _settle(
        self, last: Unsettled, offsets: dict[TopicPartition, int]
    ) -> tuple[bool, tuple[str, str] | None]:
        """Whether the last attempt committed after all, and the problem if Kafka does not say.
        A new producer under this instance's transactional id first makes the broker finish or
        abort it. Then: the group's offsets at the batch's end and the audit chains' heads where
        the attempt sealed them, it committed (done, as if it had said so at once); the offsets
        short of the batch's first records, it was aborted (the batch is routed again); anything
        else, another process wrote under this instance meanwhile (and was just fenced by the new
        producer): this one steps down as fenced, and a fresh start reads everything back."""
        try:
            async with asyncio.timeout(max(self.transaction_timeout_s, SETTLE_TIMEOUT_S)):
                await self._fresh_producer()
                outcome = await self._outcome(last, offsets)
        except (KafkaError, TimeoutError) as error:
            await self._stop_producer()
            return False, ("kafka", f"could not learn whether the last transaction committed: {error!r:.200}")
        self._unsettled = None
        if outcome == "other process":
            return False, self._step_down(
                len(last.routed), "while its transaction was stuck, another process wrote under this "
                "instance's transactional id; this one delivers nothing more, and a fresh start reads "
                "back what was committed",
            )  # fmt: skip
        log.info("transaction_settled", outcome=outcome, records=len(last.routed))
        if outcome == "committed":
            self._committed(last.routed, last.heads)
            return True, None
        return False, None

    async def _outcome(self, last: Unsettled, offsets: dict[TopicPartition, int]) -> str:
        """committed, aborted, or other process, from the group's offsets and the chains' heads."""
        committed = await committed_offsets(self.kafka, self.group_id, list(offsets))
        if all(committed.get(tp, 0) <= first for tp, first in last.firsts.items()):
            return "aborted"
        if all(committed.get(tp) == end for tp, end in offsets.items()):
            chain = await AuditChain.load(
                self.kafka, self.chain.name, list(last.heads), request_timeout_ms=REQUEST_TIMEOUT_MS
            )
            if chain.heads == last.heads:
                return "committed"
        return "other process"

    def _step_down(self, records: int, why: str) -> tuple[str, str]:
        """Another process writes under this instance's transactional id: never write again."""
        self.fenced = True
        log.error("gateway_fenced", transactional_id=self.transactional_id, records=records, why=why)
        self.health.fail("kafka", f"fenced: another process writes under {self.transactional_id}")
        return "kafka", "fenced"

    @staticmethod
    def _count(routed: list[Routed]) -> None:
        metrics.BATCH_SIZE.observe(len(routed))
        for item in routed:
            sender = sender_of(item.source.topic) or "unknown"
            metrics.SIGNALS_IN.labels(sender).inc()
            if isinstance(item.outcome, Rejected):
                metrics.RECORDS.labels(item.source.topic, "rejected").inc()
                metrics.DEAD_LETTERS.labels(item.outcome.reason).inc()
                log.info("signal_rejected", reason=item.outcome.reason, signal_id=item.outcome.signal_id)
                continue
            if isinstance(item.outcome, Duplicate):
                metrics.RECORDS.labels(item.source.topic, "duplicate").inc()
                metrics.DUPLICATES.labels(sender).inc()
                log.info("signal_duplicate", signal_id=item.outcome.signal_id, first=item.outcome.first)
                continue
            metrics.RECORDS.labels(item.source.topic, "accepted").inc()
            assert isinstance(item.outcome, Accepted)
            envelope = item.outcome.envelope
            for entry in item.audit:
                if entry.level != "none":
                    metrics.DELIVERIES.labels(entry.recipient, entry.level).inc()
            log.info(
                "signal_routed",
                trace_id=envelope.trace_id,
                signal_id=str(envelope.id),
                type=envelope.signal,
                sender=envelope.org,
                deliveries=[out.topic for out in item.outputs],
            )
