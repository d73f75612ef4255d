"""An adapter that cannot send says why in one line, and how to fix it, within 10 s: the real
`ketenpoort adapter <org> ingest|serve` against the real broker, for each cause.

A missing topic is shown on a cluster of its own, as a deployment is before any gateway ran: a
broker with the principals provisioned and no topics (the shared stack has them all)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import NewTopic

from adapters.preflight import Cause, check_sending
from gateway.kafka import KafkaConnection, ensure_topics, make_admin
from gateway.principals import SUPER_USERS, Credentials, Principals, provision
from gateway.settings import ORGANISATIONS, Settings
from tools.stack import Endpoints, kafka, process, tools
from tools.stack.kafka_config import NodePorts
from tools.stack.process import free_ports
from tools.stack.state import StackPaths

ROOT = Path(__file__).parents[2]
KETENPOORT = Path(sys.executable).parent / "ketenpoort"
WITHIN_S = 10.0


@pytest.fixture(params=["ingest", "serve"])
def command(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """Both commands check before they send; `serve` would run until stopped if it did not."""
    if request.param == "ingest":
        return ["ingest", str(ROOT / "adapters" / "police" / "samples" / "scenario.json")]
    return ["serve", "--drop-dir", str(tmp_path / "drop"), "--port", str(free_ports(1)[0])]


def run_police_adapter(login: dict[str, str], command: list[str], tmp_path: Path) -> str:
    """Run `ketenpoort adapter police COMMAND` with `login` as its Kafka settings; check that it ends
    as promised (exit code 2, one line on stderr, no traceback, within 10 s) and return the line."""
    env = {"PATH": str(KETENPOORT.parent), **login, "KETENPOORT_CACHE": str(tmp_path / "cache")}
    started = time.monotonic()
    done = subprocess.run(
        [str(KETENPOORT), "adapter", "police", *command],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    took = time.monotonic() - started
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, output
    assert took < WITHIN_S, f"took {took:.1f} s: {output}"
    return lines[0]


def test_an_unreachable_broker_is_named(stack: Endpoints, command: list[str], tmp_path: Path) -> None:
    nobody_listens = f"127.0.0.1:{free_ports(1)[0]}"
    login = {**stack.kafka("police").environment(), "KAFKA_BOOTSTRAP": nobody_listens}
    line = run_police_adapter(login, command, tmp_path)
    assert line.startswith(f"cannot reach Kafka at {nobody_listens} (connection refused")
    assert "check KAFKA_BOOTSTRAP" in line and "ketenpoort stack up" in line


@pytest.mark.parametrize("wrong", ["password", "user"])
def test_a_refused_login_is_named(stack: Endpoints, command: list[str], wrong: str, tmp_path: Path) -> None:
    police = stack.kafka("police").environment()
    login = police | (
        {"KAFKA_PASSWORD": "not-the-password"} if wrong == "password" else {"KAFKA_USERNAME": "nobody"}
    )
    line = run_police_adapter(login, command, tmp_path)
    assert f"refused the login of {login['KAFKA_USERNAME']} (wrong password or unknown user)" in line
    assert "check KAFKA_USERNAME and KAFKA_PASSWORD" in line
    assert "ketenpoort stack credentials police --env" in line


@pytest.mark.parametrize("principal", ["veiligthuis", "gateway"])
def test_a_login_that_may_not_write_the_topic_is_named(
    stack: Endpoints, command: list[str], principal: str, tmp_path: Path
) -> None:
    """Another organisation's login may not even see signals.police; the gateway's may read it (so
    the broker describes the topic to it) but not write it: both are refused before anything is sent."""
    asyncio.run(ensure_topics(stack.kafka("admin")))
    line = run_police_adapter(stack.kafka(principal).environment(), command, tmp_path)
    assert line.startswith(f"{principal} may not write signals.police:")
    assert "are the login of police" in line and "ketenpoort access provision" in line


@pytest.fixture(scope="module")
def cluster_without_topics(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Endpoints]:
    """One broker, its principals provisioned, and no topics: a deployment before any gateway ran."""
    java, java_version = tools.require_java()
    libs = kafka.ensure_kafka(settings)
    ports = NodePorts(*process.free_ports(2))
    principals = Principals.load()
    credentials = Credentials().with_passwords_for([*SUPER_USERS, *principals.principals])
    paths = StackPaths(tmp_path_factory.mktemp("no-topics"))
    state = kafka.start_kafka(java, java_version, libs, paths, [ports], credentials)
    try:
        kafka.wait_ready(state, credentials.connection(state.bootstrap, "admin"), timeout_s=60)
        provision(credentials.connection(state.bootstrap, "admin"), principals, credentials)
        yield Endpoints(
            kafka_bootstrap=state.bootstrap, opa_url="http://127.0.0.1:9", credentials=credentials
        )
    finally:
        process.stop(state.targets(), timeout_s=30)


def test_a_topic_that_does_not_exist_yet_is_named(
    cluster_without_topics: Endpoints, command: list[str], tmp_path: Path
) -> None:
    line = run_police_adapter(cluster_without_topics.kafka("police").environment(), command, tmp_path)
    assert line.startswith("topic signals.police does not exist on Kafka at")
    assert "start the gateway once, or run `ketenpoort stack up`, which creates the topics" in line


async def test_the_check_writes_nothing(stack: Endpoints) -> None:
    """The permitted write is told apart by a produce request without records: the topic stays empty."""
    admin = stack.kafka("admin")
    topic = f"preflight-test-{uuid.uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await client.close()
    assert await check_sending(admin, "police", topic=topic) is None
    assert await _end_offset(admin, topic) == 0
    await ensure_topics(admin)
    for org in ORGANISATIONS:
        assert await check_sending(stack.kafka(org), org) is None, org
    refused = await check_sending(stack.kafka("police"), "police", topic=f"signals.{topic}")
    assert refused is not None and refused.cause is Cause.FORBIDDEN  # no ACL: it may not even look
    missing = await check_sending(admin, "police", topic=f"signals.{topic}")
    assert missing is not None and missing.cause is Cause.TOPIC_MISSING


async def _end_offset(login: KafkaConnection, topic: str) -> int:
    consumer = AIOKafkaConsumer(**login.client_options())
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        return int((await consumer.end_offsets([partition]))[partition])
    finally:
        await consumer.stop()
