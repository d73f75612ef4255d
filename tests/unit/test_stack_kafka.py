"""Rendering the Kafka node's configuration: pure, no broker."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gateway.principals import SUPER_USERS, Credentials
from tools.stack.kafka import new_cluster_id
from tools.stack.kafka_config import (
    CLUSTER_JVM,
    NodePorts,
    jvm_heap,
    jvm_options,
    node_name,
    render_log4j2,
    render_server_properties,
)

pytestmark = pytest.mark.unit
CREDENTIALS = Credentials().with_passwords_for(list(SUPER_USERS))


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_server_properties_make_one_node_fit_for_transactions() -> None:
    props = _properties(
        render_server_properties(1, {1: NodePorts(9092, 9093)}, Path("/stack/kafka/data"), CREDENTIALS)
    )
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["auto.create.topics.enable"] == "false"


def test_server_properties_listen_on_loopback_only() -> None:
    props = _properties(
        render_server_properties(1, {1: NodePorts(40001, 40002)}, Path("/stack/kafka/data"), CREDENTIALS)
    )
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "CLIENT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002"
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:40001"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:40002"
    assert props["log.dirs"] == "/stack/kafka/data"


def test_server_properties_let_in_only_who_logs_in_and_only_as_far_as_an_acl_allows() -> None:
    props = _properties(
        render_server_properties(1, {1: NodePorts(9092, 9093)}, Path("/stack/kafka/data"), CREDENTIALS)
    )
    assert props["listener.security.protocol.map"] == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert props["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin;User:broker;User:controller"
    assert 'username="broker"' in props["listener.name.client.scram-sha-512.sasl.jaas.config"]


CLUSTER = {n: NodePorts(client=40000 + n, controller=40010 + n, broker=40020 + n) for n in (1, 2, 3)}


def test_each_node_of_a_cluster_knows_the_quorum_and_replicates_over_its_own_listener() -> None:
    """docker-compose.yml's shape: every node broker and controller, the brokers replicating over
    BROKER (SCRAM), clients on CLIENT, the quorum on CONTROLLER (PLAIN)."""
    for node_id in CLUSTER:
        props = _properties(render_server_properties(node_id, CLUSTER, Path("/data"), CREDENTIALS))
        assert props["node.id"] == str(node_id)
        assert props["process.roles"] == "broker,controller"
        assert props["controller.quorum.voters"] == "1@127.0.0.1:40011,2@127.0.0.1:40012,3@127.0.0.1:40013"
        own = CLUSTER[node_id]
        assert props["listeners"] == (
            f"CLIENT://127.0.0.1:{own.client},BROKER://127.0.0.1:{own.broker},"
            f"CONTROLLER://127.0.0.1:{own.controller}"
        )
        assert (
            props["advertised.listeners"]
            == f"CLIENT://127.0.0.1:{own.client},BROKER://127.0.0.1:{own.broker}"
        )
        assert props["listener.security.protocol.map"] == (
            "CLIENT:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
        )
        assert props["inter.broker.listener.name"] == "BROKER"
        assert props["listener.name.broker.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
        assert 'username="broker"' in props["listener.name.broker.scram-sha-512.sasl.jaas.config"]
        # Clients log in as themselves; the node needs no login of its own on CLIENT.
        assert "username" not in props["listener.name.client.scram-sha-512.sasl.jaas.config"]


def test_a_cluster_keeps_three_replicas_and_wants_two_in_sync_for_every_topic() -> None:
    props = _properties(render_server_properties(2, CLUSTER, Path("/data"), CREDENTIALS))
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"


def test_a_single_node_keeps_one_replica_and_no_broker_listener() -> None:
    props = _properties(render_server_properties(1, {1: NodePorts(9092, 9093)}, Path("/data"), CREDENTIALS))
    assert "BROKER" not in props["listeners"]
    assert props["inter.broker.listener.name"] == "CLIENT"
    assert "min.insync.replicas" not in props
    assert "default.replication.factor" not in props


def test_a_node_of_a_cluster_needs_a_broker_port() -> None:
    without = {**CLUSTER, 2: NodePorts(client=1, controller=2)}
    with pytest.raises(ValueError, match="node 2 of a cluster needs a broker port"):
        render_server_properties(2, without, Path("/data"), CREDENTIALS)


def test_nodes_are_named_as_docker_compose_names_them() -> None:
    assert [node_name(n, 3) for n in (1, 2, 3)] == ["kafka-1", "kafka-2", "kafka-3"]
    assert node_name(1, 1) == "kafka"


def test_the_nodes_of_a_cluster_run_small_jvms() -> None:
    assert jvm_heap(1) == ["-Xmx1g"]
    assert jvm_heap(3) == list(CLUSTER_JVM)
    assert "-Xmx512m" in CLUSTER_JVM


def test_log4j2_writes_to_stdout_with_the_chatter_at_warn() -> None:
    """Log4j 2's properties format; the process's stdout is the stack's log file."""
    props = _properties(render_log4j2().replace(" = ", "="))
    assert props["appender.out.type"] == "Console"
    assert props["appender.out.target"] == "SYSTEM_OUT"
    assert props["rootLogger.level"] == "INFO"
    assert props["rootLogger.appenderRef.out.ref"] == "out"
    loggers = {
        props[key]: props[key.removesuffix(".name") + ".level"]
        for key in props
        if key.startswith("logger.") and key.endswith(".name")
    }
    assert loggers["kafka.request.logger"] == "WARN"
    assert _properties(render_log4j2("WARN").replace(" = ", "="))["rootLogger.level"] == "WARN"


def test_every_kafka_process_is_given_its_log4j2_configuration() -> None:
    """Without it Log4j 2 prints "No configuration found" and logs errors only."""
    assert "-Dlog4j2.configurationFile=/stack/kafka/log4j2.properties" in jvm_options(
        Path("/stack/kafka/log4j2.properties")
    )


def test_cluster_id_is_sixteen_bytes_of_url_safe_base64() -> None:
    cluster_id = new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert new_cluster_id() != cluster_id
