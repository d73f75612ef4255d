"""Several gateway instances as processes of their own, under `ketenpoort gateway serve`: scaled
from one to three and back while signals flow, every signal reaches each recipient once; on the
three Kafka nodes, an instance SIGKILLed is started again by the supervisor and its partitions
move again within seconds; and a count that drops instances fences their transactional ids, so no
transaction they left open holds up read_committed readers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from gateway.app import create_app
from gateway.kafka import KafkaConnection, ensure_topics, make_producer
from gateway.settings import Settings
from gateway.topics import inbox_topic
from tests.integration.accounting import assert_accounted, assert_exactly_once
from tests.integration.cluster import ThreeBrokers
from tests.integration.faults import (
    Place,
    expected_deliveries,
    make_mix,
    make_signals,
    send_all,
    wait_until_consumed,
)
from tests.integration.fleet import Fleet, positions
from tests.integration.kafka_helpers import skip_history
from tools.stack import Endpoints


async def _committed(fleet: Fleet) -> int:
    return sum(committed for committed, _ in (await positions(fleet.admin, fleet.group)).values())


async def _until_committed(fleet: Fleet, more_than: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while await _committed(fleet) <= more_than:
        assert time.monotonic() < deadline, f"nothing committed past {more_than} within {timeout_s}s"
        await asyncio.sleep(0.1)


@pytest.mark.soak  # in make soak: make test stays within its 15 minutes cold
async def test_scaled_from_one_to_three_and_back_while_signals_flow(stack: Endpoints, tmp_path: Path) -> None:
    """450 records (1% poison, 0.5% resent copies) in three parts of 150, each sent over about 3 s:
    the first to one instance; once it has committed some, `gateway scale 3`, and the second part
    is sent from that moment, through the hand-over; once the three have committed some of it,
    `gateway scale 1`, and the third part from then. Each recipient gets each granted signal once,
    in order per key; each poison record is dead-lettered once; the audit's chains verify (an
    instance of the new count continues the chain of each audit partition it takes over);
    `reconcile` finds no gap; the instances the count drops are fenced."""
    await ensure_topics(stack.kafka("admin"))
    mix = make_mix(450, seed=1733)
    expected = await expected_deliveries(stack.opa_url, mix.signals)
    fleet = Fleet(stack, tmp_path, batch_max_records="50")
    await fleet.skip_history()
    since = datetime.now(UTC) - timedelta(seconds=1)
    fleet.start(1)
    pauses: list[float] = []
    scaled = [asyncio.Event(), asyncio.Event()]

    async def send_in_parts() -> list[Place]:
        places: list[Place] = []
        for n, part in enumerate((mix.records[:150], mix.records[150:300], mix.records[300:])):
            if n:
                await scaled[n - 1].wait()
            places += await send_all(stack, part, pause_every=20, pause_s=0.4)
        return places

    try:
        await fleet.wait_ready(1)
        start = await _committed(fleet)
        sending = asyncio.create_task(send_in_parts())
        await _until_committed(fleet, start + 40)
        for count, asked in zip((3, 1), scaled, strict=True):
            fleet.scale(count)
            asked.set()  # the next part is sent while the count is handed over
            before = await _committed(fleet)
            pauses.append(await fleet.wait_ready(count))
            await _until_committed(fleet, before + 40)
        places = await sending
        await wait_until_consumed(stack.kafka("admin"), fleet.group, timeout_s=60)
    finally:
        fleet.stop()
    print(f"scale 1→3, 3→1: every instance of the new count ready in {pauses[0]:.1f} s, {pauses[1]:.1f} s")
    accounting = await assert_accounted(stack, mix, places, expected, fleet.group, since)
    assert accounting.poison > 0 and accounting.copies > 0, (accounting.poison, accounting.copies)
    log = fleet.log.read_text()
    assert "gateway_instance_exited" not in log, "an instance stopped unasked"
    for gone in (1, 2):  # fenced by the one instance at its first start and again after 3 → 1
        fenced = f'"transactional_id":"{fleet.group}-{gone}","event":"transactional_id_fenced"'
        assert log.count(fenced) == 2, f"{fleet.group}-{gone} fenced {log.count(fenced)} times"


@pytest.mark.soak  # in make soak: make test stays within its 15 minutes cold
async def test_an_instance_sigkilled_is_restarted_and_its_partitions_move_within_30_s(
    three_brokers: ThreeBrokers, tmp_path: Path
) -> None:
    """On the three Kafka nodes, three instances under the supervisor while 400 signals arrive;
    instance 1 (partition 1 of every signals topic) is SIGKILLed. The supervisor starts it again;
    its partitions are read up to where they ended at the kill within 30 s; nothing lost or twice."""
    stack = three_brokers.where
    await ensure_topics(stack.kafka("admin"))
    records = make_signals(400)
    expected = await expected_deliveries(stack.opa_url, records)
    fleet = Fleet(stack, tmp_path, batch_max_records="50")
    await fleet.skip_history()
    fleet.start(3)
    try:
        await fleet.wait_ready(3)
        start = await _committed(fleet)
        sending = asyncio.create_task(send_all(stack, records, pause_every=20, pause_s=0.3))
        await _until_committed(fleet, start + 40)
        killed = fleet.pid_of(1)
        os.kill(killed, signal.SIGKILL)
        killed_at = time.monotonic()
        at_kill = {tp: end for tp, (_, end) in (await positions(fleet.admin, fleet.group)).items()}
        assert not sending.done(), "the kill must fall while records still arrive"
        while True:
            now = await positions(fleet.admin, fleet.group)
            if all(now[tp][0] >= end for tp, end in at_kill.items() if tp.partition == 1):
                break
            assert time.monotonic() - killed_at < 30, f"instance 1's partitions not moving: {now}"
            await asyncio.sleep(0.2)
        moved_in = time.monotonic() - killed_at
        assert fleet.pid_of(1) != killed, "the supervisor started instance 1 again"
        await sending
        await wait_until_consumed(stack.kafka("admin"), fleet.group, timeout_s=60)
    finally:
        fleet.stop()
    print(f"instance 1 SIGKILLed: its partitions read to where they ended at the kill in {moved_in:.1f} s")
    assert fleet.log.read_text().count("gateway_instance_exited") == 1, "started again once, and it held"
    await assert_exactly_once(stack, records, expected)


async def test_a_count_without_an_instance_aborts_the_transaction_it_left_open(
    stack: Endpoints, settings: Settings
) -> None:
    """Instance 2 of 3 dies with a transaction open (here: a producer under its transactional id
    that never ends its transaction). The gateway started as one instance fences that id at start:
    the transaction is aborted at once, not after the broker's transaction timeout, so
    read_committed readers of the partitions it wrote do not wait."""
    admin = stack.kafka("admin")
    await ensure_topics(admin)
    group = f"ketenpoort-gateway-test-{uuid4()}"
    await skip_history(admin, group)
    left_open = make_producer(stack.kafka("gateway"), client_id="gone", transactional_id=f"{group}-2")
    await left_open.start()
    tp = TopicPartition(inbox_topic("police"), 0)
    await left_open.begin_transaction()
    await left_open.send_and_wait(tp.topic, b"never committed", partition=tp.partition)
    assert await _stable_behind(admin, tp) > 0, "the open transaction holds read_committed readers"
    one = settings.model_copy(
        update={"gateway_group_id": group, "gateway_instance": 0, "gateway_instances": 1}
    )
    app = create_app(one, stack.kafka("gateway"), stack.opa_url)
    began = time.monotonic()
    await app.start()
    try:
        while await _stable_behind(admin, tp) > 0:
            assert time.monotonic() - began < 20, "the retired instance's transaction is still open"
            await asyncio.sleep(0.1)
    finally:
        await app.stop()
        with contextlib.suppress(KafkaError):  # it was fenced: its stop may only say so
            await asyncio.wait_for(left_open.stop(), timeout=10)


async def _stable_behind(admin_kafka: KafkaConnection, tp: TopicPartition) -> int:
    """How far read_committed readers of `tp` stay behind its end (an open transaction's records)."""
    committed = AIOKafkaConsumer(**admin_kafka.client_options(), isolation_level="read_committed")
    everything = AIOKafkaConsumer(**admin_kafka.client_options())
    await committed.start()
    await everything.start()
    try:
        stable = (await committed.end_offsets([tp]))[tp]
        end = (await everything.end_offsets([tp]))[tp]
    finally:
        await committed.stop()
        await everything.stop()
    return end - stable
