"""How a batch of signals enters the gateway: as the bytes that were sent, and never skipped.

FastStream's own batch parser decodes every header as UTF-8 and every body by its `content-type`
before a handler runs. One record that is not UTF-8, not JSON or nested too deeply made it raise, the
handler never ran, and the consumer moved on: the whole batch was left without an outcome. Here
nothing is decoded: the handler gets the records as they are, and the gateway's own validation
(`gateway/pipeline.py`) turns whatever it cannot read into a dead letter with a receipt.

Should a batch still fail in a way nobody foresaw, `RewindOnFailure` puts the consumer back at the
batch's first records, so the same batch comes again after a pause, and the gateway reports itself
not ready meanwhile. Offsets move only in the transaction that holds the batch's outcomes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from faststream import BaseMiddleware
from faststream.kafka.message import FAKE_CONSUMER, KafkaMessage

from gateway import metrics
from gateway.health import Health
from gateway.logging import get_logger

log = get_logger("gateway.intake")

RETRY_FIRST_S = 0.2
RETRY_MAX_S = 5.0

Batch = Sequence[ConsumerRecord[bytes, bytes]]


async def raw_batch(batch: tuple[ConsumerRecord[bytes, bytes], ...]) -> KafkaMessage:
    """The batch as FastStream's message, with nothing decoded: no header, no body."""
    first, last = batch[0], batch[-1]
    return KafkaMessage(
        raw_message=batch,
        body=b"",
        message_id=f"{first.topic}-{first.partition}-{first.offset}-{last.offset}",
        consumer=FAKE_CONSUMER,
    )


async def no_decoding(message: KafkaMessage) -> None:
    """The handler reads `message.raw_message`; the body is never decoded."""
    return None


def first_offsets(batch: Batch) -> dict[TopicPartition, int]:
    """Where each partition's part of the batch starts: where to read again to see it again."""
    starts: dict[TopicPartition, int] = {}
    for record in batch:
        tp = TopicPartition(record.topic, record.partition)
        starts[tp] = min(starts.get(tp, record.offset), record.offset)
    return starts


def describe(starts: dict[TopicPartition, int]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{offset}" for tp, offset in sorted(starts.items()))


class Rewinder:
    """Remembers how often batches failed in a row, for the pause before the next try."""

    def __init__(self, consumer: Callable[[], AIOKafkaConsumer | None], health: Health) -> None:
        self.consumer = consumer
        self.health = health
        self.failures = 0

    def middleware(self) -> type[BaseMiddleware]:
        """A FastStream middleware class bound to this rewinder."""
        rewinder = self

        class RewindOnFailure(BaseMiddleware):
            async def after_processed(
                self,
                exc_type: type[BaseException] | None = None,
                exc_val: BaseException | None = None,
                exc_tb: TracebackType | None = None,
            ) -> bool | None:
                if exc_val is None:
                    rewinder.succeeded()
                    return False
                if not isinstance(exc_val, Exception):
                    return False  # cancellation and exit pass through; nothing was committed
                await rewinder.failed(self.msg, exc_val)
                return True

        return RewindOnFailure

    def succeeded(self) -> None:
        if self.failures:
            self.failures = 0
            self.health.recover("intake")

    async def failed(self, msg: Any, error: Exception) -> None:
        """Put the consumer back at the batch's start, say why, and pause before it comes again."""
        batch: Batch = msg if isinstance(msg, (tuple, list)) else [msg]
        starts = first_offsets(batch)
        consumer = self.consumer()
        if consumer is not None:
            for tp, offset in starts.items():
                consumer.seek(tp, offset)
        self.failures += 1
        where = describe(starts)
        log.error("batch_failed", batch=where, error=repr(error)[:500], failures=self.failures)
        metrics.FAIL_CLOSED.labels("intake").inc()
        self.health.fail(
            "intake", f"batch at {where} could not be handled ({type(error).__name__}); retrying"
        )
        await asyncio.sleep(min(RETRY_FIRST_S * 2 ** (self.failures - 1), RETRY_MAX_S))
