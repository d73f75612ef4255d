"""The production shape on loopback: `ketenpoort stack up --brokers 3`, docker-compose.yml's three
Kafka nodes (combined broker and controller), every topic three replicas and two in sync for a
write, internal topics too. Signals move through the gateway exactly once to each recipient while
the node coordinating its transactions and leading input partitions is SIGKILLed mid-stream and
started again, and while every node is restarted in turn (a rolling restart). The long versions
run in `make soak`."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from typer.testing import CliRunner

from gateway.kafka import KafkaConnection, make_admin
from gateway.settings import ORGANISATIONS, Settings, get_settings
from gateway.topics import all_topics, signals_topic
from tests.integration.accounting import Alerts, assert_accounted, assert_alerts_delivered
from tests.integration.cluster import ThreeBrokers
from tests.integration.faults import Mix, Place, expected_deliveries, make_mix, send_all, wait_until_consumed
from tests.integration.oncall_harness import oncall_running, quiet_config
from tests.integration.test_first_slice import running_gateway
from tools.stack import KAFKA_VERSION, kafka, pause, resume, roll, up
from tools.stack.cli import stack_app

INTERNAL = ("__consumer_offsets", "__transaction_state")
# Each fault once on 300 records in make test; three times on 3 000 in make soak.
SHORT_AND_LONG = pytest.mark.parametrize(
    ("times", "count"),
    [
        pytest.param(1, 300, id="short"),
        pytest.param(3, 3000, id="long", marks=pytest.mark.soak),
    ],
)


def test_status_shows_each_node_and_up_reuses_the_cluster(three_brokers: ThreeBrokers) -> None:
    again, started = up(three_brokers.settings)  # no count given: the running cluster as it is
    assert not started and again.kafka.nodes == three_brokers.state.kafka.nodes
    assert not up(three_brokers.settings, brokers=3)[1]
    get_settings.cache_clear()
    env = {
        "KETENPOORT_STACK_DIR": str(three_brokers.settings.stack_path()),
        "KAFKA_BOOTSTRAP": "",
        "OPA_URL": "",
    }
    result = CliRunner().invoke(stack_app, ["status"], env=env)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = {
        row[0]: row[1:] for row in map(str.split, result.output.splitlines()) if row[1:2] == [KAFKA_VERSION]
    }
    for node in three_brokers.state.kafka.nodes:
        assert rows[node.name] == [KAFKA_VERSION, node.address, str(node.pid), "healthy"], result.output
    assert "3 Kafka nodes: every topic 3 replicas, 2 in sync for a write" in result.output
    assert "partitions under-replicated: 0" in result.output


async def test_every_topic_internal_ones_too_has_three_replicas_and_wants_two_in_sync(
    three_brokers: ThreeBrokers,
) -> None:
    admin = three_brokers.where.kafka("admin")
    await _use_transactions_and_groups(admin)
    client = make_admin(admin)
    await client.start()
    try:
        topics = [*all_topics(), *INTERNAL]
        described = await client.describe_topics(topics)
        configs = await client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in topics])
    finally:
        await client.close()
    assert {item["topic"] for item in described} == set(topics)
    for item in described:
        assert item["error_code"] == 0, item
        assert {len(p["replicas"]) for p in item["partitions"]} == {3}, item["topic"]
    in_sync = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}["min.insync.replicas"]
        for response in configs
        for resource in response.resources
    }
    assert in_sync == dict.fromkeys(topics, "2")


async def _use_transactions_and_groups(admin: KafkaConnection) -> None:
    """A committed transaction and a group's offset, on a topic of the test's own: the broker
    creates its internal topics on first use (the transaction state and the consumer offsets)."""
    topic = f"three-brokers-{uuid.uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, num_partitions=1, replication_factor=3)])
    finally:
        await client.close()
    producer = AIOKafkaProducer(**admin.client_options(), transactional_id=f"{topic}-tx")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_and_wait(topic, b"probe")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(**admin.client_options(), group_id=f"{topic}-group")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): 1})
    finally:
        await consumer.stop()


@SHORT_AND_LONG
async def test_the_coordinator_and_leader_killed_mid_stream_loses_and_duplicates_nothing(
    three_brokers: ThreeBrokers, times: int, count: int
) -> None:
    """Records (1% poison, 0.5% resent copies) arrive while the gateway routes them in
    transactions of at most 50. Once it has committed 50 more, the node that coordinates its
    transactions, which also leads input partitions, is SIGKILLed, and started again 3 s later
    while records still arrive (`times` times; each time the coordinator is looked up again). Each
    recipient gets each granted signal once and nothing else, in order per key; each poison record
    is dead-lettered once; the audit's chains verify; `reconcile` finds no gap; every alert raised
    is delivered by the on-call service (also on the cluster); the cluster catches up."""
    inputs = [signals_topic(org) for org in ORGANISATIONS]
    killed: list[tuple[str, int]] = []

    async def kill_the_coordinator(group: str, sending: asyncio.Task[list[Place]]) -> None:
        own = three_brokers.settings
        for _ in range(times):
            await _until_committed(three_brokers.where.kafka("admin"), group, 50)
            victim = await three_brokers.transaction_coordinator(f"{group}-0")
            leads = [tp for tp, node in (await three_brokers.leaders(inputs)).items() if node == victim]
            assert leads, f"{victim} coordinates the gateway's transactions but leads no input partition"
            await asyncio.to_thread(pause, own, victim, kill=True)
            assert not sending.done(), "the kill must fall while records still arrive"
            killed.append((victim, len(leads)))
            await asyncio.sleep(3)
            await asyncio.to_thread(resume, own, victim)

    alerts = await _routed_through(three_brokers, make_mix(count, seed=22), (10, 0.6), kill_the_coordinator)
    print(f"{alerts}; killed (node, input partitions it led): {killed}")
    await _caught_up(three_brokers.where.kafka("admin"))


@SHORT_AND_LONG
async def test_a_rolling_restart_of_every_node_loses_and_duplicates_nothing(
    three_brokers: ThreeBrokers, times: int, count: int
) -> None:
    """`ketenpoort stack roll` (each node stopped cleanly, started again, the next once every
    partition is back in sync), `times` times over, while records (1% poison, 0.5% resent
    copies) arrive throughout and the gateway routes them in transactions of at most 50. Each
    recipient gets each granted signal once and nothing else, in order per key; each poison record
    is dead-lettered once; the audit's chains verify; `reconcile` finds no gap; every alert raised
    is delivered by the on-call service (also on the cluster)."""
    restarted: list[tuple[str, float]] = []

    async def roll_every_node(group: str, sending: asyncio.Task[list[Place]]) -> None:
        await _until_committed(three_brokers.where.kafka("admin"), group, 50)

        def still_sending(node: str) -> None:
            assert not sending.done(), f"records must still arrive while {node} restarts"

        for _ in range(times):
            restarted.extend(await asyncio.to_thread(roll, three_brokers.settings, before_each=still_sending))

    alerts = await _routed_through(three_brokers, make_mix(count, seed=2022), (5, 1.0), roll_every_node)
    took = ", ".join(f"{node} {s:.1f} s" for node, s in restarted)
    print(f"{alerts}; restarted and caught up: {took}")


@SHORT_AND_LONG
async def test_the_coordinator_frozen_mid_stream_is_left_behind_and_nothing_is_lost_or_twice(
    three_brokers: ThreeBrokers, times: int, count: int
) -> None:
    """The node coordinating the gateway's transactions stops answering without closing its
    connections (SIGSTOP: a long pause, or a network dropping packets), `times` times, while the
    gateway works through records (1% poison, 0.5% resent copies) sent faster than it routes them.
    aiokafka would wait for the node until it answers again (aio-libs/aiokafka#1145), and nothing
    would be committed; the gateway gives the transaction up after its `transaction_timeout_s`
    (here 5 s), replaces its producer, learns from the group's offsets whether the batch committed,
    and goes on with the other two nodes: 20 more records are committed while the node is still
    frozen. Then the same accounting as for a kill."""
    admin = three_brokers.where.kafka("admin")
    frozen: list[tuple[str, float]] = []

    async def freeze_the_coordinator(group: str, sending: asyncio.Task[list[Place]]) -> None:
        for _ in range(times):
            await _until_committed(admin, group, 50)
            victim = await three_brokers.transaction_coordinator(f"{group}-0")
            began = time.monotonic()
            with three_brokers.frozen(victim):
                await _until_committed(admin, group, 20, timeout_s=60)
                frozen.append((victim, time.monotonic() - began))
            await _caught_up(admin)

    quick = three_brokers.settings.model_copy(update={"transaction_timeout_s": 5.0})
    alerts = await _routed_through(
        three_brokers, make_mix(count, seed=1145), (50, 0.5), freeze_the_coordinator, settings=quick
    )
    took = ", ".join(f"{node} {s:.1f} s" for node, s in frozen)
    print(f"{alerts}; frozen until 20 more were committed: {took}")


Fault = Callable[[str, "asyncio.Task[list[Place]]"], Awaitable[None]]


async def _routed_through(
    three_brokers: ThreeBrokers,
    mix: Mix,
    pace: tuple[int, float],
    fault: Fault,
    *,
    settings: Settings | None = None,
) -> Alerts:
    """The mix sent (`pace`: a pause of so many seconds after every so many records, the rest at
    once after the fault) while the gateway routes it in transactions of at most 50 and the on-call service
    delivers its alerts, and `fault(group, sending)` does its harm; then everything accounted."""
    where, own = three_brokers.where, settings or three_brokers.settings
    admin = where.kafka("admin")
    expected = await expected_deliveries(where.opa_url, mix.signals)
    small_batches = own.model_copy(update={"batch_max_records": 50})
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with (
        running_gateway(small_batches, where, where.opa_url) as group,
        oncall_running(own, where, quiet_config()),
    ):
        done = asyncio.Event()
        every, pause_s = pace
        paced = send_all(where, mix.records, pause_every=every, pause_s=pause_s, hurry=done)
        sending = asyncio.create_task(paced)
        await fault(group, sending)
        done.set()
        places = await sending
        await wait_until_consumed(admin, group, timeout_s=120)
        alerts = await assert_alerts_delivered(where, mix.signals)
    accounting = await assert_accounted(where, mix, places, expected, group, since)
    assert accounting.poison > 0 and accounting.copies > 0, (accounting.poison, accounting.copies)
    return alerts


async def _until_committed(admin: KafkaConnection, group: str, more: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while (start := await _committed(admin, group)) < 0:
        assert time.monotonic() < deadline, f"the cluster did not answer in {timeout_s} s"
        await asyncio.sleep(0.1)
    while await _committed(admin, group) - start < more:
        assert time.monotonic() < deadline, f"the gateway committed fewer than {more} in {timeout_s} s"
        await asyncio.sleep(0.1)


async def _caught_up(admin: KafkaConnection, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while (behind := await asyncio.to_thread(kafka.under_replicated, admin)) != 0:
        assert time.monotonic() < deadline, f"{behind} partitions still under-replicated after {timeout_s} s"
        await asyncio.sleep(1)


async def _committed(admin: KafkaConnection, group: str) -> int:
    """The sum of the group's committed offsets over every signals partition; -1 while the
    cluster does not answer within 10 s (a node frozen, its partitions not yet moved; a frozen
    first bootstrap server costs 2 s)."""
    client = make_admin(admin, request_timeout_ms=2000)
    try:
        async with asyncio.timeout(10):
            await client.start()
            offsets = await client.list_consumer_group_offsets(group)
    except (KafkaError, TimeoutError):
        return -1
    finally:
        await client.close()
    return sum(max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic.startswith("signals."))
