"""Every signal type survives the real broker: model → Kafka record → model, envelope included."""

from __future__ import annotations

from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.publish import signal_record
from gateway.kafka import Record, ensure_topics, make_producer
from gateway.pipeline import Rejected, validate
from gateway.schemas import CATALOGUE, Envelope
from gateway.settings import Settings
from tools.contracts.examples import example
from tools.stack import Endpoints


@pytest.mark.parametrize("name", sorted(CATALOGUE))
async def test_each_signal_type_round_trips_through_kafka(
    name: str, settings: Settings, stack: Endpoints
) -> None:
    case = example(name)
    signal = case.signal
    record, envelope = signal_record(case.sender, signal, signal_id=uuid4(), pseudonym_key=b"round-trip")
    await ensure_topics(stack.kafka("admin"))

    # Written by its sender, read back by the gateway: the two principals a signal passes between.
    producer = make_producer(stack.kafka(case.sender), client_id="test-round-trip")
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(**stack.kafka("gateway").client_options(), isolation_level="read_committed")
    await consumer.start()
    try:
        partition = TopicPartition(record.topic, meta.partition)
        consumer.assign([partition])
        consumer.seek(partition, meta.offset)
        message = await consumer.getone()
    finally:
        await consumer.stop()

    assert message.key == record.key
    received = Record(message.topic, message.key, message.value, list(message.headers))
    assert Envelope.from_headers(received.headers) == envelope
    checked = validate(received)
    assert not isinstance(checked, Rejected), checked
    assert checked == (envelope, signal)
