"""The one Kafka client setup: who connects (`KafkaConnection`), producers and topic provisioning.

Every Kafka client in Ketenpoort, aiokafka or FastStream, takes its connection options from a
`KafkaConnection`: where the brokers are and as whom to log in (SASL/SCRAM-SHA-512, over TLS in
deployments). Topics are created explicitly (the broker does not auto-create them), so a typo in a
topic name fails loudly instead of creating a topic nobody reads.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from gateway.logging import get_logger
from gateway.schemas.envelope import Headers
from gateway.topics import SIGNAL_RECORD_MAX_BYTES, all_topics, topic_config

log = get_logger("gateway.kafka")

T = TypeVar("T")
STOP_TIMEOUT_S = 5.0

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256"]


@dataclass(frozen=True)
class Record:
    """A Kafka record, in or out, with nothing Kafka-client specific."""

    topic: str
    key: bytes | None
    value: bytes | None  # None: a tombstone, on a compacted topic
    headers: Headers
    partition: int = 0
    offset: int = 0


class KafkaConnection(BaseModel):
    """Where the brokers are and as whom to connect. The password never shows in a repr or log."""

    model_config = ConfigDict(frozen=True)

    bootstrap: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    username: str | None = None
    password: SecretStr | None = None
    ssl_cafile: Path | None = None

    @model_validator(mode="after")
    def _complete(self) -> KafkaConnection:
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and not (self.sasl_mechanism and self.username and self.password is not None):
            raise ValueError(f"{self.security_protocol} needs a SASL mechanism, a username and a password")
        if not sasl and self.username is not None:
            raise ValueError(f"a username needs a SASL security protocol, not {self.security_protocol}")
        return self

    def servers(self) -> list[str]:
        """The bootstrap brokers one by one: FastStream takes a string as one address, so
        "kafka-1:9092,kafka-2:9092" must reach it as a list."""
        return [server.strip() for server in self.bootstrap.split(",") if server.strip()]

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        """Verifying TLS context (the deployment's CA, else the system's), or None without TLS."""
        if not self.uses_tls:
            return None
        context: ssl.SSLContext = create_ssl_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
        return context

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client: producer, consumer or admin."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
        }
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.username is not None and self.password is not None:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password.get_secret_value()
        return options

    def faststream_security(self) -> BaseSecurity | None:
        """The same connection, as FastStream's KafkaBroker takes it."""
        if self.username is None or self.password is None:
            return BaseSecurity(ssl_context=self.ssl_context(), use_ssl=True) if self.uses_tls else None
        scram = SASLScram512 if self.sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return scram(
            self.username,
            self.password.get_secret_value(),
            ssl_context=self.ssl_context(),
            use_ssl=self.uses_tls,
        )

    def described(self) -> dict[str, Any]:
        """What an adapter needs to connect, as `ketenpoort stack credentials ORG --json` prints it."""
        return {
            "bootstrap": self.bootstrap,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "username": self.username,
            "password": self.password.get_secret_value() if self.password is not None else None,
            **({"ssl_cafile": str(self.ssl_cafile)} if self.ssl_cafile else {}),
        }

    def environment(self) -> dict[str, str]:
        """The same as environment variables, for a process of its own (see gateway/settings.py)."""
        return {f"KAFKA_{key.upper()}": str(value) for key, value in self.described().items() if value}


def make_producer(
    kafka: KafkaConnection,
    *,
    client_id: str,
    transactional_id: str | None = None,
    max_request_size: int = SIGNAL_RECORD_MAX_BYTES,
    linger_ms: int = 5,
    request_timeout_ms: int = 40_000,
) -> AIOKafkaProducer:
    """The one producer setup: idempotent, waiting for all in-sync replicas (no loss, no duplicates
    on retry). With a `transactional_id` it writes in transactions, and starting it fences an older
    producer with the same id and aborts that one's open transaction. `request_timeout_ms` also
    bounds each bootstrap server's try: a node that answers nothing costs that long."""
    return AIOKafkaProducer(
        **kafka.client_options(),
        client_id=client_id,
        request_timeout_ms=request_timeout_ms,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        max_request_size=max_request_size,
        transactional_id=transactional_id,
        # A refused transactional offset commit (COORDINATOR_NOT_AVAILABLE while the broker verifies
        # the transaction, KIP-890) is retried after this; aiokafka's 100 ms default held up every
        # batch behind it (docs/benchmarks.md).
        retry_backoff_ms=10,
    )


async def stop_within(producer: AIOKafkaProducer, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Stop `producer`, waiting at most `timeout_s`: one stuck on a Kafka node that stopped
    answering is left behind, and the broker refuses it once the next producer under its
    transactional id has started."""
    try:
        await asyncio.wait_for(producer.stop(), timeout_s)
    except (KafkaError, TimeoutError) as error:
        log.warning("producer_stop_failed", error=repr(error))


async def within(work: Coroutine[Any, Any, T], timeout_s: float) -> asyncio.Task[T] | None:
    """`work` (a Kafka transaction) in a task of its own, given `timeout_s`: the finished task, to
    take its result from, or None once the time is up. aiokafka keeps asking a transaction
    coordinator that stopped answering (aio-libs/aiokafka#905, #1145), and cancelling the
    transaction would wait for its abort, stuck the same way: so it is cancelled and left behind,
    and what it ends with is logged. Cancelled while it waits, it cancels the work too."""
    task = asyncio.create_task(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if done:
        return task
    task.add_done_callback(_left_behind)
    task.cancel()
    return None


def _left_behind(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.info("stuck_transaction_ended", error=repr(task.exception()))


def make_admin(
    kafka: KafkaConnection, *, client_id: str = "ketenpoort-admin", **options: Any
) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**kafka.client_options(), client_id=client_id, **options)


async def ensure_topics(kafka: KafkaConnection, *, partitions: int = 3, replication: int = 1) -> list[str]:
    """Create every Ketenpoort topic that does not exist yet (`replication` replicas each), and set
    the configuration the gateway relies on for all of them, `min.insync.replicas` from the
    replicas each topic has. Returns the names it created."""
    admin = make_admin(kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in all_topics() if name not in existing]
        if missing:
            new = [
                NewTopic(name, partitions, replication, topic_configs=topic_config(name, replication))
                for name in missing
            ]
            response = await admin.create_topics(new)
            for name, code, *message in response.topic_errors:
                # Another process may have created it in between: that is what we wanted.
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"could not create topic {name}: error {code} {message}")
        replicas = await _replication(admin, all_topics())
        configured = [
            ConfigResource(
                ConfigResourceType.TOPIC, name, topic_config(name, replicas.get(name, replication))
            )
            for name in all_topics()
        ]
        for response in await admin.alter_configs(configured):
            for code, message, _, name in response.resources:
                if code != 0:
                    raise RuntimeError(f"could not configure topic {name}: error {code} {message}")
        return missing
    finally:
        await admin.close()


async def _replication(admin: AIOKafkaAdminClient, topics: list[str]) -> dict[str, int]:
    """How many replicas each existing topic has (its first partition's)."""
    described = await admin.describe_topics(topics)
    return {
        item["topic"]: len(item["partitions"][0]["replicas"])
        for item in described
        if item["error_code"] == 0 and item["partitions"]
    }


async def topic_configs(kafka: KafkaConnection, topics: list[str]) -> dict[str, dict[str, str]]:
    """Each existing topic's configuration as the broker has it (a topic it does not have is left out)."""
    admin = make_admin(kafka)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
        )
    finally:
        await admin.close()
    return {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}
        for response in responses
        for resource in response.resources
        if resource[0] == 0
    }


async def partition_counts(kafka: KafkaConnection, topics: list[str]) -> dict[str, int]:
    """How many partitions each existing topic has (0 for a topic that does not exist)."""
    admin = make_admin(kafka)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {item["topic"]: len(item["partitions"]) if item["error_code"] == 0 else 0 for item in described}


async def cluster_id(kafka: KafkaConnection) -> str:
    """The Kafka cluster's id: read models are kept per cluster, never mixed."""
    admin = make_admin(kafka)
    await admin.start()
    try:
        described = await admin.describe_cluster()
    finally:
        await admin.close()
    return str(described["cluster_id"])


# For a consumer that reads a topic from its beginning: where a partition's oldest records were
# removed, seeking offset 0 is out of range, and aiokafka's default ("latest") would then start at
# the end and read nothing.
FROM_THE_START = {"auto_offset_reset": "earliest"}


async def read_to_end(
    consumer: AIOKafkaConsumer, starts: dict[TopicPartition, int], *, timeout_s: float = 60.0
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every committed record of the partitions, from each start offset up to the end offsets of now.
    A start before the first record a partition still holds (retention or DeleteRecords removed the
    oldest) is out of range: the consumer must be made with `auto_offset_reset="earliest"` to start
    at that first record instead of at the end (the callers here are: `FROM_THE_START`).

    An empty fetch does not mean the end: the first fetch over a new (SASL) connection can take
    longer than one poll. The end is where the consumer's position reaches the end offset, which
    also steps over transaction markers. Raises TimeoutError if it is not reached in time.
    """
    consumer.assign(list(starts))
    ends = await consumer.end_offsets(list(starts))
    for partition, start in starts.items():
        consumer.seek(partition, start)
    pending = {partition for partition, start in starts.items() if start < ends[partition]}
    deadline = time.monotonic() + timeout_s
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=500)
        for messages in batch.values():
            for message in messages:
                yield message
        for partition in list(pending):
            if await consumer.position(partition) >= ends[partition]:
                pending.discard(partition)
        if pending and time.monotonic() > deadline:
            behind = ", ".join(f"{p.topic}[{p.partition}]" for p in sorted(pending))
            raise TimeoutError(f"could not read {behind} to the end within {timeout_s:.0f} s")


async def read_whole(
    kafka: KafkaConnection, topic: str, take: Callable[[ConsumerRecord[bytes, bytes]], object]
) -> dict[TopicPartition, int]:
    """Hand every committed record `topic` holds now to `take`, partition by partition in order;
    returns where each partition ends, to `follow` from. A topic that does not exist holds nothing."""
    count = (await partition_counts(kafka, [topic]))[topic]
    partitions = [TopicPartition(topic, p) for p in range(count)]
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(
        **kafka.client_options(), **FROM_THE_START, isolation_level="read_committed", enable_auto_commit=False
    )
    await consumer.start()
    try:
        async for message in read_to_end(consumer, dict.fromkeys(partitions, 0)):
            take(message)
        return {tp: await consumer.position(tp) for tp in partitions}
    finally:
        await consumer.stop()


async def follow(
    kafka: KafkaConnection,
    positions: dict[TopicPartition, int],
    take: Callable[[ConsumerRecord[bytes, bytes]], object],
    *,
    stop: asyncio.Event | None = None,
    polled: Callable[[], None] | None = None,
) -> None:
    """Hand every committed record of the partitions to `take`, from `positions` on, keeping
    `positions` at the next record to read, until `stop` is set (or the task is cancelled).
    `polled` is called after each poll. A Kafka error pauses a second, then it connects again and
    goes on where it was: nothing is skipped and nothing is taken twice."""
    while stop is None or not stop.is_set():
        consumer = AIOKafkaConsumer(
            **kafka.client_options(),
            isolation_level="read_committed",
            enable_auto_commit=False,
        )
        try:
            await consumer.start()
            consumer.assign(list(positions))
            for partition, offset in positions.items():
                consumer.seek(partition, offset)
            while stop is None or not stop.is_set():
                batch = await consumer.getmany(timeout_ms=500)
                for partition, messages in batch.items():
                    for message in messages:
                        take(message)
                    positions[partition] = messages[-1].offset + 1
                if polled is not None:
                    polled()
        except KafkaError as error:
            log.warning("follow_paused", topics=sorted({p.topic for p in positions}), error=repr(error))
            await asyncio.sleep(1.0)
        finally:
            await consumer.stop()
