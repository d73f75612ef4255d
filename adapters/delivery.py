"""Delivery of `inbox.<org>` to the organisation's own systems: a webhook or a file drop.

Every item is delivered or kept: a webhook is retried with growing pauses, and after the last
attempt (or at once, when the receiver refuses it for good with a 4xx) the item is written to the
adapter's dead-letter directory with the reason. The consumer's offset moves past an item only
after that, so a crash repeats an item rather than losing it; receivers tell repeats apart by the
item's name (`X-Ketenpoort-Delivery`, or the file name), which is the same on every attempt.

Webhook requests are signed: `X-Ketenpoort-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with
the organisation's webhook secret, of `<X-Ketenpoort-Timestamp>.<body>`.

An item's name becomes a file name (the file drop, the dead letters), so it is made only of what was
checked: a delivery id that is a UUID, or the topic, partition and offset the item was read from.
Whatever else a record says never reaches a path, and every file is proven to land in its directory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from uuid import UUID

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from gateway.kafka import KafkaConnection
from gateway.logging import get_logger
from gateway.topics import inbox_topic
from gateway.webhook import SignedWebhook, WebhookFailed

log = get_logger("adapter_delivery")


@dataclass(frozen=True)
class InboxItem:
    """One record of the inbox, as the gateway wrote it."""

    # "delivery-<delivery id>", "checkpoint-<checkpoint id>" (a signed audit checkpoint, which the
    # organisation keeps to check the audit with) or "receipt-<topic>-<partition>-<offset>": stable per item
    name: str
    body: bytes

    @classmethod
    def of(cls, value: bytes, partition: int, offset: int, topic: str) -> InboxItem:
        """Named by its delivery id when that is a UUID (as the gateway writes it), else by where
        it was read: nothing else of the record goes into the name."""
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        delivery_id = _uuid(parsed.get("delivery_id")) if isinstance(parsed, dict) else None
        if delivery_id is not None:
            return cls(f"delivery-{delivery_id}", value)
        checkpoint_id = _uuid(parsed.get("checkpoint_id")) if isinstance(parsed, dict) else None
        if checkpoint_id is not None:
            return cls(f"checkpoint-{checkpoint_id}", value)
        return cls(f"receipt-{topic}-{int(partition)}-{int(offset)}", value)


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def file_in(directory: Path, name: str) -> Path:
    """`directory/<name>.json`, once it is proven to be a file directly in `directory`."""
    path = directory / f"{name}.json"
    if (
        path.parent != directory
        or path.name != f"{name}.json"
        or not path.resolve().is_relative_to(directory.resolve())
    ):
        raise ValueError(f"{name!r} is not a file name in {directory}")
    return path


def delivery_group(org: str) -> str:
    """The consumer group the organisation's adapter reads its inbox in: taken, a partner's own
    consumer must use another name under the organisation's prefix."""
    return f"{org}.delivery"


class DeliveryFailed(Exception):
    """The target did not take the item. `final`: trying again will not help."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.final = final


class Target(Protocol):
    async def deliver(self, item: InboxItem) -> None: ...


def write_atomically(path: Path, data: bytes) -> None:
    """Whole or not at all: written beside, flushed to disk, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    tmp.replace(path)


class FileDrop:
    """One JSON file per item in a directory the organisation's system watches."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def deliver(self, item: InboxItem) -> None:
        try:
            await asyncio.to_thread(write_atomically, file_in(self.directory, item.name), item.body)
        except OSError as error:
            raise DeliveryFailed(f"cannot write to {self.directory}: {error.strerror}") from None


class Webhook:
    """POST each item as JSON to the organisation's endpoint, signed with its secret (the kernel's
    SignedWebhook, gateway/webhook.py)."""

    def __init__(self, url: str, secret: bytes, client: httpx.AsyncClient | None = None) -> None:
        self.hook = SignedWebhook(url, secret, client)
        self.url, self.secret = url, secret

    async def deliver(self, item: InboxItem) -> None:
        try:
            await self.hook.post(item.name, item.body)
        except WebhookFailed as failure:
            raise DeliveryFailed(str(failure), final=failure.final) from None

    async def close(self) -> None:
        await self.hook.close()


class Deliverer:
    """Delivers one item with retries, else keeps it as a dead letter; returns what happened."""

    def __init__(
        self,
        target: Target,
        dead_letters: Path,
        *,
        max_attempts: int = 8,
        first_pause_s: float = 1.0,
        max_pause_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.target, self.dead_letters = target, dead_letters
        self.max_attempts, self.first_pause_s, self.max_pause_s = max_attempts, first_pause_s, max_pause_s
        self.sleep = sleep

    async def handle(self, item: InboxItem) -> str:
        pause = self.first_pause_s
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self.target.deliver(item)
                return "delivered"
            except DeliveryFailed as failure:
                log.warning("delivery_failed", item=item.name, attempt=attempt, reason=str(failure))
                if failure.final or attempt == self.max_attempts:
                    self.keep(item, str(failure), attempt)
                    return "dead_letter"
            await self.sleep(pause)
            pause = min(pause * 2, self.max_pause_s)
        raise AssertionError("unreachable: the last attempt returns")

    def keep(self, item: InboxItem, reason: str, attempts: int) -> None:
        """Write the dead letter; an OSError here propagates, so the item is not passed over."""
        record = {
            "item": item.name,
            "reason": reason,
            "attempts": attempts,
            "kept_at": datetime.now(UTC).isoformat(),
            "body": orjson.loads(item.body) if _is_json(item.body) else item.body.decode(errors="replace"),
        }
        write_atomically(
            file_in(self.dead_letters, item.name), orjson.dumps(record, option=orjson.OPT_INDENT_2)
        )
        log.error("delivery_dead_lettered", item=item.name, attempts=attempts, reason=reason)


def _is_json(body: bytes) -> bool:
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return True


class InboxDelivery:
    """Reads `inbox.<org>` as the organisation, in its group `<org>.delivery`, and hands each item
    to the deliverer in order, committing the offset after each item is delivered or kept."""

    def __init__(
        self, org: str, kafka: KafkaConnection, deliverer: Deliverer, group: str | None = None
    ) -> None:
        self.org, self.kafka, self.deliverer = org, kafka, deliverer
        self.group = group or delivery_group(org)
        self.counts = {"delivered": 0, "dead_letter": 0}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"inbox-delivery-{self.org}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:  # a broker or disk problem pauses delivery; it never ends it
            consumer = AIOKafkaConsumer(
                inbox_topic(self.org),
                **self.kafka.client_options(),
                group_id=self.group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
            )
            try:
                await consumer.start()
                await self._consume(consumer)
            except (KafkaError, OSError) as error:
                log.error("inbox_delivery_paused", org=self.org, error=repr(error))
                await asyncio.sleep(2.0)
            finally:
                await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            message = await consumer.getone()
            item = InboxItem.of(message.value or b"", message.partition, message.offset, message.topic)
            outcome = await self.deliverer.handle(item)
            self.counts[outcome] += 1
            partition = TopicPartition(message.topic, message.partition)
            await consumer.commit({partition: message.offset + 1})
