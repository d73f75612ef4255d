"""Several gateway instances as processes of their own, under `ketenpoort gateway serve`: scaled
from one to three and back while signals flow on the three Kafka nodes, every signal reaches each
recipient once; there too, an instance SIGKILLed is started again by the supervisor and its partitions
move again within seconds; and a count that drops instances fences their transactional ids, so no
transaction they left open holds up read_committed readers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
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
from tests.integration.accounting import assert_accounted, assert_alerts_delivered
from tests.integration.cluster import ThreeBrokers
from tests.integration.faults import (
    KETENPOORT,
    Place,
    expected_deliveries,
    make_mix,
    send_all,
    wait_until_consumed,
)
from tests.integration.fleet import Fleet, consecutive_free_ports, positions
from tests.integration.kafka_helpers import skip_history
from tests.integration.oncall_harness import oncall_running, quiet_config
from tools.stack import Endpoints


async def _committed(fleet: Fleet) -> int:
    return sum(committed for committed, _ in (await positions(fleet.admin, fleet.group)).values())


async def _until_committed(fleet: Fleet, more_than: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while await _committed(fleet) <= more_than:
        assert time.monotonic() < deadline, f"nothing committed past {more_than} within {timeout_s}s"
        await asyncio.sleep(0.1)


@pytest.mark.soak  # in make soak: make test stays within its 15 minutes cold
async def test_scaled_from_one_to_three_and_back_while_signals_flow(
    three_brokers: ThreeBrokers, tmp_path: Path
) -> None:
    """450 records (1% poison, 0.5% resent copies) in three parts of 150, each sent over about 3 s:
    the first to one instance; once it has committed some, `gateway scale 3`, and the second part
    is sent from that moment, through the hand-over; once the three have committed some of it,
    `gateway scale 1`, and the third part from then. Each recipient gets each granted signal once,
    in order per key; each poison record is dead-lettered once; the audit's chains verify (an
    instance of the new count continues the chain of each audit partition it takes over);
    `reconcile` finds no gap; the instances the count drops are fenced. On the three Kafka nodes."""
    stack = three_brokers.where
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
    for gone in (1, 2):  # fenced by the one instance at its first start and after 3 → 1, and by
        # its own instance when the three started
        fenced = f'"transactional_id":"{fleet.group}-{gone}","event":"transactional_id_fenced"'
        assert log.count(fenced) == 3, f"{fleet.group}-{gone} fenced {log.count(fenced)} times"


@pytest.mark.parametrize(
    ("kills", "count"),
    [
        pytest.param(1, 300, id="short"),
        pytest.param(3, 3000, id="long", marks=pytest.mark.soak),  # make soak
    ],
)
async def test_an_instance_sigkilled_is_restarted_and_its_partitions_move_within_30_s(
    three_brokers: ThreeBrokers, tmp_path: Path, kills: int, count: int
) -> None:
    """On the three Kafka nodes, three instances under the supervisor while records arrive (1%
    poison, 0.5% resent copies); one instance is SIGKILLed (`kills` times, each time the next).
    The supervisor starts it again, without a human; its partitions are read up to where they
    ended at the kill within 30 s. Each recipient gets each granted signal once, in order per key;
    each poison record is dead-lettered once; the audit's chains verify; `reconcile` finds no gap;
    every alert raised is delivered by the on-call service."""
    stack, own = three_brokers.where, three_brokers.settings
    await ensure_topics(stack.kafka("admin"))
    mix = make_mix(count, seed=3)
    expected = await expected_deliveries(stack.opa_url, mix.signals)
    fleet = Fleet(stack, tmp_path, batch_max_records="50")
    await fleet.skip_history()
    since = datetime.now(UTC) - timedelta(seconds=1)
    fleet.start(3)
    moved: list[float] = []
    try:
        async with oncall_running(own, stack, quiet_config()):
            await fleet.wait_ready(3)
            done = asyncio.Event()
            paced = send_all(stack, mix.records, pause_every=10, pause_s=1.0, hurry=done)
            sending = asyncio.create_task(paced)
            for n in range(kills):
                instance = 1 + n % 2
                await _until_committed(fleet, await _committed(fleet) + 40)
                moved.append(await _kill_and_wait_moved(fleet, instance, sending))
            done.set()
            places = await sending
            await wait_until_consumed(stack.kafka("admin"), fleet.group, timeout_s=60)
            alerts = await assert_alerts_delivered(stack, mix.signals)
    finally:
        fleet.stop()
    took = ", ".join(f"{s:.1f} s" for s in moved)
    print(f"{alerts}; a killed instance's partitions read to their end in {took}")
    exited = fleet.log.read_text().count("gateway_instance_exited")
    assert exited == kills, f"{exited} instances exited unasked, {kills} were killed; each restart held"
    await assert_accounted(stack, mix, places, expected, fleet.group, since)


async def _kill_and_wait_moved(fleet: Fleet, instance: int, sending: asyncio.Task[list[Place]]) -> float:
    """SIGKILL `instance` (partition `instance` of every signals topic, of three) while records
    still arrive; the seconds until its partitions are read up to where they ended at the kill, by
    the instance the supervisor started again."""
    killed = fleet.pid_of(instance)
    os.kill(killed, signal.SIGKILL)
    killed_at = time.monotonic()
    assert not sending.done(), "the kill must fall while records still arrive"
    at_kill = {tp: end for tp, (_, end) in (await positions(fleet.admin, fleet.group)).items()}
    while True:
        now = await positions(fleet.admin, fleet.group)
        if all(now[tp][0] >= end for tp, end in at_kill.items() if tp.partition == instance):
            break
        assert time.monotonic() - killed_at < 30, f"instance {instance}'s partitions not moving: {now}"
        await asyncio.sleep(0.2)
    assert fleet.pid_of(instance) != killed, f"the supervisor started instance {instance} again"
    return time.monotonic() - killed_at


async def test_a_second_process_under_the_same_instance_number_takes_over_and_nothing_is_twice(
    stack: Endpoints, tmp_path: Path
) -> None:
    """One instance under the supervisor while 200 records (1% poison, 0.5% resent copies) arrive;
    midway someone runs `ketenpoort gateway run` by hand with the same group and instance number.
    The newer process fences the older; the older delivers nothing more and exits, and the
    supervisor does not start it again (it would fence the newer in turn). Each recipient gets
    each granted signal once; the audit's chains verify; `reconcile` finds no gap."""
    await ensure_topics(stack.kafka("admin"))
    mix = make_mix(200, seed=7)
    expected = await expected_deliveries(stack.opa_url, mix.signals)
    fleet = Fleet(stack, tmp_path, batch_max_records="50")
    await fleet.skip_history()
    since = datetime.now(UTC) - timedelta(seconds=1)
    fleet.start(1)
    by_hand: subprocess.Popen[bytes] | None = None
    try:
        await fleet.wait_ready(1)
        taken_over = asyncio.Event()
        paced = send_all(stack, mix.records, pause_every=5, pause_s=0.5, hurry=taken_over)
        sending = asyncio.create_task(paced)
        await _until_committed(fleet, await _committed(fleet) + 40)
        env = {**fleet.env, "KETENPOORT_HTTP_PORT": str(consecutive_free_ports(1))}
        with (tmp_path / "by-hand.log").open("ab") as log:
            by_hand = subprocess.Popen(
                [str(KETENPOORT), "gateway", "run", "--instance", "0", "--instances", "1"],
                env=env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "gateway_instance_replaced" not in fleet.log.read_text():
            assert time.monotonic() < deadline, "the supervised instance was not replaced"
            assert by_hand.poll() is None, (tmp_path / "by-hand.log").read_text()[-2000:]
            await asyncio.sleep(0.2)
        assert not sending.done(), "the take-over must fall while records still arrive"
        taken_over.set()
        places = await sending
        await wait_until_consumed(stack.kafka("admin"), fleet.group, timeout_s=60)
        assert by_hand.poll() is None, "the newer process goes on"
    finally:
        if by_hand is not None and by_hand.poll() is None:
            by_hand.send_signal(signal.SIGTERM)
            by_hand.wait(timeout=30)
        fleet.stop()
    log_text = fleet.log.read_text()
    assert log_text.count("gateway_instance_started") == 1, "the replaced instance was not started again"
    assert '"event":"gateway_fenced"' in log_text, "the older process said why it stopped"
    await assert_accounted(stack, mix, places, expected, fleet.group, since)


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
