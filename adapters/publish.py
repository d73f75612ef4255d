"""Sending a signal as an organisation: build the envelope and key once, produce to signals.<org>."""

from __future__ import annotations

from uuid import UUID

import orjson
from aiokafka import AIOKafkaProducer

from gateway.kafka import Record
from gateway.pseudonyms import chain_pseudonym
from gateway.schemas import Envelope, Signal, new_envelope
from gateway.topics import signals_topic


def signal_record(
    org: str, signal: Signal, *, signal_id: UUID, pseudonym_key: bytes
) -> tuple[Record, Envelope]:
    """The Kafka record for one signal. Keyed by the subject's chain pseudonym so all signals about
    one person stay in order; the headers carry the envelope and no personal data."""
    envelope = new_envelope(org=org, signal=signal.name, version=signal.version, id=signal_id)
    subject = signal.subject()
    key = chain_pseudonym(subject, pseudonym_key).encode() if subject is not None else None
    value = orjson.dumps(signal.model_dump(mode="json"))
    return Record(signals_topic(org), key, value, envelope.to_headers()), envelope


async def send(producer: AIOKafkaProducer, record: Record) -> None:
    await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
