"""The heads of the audit chains this gateway instance writes, one per partition it owns.

Only the instance that owns partition p of the signals topics writes audit partition p, so it can
keep that chain's head in memory. At start-up it reads the head back from the topic
(read_committed: only what was really committed counts).
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from gateway.audit.records import Head, seal
from gateway.kafka import FROM_THE_START, KafkaConnection, read_to_end
from gateway.schemas.audit import AuditEntry, AuditRecord
from gateway.topics import AUDIT

TAIL_WINDOW = 64


class AuditChain:
    """The chains of one gateway deployment (`name`, its consumer group), one per audit partition."""

    def __init__(self, name: str, heads: dict[int, Head]) -> None:
        self.name = name
        self.heads = heads

    def seal(self, entries: list[tuple[int, AuditEntry]]) -> tuple[list[AuditRecord], dict[int, Head]]:
        """Seal entries (partition, entry) onto the chains; the heads move only when `advance` is told
        the transaction committed."""
        heads = dict(self.heads)
        sealed = []
        for partition, entry in entries:
            head = heads[partition]
            record = seal(entry, self.name, partition, head.sequence + 1, head.hash)
            heads[partition] = Head(record.sequence, record.hash)
            sealed.append(record)
        return sealed, heads

    def advance(self, heads: dict[int, Head]) -> None:
        self.heads = heads

    @classmethod
    async def load(
        cls, kafka: KafkaConnection, name: str, partitions: list[int], *, request_timeout_ms: int = 40_000
    ) -> AuditChain:
        consumer = AIOKafkaConsumer(
            **kafka.client_options(),
            **FROM_THE_START,
            isolation_level="read_committed",
            enable_auto_commit=False,
            request_timeout_ms=request_timeout_ms,
        )
        await consumer.start()
        try:
            return cls(
                name, {p: await _last_head(consumer, TopicPartition(AUDIT, p), name) for p in partitions}
            )
        finally:
            await consumer.stop()


async def _last_head(consumer: AIOKafkaConsumer, partition: TopicPartition, name: str) -> Head:
    """The place in the chain of this deployment's last committed record in the partition;
    transaction markers and other deployments' records take offsets too, so look back in growing
    windows from the end."""
    consumer.assign([partition])
    end = (await consumer.end_offsets([partition]))[partition]
    window = TAIL_WINDOW
    while True:
        start = max(0, end - window)
        last: AuditRecord | None = None
        async for message in read_to_end(consumer, {partition: start}):
            try:
                record = AuditRecord.model_validate_json(message.value or b"")
            except ValidationError:
                continue
            if record.chain == name:
                last = record
        if last is not None or start == 0:
            return Head.after(last)
        window *= 4
