"""Reading what the gateway delivered, for integration and scenario tests."""

from __future__ import annotations

import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer


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
