"""The one Kafka client setup: producers and topic provisioning.

Topics are created explicitly (the broker does not auto-create them), so a typo in a topic name
fails loudly instead of creating a topic nobody reads.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from gateway.topics import INVOLVEMENTS, all_topics


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas: no loss, no duplicates on retry."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )


async def ensure_topics(bootstrap: str, *, partitions: int = 3, replication: int = 1) -> list[str]:
    """Create every Ketenpoort topic that does not exist yet. Returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="ketenpoort-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in all_topics() if name not in existing]
        if not missing:
            return []
        new = [
            NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs={"cleanup.policy": "compact"} if name == INVOLVEMENTS else {},
            )
            for name in missing
        ]
        response = await admin.create_topics(new)
        for name, code, *message in response.topic_errors:
            # Another process may have created it in between: that is what we wanted.
            if code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"could not create topic {name}: error {code} {message}")
        return missing
    finally:
        await admin.close()
