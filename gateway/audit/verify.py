"""Reading the audit topic whole, in offset order, to check its chains."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.audit.records import Finding, verify
from gateway.kafka import partition_counts
from gateway.topics import AUDIT


async def verify_topic(bootstrap: str, topic: str = AUDIT) -> tuple[int, list[Finding]]:
    """(records checked, findings) over every partition of the topic."""
    count = (await partition_counts(bootstrap, [topic]))[topic]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await consumer.start()
    checked, findings = 0, []
    try:
        for partition in range(count):
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            consumer.seek(tp, 0)
            stored: list[tuple[int, bytes]] = []
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                if not batch:
                    break
                stored.extend((message.offset, message.value or b"") for message in batch.get(tp, []))
            checked += len(stored)
            findings.extend(verify(partition, stored))
    finally:
        await consumer.stop()
    return checked, findings
