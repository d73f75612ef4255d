"""The audit's retention, where one is set (`KETENPOORT_AUDIT_RETENTION_DAYS`; by default the audit
is kept until the privacy officers remove it): gateway instance 0's retention sweep removes the
records decided before the cut-off from each audit partition, and first signs where each chain's
verifiable part then starts, so that `audit verify` tells removal by retention from tampering.

Per partition, in order: the records before the first one decided on or after the cut-off are
read, and for each chain among them, the number of its first record kept and the hash of its last
one removed (what the first kept one continues from) go into a retention checkpoint
(gateway/audit/checkpoints.py), signed with the audit key and written like every checkpoint, to
the checkpoints topic and every partner's inbox, together with a record of each removal on
`gateway.retention`. Only once that is committed are the records deleted (Kafka's DeleteRecords,
as the `gateway` principal may on `gateway.audit` only). A deletion that fails leaves the
records, which verify from the chain's start as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin.records_to_delete import RecordsToDelete

from gateway import retention
from gateway.audit import checkpoints
from gateway.audit.checkpoints import Checkpointer
from gateway.clock import now_utc
from gateway.kafka import FROM_THE_START, KafkaConnection, Record, make_admin, partition_counts, read_to_end
from gateway.logging import get_logger
from gateway.schemas.audit_checkpoint import ChainStart
from gateway.schemas.retention import Removed
from gateway.topics import AUDIT, RETENTION_LOG

log = get_logger("gateway.audit.pruning")


async def expired_starts(kafka: KafkaConnection, cutoff: datetime, topic: str = AUDIT) -> list[ChainStart]:
    """Per audit partition and chain with records decided before `cutoff`: where it starts after."""
    count = (await partition_counts(kafka, [topic]))[topic]
    consumer = AIOKafkaConsumer(**kafka.client_options(), **FROM_THE_START, isolation_level="read_committed")
    await consumer.start()
    starts: list[ChainStart] = []
    try:
        for partition in range(count):
            tp = TopicPartition(topic, partition)
            first = (await consumer.beginning_offsets([tp]))[tp]
            last: dict[str, tuple[int, str]] = {}  # chain -> (sequence, hash) of its last record removed
            keep_from = first
            async for message in read_to_end(consumer, {tp: first}):
                fields: dict[str, Any] = orjson.loads(message.value or b"{}")
                if datetime.fromisoformat(str(fields["decided_at"])) >= cutoff:
                    break
                last[str(fields["chain"])] = (int(fields["sequence"]), str(fields["hash"]))
                keep_from = message.offset + 1
            starts += [
                ChainStart(
                    partition=partition, chain=chain, sequence=seq + 1, prev_hash=hash_, offset=keep_from
                )
                for chain, (seq, hash_) in sorted(last.items())
            ]
    finally:
        await consumer.stop()
    return starts


Write = Callable[[Callable[[], list[Record]], str], Awaitable[int | None]]


class AuditPruning:
    def __init__(
        self, kafka: KafkaConnection, write: Write, checkpointer: Checkpointer, days: int, topic: str = AUDIT
    ) -> None:
        """`write`: records in a transaction of their own (`Fanout.write`)."""
        self.kafka, self.write, self.checkpointer, self.days, self.topic = (
            kafka,
            write,
            checkpointer,
            days,
            topic,
        )

    async def once(self) -> int | None:
        """Remove what the audit's retention expired: how many partitions, None when it failed."""
        at = now_utc()
        starts = await expired_starts(self.kafka, at - timedelta(days=self.days), self.topic)
        if not starts:
            return 0
        checkpoint = self.checkpointer.sign({}, "retention", at, starts)
        removed = [
            Removed(
                kind=retention.AUDIT.kind,
                topic=self.topic,
                key=f"{start.chain}/{start.partition}",
                reason=f"decided more than {self.days} days ago: records before #{start.sequence} "
                f"(offset {start.offset}); the chain verifies from there "
                f"(checkpoint {checkpoint.checkpoint_id})",
                removed_at=at,
            )
            for start in starts
        ]
        log_records = [
            Record(RETENTION_LOG, r.key.encode(), r.model_dump_json().encode(), []) for r in removed
        ]
        outputs = [*checkpoints.records(checkpoint, at), *log_records]
        if await self.write(lambda: outputs, "audit_pruning") is None:
            return None
        before = {TopicPartition(self.topic, s.partition): s.offset for s in starts}
        admin = make_admin(self.kafka)
        await admin.start()
        try:
            await admin.delete_records({tp: RecordsToDelete(offset) for tp, offset in before.items()})
        finally:
            await admin.close()
        log.info("audit_pruned", partitions=len(before), checkpoint_id=str(checkpoint.checkpoint_id))
        return len(before)
