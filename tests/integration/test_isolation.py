"""The broker keeps the organisations apart: every cross-organisation read and write, and every
connection without valid credentials, is refused by Kafka itself, while the legitimate paths work.

Each principal tries every Ketenpoort topic, as producer and as consumer (in a consumer group of
its own prefix); the outcomes form a matrix that must equal the one below, written out by hand
from the issue rather than derived from gateway/principals.yaml. The gateway's own writes are not
tried here: every flow test (first slice, round trip, faults) depends on them.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from pydantic import SecretStr

from adapters.publish import signal_record
from gateway.kafka import KafkaConnection, ensure_topics, make_producer
from gateway.principals import Principals, provision
from gateway.schemas.audit_read import AuditRead
from gateway.settings import ORGANISATIONS, RECIPIENTS
from gateway.topics import (
    ALERTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    AUDIT_READS,
    INVOLVEMENTS,
    OBLIGATION_CONTENT,
    OBLIGATIONS,
    RETENTION_LOG,
    SIGNAL_IDS,
    VICTIM_INFORMING,
    all_topics,
    inbox_topic,
    signals_topic,
)
from tools.contracts.examples import examples
from tools.stack import Endpoints

GROUP_PREFIX = {
    **{org: f"{org}." for org in RECIPIENTS},
    "audit-reader": "audit-reader.",
    "gateway": "ketenpoort-gateway-",
    "oncall": "ketenpoort-oncall-",
}
PROBE_TIMEOUT_S = 15.0
FETCHES = 10  # polls after the assignment, for a refused fetch to show


def may_write(principal: str, topic: str) -> bool:
    if principal in RECIPIENTS:
        return principal in ORGANISATIONS and topic == signals_topic(principal)
    if principal == "oncall":  # what becomes of each alert and each obligation, and its content
        return topic in (ALERTS, OBLIGATIONS, OBLIGATION_CONTENT)
    return principal == "audit-reader" and topic == AUDIT_READS


def may_read(principal: str, topic: str) -> bool:
    if principal in RECIPIENTS:
        return topic == inbox_topic(principal)
    if principal == "audit-reader":  # the audit, its checkpoints, the log of its reads, removals
        return topic in (AUDIT, AUDIT_CHECKPOINTS, AUDIT_READS, RETENTION_LOG)
    if principal == "oncall":
        return topic in (ALERTS, OBLIGATIONS, OBLIGATION_CONTENT)
    # The gateway: the log of reads too, which its audit API answers /audit/reads from; every inbox
    # and the on-call alerts, which it wrote, for the case timeline of each organisation.
    return topic.startswith(("signals.", "inbox.")) or topic in (
        ALERTS,
        AUDIT,
        AUDIT_READS,
        INVOLVEMENTS,
        SIGNAL_IDS,
        OBLIGATIONS,
        VICTIM_INFORMING,
    )


@pytest.fixture(scope="module")
async def credentials(stack: Endpoints) -> Endpoints:
    assert stack.credentials is not None and len(stack.credentials.passwords) > 1, (
        "the isolation tests need every principal's credentials: use the local stack, or set "
        "KETENPOORT_KAFKA_CREDENTIALS to the credentials file of a provisioned cluster"
    )
    await ensure_topics(stack.kafka("admin"))
    return stack


async def write_allowed(kafka: KafkaConnection, topic: str) -> bool:
    """Produce one record. A refused write raises an authorization error and stores nothing: on the
    topic, or already when the producer starts, for a principal that may write nowhere at all."""
    producer = make_producer(kafka, client_id=f"isolation-{kafka.username}")
    try:
        await producer.start()
        # Keyed: a compacted topic refuses a record without a key.
        sent = producer.send_and_wait(topic, _payload(kafka.username), key=str(uuid4()).encode())
        await asyncio.wait_for(sent, PROBE_TIMEOUT_S)
        return True
    except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError):
        return False
    finally:
        await producer.stop()


def _payload(principal: str | None) -> bytes | None:
    """What the principal legitimately writes somewhere: an organisation one of its own signals, the
    audit reader a record of a read, the on-call service a tombstone (an obligation's content once
    it is closed), which every reader of the topics it may write passes over: an event it could
    write instead would stay on the topics the next tests' gateways and services read whole. Tried
    on every topic, so also in another organisation's name."""
    if principal == "oncall":
        return None
    if principal == "audit-reader":
        return (
            AuditRead(reader="isolation test", role="audit-reader", channel="cli", query="reads")
            .model_dump_json()
            .encode()
        )
    case = next((c for c in examples() if c.sender == principal), None)
    if case is None:
        return b"{}"  # victim support sends nothing: it may write nowhere
    record, _ = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=b"isolation")
    return record.value


async def read_allowed(kafka: KafkaConnection, topic: str, group: str) -> bool:
    """Join `group` on `topic`: allowed once partitions are assigned and fetching for a while raises
    nothing. (WRITE implies DESCRIBE, so a writer is assigned its own topic; only the fetch is
    refused, and on a busy machine its answer may take longer than one short poll.)"""
    consumer = AIOKafkaConsumer(topic, **kafka.client_options(), group_id=group, enable_auto_commit=False)
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            await consumer.start()
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200)
            for _ in range(FETCHES):
                await consumer.getmany(timeout_ms=200)
        return True
    except TopicAuthorizationFailedError:
        return False
    finally:
        await consumer.stop()


async def outcomes(stack: Endpoints, principal: str, probe: str) -> dict[str, bool]:
    kafka = stack.kafka(principal)
    topics = all_topics()
    if probe == "write":
        results = [await write_allowed(kafka, topic) for topic in topics]
    else:
        group = f"{GROUP_PREFIX[principal]}isolation-{uuid4().hex[:8]}"
        results = await asyncio.gather(
            *(read_allowed(kafka, topic, f"{group}-{n}") for n, topic in enumerate(topics))
        )
    return dict(zip(topics, results, strict=True))


@pytest.mark.parametrize("principal", [*RECIPIENTS, "audit-reader", "oncall"])
async def test_a_principal_writes_only_where_it_may(credentials: Endpoints, principal: str) -> None:
    got = await outcomes(credentials, principal, "write")
    assert got == {topic: may_write(principal, topic) for topic in all_topics()}


async def test_the_gateway_cannot_publish_in_an_organisations_name(credentials: Endpoints) -> None:
    for org in ORGANISATIONS:
        assert not await write_allowed(credentials.kafka("gateway"), signals_topic(org))


@pytest.mark.parametrize("principal", [*RECIPIENTS, "audit-reader", "gateway", "oncall"])
async def test_a_principal_reads_only_what_it_may(credentials: Endpoints, principal: str) -> None:
    got = await outcomes(credentials, principal, "read")
    assert got == {topic: may_read(principal, topic) for topic in all_topics()}


async def test_an_organisation_cannot_use_another_organisations_consumer_group(
    credentials: Endpoints,
) -> None:
    with pytest.raises(GroupAuthorizationFailedError):
        await read_allowed(credentials.kafka("police"), inbox_topic("police"), f"veiligthuis.{uuid4().hex}")


async def test_a_connection_without_login_is_refused(credentials: Endpoints) -> None:
    anonymous = KafkaConnection(bootstrap=credentials.kafka_bootstrap)
    producer = AIOKafkaProducer(**anonymous.client_options(), request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(producer.start(), 30)
    await producer.stop()


@pytest.mark.parametrize("who", ["wrong password", "unknown user", "broker super user, guessed"])
async def test_a_login_with_wrong_credentials_is_refused(credentials: Endpoints, who: str) -> None:
    police = credentials.kafka("police")
    forged = {
        "wrong password": police.model_copy(update={"password": SecretStr("not-the-password")}),
        "unknown user": police.model_copy(update={"username": "intruder"}),
        "broker super user, guessed": police.model_copy(update={"username": "broker"}),
    }[who]
    producer = AIOKafkaProducer(**forged.client_options(), request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await asyncio.wait_for(producer.start(), 30)
    await producer.stop()


async def test_provisioning_makes_the_cluster_match_the_file(credentials: Endpoints) -> None:
    """A grant added to the file is added on the broker and takes effect; provisioning the file as it
    was removes it again, and provisioning twice changes nothing."""
    assert credentials.credentials is not None
    admin, police = credentials.kafka("admin"), credentials.kafka("police")
    real = Principals.load()
    widened = real.principals["police"].model_copy(update={"read": ("inbox.police", "inbox.om")})
    wider = Principals(principals={**real.principals, "police": widened})
    try:
        added = provision(admin, wider, credentials.credentials)
        assert [str(acl) for acl in added.added] == ["police: READ topic inbox.om"] and not added.removed
        assert await _eventually_readable(police, inbox_topic("om"), expected=True)
    finally:
        removed = provision(admin, real, credentials.credentials)
    assert [str(acl) for acl in removed.removed] == ["police: READ topic inbox.om"] and not removed.added
    assert await _eventually_readable(police, inbox_topic("om"), expected=False)
    again = provision(admin, real, credentials.credentials, dry_run=True)
    assert not again.added and not again.removed


async def _eventually_readable(kafka: KafkaConnection, topic: str, *, expected: bool) -> bool:
    """ACL changes reach the authorizer through the metadata log: give them a moment."""
    for _ in range(20):
        if await read_allowed(kafka, topic, f"police.isolation-{uuid4().hex[:8]}") == expected:
            return True
        await asyncio.sleep(0.25)
    return False
