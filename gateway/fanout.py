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
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import ConsumerRecord

from gateway import metrics
from gateway.audit.chain import AuditChain
from gateway.decisions import DecisionError
from gateway.health import Health
from gateway.kafka import KafkaConnection, Record, make_producer
from gateway.logging import get_logger
from gateway.pipeline import Accepted, Rejected
from gateway.router import Routed, Router
from gateway.signal_ids import Duplicate
from gateway.topics import AUDIT, DLQ_RECORD_MAX_BYTES, sender_of

log = get_logger("gateway.fanout")

RETRY_FIRST_S = 0.2
RETRY_MAX_S = 5.0


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
    ) -> None:
        self.kafka = kafka
        self.transactional_id = transactional_id
        self.group_id = group_id
        self.router = router
        self.chain = chain
        self.health = health
        self.fenced = False
        self._producer: AIOKafkaProducer | None = None

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
        )
        await producer.start()
        self._producer = producer
        return producer

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except KafkaError as error:
                log.warning("producer_stop_failed", error=repr(error))

    async def start(self) -> None:
        await self._fresh_producer()

    async def stop(self) -> None:
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
        started = time.perf_counter()
        try:
            routed = await self.router.route_batch(records)
        except DecisionError as error:
            return "policy", str(error)
        self.health.recover("policy")
        metrics.DECISION_SECONDS.observe(time.perf_counter() - started)
        audit, heads = self.chain.seal([(r.source.partition, entry) for r in routed for entry in r.audit])
        try:
            producer = self._producer or await self._fresh_producer()
            async with producer.transaction():
                for out in (out for r in routed for out in r.outputs):
                    await producer.send(out.topic, out.value, key=out.key, headers=out.headers)
                for entry in audit:
                    value = entry.model_dump_json().encode()
                    key = entry.record_id.encode()
                    await producer.send(AUDIT, value, key=key, partition=entry.partition)
                await producer.send_offsets_to_transaction(offsets, self.group_id)
        except ProducerFenced:
            self.fenced = True
            log.error(
                "gateway_fenced", transactional_id=self.transactional_id, records=len(records),
                why="another process started under this instance's transactional id; it continues "
                "from the committed offsets, and this one delivers nothing more",
            )  # fmt: skip
            self.health.fail("kafka", f"fenced: another process runs {self.transactional_id}")
            return "kafka", "fenced"
        except KafkaError as error:
            # Whatever state the transaction is in, a new producer starts clean: it aborts it.
            log.warning("transaction_failed", error=repr(error), records=len(records))
            await self._stop_producer()
            return "kafka", f"transaction failed: {error!r:.200}"
        self.chain.advance(heads)
        self.router.committed()
        self.health.recover("kafka")
        self._count(routed)
        return None

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
