"""Rendering the Kafka node's configuration: pure, no broker."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gateway.principals import SUPER_USERS, Credentials
from tools.stack.kafka import jvm_options, new_cluster_id, render_log4j2, render_server_properties

pytestmark = pytest.mark.unit
CREDENTIALS = Credentials().with_passwords_for(list(SUPER_USERS))


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_server_properties_make_one_node_fit_for_transactions() -> None:
    props = _properties(render_server_properties(9092, 9093, Path("/stack/kafka/data"), CREDENTIALS))
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["auto.create.topics.enable"] == "false"


def test_server_properties_listen_on_loopback_only() -> None:
    props = _properties(render_server_properties(40001, 40002, Path("/stack/kafka/data"), CREDENTIALS))
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "CLIENT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002"
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:40001"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:40002"
    assert props["log.dirs"] == "/stack/kafka/data"


def test_server_properties_let_in_only_who_logs_in_and_only_as_far_as_an_acl_allows() -> None:
    props = _properties(render_server_properties(9092, 9093, Path("/stack/kafka/data"), CREDENTIALS))
    assert props["listener.security.protocol.map"] == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert props["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin;User:broker;User:controller"
    assert 'username="broker"' in props["listener.name.client.scram-sha-512.sasl.jaas.config"]


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
