"""Apache Kafka for the local stack: jars from Maven Central, one KRaft node on loopback, or three.

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
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.conn import create_conn
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from gateway.certs import TlsFiles
from gateway.kafka import KafkaConnection, ensure_topics, make_admin
from gateway.principals import Credentials
from gateway.settings import Settings
from tools.stack import process, tools
from tools.stack.cache import install_atomically
from tools.stack.errors import StackError
from tools.stack.kafka_config import (
    NodePorts,
    jvm_heap,
    jvm_options,
    node_name,
    render_log4j2,
    render_server_properties,
)
from tools.stack.state import KafkaNode, KafkaState, StackPaths

KAFKA_VERSION = "4.4.0"
SCALA_VERSION = "2.13"
# Kafka logs through SLF4J 1.7 and its pom brings log4j-core 2 but no binding between them: without
# this one (the version of that log4j-core) the broker logs nothing.
LOG4J_VERSION = "2.25.5"

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


def start_kafka(
    java: Path,
    java_version: str,
    libs: Path,
    paths: StackPaths,
    ports: Sequence[NodePorts],
    credentials: Credentials,
    tls: TlsFiles | None = None,
) -> KafkaState:
    """Format each node's fresh data dir, with the super users' SCRAM credentials and one cluster
    id, and spawn every node; return at once (see `wait_ready`). One `ports` makes a single node,
    three a cluster. With `tls` the client listeners speak TLS."""
    cluster = {number: node for number, node in enumerate(ports, start=1)}
    paths.kafka_dir.mkdir(parents=True, exist_ok=True)
    (paths.kafka_dir / "log4j2.properties").write_text(render_log4j2())
    tools_log_config = paths.kafka_dir / "log4j2-tools.properties"
    tools_log_config.write_text(render_log4j2("WARN"))
    paths.logs.mkdir(parents=True, exist_ok=True)
    cluster_id = new_cluster_id()
    names = {number: node_name(number, len(cluster)) for number in cluster}
    for number, name in names.items():
        node_dir = paths.node_dir(name)
        node_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(node_dir / "data", ignore_errors=True)
        rendered = render_server_properties(number, cluster, node_dir / "data", credentials, tls)
        _write_private(node_dir / "server.properties", rendered)
        (paths.logs / f"{name}.log").write_bytes(b"")
    # Side by side: each format is a JVM of its own, a few seconds of CPU.
    with ThreadPoolExecutor(max_workers=len(cluster)) as pool:
        formats = [
            pool.submit(_format, java, libs, tools_log_config, paths, name, cluster_id, credentials)
            for name in names.values()
        ]
        for done in formats:
            done.result()
    nodes = []
    try:
        for number, name in names.items():
            popen = _spawn_node(java, libs, paths, name, len(cluster))
            nodes.append(
                KafkaNode(
                    name=name,
                    node_id=number,
                    pid=popen.pid,
                    start_time=process.start_time_of(popen.pid),
                    host=process.LOOPBACK,
                    port=cluster[number].client,
                    controller_port=cluster[number].controller,
                    broker_port=cluster[number].broker,
                    data_dir=paths.node_dir(name) / "data",
                    log_file=paths.logs / f"{name}.log",
                    version=KAFKA_VERSION,
                )
            )
    except BaseException:
        process.stop([(node.pid, node.start_time) for node in nodes], timeout_s=5)
        raise
    return KafkaState(
        nodes=tuple(nodes),
        bootstrap=",".join(node.address for node in nodes),
        cluster_id=cluster_id,
        version=KAFKA_VERSION,
        java_version=java_version,
    )


def _format(
    java: Path,
    libs: Path,
    log_config: Path,
    paths: StackPaths,
    name: str,
    cluster_id: str,
    credentials: Credentials,
) -> None:
    """`kafka-storage format` of one node's data dir, with the SCRAM credentials of the super users
    that log in before anything is provisioned (admin, and the brokers to each other)."""
    storage_tool = [str(java), *jvm_options(log_config), "-cp", f"{libs}{os.sep}*", "kafka.tools.StorageTool"]
    properties = paths.node_dir(name) / "server.properties"
    # `--cluster-id=<id>` in one argument: an id may begin with "-", which would read as an option.
    argv = [*storage_tool, "format", f"--cluster-id={cluster_id}", "-c", str(properties)]
    for user in ("admin", "broker"):
        password = credentials.passwords[user].get_secret_value()
        argv.append(f"--add-scram=SCRAM-SHA-512=[name={user},password={password}]")
    format_log = paths.logs / f"{name}-format.log"
    _write_private(format_log, "")  # the storage tool prints the SCRAM credentials' salted keys
    code, output = tools.run_logged(argv, format_log, timeout_s=120)
    if code != 0:
        raise StackError(f"formatting Kafka storage failed ({tools.error_line(output)}); see {format_log}")


def _spawn_node(
    java: Path, libs: Path, paths: StackPaths, name: str, cluster_size: int
) -> subprocess.Popen[bytes]:
    properties = paths.node_dir(name) / "server.properties"
    jvm = [str(java), *jvm_options(paths.kafka_dir / "log4j2.properties"), *jvm_heap(cluster_size)]
    run_argv = [*jvm, "-cp", f"{libs}{os.sep}*", "kafka.Kafka", str(properties)]
    return process.spawn(run_argv, paths.logs / f"{name}.log", cwd=paths.node_dir(name))


def restart_node(kafka: KafkaState, name: str, java: Path, libs: Path, paths: StackPaths) -> KafkaState:
    """Start a stopped node again on its ports and data: what it had committed is still there, and
    in a cluster it catches up from the others."""
    node = kafka.node(name)
    popen = _spawn_node(java, libs, paths, name, len(kafka.nodes))
    restarted = node.model_copy(update={"pid": popen.pid, "start_time": process.start_time_of(popen.pid)})
    return kafka.model_copy(update={"nodes": tuple(restarted if n.name == name else n for n in kafka.nodes)})


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: the broker's configuration holds passwords."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)


def wait_ready(
    kafka: KafkaState, connection: KafkaConnection, timeout_s: float = 120.0, *, nodes: Sequence[str] = ()
) -> None:
    """Block until every node (or those named) answers an admin client on its own address and the
    cluster counts it among its live brokers; StackError if one dies or stalls."""
    deadline = time.monotonic() + timeout_s
    for node in kafka.nodes:
        if nodes and node.name not in nodes:
            continue
        own = connection.model_copy(update={"bootstrap": node.address})
        wait_answering(
            (node.pid, node.start_time),
            node.log_file,
            own,
            max(deadline - time.monotonic(), 1.0),
            node_id=node.node_id,
        )


def wait_answering(
    started: tuple[int, int],
    log_file: Path,
    connection: KafkaConnection,
    timeout_s: float = 120.0,
    *,
    node_id: int | None = None,
) -> None:
    """Poll the Kafka process (pid, start time) until it answers `connection` (a login to its
    address alone) and, given its `node_id`, the cluster counts it among its live brokers;
    StackError naming `log_file` if it exits or stalls."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not process.is_running(*started):
            raise StackError(f"Kafka exited while starting; see {log_file}")
        brokers = live_brokers(connection)
        if brokers and (node_id is None or node_id in brokers):
            return
        if time.monotonic() >= deadline:
            raise StackError(f"Kafka did not become ready within {timeout_s:.0f} s; see {log_file}")
        time.sleep(0.25)


def is_healthy(connection: KafkaConnection, timeout_s: float = 5.0) -> bool:
    """True when an aiokafka admin client reaches a broker and gets the cluster description."""
    return bool(live_brokers(connection, timeout_s))


def live_brokers(connection: KafkaConnection, timeout_s: float = 5.0) -> set[int]:
    """The ids of the brokers the cluster counts as alive, in the metadata of the first bootstrap
    address that answers a login; empty when none does. One connection to that address alone, so
    a node is asked itself, never another in its place.

    A plain TCP connect comes first, so a broker that is not listening yet costs no client (which
    would log each refused connection).
    """

    async def ask(host: str, port: int) -> set[int]:
        options = connection.client_options()
        options.pop("bootstrap_servers")
        try:
            async with asyncio.timeout(timeout_s):
                conn = await create_conn(
                    host, port, client_id="ketenpoort-stack-probe", request_timeout_ms=int(timeout_s * 1000),
                    **options,
                )  # fmt: skip
                try:
                    metadata = await conn.send(MetadataRequest([]))
                finally:
                    conn.close()
        except (OSError, KafkaError, TimeoutError):
            return set()
        return {int(broker[0]) for broker in metadata.brokers}

    for address in connection.bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        if process.port_open(int(port), host):
            brokers = _run_blocking(partial(ask, host, int(port)))
            if brokers:
                return brokers
    return set()


def under_replicated(connection: KafkaConnection, timeout_s: float = 10.0) -> int | None:
    """How many partitions (internal topics included) have fewer replicas in sync than they have:
    0 once a restarted node has caught up. None when the cluster does not answer."""

    async def count() -> int | None:
        admin = make_admin(connection, request_timeout_ms=int(timeout_s * 1000))
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            topics = await asyncio.wait_for(admin.list_topics(), timeout_s)
            described = await asyncio.wait_for(admin.describe_topics(topics), timeout_s)
        except Exception:
            return None
        finally:
            await admin.close()
        return sum(
            len(partition["isr"]) < len(partition["replicas"])
            for topic in described
            for partition in topic["partitions"]
        )

    return _run_blocking(count)


def create_topics(kafka: KafkaState, connection: KafkaConnection, *, partitions: int) -> list[str]:
    """Every Ketenpoort topic that is missing, configured as the gateway configures it
    (`gateway.kafka.ensure_topics`): adapters can send before any gateway ran. Returns the names
    it created; StackError if the broker refuses. Each has as many replicas as the cluster gives
    (`KafkaState.replication`): three in a cluster, with two in sync for every write."""
    try:
        return _run_blocking(
            lambda: ensure_topics(connection, partitions=partitions, replication=kafka.replication)
        )
    except (KafkaError, RuntimeError) as error:
        logs = ", ".join(str(node.log_file) for node in kafka.nodes)
        raise StackError(f"could not create the topics ({error}); see {logs}") from None


def _run_blocking(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from sync code, even when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
