"""Apache Kafka for the local stack: jars from Maven Central, one KRaft node on loopback.

Kafka 4.x works with aiokafka 0.14's transactions: aiokafka sends version 0 of InitProducerId,
AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit, which 4.x still accepts (KIP-896
removed other old versions, none of which aiokafka uses). The whole suite runs on this version;
docs/local-stack.md says which versions were tried.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.errors import KafkaError

from gateway.certs import TlsFiles
from gateway.kafka import KafkaConnection, ensure_topics, make_admin
from gateway.principals import SUPER_USERS, Credentials
from gateway.settings import Settings
from tools.stack import process, tools
from tools.stack.cache import install_atomically
from tools.stack.errors import StackError
from tools.stack.state import KafkaState, StackPaths

KAFKA_VERSION = "4.4.0"
SCALA_VERSION = "2.13"
# Kafka logs through SLF4J 1.7 and its pom brings log4j-core 2 but no binding between them: without
# this one (the version of that log4j-core) the broker logs nothing.
LOG4J_VERSION = "2.25.5"
HEAP = "-Xmx1g"

_T = TypeVar("_T")

_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>nl.ketenpoort</groupId>
  <artifactId>local-kafka</artifactId>
  <version>{KAFKA_VERSION}</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_{SCALA_VERSION}</artifactId>
      <version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{LOG4J_VERSION}</version>
    </dependency>
    <!-- The command-line tools (kafka-broker-api-versions, kafka-topics, ...), whose classes left
         the broker's jar in 4.0; without Kafka Connect, which only Connect's tools need. -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>{KAFKA_VERSION}</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId>
          <artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
  </dependencies>
</project>
"""

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


def ensure_kafka(settings: Settings) -> Path:
    """The cached Kafka libs dir, `<cache>/kafka/<version>/libs`, fetched with Maven if missing."""
    final = settings.cache_path("kafka", KAFKA_VERSION).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    log_file = final.parent / f"fetch-{KAFKA_VERSION}.log"

    def fetch(tmp: Path) -> None:
        mvn = tools.require("mvn")
        (tmp / "pom.xml").write_text(_POM)
        argv = [str(mvn), "-q", "-B", "-Dstyle.color=never", "-f", str(tmp / "pom.xml")]
        argv += ["dependency:copy-dependencies", "-DincludeScope=runtime"]
        argv += [f"-DoutputDirectory={tmp / 'libs'}"]
        code, output = tools.run_logged(argv, log_file, timeout_s=900)
        if code != 0:
            raise StackError(
                f"could not fetch Kafka {KAFKA_VERSION} from Maven Central "
                f"({tools.error_line(output)}); set KAFKA_BOOTSTRAP to use an existing Kafka "
                f"instead (full output: {log_file})"
            )

    return install_atomically(final, fetch, _has_jars) / "libs"


def _has_jars(version_dir: Path) -> bool:
    """Complete when the broker's jar is there and came from this very pom (a changed pom, such as
    another logging binding, fetches again)."""
    pom = version_dir / "pom.xml"
    return (
        (version_dir / "libs" / f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar").is_file()
        and pom.is_file()
        and pom.read_text() == _POM
    )


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def render_server_properties(
    port: int, controller_port: int, data_dir: Path, credentials: Credentials, tls: TlsFiles | None = None
) -> str:
    """One KRaft node, broker and controller in one process, fit for transactions, where every
    connection logs in and the StandardAuthorizer allows only what an ACL grants.

    Clients and the broker itself use SCRAM-SHA-512 on the client listener. KRaft controllers do
    not support SCRAM, so the controller listener uses PLAIN with a password only the node knows.
    With `tls` the client listener is SASL_SSL (see `tls_settings`); the local stack runs without.
    """
    host = process.LOOPBACK
    broker = credentials.passwords["broker"].get_secret_value()
    controller = credentials.passwords["controller"].get_secret_value()
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{controller_port}",
        "listeners": f"CLIENT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"CLIENT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": (
            f"CLIENT:{'SASL_SSL' if tls else 'SASL_PLAINTEXT'},CONTROLLER:SASL_PLAINTEXT"
        ),
        "inter.broker.listener.name": "CLIENT",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.client.sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "listener.name.client.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="broker" password="{broker}";'
        ),
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="controller" password="{controller}" user_controller="{controller}";'
        ),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": ";".join(f"User:{name}" for name in SUPER_USERS),
        "allow.everyone.if.no.acl.found": "false",
        "log.dirs": str(data_dir),
        # One node: every internal topic has one replica, or transactions and groups never start.
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
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


def start_kafka(
    java: Path,
    java_version: str,
    libs: Path,
    paths: StackPaths,
    port: int,
    controller_port: int,
    credentials: Credentials,
    tls: TlsFiles | None = None,
) -> KafkaState:
    """Format a fresh data dir, with the super users' SCRAM credentials, and spawn the broker;
    return at once (see `wait_ready`). With `tls` the client listener speaks TLS."""
    paths.kafka_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(paths.kafka_data, ignore_errors=True)
    log_file = paths.logs / "kafka.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_bytes(b"")
    properties = paths.kafka_dir / "server.properties"
    rendered = render_server_properties(port, controller_port, paths.kafka_data, credentials, tls)
    _write_private(properties, rendered)
    (paths.kafka_dir / "log4j2.properties").write_text(render_log4j2())
    tools_log_config = paths.kafka_dir / "log4j2-tools.properties"
    tools_log_config.write_text(render_log4j2("WARN"))
    classpath = f"{libs}{os.sep}*"
    jvm = [str(java), *jvm_options(tools_log_config)]

    cluster_id = new_cluster_id()
    storage_tool = [*jvm, "-cp", classpath, "kafka.tools.StorageTool"]
    # `--cluster-id=<id>` in one argument: an id may begin with "-", which would read as an option.
    format_argv = [*storage_tool, "format", f"--cluster-id={cluster_id}", "-c", str(properties)]
    for name in ("admin", "broker"):
        password = credentials.passwords[name].get_secret_value()
        format_argv.append(f"--add-scram=SCRAM-SHA-512=[name={name},password={password}]")
    format_log = paths.logs / "kafka-format.log"
    _write_private(format_log, "")  # the storage tool prints the SCRAM credentials' salted keys
    code, output = tools.run_logged(format_argv, format_log, timeout_s=120)
    if code != 0:
        raise StackError(f"formatting Kafka storage failed ({tools.error_line(output)}); see {format_log}")

    popen = _spawn_broker(java, libs, paths)
    return KafkaState(
        pid=popen.pid,
        start_time=process.start_time_of(popen.pid),
        host=process.LOOPBACK,
        port=port,
        controller_port=controller_port,
        bootstrap=f"{process.LOOPBACK}:{port}",
        cluster_id=cluster_id,
        data_dir=paths.kafka_data,
        log_file=log_file,
        version=KAFKA_VERSION,
        java_version=java_version,
    )


def _spawn_broker(java: Path, libs: Path, paths: StackPaths) -> subprocess.Popen[bytes]:
    properties = paths.kafka_dir / "server.properties"
    jvm = [str(java), *jvm_options(paths.kafka_dir / "log4j2.properties")]
    run_argv = [*jvm, HEAP, "-cp", f"{libs}{os.sep}*", "kafka.Kafka", str(properties)]
    return process.spawn(run_argv, paths.logs / "kafka.log", cwd=paths.kafka_dir)


def restart_kafka(kafka: KafkaState, java: Path, libs: Path, paths: StackPaths) -> KafkaState:
    """Start a stopped broker again on its ports and data: what it had committed is still there."""
    popen = _spawn_broker(java, libs, paths)
    return kafka.model_copy(update={"pid": popen.pid, "start_time": process.start_time_of(popen.pid)})


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: the broker's configuration holds passwords."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)


def wait_ready(kafka: KafkaState, connection: KafkaConnection, timeout_s: float = 120.0) -> None:
    """Block until an admin client can describe the cluster; StackError if Kafka dies or stalls."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not kafka.is_running():
            raise StackError(f"Kafka exited while starting; see {kafka.log_file}")
        if is_healthy(connection):
            return
        if time.monotonic() >= deadline:
            raise StackError(f"Kafka did not become ready within {timeout_s:.0f} s; see {kafka.log_file}")
        time.sleep(0.25)


def is_healthy(connection: KafkaConnection, timeout_s: float = 5.0) -> bool:
    """True when an aiokafka admin client reaches the broker and gets the cluster description.

    A plain TCP connect comes first, so a broker that is not listening yet costs no client (which
    would log each refused connection).
    """
    host, _, port = connection.bootstrap.split(",")[0].rpartition(":")
    if not process.port_open(int(port), host):
        return False

    async def probe() -> bool:
        admin = make_admin(
            connection, client_id="ketenpoort-stack-probe", request_timeout_ms=int(timeout_s * 1000)
        )
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            cluster = await asyncio.wait_for(admin.describe_cluster(), timeout_s)
            return bool(cluster.get("brokers"))
        except Exception:
            return False
        finally:
            await admin.close()

    return _run_blocking(probe)


def create_topics(
    kafka: KafkaState, connection: KafkaConnection, *, partitions: int, replication: int
) -> list[str]:
    """Every Ketenpoort topic that is missing, configured as the gateway configures it
    (`gateway.kafka.ensure_topics`): adapters can send before any gateway ran. Returns the names
    it created; StackError if the broker refuses."""
    try:
        return _run_blocking(
            lambda: ensure_topics(connection, partitions=partitions, replication=replication)
        )
    except (KafkaError, RuntimeError) as error:
        raise StackError(f"could not create the topics ({error}); see {kafka.log_file}") from None


def _run_blocking(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from sync code, even when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
