"""docker-compose.yml is a valid Compose file, as `docker compose config` would find it (no Docker
engine here: tools/compose.py runs compose-go, the Compose Specification's own library, with its
JSON schema), and its Kafka cluster has the shape of the local stack's three nodes
(`ketenpoort stack up --brokers 3`): as many nodes, each broker and controller, the same listeners
with the same logins, three replicas of every topic and two in sync for a write."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gateway.principals import SUPER_USERS, Credentials
from gateway.settings import Settings
from gateway.topics import min_insync_replicas
from tools.compose import ComposeError, compose_config, ensure_compose_config
from tools.stack.kafka_config import NodePorts, render_server_properties

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {
    name: f"not-a-real-{n}"
    for n, name in enumerate(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
}
# What the local stack's nodes set the same way (its server.properties as docker-compose.yml's
# KAFKA_* variables name it), apart from where they listen.
SAME = (
    "process.roles",
    "controller.listener.names",
    "inter.broker.listener.name",
    "sasl.mechanism.inter.broker.protocol",
    "sasl.mechanism.controller.protocol",
    "listener.name.client.sasl.enabled.mechanisms",
    "listener.name.broker.sasl.enabled.mechanisms",
    "listener.name.controller.sasl.enabled.mechanisms",
    "default.replication.factor",
    "min.insync.replicas",
    "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "authorizer.class.name",
    "super.users",
    "allow.everyone.if.no.acl.found",
    "auto.create.topics.enable",
)


@pytest.fixture(scope="module")
def program(settings: Settings) -> Path:
    return ensure_compose_config(settings)


@pytest.fixture(scope="module")
def project(program: Path) -> dict[str, Any]:
    return compose_config(program, COMPOSE, SECRETS)


def test_docker_compose_yml_is_a_valid_compose_file(project: dict[str, Any]) -> None:
    assert set(project["services"]) == {
        "certs", "provision", "policy-bundles", "opa", "kafka-1", "kafka-2", "kafka-3", "gateway-1",
        "gateway-2", "oncall",
    }  # fmt: skip
    assert (
        project["services"]["kafka-1"]["environment"]["KETENPOORT_KAFKA_ADMIN_PASSWORD"]
        == (SECRETS["KETENPOORT_KAFKA_ADMIN_PASSWORD"])
    )


def test_the_check_refuses_what_compose_would_refuse(program: Path, tmp_path: Path) -> None:
    """It validates, not merely parses: a key the specification does not have, a dependency on a
    service that does not exist, and a secret left unset are each refused, naming it."""
    text = COMPOSE.read_text()
    misspelt = tmp_path / "misspelt.yml"
    misspelt.write_text(text.replace("  opa:\n    image:", "  opa:\n    imgae:", 1))
    with pytest.raises(ComposeError, match=r"services\.opa\.imgae"):
        compose_config(program, misspelt, SECRETS)
    missing = tmp_path / "missing.yml"
    missing.write_text(
        text.replace("kafka-3: {condition: service_healthy}", "kafka-4: {condition: service_healthy}")
    )
    with pytest.raises(ComposeError, match='depends on undefined service "kafka-4"'):
        compose_config(program, missing, SECRETS)
    unset = {name: value for name, value in SECRETS.items() if name != "KETENPOORT_KAFKA_BROKER_PASSWORD"}
    with pytest.raises(ComposeError, match="required variable KETENPOORT_KAFKA_BROKER_PASSWORD is missing"):
        compose_config(program, COMPOSE, unset)


def test_its_kafka_cluster_has_the_shape_of_the_three_broker_stack(project: dict[str, Any]) -> None:
    nodes = {
        name: spec["environment"]
        for name, spec in project["services"].items()
        if re.fullmatch(r"kafka-\d+", name)
    }
    stack = _three_broker_stack()
    assert len(nodes) == len(stack) == 3
    for number, (name, env) in enumerate(sorted(nodes.items()), start=1):
        local = stack[number]
        assert env["KAFKA_NODE_ID"] == local["node.id"] == str(number)
        for key in SAME:
            assert env[_variable(key)] == local[key], f"{name}: {key}"
        # The same listeners in the same order; clients log in over TLS there, on loopback without.
        assert (
            _names(env["KAFKA_LISTENERS"]) == _names(local["listeners"]) == ["CLIENT", "BROKER", "CONTROLLER"]
        )
        assert _names(env["KAFKA_ADVERTISED_LISTENERS"]) == _names(local["advertised.listeners"])
        protocols, local_protocols = (
            _map(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]),
            _map(local["listener.security.protocol.map"]),
        )
        assert (protocols.pop("CLIENT"), local_protocols.pop("CLIENT")) == ("SASL_SSL", "SASL_PLAINTEXT")
        assert protocols == local_protocols
        # Every node votes in the quorum, by its controller listener.
        voters = [voter.split("@")[0] for voter in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")]
        assert voters == [voter.split("@")[0] for voter in local["controller.quorum.voters"].split(",")]
    for name in ("gateway-1", "gateway-2", "oncall"):
        spec = project["services"][name]
        assert spec["restart"] == "unless-stopped", f"{name} is started again when it dies"
        assert len(spec["environment"]["KAFKA_BOOTSTRAP"].split(",")) == len(nodes), name
    for spec in (project["services"]["gateway-1"], project["services"]["gateway-2"]):
        env = spec["environment"]
        # Topics the gateway creates: as many replicas as the stack's, and a majority in sync.
        replication = int(env["KETENPOORT_TOPIC_REPLICATION"])
        assert replication == int(stack[1]["default.replication.factor"])
        assert str(min_insync_replicas(replication)) == stack[1]["min.insync.replicas"]


def _three_broker_stack() -> dict[int, dict[str, str]]:
    """Each node's server.properties as `ketenpoort stack up --brokers 3` writes it."""
    credentials = Credentials().with_passwords_for(list(SUPER_USERS))
    cluster = {
        n: NodePorts(client=9092 + 10 * n, controller=9093 + 10 * n, broker=9094 + 10 * n) for n in (1, 2, 3)
    }
    rendered = {n: render_server_properties(n, cluster, Path("/data"), credentials) for n in cluster}
    return {
        n: dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
        for n, text in rendered.items()
    }


def _variable(key: str) -> str:
    """The apache/kafka image's name for a setting (deploy/kafka/entrypoint.sh reads it back):
    KAFKA_ and the name in capitals, "." as "_", "_" as "__", "-" as "___"."""
    return "KAFKA_" + key.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def _names(listeners: str) -> list[str]:
    return [listener.split("://")[0] for listener in listeners.split(",")]


def _map(pairs: str) -> dict[str, str]:
    return dict(pair.split(":") for pair in pairs.split(","))
