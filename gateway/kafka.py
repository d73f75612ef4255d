"""The one Kafka client setup: producers and topic provisioning.

Topics are created explicitly (the broker does not auto-create them), so a typo in a topic name
fails loudly instead of creating a topic nobody reads.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from gateway.topics import SIGNAL_RECORD_MAX_BYTES, all_topics, topic_config


def make_producer(
    bootstrap: str, *, client_id: str, max_request_size: int = SIGNAL_RECORD_MAX_BYTES
) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas: no loss, no duplicates on retry."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=max_request_size,
    )


async def ensure_topics(bootstrap: str, *, partitions: int = 3, replication: int = 1) -> list[str]:
    """Create every Ketenpoort topic that does not exist yet, and set the configuration the gateway
    relies on for all of them. Returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ketenpoort-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in all_topics() if name not in existing]
        if missing:
            new = [
                NewTopic(name, partitions, replication, topic_configs=topic_config(name)) for name in missing
            ]
            response = await admin.create_topics(new)
            for name, code, *message in response.topic_errors:
                # Another process may have created it in between: that is what we wanted.
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"could not create topic {name}: error {code} {message}")
        configured = [
            ConfigResource(ConfigResourceType.TOPIC, name, topic_config(name)) for name in all_topics()
        ]
        for response in await admin.alter_configs(configured):
            for code, message, _, name in response.resources:
                if code != 0:
                    raise RuntimeError(f"could not configure topic {name}: error {code} {message}")
        return missing
    finally:
        await admin.close()


async def partition_counts(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """How many partitions each existing topic has (0 for a topic that does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ketenpoort-admin")
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {item["topic"]: len(item["partitions"]) if item["error_code"] == 0 else 0 for item in described}


async def cluster_id(bootstrap: str) -> str:
    """The Kafka cluster's id: read models are kept per cluster, never mixed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ketenpoort-admin")
    await admin.start()
    try:
        described = await admin.describe_cluster()
    finally:
        await admin.close()
    return str(described["cluster_id"])
