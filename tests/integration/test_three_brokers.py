"""The production shape on loopback: `ketenpoort stack up --brokers 3`, docker-compose.yml's three
Kafka nodes (combined broker and controller), every topic three replicas and two in sync for a
write, internal topics too. Signals move through the gateway exactly once to each recipient while
the leader of an input partition is SIGKILLed mid-stream and started again."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from typer.testing import CliRunner

from gateway.kafka import KafkaConnection, make_admin
from gateway.settings import get_settings
from gateway.topics import all_topics, signals_topic
from tests.integration.accounting import assert_accounted
from tests.integration.cluster import ThreeBrokers
from tests.integration.faults import expected_deliveries, make_mix, send_all, wait_until_consumed
from tests.integration.test_first_slice import running_gateway
from tools.stack import KAFKA_VERSION, kafka, pause, resume, up
from tools.stack.cli import stack_app

INTERNAL = ("__consumer_offsets", "__transaction_state")


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


async def test_a_partition_leader_killed_mid_stream_loses_and_duplicates_nothing(
    three_brokers: ThreeBrokers, tmp_path: Path
) -> None:
    """600 records (1% poison, 0.5% resent copies) sent over about 5 s while the gateway routes
    them in transactions of at most 50; once it has committed 50, the node leading
    signals.police[0] is SIGKILLed, and started again 3 s later while records still arrive. Each
    recipient gets each granted signal once and nothing else, in order per key; each poison record
    is dead-lettered once; the audit's chains verify; `reconcile` finds no gap; the node catches
    up."""
    where, own = three_brokers.where, three_brokers.settings
    admin = where.kafka("admin")
    mix = make_mix(600, seed=22)
    expected = await expected_deliveries(where.opa_url, mix.signals)
    victim = await three_brokers.leader(signals_topic("police"), 0)
    small_batches = own.model_copy(update={"batch_max_records": 50})
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with running_gateway(small_batches, where, where.opa_url) as group:
        start = await _committed(admin, group)
        sending = asyncio.create_task(send_all(where, mix.records, pause_every=25, pause_s=0.2))
        deadline = time.monotonic() + 60
        while await _committed(admin, group) - start < 50:
            assert time.monotonic() < deadline, "the gateway committed nothing within 60 s"
            await asyncio.sleep(0.1)
        await asyncio.to_thread(pause, own, victim, kill=True)
        assert not sending.done(), "the kill must fall while records still arrive"
        await asyncio.sleep(3)
        restarting = asyncio.create_task(asyncio.to_thread(resume, own, victim))
        places = await sending
        await wait_until_consumed(admin, group, timeout_s=120)
        await restarting
    accounting = await assert_accounted(where, mix, places, expected, group, since)
    assert (accounting.poison, accounting.copies) == (6, 3)
    deadline = time.monotonic() + 60
    while (behind := await asyncio.to_thread(kafka.under_replicated, admin)) != 0:
        assert time.monotonic() < deadline, f"{behind} partitions still under-replicated after 60 s"
        await asyncio.sleep(1)


async def _committed(admin: KafkaConnection, group: str) -> int:
    """The sum of the group's committed offsets over every signals partition."""
    client = make_admin(admin)
    await client.start()
    try:
        offsets = await client.list_consumer_group_offsets(group)
    finally:
        await client.close()
    return sum(max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic.startswith("signals."))
