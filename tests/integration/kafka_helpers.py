"""Reading what the gateway delivered, for integration and scenario tests."""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.kafka import partition_counts
from gateway.settings import ORGANISATIONS
from gateway.topics import signals_topic


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Any = None,
    timeout_s: float = 20.0,
) -> list[dict[str, Any]]:
    """Everything committed on `topic` from the start, as JSON values with `_headers` added.

    Reads until `until(messages)` is true or the timeout passes; with no `until`, reads to the end.
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for messages in batches.values():
                for message in messages:
                    value = _parsed(message.value)
                    value["_headers"] = {k: v.decode() for k, v in message.headers}
                    value["_key"] = message.key
                    found.append(value)
            if until is not None and until(found):
                break
            if until is None and not batches:
                break
    finally:
        await consumer.stop()
    return found


def _parsed(raw: bytes | None) -> dict[str, Any]:
    """A JSON object as a dict; anything else (the dead-letter topic holds anything) under `_raw`."""
    try:
        value = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}


async def skip_history(bootstrap: str, group: str) -> None:
    """Commit a new consumer group's offsets at the current end of every signals topic, so that a
    test's gateway handles the signals the test sends, not everything earlier tests left behind.
    (A real deployment starts a new group at the beginning: nothing may be skipped there.)"""
    topics = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(bootstrap, topics)
    partitions = [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: end for tp, end in ends.items()})
    finally:
        await consumer.stop()
