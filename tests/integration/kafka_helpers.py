"""Sending signals as the organisations do, and reading what the gateway delivered, for integration
and scenario tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID, uuid4

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from adapters.publish import signal_record
from gateway.kafka import KafkaConnection, Record, make_producer, partition_counts, read_to_end
from gateway.schemas import Signal
from gateway.settings import ORGANISATIONS
from gateway.topics import sender_of, signals_topic
from tools.stack import Endpoints


async def send_once(
    stack: Endpoints, org: str, signal: Signal, pseudonym_key: bytes, signal_id: UUID | None = None
) -> UUID:
    """One signal, sent as `org` by a producer of its own; the signal's id."""
    record, envelope = signal_record(org, signal, signal_id=signal_id or uuid4(), pseudonym_key=pseudonym_key)
    producer = make_producer(stack.kafka(org), client_id=f"test-{org}")
    await producer.start()
    try:
        await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()
    return envelope.id


class Adapters:
    """One producer per sending organisation, each logged in as that organisation, as the real
    adapters are: a test's signal reaches `signals.<org>` only because `<org>`'s ACL lets it."""

    def __init__(self, stack: Endpoints, client_id: str) -> None:
        self._stack = stack
        self._client_id = client_id
        self._producers: dict[str, AIOKafkaProducer] = {}

    async def __aenter__(self) -> Adapters:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def send(self, record: Record) -> asyncio.Future[Any]:
        """Queue the record on its sender's producer; the future gives its metadata once written."""
        producer = await self._producer(record.topic)
        future: asyncio.Future[Any] = await producer.send(
            record.topic, record.value, key=record.key, headers=record.headers
        )
        return future

    async def send_and_wait(self, record: Record) -> Any:
        """Write the record; its metadata (partition, offset)."""
        return await (await self.send(record))

    async def flush(self) -> None:
        for producer in self._producers.values():
            await producer.flush()

    async def stop(self) -> None:
        for producer in self._producers.values():
            await producer.stop()

    async def _producer(self, topic: str) -> AIOKafkaProducer:
        sender = sender_of(topic)
        if sender is None:
            raise ValueError(f"{topic} is no organisation's signals topic")
        if sender not in self._producers:
            producer = make_producer(self._stack.kafka(sender), client_id=f"{self._client_id}-{sender}")
            await producer.start()
            self._producers[sender] = producer
        return self._producers[sender]


async def read_topic(
    kafka: KafkaConnection,
    topic: str,
    *,
    until: Any = None,
    timeout_s: float = 20.0,
) -> list[dict[str, Any]]:
    """Everything committed on `topic` from the start, as JSON values with `_headers` added.

    Reads until `until(messages)` is true or the timeout passes; with no `until`, reads to the end
    offsets of now (an empty poll is not the end: see gateway.kafka.read_to_end).
    """
    found: list[dict[str, Any]] = []
    consumer = AIOKafkaConsumer(
        **kafka.client_options(), isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    try:
        count = (await partition_counts(kafka, [topic]))[topic]
        starts = {TopicPartition(topic, p): 0 for p in range(count)}
        if until is None:
            async for message in read_to_end(consumer, starts, timeout_s=timeout_s):
                found.append(_item(message))
            return found
        consumer.assign(list(starts))
        await consumer.seek_to_beginning(*starts)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not until(found):
            batches = await consumer.getmany(timeout_ms=300)
            found.extend(_item(message) for messages in batches.values() for message in messages)
    finally:
        await consumer.stop()
    return found


def _item(message: Any) -> dict[str, Any]:
    value = _parsed(message.value)
    # Dead letters keep whatever bytes their sender put in a header: shown, never a reason to fail.
    value["_headers"] = {k: (v or b"").decode(errors="backslashreplace") for k, v in message.headers}
    value["_key"] = message.key
    value["_raw"] = (message.value, list(message.headers))  # as sent: what the gateway judged
    return value


def _parsed(raw: bytes | None) -> dict[str, Any]:
    """A JSON object as a dict; anything else (the dead-letter topic holds anything) under `_raw`."""
    try:
        value = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}


async def skip_history(admin: KafkaConnection, group: str, topics: list[str] | None = None) -> None:
    """Commit a new consumer group's offsets at the current end of `topics` (default: every signals
    topic), so that a test's gateway or adapter handles what the test sends, not everything earlier
    tests left behind. (A real deployment starts a new group at the beginning: nothing may be
    skipped there.) Test set-up, so as `admin`: no other principal moves its offsets past anything."""
    topics = topics or [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, topics)
    partitions = [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
    consumer = AIOKafkaConsumer(**admin.client_options(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: end for tp, end in ends.items()})
    finally:
        await consumer.stop()
