"""The configuration of a Kafka node as the local stack runs it: its server.properties (one node,
or a node of a cluster in docker-compose.yml's shape), its logging and its JVM options. Pure: no
process, no file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.certs import TlsFiles
from gateway.principals import SUPER_USERS, Credentials
from gateway.topics import min_insync_replicas
from tools.stack.process import LOOPBACK
from tools.stack.state import MAX_REPLICATION, SINGLE_NODE

HEAP = "-Xmx1g"
# The nodes of a cluster share this machine's few cores (see `jvm_heap`).
CLUSTER_JVM = ("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

# Loggers that repeat themselves at INFO without telling an operator anything.
_QUIET_LOGGERS = (
    "kafka.request.logger",
    "state.change.logger",
    "org.apache.kafka.clients",
    "org.apache.kafka.storage.internals.log",
    "org.apache.kafka.server.purgatory.DelayedOperationPurgatory$ExpiredOperationReaper",
    "org.apache.kafka.server.quota.ClientQuotaManager$ThrottledChannelReaper",
    "org.apache.kafka.server.util.timer.SystemTimerReaper$Reaper",
)


@dataclass(frozen=True)
class NodePorts:
    """The ports of one node on loopback."""

    client: int
    controller: int
    broker: int | None = None
    """The listener the brokers replicate over, in a cluster (a single node has none)."""


def node_name(node_id: int, cluster_size: int) -> str:
    """As docker-compose.yml names its nodes: kafka-1, kafka-2, ...; a single node is "kafka"."""
    return SINGLE_NODE if cluster_size == 1 else f"kafka-{node_id}"


def render_server_properties(
    node_id: int,
    cluster: Mapping[int, NodePorts],
    data_dir: Path,
    credentials: Credentials,
    tls: TlsFiles | None = None,
) -> str:
    """One KRaft node of `cluster` (node id → its ports), broker and controller in one process, fit
    for transactions, where every connection logs in and the StandardAuthorizer allows only what an
    ACL grants.

    Clients use SCRAM-SHA-512 on the client listener. KRaft controllers do not support SCRAM, so the
    controller listener uses PLAIN with a password only the nodes know. A single node is its own
    broker over the client listener; in a cluster the brokers replicate over a listener of their
    own (BROKER, SCRAM-SHA-512), with docker-compose.yml's listeners, replication factors and
    min.insync.replicas (`replication_settings`). With `tls` the client listener is SASL_SSL (see
    `tls_settings`); the local stack runs without.
    """
    host = LOOPBACK
    ports = cluster[node_id]
    broker = credentials.passwords["broker"].get_secret_value()
    controller = credentials.passwords["controller"].get_secret_value()
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required"
    broker_login = f'{scram} username="broker" password="{broker}";'
    client_protocol = "SASL_SSL" if tls else "SASL_PLAINTEXT"
    listeners = {"CLIENT": ports.client}
    protocols = {"CLIENT": client_protocol}
    logins = {"client": broker_login}
    inter_broker = "CLIENT"
    if len(cluster) > 1:
        if ports.broker is None:
            raise ValueError(f"node {node_id} of a cluster needs a broker port")
        listeners["BROKER"] = ports.broker
        protocols["BROKER"] = "SASL_PLAINTEXT"
        logins = {"client": f"{scram};", "broker": broker_login}
        inter_broker = "BROKER"
    listeners["CONTROLLER"] = ports.controller
    protocols["CONTROLLER"] = "SASL_PLAINTEXT"
    advertised = {name: port for name, port in listeners.items() if name != "CONTROLLER"}
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ",".join(
            f"{number}@{host}:{node.controller}" for number, node in sorted(cluster.items())
        ),
        "listeners": ",".join(f"{name}://{host}:{port}" for name, port in listeners.items()),
        "advertised.listeners": ",".join(f"{name}://{host}:{port}" for name, port in advertised.items()),
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": ",".join(f"{name}:{value}" for name, value in protocols.items()),
        "inter.broker.listener.name": inter_broker,
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "sasl.mechanism.controller.protocol": "PLAIN",
        **{f"listener.name.{name}.sasl.enabled.mechanisms": "SCRAM-SHA-512" for name in logins},
        **{f"listener.name.{name}.scram-sha-512.sasl.jaas.config": login for name, login in logins.items()},
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="controller" password="{controller}" user_controller="{controller}";'
        ),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": ";".join(f"User:{name}" for name in SUPER_USERS),
        "allow.everyone.if.no.acl.found": "false",
        "log.dirs": str(data_dir),
        **replication_settings(len(cluster)),
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.num.partitions": "5",
        "group.initial.rebalance.delay.ms": "0",
        "num.partitions": "3",
        # The gateway creates its topics explicitly; a typo must fail, not create a topic.
        "auto.create.topics.enable": "false",
    }
    if tls is not None:
        settings |= tls_settings("CLIENT", tls)
    lines = [f"{key}={_escape(value)}" for key, value in settings.items()]
    return "# Generated by ketenpoort stack up; rewritten on every start.\n" + "\n".join(lines) + "\n"


def replication_settings(cluster_size: int) -> dict[str, str]:
    """How many copies the internal topics (consumer offsets, transaction state) keep, and how many
    must have a write: one on a single node, or transactions and groups never start; in a cluster
    three, and two in sync (`min_insync_replicas`), as docker-compose.yml sets them, so one node
    may be down and nothing acknowledged is lost. Topics created without a replication factor get
    the same. And how soon a cluster gives up on a node that stopped."""
    replication = min(cluster_size, MAX_REPLICATION)
    in_sync = str(min_insync_replicas(replication))
    settings = {
        "offsets.topic.replication.factor": str(replication),
        "transaction.state.log.replication.factor": str(replication),
        "transaction.state.log.min.isr": in_sync,
    }
    if cluster_size > 1:
        settings |= {
            "default.replication.factor": str(replication),
            "min.insync.replicas": in_sync,
            # A node that stops heartbeating is fenced, and its partitions get new leaders, after
            # 4 s instead of Kafka's 9: on loopback a heartbeat is not late for another reason.
            "broker.heartbeat.interval.ms": "1000",
            "broker.session.timeout.ms": "4000",
        }
    return settings


def tls_settings(listener: str, tls: TlsFiles) -> dict[str, str]:
    """TLS for one listener, from PEM files as gateway/certs.py writes them.

    The truststore is for the broker's own connections to that listener: here the client listener
    is also the inter-broker one, and the broker sends transaction markers even to itself, checking
    the certificate like any client would.
    """
    prefix = f"listener.name.{listener.lower()}."
    return {
        f"{prefix}ssl.keystore.type": "PEM",
        f"{prefix}ssl.keystore.location": str(tls.keystore),
        f"{prefix}ssl.truststore.type": "PEM",
        f"{prefix}ssl.truststore.location": str(tls.truststore),
    }


def render_log4j2(level: str = "INFO") -> str:
    """Log4j 2 configuration (properties format): everything to stdout, which goes to the log
    file; `level` for Kafka (the broker INFO, a one-off tool WARN), at least WARN for its chatter.
    Given with `-Dlog4j2.configurationFile`, so Log4j never prints "No configuration found"."""
    lines = [
        "status = warn",
        "appender.out.type = Console",
        "appender.out.name = out",
        "appender.out.target = SYSTEM_OUT",
        "appender.out.layout.type = PatternLayout",
        "appender.out.layout.pattern = [%d] %p %m (%c)%n",
        f"rootLogger.level = {level}",
        "rootLogger.appenderRef.out.ref = out",
    ]
    for number, name in enumerate(_QUIET_LOGGERS):
        lines += [f"logger.quiet{number}.name = {name}", f"logger.quiet{number}.level = WARN"]
    return "\n".join(lines) + "\n"


def jvm_options(log_config: Path) -> list[str]:
    """The JVM options of every Kafka process the stack runs: its logging, no display."""
    return [f"-Dlog4j2.configurationFile={log_config}", "-Djava.awt.headless=true"]


def _escape(value: str) -> str:
    """Escape a value for a Java .properties file."""
    return value.replace("\\", "\\\\")


def jvm_heap(cluster_size: int) -> list[str]:
    """A single node gets a heap of 1 GiB. The nodes of a cluster share this machine's few cores:
    a smaller heap each, the serial collector, and no optimising compiler, which would spend the
    CPUs on code that runs only briefly (docker-compose.yml's cluster, rehearsed in
    tests/integration/test_tls.py, runs with the same)."""
    return [HEAP] if cluster_size == 1 else list(CLUSTER_JVM)
