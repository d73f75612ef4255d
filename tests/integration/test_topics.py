"""The broker holds each topic as Ketenpoort relies on it: `ensure_topics` sets what Kafka's defaults
would get wrong (seven days' retention for the audit, delete instead of compact for the index, a
write acknowledged by one replica of three)."""

from __future__ import annotations

from gateway.kafka import ensure_topics, make_admin, topic_configs
from gateway.topics import (
    ALERTS,
    AUDIT,
    AUDIT_READS,
    DLQ,
    INVOLVEMENTS,
    OBLIGATIONS,
    SIGNAL_IDS,
    inbox_topic,
    signals_topic,
    topic_config,
)
from tools.stack import Endpoints


async def test_every_topic_has_the_configuration_ketenpoort_relies_on(stack: Endpoints) -> None:
    admin_login = stack.kafka("admin")
    await ensure_topics(admin_login)
    topics = [
        AUDIT, AUDIT_READS, ALERTS, INVOLVEMENTS, DLQ, SIGNAL_IDS, OBLIGATIONS, inbox_topic("police"),
        signals_topic("police"),
    ]  # fmt: skip
    actual = await topic_configs(admin_login, topics)
    admin = make_admin(admin_login)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    replicas = {item["topic"]: len(item["partitions"][0]["replicas"]) for item in described}
    for topic in topics:
        # min.insync.replicas: a majority of the replicas the topic has (1 on one broker, 2 of 3).
        for key, value in topic_config(topic, replicas[topic]).items():
            assert actual[topic][key] == value, f"{topic} {key}"
    assert actual[AUDIT]["retention.ms"] == "-1"
    assert int(actual[ALERTS]["retention.ms"]) == 90 * 24 * 3600 * 1000
    assert int(actual[SIGNAL_IDS]["retention.ms"]) == 90 * 24 * 3600 * 1000
    two_years = 730 * 24 * 3600 * 1000  # the case's log, and a partner's long outage
    assert int(actual[inbox_topic("police")]["retention.ms"]) == two_years
    assert int(actual[signals_topic("police")]["retention.ms"]) == two_years
