"""TLS on Kafka's client listener, for real, from the cached jars (no Docker engine runs here).

First a one-off broker started by tools/stack/kafka.py with a SASL_SSL client listener and
certificates from gateway/certs.py, provisioned from gateway/principals.yaml: who gets in and who
does not. Then docker-compose.yml's own cluster, rehearsed on loopback: its `certs` command, its
three Kafka nodes through deploy/kafka/entrypoint.sh, their health check, its `provision` service
and a gateway configured by its environment. The local stack itself stays SASL_PLAINTEXT.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr
from typer.testing import CliRunner

from gateway.certs import TlsFiles, write_certs
from gateway.kafka import KafkaConnection, ensure_topics, make_producer
from gateway.principals import SUPER_USERS, Credentials, Principals, provision
from gateway.settings import Settings
from tools.cli import app
from tools.stack import endpoints, kafka, process, tools
from tools.stack.kafka_config import CLUSTER_JVM, NodePorts, jvm_options, render_log4j2
from tools.stack.state import KafkaNode, StackPaths

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
HOST = process.LOOPBACK


# --- one broker, TLS on its client listener ------------------------------------------------------


@dataclass(frozen=True)
class Broker:
    state: KafkaNode
    credentials: Credentials
    tls: TlsFiles

    def connect(self, principal: str) -> KafkaConnection:
        return self.credentials.connection(self.state.address, principal)


@pytest.fixture(scope="module")
def broker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    root = tmp_path_factory.mktemp("tls")
    tls = write_certs(root / "certs", [HOST])[HOST]
    java, java_version = tools.require_java()
    libs = kafka.ensure_kafka(settings)
    ports = NodePorts(*process.free_ports(2))
    principals = Principals.load()
    credentials = Credentials(security_protocol="SASL_SSL", ssl_cafile=tls.truststore).with_passwords_for(
        [*SUPER_USERS, *principals.principals]
    )
    paths = StackPaths(root / "stack")
    cluster = kafka.start_kafka(java, java_version, libs, paths, [ports], credentials, tls=tls)
    try:
        admin = credentials.connection(cluster.bootstrap, "admin")
        kafka.wait_ready(cluster, admin, timeout_s=60)
        provision(admin, principals, credentials)  # librdkafka, also over TLS
        asyncio.run(ensure_topics(admin, partitions=1))
        yield Broker(cluster.nodes[0], credentials, tls)
    finally:
        process.stop(cluster.targets(), timeout_s=30)


async def test_clients_with_the_ca_and_their_password_produce_and_consume(broker: Broker) -> None:
    assert broker.connect("police").security_protocol == "SASL_SSL"
    await _round_trip(gateway=broker.connect("gateway"), police=broker.connect("police"))


def test_a_client_that_does_not_trust_the_ca_gets_a_verification_error(
    broker: Broker, tmp_path: Path
) -> None:
    other_ca = write_certs(tmp_path, ["elsewhere.example"])["elsewhere.example"].truststore
    for context in (ssl.create_default_context(), ssl.create_default_context(cafile=str(other_ca))):
        with (
            socket.create_connection((HOST, broker.state.port), timeout=10) as raw,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            context.wrap_socket(raw, server_hostname=HOST)
    # The same handshake with the broker's CA succeeds: it is the trust that differs, nothing else.
    trusted = ssl.create_default_context(cafile=str(broker.tls.truststore))
    with (
        socket.create_connection((HOST, broker.state.port), timeout=10) as raw,
        trusted.wrap_socket(raw, server_hostname=HOST) as wrapped,
    ):
        assert wrapped.version() in ("TLSv1.2", "TLSv1.3")


async def test_kafka_clients_that_do_not_trust_the_ca_cannot_connect(
    broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other_ca = write_certs(tmp_path, ["elsewhere.example"])["elsewhere.example"].truststore
    for cafile in (None, other_ca):
        caplog.clear()
        await _refused(broker, broker.connect("police").model_copy(update={"ssl_cafile": cafile}))
        assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


async def test_sasl_plaintext_to_the_tls_listener_fails(broker: Broker) -> None:
    plaintext = broker.connect("police").model_copy(
        update={"security_protocol": "SASL_PLAINTEXT", "ssl_cafile": None}
    )
    await _refused(broker, plaintext, broker_says="(SSL handshake failed)")


async def test_a_wrong_password_is_refused_over_tls(broker: Broker) -> None:
    wrong = broker.connect("police").model_copy(update={"password": SecretStr("not-the-password")})
    await _refused(broker, wrong, broker_says="invalid credentials with SASL mechanism SCRAM-SHA-512")


async def _refused(broker: Broker, connection: KafkaConnection, *, broker_says: str | None = None) -> None:
    """The client cannot start; with `broker_says`, the broker logs that reason for it."""
    log_size = broker.state.log_file.stat().st_size
    producer = AIOKafkaProducer(**connection.client_options(), request_timeout_ms=10_000)
    try:
        with pytest.raises(KafkaConnectionError):
            async with asyncio.timeout(30):
                await producer.start()
    finally:
        await producer.stop()
    if broker_says is not None:
        async with asyncio.timeout(10):
            while broker_says not in _read_from(broker.state.log_file, log_size):
                await asyncio.sleep(0.1)


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


async def _round_trip(*, gateway: KafkaConnection, police: KafkaConnection) -> None:
    """What the ACLs let each do: police publishes its signals and reads its inbox; the gateway reads
    the signals and writes the inbox in a transaction (so the brokers send transaction markers)."""
    marker = uuid.uuid4().hex.encode()
    producer = make_producer(police, client_id="police-adapter")
    await producer.start()
    try:
        await producer.send_and_wait("signals.police", marker)
    finally:
        await producer.stop()
    transactional = AIOKafkaProducer(
        **gateway.client_options(), transactional_id=f"ketenpoort-gateway-tls-{marker.decode()[:8]}"
    )
    await transactional.start()
    try:
        async with transactional.transaction():
            await transactional.send("inbox.police", marker)
    finally:
        await transactional.stop()
    inbox, signals = await asyncio.gather(
        _read(police, "inbox.police", "police.tls-test", marker),
        _read(gateway, "signals.police", "ketenpoort-gateway-tls-test", marker),
    )
    assert marker in inbox
    assert marker in signals


async def _read(connection: KafkaConnection, topic: str, group: str, marker: bytes) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        **connection.client_options(),
        group_id=group,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        async with asyncio.timeout(20):
            while marker not in found:
                batches = await consumer.getmany(timeout_ms=500)
                found += [message.value for messages in batches.values() for message in messages]
    finally:
        await consumer.stop()
    return found


# --- docker-compose.yml's cluster, rehearsed on loopback -----------------------------------------


@dataclass(frozen=True)
class Rehearsal:
    """docker-compose.yml moved onto this machine as little as it takes: kafka-N is 127.0.0.N (all of
    127/8 is loopback), its Kafka ports are free ones, each named volume is a directory and each
    bind mount the project's own directory. Everything else is the file's, as it is."""

    compose: dict[str, Any]
    root: Path
    secrets: dict[str, str]
    ports: dict[str, str]

    @property
    def nodes(self) -> list[str]:
        return sorted(name for name in self.compose["services"] if re.fullmatch(r"kafka-\d+", name))

    def argv(self, service: str, key: str) -> list[str]:
        return [self.value(service, part) for part in self.compose["services"][service][key]]

    def environment(self, service: str) -> dict[str, str]:
        spec = self.compose["services"][service]
        return {name: self.value(service, value) for name, value in spec.get("environment", {}).items()}

    def value(self, service: str, value: object) -> str:
        text = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda match: self.secrets[match.group(1)], str(value))
        for number, node in enumerate(self.nodes, start=1):
            text = re.sub(rf"\b{node}\b", f"127.0.0.{number}", text)
            if service == node:  # each node listens on its own address, not on all of them
                text = text.replace("://:", f"://127.0.0.{number}:")
        for port, free in self.ports.items():
            text = text.replace(f":{port}", f":{free}")
        for inside, outside in sorted(self.mounts(service).items(), key=lambda item: -len(item[0])):
            text = text.replace(inside, str(outside))
        return text

    def mounts(self, service: str) -> dict[str, Path]:
        mounts = {}
        for volume in self.compose["services"][service].get("volumes", []):
            source, inside, *_ = volume.split(":")
            outside = ROOT / source if source.startswith(".") else self.root / "volumes" / source
            outside.mkdir(parents=True, exist_ok=True)
            mounts[inside] = outside
        return mounts


@pytest.fixture(scope="module")
def rehearsal(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    """The `certs` service run, then the three Kafka nodes started by the compose entrypoint, in an
    apache/kafka layout whose scripts run the cached jars, each until its health check passes."""
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    secrets = {name: uuid.uuid4().hex for name in re.findall(r"\$\{(\w+):\?", str(compose))}
    listeners = compose["services"]["kafka-1"]["environment"]["KAFKA_LISTENERS"]
    ports = dict(zip(re.findall(r":(\d+)", listeners), map(str, process.free_ports(3)), strict=True))
    stage = Rehearsal(compose, tmp_path_factory.mktemp("compose"), secrets, ports)

    certs = CliRunner().invoke(app, stage.argv("certs", "command")[1:])
    assert certs.exit_code == 0, certs.output
    kafka_dir = _kafka_layout(settings, stage.root / "opt-kafka")
    started: list[tuple[int, int]] = []
    try:
        environments = {node: _node_environment(stage, node, kafka_dir) for node in stage.nodes}
        for node, environment in environments.items():
            argv, log = stage.argv(node, "entrypoint"), stage.root / f"{node}.log"
            popen = process.spawn(argv, log, cwd=stage.root, env=environment)
            started.append((popen.pid, process.start_time_of(popen.pid)))
        for (node, environment), pid in zip(environments.items(), started, strict=True):
            _wait_answering(stage, node, pid, environment)
        _check_health(stage, environments)
        yield stage
    finally:
        process.stop(started, timeout_s=1)  # throwaway data: no need to wait for a clean shutdown


def _node_environment(stage: Rehearsal, node: str, kafka_dir: str) -> dict[str, str]:
    """The node's compose environment, plus where this machine's Kafka layout and its config are."""
    return stage.environment(node) | {
        # Not the file's, only to wait less: internal topics of 3 partitions, not 50, and a new
        # consumer group without the 3 s wait for more members.
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "3",
        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS": "3",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "PATH": os.environ["PATH"],
        "KETENPOORT_KAFKA_DIR": kafka_dir,
        "KETENPOORT_KAFKA_CONFIG_DIR": str(stage.root / node),
    }


def _kafka_layout(settings: Settings, home: Path) -> str:
    """`bin/` as in the apache/kafka image, for the scripts deploy/kafka uses, running the cached jars."""
    java, _ = tools.require_java()
    classpath = f"{kafka.ensure_kafka(settings)}{os.sep}*"
    log_config = home / "log4j2.properties"
    home.joinpath("bin").mkdir(parents=True)
    log_config.write_text(render_log4j2())
    classes = {
        "kafka-storage.sh": "kafka.tools.StorageTool",
        "kafka-server-start.sh": "kafka.Kafka",
        "kafka-broker-api-versions.sh": "org.apache.kafka.tools.BrokerApiVersionsCommand",
    }
    # Three nodes on this machine's few cores, as the local stack runs its cluster's.
    options = " ".join([*CLUSTER_JVM, *jvm_options(log_config)])
    for script, main_class in classes.items():
        path = home / "bin" / script
        path.write_text(f'#!/bin/sh\nexec "{java}" {options} -cp "{classpath}" {main_class} "$@"\n')
        path.chmod(0o755)
    return str(home)


def _wait_answering(
    stage: Rehearsal, node: str, started: tuple[int, int], environment: dict[str, str]
) -> None:
    """Until the node answers an admin over TLS, as the local stack waits for each of its nodes."""
    admin = KafkaConnection(
        bootstrap=stage.value(node, f"{node}:9092"),
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        username="admin",
        password=SecretStr(stage.secrets["KETENPOORT_KAFKA_ADMIN_PASSWORD"]),
        ssl_cafile=Path(environment["KETENPOORT_CA_FILE"]),
    )
    kafka.wait_answering(started, stage.root / f"{node}.log", admin, timeout_s=60)


def _check_health(stage: Rehearsal, environments: dict[str, dict[str, str]]) -> None:
    """The compose health check itself, on every node at once (each starts a JVM)."""
    checks = {
        node: subprocess.Popen(
            [stage.value(node, part) for part in stage.compose["services"][node]["healthcheck"]["test"][1:]],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for node, environment in environments.items()
    }
    for node, check in checks.items():
        _, errors = check.communicate(timeout=60)
        assert check.returncode == 0, f"{node} is not healthy: {errors[-2000:]}"


def test_the_compose_nodes_run_the_pinned_kafka_and_know_every_setting(rehearsal: Rehearsal) -> None:
    """What docker-compose.yml sets is all still Kafka's (none removed or misspelt: Kafka would log
    it as unknown or unused), and the nodes log as the image's own scripts make them."""
    for node in rehearsal.nodes:
        log = (rehearsal.root / f"{node}.log").read_text()
        assert f"INFO Kafka version: {kafka.KAFKA_VERSION} " in log, node
        for stray in ("isn't a known config", "were supplied but", "No configuration found", " ERROR "):
            assert stray not in log, f"{node}: {stray}"


async def test_the_compose_cluster_serves_the_gateway_and_the_adapters_over_tls(
    rehearsal: Rehearsal, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [
        sys.executable if part == "python" else part for part in rehearsal.argv("provision", "entrypoint")
    ]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # where `ketenpoort` is
    provisioning = await asyncio.to_thread(
        subprocess.run,
        argv,
        env=rehearsal.environment("provision") | {"PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert provisioning.returncode == 0, provisioning.stderr
    credentials_file = Path(rehearsal.environment("provision")["KETENPOORT_KAFKA_CREDENTIALS"])
    adapters = Credentials.load(credentials_file)
    assert set(Principals.load().principals) <= set(adapters.passwords)

    for name, value in rehearsal.environment("gateway-1").items():
        monkeypatch.setenv(name, value)
    gateway_settings = Settings()
    gateway = endpoints(gateway_settings).kafka("gateway")
    assert gateway.security_protocol == "SASL_SSL"
    await ensure_topics(gateway, partitions=1, replication=gateway_settings.topic_replication)
    bootstrap = gateway_settings.kafka_bootstrap
    assert bootstrap is not None
    await _round_trip(gateway=gateway, police=adapters.connection(bootstrap, "police"))
