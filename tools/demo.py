"""`ketenpoort demo`: the shared fictional scenario through the adapters and the real stack, shown
per organisation.

Starts the local stack if needed (and stops it afterwards if it started it), runs the gateway
in-process, replays the scenario of adapters/scenario.py step by step through each organisation's
adapter (each step handled by the gateway before the next is sent), and prints what each
organisation received, with what urgency and on which basis, and what was withheld from it; which
on-call staff the case alerted, at which priority; the chain obligations the case opened, and which
signal met each; and, per organisation, what it sent, what it got and the obligations it took part in;
and the police's timeline of the suspect (tools/demo_timeline.py).

Every part logs in to Kafka as whom it plays: each adapter as its organisation, each inbox is read
by its organisation (in a consumer group of its own prefix), the gateway as `gateway`. So what the
table shows is also what the broker let each of them write and read.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4, uuid5

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import SecretStr, ValidationError
from rich.console import Console

from adapters.ingest import NAMESPACE
from adapters.publish import send, signal_record
from adapters.scenario import Replayed, replay
from gateway.app import create_app
from gateway.kafka import (
    KafkaConnection,
    Record,
    ensure_topics,
    follow,
    make_producer,
    partition_counts,
    read_whole,
)
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import RECIPIENTS, Settings
from gateway.topics import ALERTS, AUDIT, OBLIGATIONS, inbox_topic
from tools.contracts.examples import example
from tools.demo_timeline import police_timeline
from tools.demo_view import Origin, Sent, alerts_table, obligations_table, parts_table, table
from tools.stack import Endpoints, stack_session

WAIT_S = 30.0
SETTLE_S = 1.0


Settle = Callable[[Replayed], Awaitable[None]]


async def replay_scenario(settings: Settings, where: Endpoints, ledger_dir: Path, settle: Settle) -> Sent:
    """The shared fictional scenario (adapters/scenario.py), each step through its organisation's
    adapter, logged in as that organisation, and handled by the gateway (`settle`) before the next.
    A fresh ledger and signal ids of the run's own: the gateway routes an id once, and a stack that
    ran the demo before would see the same records' ids as copies of what it routed then."""
    key = settings.pseudonym_key.get_secret_value().encode()
    originals: dict[str, dict[str, Any]] = {}
    origins: dict[str, Origin] = {}
    lines = []
    namespace = uuid5(NAMESPACE, f"demo-{uuid4()}")
    replayed = await replay(where.kafka, ledger_dir, key, settle, namespace)
    for n, sent in enumerate(replayed, start=1):
        for signal_id, mapped in sent.signals:
            originals[signal_id] = mapped.signal.model_dump(mode="json")
            origins[signal_id] = Origin(n, sent.step.org, mapped.signal.name)
        kinds = ", ".join(kind for outcome in sent.summary.outcomes for kind in outcome.sent)
        lines.append(f"{n}. {sent.step.org}: {sent.step.what} ({kinds})")
    return Sent(originals, origins, lines)


@asynccontextmanager
async def gateway_handled(kafka: KafkaConnection, timeout_s: float = WAIT_S) -> AsyncIterator[Settle]:
    """A `settle` for the replay: returns once the gateway has decided on every signal of the step
    (each leaves audit records, also where nobody is granted anything), read from `gateway.audit`
    from its end now on (as `admin`: a look). Signals on different organisations' topics have no
    order between them at the gateway; waiting keeps the story's order, so that a partner's later
    signal meets the obligation an earlier one opened (victim support's "informed" the release)."""
    count = (await partition_counts(kafka, [AUDIT]))[AUDIT]
    partitions = [TopicPartition(AUDIT, p) for p in range(count)]
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
    await consumer.start()
    try:
        positions: dict[TopicPartition, int] = dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()
    audited: set[str] = set()

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        try:
            audited.add(str(orjson.loads(message.value or b"{}").get("signal_id")))
        except (orjson.JSONDecodeError, AttributeError):
            return  # not an audit record

    async def settle(step: Replayed) -> None:
        deadline = time.monotonic() + timeout_s
        while not {signal_id for signal_id, _ in step.signals} <= audited and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    stop = asyncio.Event()
    following = asyncio.create_task(follow(kafka, positions, take, stop=stop))
    try:
        yield settle
    finally:
        stop.set()
        await following


async def send_broken_report(where: Endpoints, settings: Settings) -> str:
    """A police report whose victim has a BSN that fails the 11-test, sent straight to Kafka as a
    system bypassing the adapter might: the gateway refuses it whole and sends the police a
    receipt. Returns its signal id."""
    case = example("new_report")
    key = settings.pseudonym_key.get_secret_value().encode()
    template, _ = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=key)
    body = orjson.loads(template.value or b"")
    body["victim"]["bsn"] = "123456789"
    record = Record(template.topic, template.key, orjson.dumps(body), template.headers)
    producer = make_producer(where.kafka(case.sender), client_id="demo-broken-system")
    await producer.start()
    try:
        await send(producer, record)
    finally:
        await producer.stop()
    return dict(record.headers)["ce_id"].decode()


@asynccontextmanager
async def inbox_readers(where: Endpoints) -> AsyncIterator[list[AIOKafkaConsumer]]:
    """One consumer per organisation, logged in as it, reading only its own inbox, in a consumer
    group of this run (`<org>.demo-<uuid>`: the organisation's groups carry its name), each already
    fixed at the inbox's current end."""
    run = uuid4()
    async with AsyncExitStack() as stack:
        readers = []
        for org in RECIPIENTS:
            consumer = AIOKafkaConsumer(
                inbox_topic(org),
                **where.kafka(org).client_options(),
                group_id=f"{org}.demo-{run}",
                enable_auto_commit=False,  # a look, not a recipient's bookkeeping
                isolation_level="read_committed",
                auto_offset_reset="latest",
            )
            await consumer.start()
            stack.push_async_callback(consumer.stop)
            readers.append(consumer)
        await asyncio.gather(*(pin_to_end(consumer) for consumer in readers))
        yield readers


async def pin_to_end(consumer: AIOKafkaConsumer, timeout_s: float = 10.0) -> None:
    """Wait for the inbox partitions and fix the read position at their current end, so the demo
    shows this run's deliveries only, also against a stack that has run before."""
    deadline = time.monotonic() + timeout_s
    while not consumer.assignment() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for partition in consumer.assignment():
        await consumer.position(partition)


async def fetch(readers: list[AIOKafkaConsumer]) -> list[Any]:
    """What the readers have now, all together, waiting at most 200 ms."""
    fetched = await asyncio.gather(*(reader.getmany(timeout_ms=200) for reader in readers))
    return [message for batches in fetched for messages in batches.values() for message in messages]


async def collect(
    readers: list[AIOKafkaConsumer], signal_ids: set[str], timeout_s: float
) -> list[dict[str, Any]]:
    """This run's deliveries and receipts: wait until each sent signal shows up, then a moment more
    for the rest of its fan-out. Traffic of others on a shared stack is left out."""
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    settle_until: float | None = None
    while time.monotonic() < min(deadline, settle_until or deadline):
        for message in await fetch(readers):
            item = {**orjson.loads(message.value or b"{}"), "_inbox": message.topic}
            # A redelivery carries the same delivery id: a recipient keeps one copy, and so do we.
            duplicate = any(item.get("delivery_id", "-") == seen.get("delivery_id") for seen in received)
            if item.get("signal_id") in signal_ids and not duplicate:
                received.append(item)
        if settle_until is None and signal_ids <= {item["signal_id"] for item in received}:
            settle_until = time.monotonic() + SETTLE_S
    return received


async def alerts_raised(where: Endpoints, signal_ids: set[str]) -> list[AlertEvent]:
    """The on-call alerts this run's signals raised, read from `alerts.oncall` (as `admin`: a look)."""
    raised: list[AlertEvent] = []

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event = AlertEvent.model_validate_json(message.value or b"")
        except ValidationError:
            return  # not an alert event (the on-call service passes over such records too)
        if event.kind == "raised" and str(event.signal_id) in signal_ids:
            raised.append(event)

    await read_whole(where.kafka("admin"), ALERTS, take)
    return raised


async def obligations_of(where: Endpoints, signal_ids: set[str]) -> list[ObligationEvent]:
    """The chain obligations this run's signals opened and met, from `chain.obligations` (as
    `admin`: a look), in the order they happened."""
    found: list[ObligationEvent] = []

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        if not message.value:
            return  # a tombstone: no event
        event = ObligationEvent.model_validate_json(message.value)
        if str(event.opened_by) in signal_ids:
            found.append(event)

    await read_whole(where.kafka("admin"), OBLIGATIONS, take)
    return sorted(found, key=lambda e: e.at)


async def run_demo(settings: Settings, console: Console) -> None:
    with console.status("Starting the local stack (first run fetches Kafka and builds OPA)..."):
        session = stack_session(settings)
        where: Endpoints = await asyncio.to_thread(session.__enter__)
    # Chain pseudonyms of this run's own: to the involvement index, the case's persons are new, so
    # every run shows the partners finding each other, also on a stack that ran the demo before.
    settings = where.gateway_settings(settings).model_copy(
        update={"pseudonym_key": SecretStr(f"demo-{uuid4()}")}
    )
    try:
        console.print(f"Kafka at {where.kafka_bootstrap}, OPA at {where.opa_url}")
        gateway = where.kafka("gateway")
        await ensure_topics(gateway)
        app = create_app(settings, gateway, where.opa_url)
        await app.start()
        try:
            async with inbox_readers(where) as readers, gateway_handled(where.kafka("admin")) as settle:
                with tempfile.TemporaryDirectory(prefix="ketenpoort-demo-") as ledger_dir:
                    sent = await replay_scenario(settings, where, Path(ledger_dir), settle)
                for line in sent.lines:
                    console.print(line, markup=False)
                broken = await send_broken_report(where, settings)
                console.print("a police system, bypassing the adapter, sent a report with an invalid BSN")
                received = await collect(readers, {*sent.originals, broken}, timeout_s=WAIT_S)
                originals = sent.originals
        finally:
            await app.stop()
        console.print(table(received, originals))
        console.print(alerts_table(await alerts_raised(where, set(originals)), originals))
        obligations = await obligations_of(where, set(originals))
        console.print(obligations_table(obligations, sent.origins))
        console.print(parts_table(sent, received, obligations))
        console.print(await police_timeline(settings, where, originals))
    finally:
        await asyncio.to_thread(session.__exit__, None, None, None)
