"""The log of reads: who read the audit or looked up a person's involvements, through which
channel, asking what, and when.

Reading the audit, or the involvement index, is itself processing personal data, so every read
(through the API or the command line) is written to `gateway.audit.reads` before it is answered. A
read that cannot be recorded is not answered. The log holds the chain pseudonym asked about, never
the BSN.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from gateway.kafka import KafkaConnection, make_producer, read_whole
from gateway.schemas.audit_read import AuditRead
from gateway.topics import AUDIT_READS


class ReadNotRecorded(Exception):
    """The read could not be stored, so it must not be answered."""


class AuditReadLog:
    """Writes audit reads; one producer, started on first use and kept until `close`."""

    def __init__(self, kafka: KafkaConnection) -> None:
        self.kafka = kafka
        self._producer: AIOKafkaProducer | None = None

    async def record(self, read: AuditRead) -> None:
        """Return only once the read is stored on all in-sync replicas; ReadNotRecorded if not."""
        try:
            if self._producer is None:
                self._producer = make_producer(self.kafka, client_id="ketenpoort-audit-reads")
                await self._producer.start()
            await self._producer.send_and_wait(
                AUDIT_READS, read.model_dump_json().encode(), key=read.reader.encode()
            )
        except (KafkaError, OSError) as error:
            # A failed send can leave an idempotent producer out of sequence for good (seen after a
            # refused write): start afresh with the next read.
            await self.close()
            raise ReadNotRecorded(repr(error)) from error

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError):
                await producer.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()


async def audit_reads(kafka: KafkaConnection, since: datetime | None = None) -> list[AuditRead]:
    """Every recorded read of the audit (from `since` on), oldest first."""
    reads: list[AuditRead] = []
    await read_whole(
        kafka, AUDIT_READS, lambda message: reads.append(AuditRead.model_validate_json(message.value or b""))
    )
    return sorted((r for r in reads if since is None or r.read_at >= since), key=lambda r: r.read_at)
