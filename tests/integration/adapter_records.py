"""Signals as the organisations' adapters make and send them, for the tests that send what a real
sender sends: a record of an export (the organisation's own sample, or a record written in its
native format), read and mapped by the organisation's adapter, the signal id from (org, record id,
part) in a namespace of the run's own (so the ids are new to a stack that ran the test before), and
sent as its Kafka record (adapters/publish.py: the envelope in the headers, `content-type`
included), logged in as the organisation."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from adapters.exports import Mapped
from adapters.ingest import signal_id
from adapters.publish import send, signal_record
from adapters.registry import adapter
from gateway.kafka import make_producer
from tests.integration.oncall_harness import Alerting

ROOT = Path(__file__).parents[2]


def sample(org: str, name: str) -> bytes:
    """One of the organisation's sample exports, as its system writes it."""
    return (ROOT / "adapters" / org / "samples" / name).read_bytes()


def mapped(org: str, export: bytes, record_id: str) -> list[Mapped]:
    """The signals the organisation's adapter makes of that record of the export."""
    records = adapter(org).read(export)
    [record] = [record for record in records if record.record_id == record_id]
    return adapter(org).to_signals(record.native)


def mapped_breach(org: str, sample_name: str, record_id: str) -> Mapped:
    """The breach_of_conditions the organisation's adapter makes of that record of its sample."""
    signals = mapped(org, sample(org, sample_name), record_id)
    [breach] = [m for m in signals if m.signal.name == "breach_of_conditions"]
    return breach


async def send_as_adapter(
    alerting: Alerting, org: str, mapped: Mapped, record_id: str, namespace: UUID
) -> UUID:
    """One signal of a record, sent as the organisation; its signal id."""
    key = alerting.settings.pseudonym_key.get_secret_value().encode()
    record, envelope = signal_record(
        org, mapped.signal, signal_id=signal_id(org, record_id, mapped.part, namespace), pseudonym_key=key
    )
    producer = make_producer(alerting.stack.kafka(org), client_id=f"test-{org}-adapter")
    await producer.start()
    try:
        await send(producer, record)
    finally:
        await producer.stop()
    return envelope.id


async def send_export(alerting: Alerting, org: str, export: bytes, namespace: UUID) -> dict[str, UUID]:
    """Every signal the adapter makes of each record of the export, sent in order as the organisation,
    as its adapter sends them; their signal ids by signal type."""
    sent: dict[str, UUID] = {}
    for record in adapter(org).read(export):
        assert record.ok and record.record_id is not None, record.problems
        for m in adapter(org).to_signals(record.native):
            sent[m.signal.name] = await send_as_adapter(alerting, org, m, record.record_id, namespace)
    return sent
