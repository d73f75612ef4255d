"""Reading the audit topic whole, in offset order, to check its chains."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.audit.records import Finding, verify
from gateway.kafka import KafkaConnection, partition_counts, read_to_end
from gateway.topics import AUDIT


async def verify_topic(kafka: KafkaConnection, topic: str = AUDIT) -> tuple[int, list[Finding]]:
    """(records checked, findings) over every partition of the topic."""
    count = (await partition_counts(kafka, [topic]))[topic]
    consumer = AIOKafkaConsumer(**kafka.client_options(), isolation_level="read_committed")
    await consumer.start()
    checked, findings = 0, []
    try:
        for partition in range(count):
            tp = TopicPartition(topic, partition)
            stored = [(m.offset, m.value or b"") async for m in read_to_end(consumer, {tp: 0})]
            checked += len(stored)
            findings.extend(verify(partition, stored))
    finally:
        await consumer.stop()
    return checked, findings
