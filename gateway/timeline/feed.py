"""Reading the topics into the timeline's store: every organisation's inbox and signals, the on-call
alerts and the chain obligations, as the `gateway` principal.

The store is opened and caught up on first use, then kept current in the background while the
gateway runs; each lookup catches up once more before it reads, so it shows everything committed
before it was asked. Records and how far each partition was read are committed to SQLite together,
so a crash loses nothing and adds nothing twice; what a topic's retention removed is forgotten at
the next catch-up, so the store keeps nothing longer than Kafka does. The file is kept per Kafka
cluster, gateway instance and pseudonym key (a key changes every pseudonym the store holds), and
schema version, under the cache dir.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from gateway.fanout import record_from
from gateway.kafka import KafkaConnection, cluster_id, partition_counts, read_to_end
from gateway.logging import get_logger
from gateway.settings import ORGANISATIONS, RECIPIENTS
from gateway.timeline.entries import ingest
from gateway.timeline.store import TimelineStore
from gateway.topics import ALERTS, OBLIGATIONS, inbox_topic, signals_topic

log = get_logger("gateway.timeline")

TOPICS = [
    *(inbox_topic(org) for org in RECIPIENTS),
    *(signals_topic(org) for org in ORGANISATIONS),
    ALERTS,
    OBLIGATIONS,
]
UNAVAILABLE = (KafkaError, TimeoutError, OSError)
VERSION = 1  # of the store's tables: another version is another file, built afresh


class TimelineFeed:
    def __init__(
        self, kafka: KafkaConnection, store_dir: Path, pseudonym_key: bytes, name: str, refresh_s: float = 2.0
    ) -> None:
        """`name` tells this process's store from another's in the same directory (the gateway's
        group and instance)."""
        self.kafka, self.store_dir, self.key, self.name = kafka, store_dir, pseudonym_key, name
        self.refresh_s = refresh_s
        self._lock = asyncio.Lock()  # one catch-up, or one lookup, at a time
        self._store: TimelineStore | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._earliest: dict[TopicPartition, int] = {}  # each partition's first offset, when last looked
        self._keeping: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def current(self) -> AsyncIterator[TimelineStore]:
        """The store, caught up with everything committed now, for one lookup. Raises a Kafka
        error, TimeoutError or OSError when the topics cannot be read."""
        async with self._lock:
            store = await self._caught_up()
            if self._keeping is None:
                self._keeping = asyncio.create_task(self._keep_current(), name="timeline-follow")
            yield store

    async def close(self) -> None:
        if self._keeping is not None:
            self._keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeping
        async with self._lock:
            await self._drop_consumer()
            if self._store is not None:
                self._store.close()
                self._store = None

    async def _keep_current(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                async with self._lock:
                    await self._caught_up()
            except UNAVAILABLE as error:
                log.warning("timeline_behind", error=repr(error))

    async def _caught_up(self) -> TimelineStore:
        if self._store is None:
            fingerprint = hmac.new(self.key, b"timeline-store", hashlib.sha256).hexdigest()[:12]
            path = (
                self.store_dir / f"{await cluster_id(self.kafka)}.{self.name}.{fingerprint}.v{VERSION}.sqlite"
            )
            self._store = TimelineStore(path, self.key)
        store = self._store
        consumer = await self._reader()
        known = store.positions()
        starts = {tp: known.get((tp.topic, tp.partition), 0) for tp in self._partitions}
        added = 0
        try:
            async for message in read_to_end(consumer, starts):
                record = record_from(message)
                store.add(ingest(record, self.key), (record.topic, record.partition, record.offset))
                added += 1
            earliest = await consumer.beginning_offsets(self._partitions)
            moved = {(tp.topic, tp.partition): o for tp, o in earliest.items() if self._earliest.get(tp) != o}
            store.forget_before(moved)
            store.commit({(tp.topic, tp.partition): await consumer.position(tp) for tp in self._partitions})
            self._earliest.update(earliest)
        except BaseException:
            store.rollback()
            await self._drop_consumer()  # a fresh one next time, also for topics created meanwhile
            raise
        if added:
            log.info("timeline_caught_up", records=added)
        return store

    async def _reader(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            counts = await partition_counts(self.kafka, TOPICS)
            self._partitions = [TopicPartition(topic, p) for topic in TOPICS for p in range(counts[topic])]
            consumer = AIOKafkaConsumer(
                **self.kafka.client_options(),
                client_id="ketenpoort-timeline",
                isolation_level="read_committed",
                enable_auto_commit=False,
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def _drop_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(KafkaError):
                await consumer.stop()
