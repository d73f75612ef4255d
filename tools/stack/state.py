"""What a running local stack is: its processes, ports and files, saved as one JSON state file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from gateway.kafka import KafkaConnection
from gateway.principals import Credentials
from gateway.settings import APPROVERS_IN_STACK, AUDIT_KEY_IN_STACK, Settings
from tools.stack.process import is_running

SINGLE_NODE = "kafka"  # the name of the one node of a single-node stack
MAX_REPLICATION = 3


def connect_as(bootstrap: str, credentials: Credentials | None, principal: str) -> KafkaConnection:
    """How to connect to Kafka as `principal`. Credentials for one principal only (the
    KAFKA_USERNAME of a deployed process) serve whatever it asks for: the broker decides."""
    if credentials is None:
        return KafkaConnection(bootstrap=bootstrap)
    if len(credentials.passwords) == 1:
        (only,) = credentials.passwords
        return credentials.connection(bootstrap, only)
    return credentials.connection(bootstrap, principal)


@dataclass(frozen=True)
class Endpoints:
    """Where Kafka and OPA are, and the Kafka credentials at hand (None: Kafka without login)."""

    kafka_bootstrap: str  # "127.0.0.1:port"
    opa_url: str  # "http://127.0.0.1:port"
    credentials: Credentials | None = None
    audit_key: Path | None = None  # the deployment's audit signing key, when known (the local stack's)
    policy_approvers: Path | None = None  # the officers whose approvals OPA's revision needs (the stack's)

    def kafka(self, principal: str) -> KafkaConnection:
        return connect_as(self.kafka_bootstrap, self.credentials, principal)

    def environment(self, principal: str) -> dict[str, str]:
        """The environment for a process of its own that connects as `principal` (with the audit
        key's place: a gateway signs with it, `audit verify` checks with its public half; and the
        policy approvers a gateway checks the revision with)."""
        known = {
            "KETENPOORT_AUDIT_SIGNING_KEY": self.audit_key,
            "KETENPOORT_POLICY_APPROVERS": self.policy_approvers,
        }
        paths = {name: str(path) for name, path in known.items() if path is not None}
        return {"OPA_URL": self.opa_url, **self.kafka(principal).environment(), **paths}

    def gateway_settings(self, settings: Settings) -> Settings:
        """`settings` with the deployment's audit key and approvers where they name none."""
        return settings.model_copy(
            update={
                "audit_signing_key": settings.audit_signing_key or self.audit_key,
                "policy_approvers": settings.policy_approvers or self.policy_approvers,
            }
        )


@dataclass(frozen=True)
class StackPaths:
    """The layout of one stack directory. Binaries live in the shared cache, not here."""

    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "stack.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def kafka_dir(self) -> Path:
        """Kafka's configuration: a single node's files and data, or each node's directory."""
        return self.root / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

    def node_dir(self, name: str) -> Path:
        """One node's server.properties and data: `<stack>/kafka` for a single node (as before
        clusters), `<stack>/kafka/kafka-N` in a cluster."""
        return self.kafka_dir if name == SINGLE_NODE else self.kafka_dir / name

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    @property
    def opa_dir(self) -> Path:
        return self.root / "opa"


class Component(BaseModel):
    """One server process of the stack."""

    model_config = ConfigDict(frozen=True)

    pid: int
    start_time: int  # clock ticks after boot, /proc/<pid>/stat field 22: tells a recycled pid apart
    host: str
    port: int
    log_file: Path
    version: str

    def is_running(self) -> bool:
        return is_running(self.pid, self.start_time)


class KafkaNode(Component):
    """One Kafka node: broker and KRaft controller in one process (combined mode), as each node of
    docker-compose.yml is."""

    name: str = SINGLE_NODE  # "kafka" alone; "kafka-1", "kafka-2", ... in a cluster
    node_id: int = 1
    controller_port: int
    broker_port: int | None = None  # the listener the brokers replicate over, in a cluster
    data_dir: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_dir(self) -> Path:
        """Where its server.properties is (beside its data)."""
        return self.data_dir.parent


class KafkaState(BaseModel):
    """The Kafka cluster of the stack: one node, or three that replicate every topic."""

    model_config = ConfigDict(frozen=True)

    nodes: tuple[KafkaNode, ...]
    bootstrap: str  # every node's client listener, comma-separated
    cluster_id: str
    version: str
    java_version: str

    @model_validator(mode="before")
    @classmethod
    def _one_node_as_written_before_clusters(cls, data: Any) -> Any:
        """A state file from before clusters has one node's fields where the cluster is now: it
        reads as a cluster of that one node."""
        if isinstance(data, dict) and "nodes" not in data and "pid" in data:
            cluster = ("bootstrap", "cluster_id", "version", "java_version")
            node = {key: value for key, value in data.items() if key not in cluster[:2]}
            return {"nodes": [node], **{key: data.get(key) for key in cluster}}
        return data

    @property
    def replication(self) -> int:
        """Replicas of each topic: every node's, up to three (docker-compose.yml's shape)."""
        return min(len(self.nodes), MAX_REPLICATION)

    def node(self, name: str) -> KafkaNode:
        for node in self.nodes:
            if node.name == name:
                return node
        names = ", ".join(node.name for node in self.nodes)
        raise KeyError(f"no Kafka node {name!r}: the stack's are {names}")

    def targets(self) -> list[tuple[int, int]]:
        """(pid, start time) of every node, for `process.stop`."""
        return [(node.pid, node.start_time) for node in self.nodes]


class OpaState(Component):
    url: str
    policy_dir: Path


class BundleServerState(Component):
    """The server OPA polls for the signed policy bundle (tools/stack/policy.py)."""

    url: str
    directory: Path


class StackState(BaseModel):
    """The running local stack, as recorded in `<stack dir>/state.json`."""

    model_config = ConfigDict(frozen=True)

    stack_dir: Path
    started_at: datetime
    kafka: KafkaState
    opa: OpaState
    # None in a stack started before signed policy bundles: `up` replaces it (lifecycle.outdated).
    bundles: BundleServerState | None = None
    paused: frozenset[str] = frozenset()  # servers stopped on purpose (`stack pause`), data kept

    def credentials(self) -> Credentials:
        return Credentials.load(self.stack_dir / "credentials.json")

    def endpoints(self) -> Endpoints:
        return Endpoints(
            kafka_bootstrap=self.kafka.bootstrap,
            opa_url=self.opa.url,
            credentials=self.credentials(),
            audit_key=self.stack_dir.joinpath(*AUDIT_KEY_IN_STACK),
            policy_approvers=self.stack_dir.joinpath(*APPROVERS_IN_STACK),
        )

    def kafka_as(self, principal: str) -> KafkaConnection:
        return self.credentials().connection(self.kafka.bootstrap, principal)

    def servers(self) -> dict[str, Component]:
        """Every process of the stack by the name `pause` and `resume` take: each Kafka node, OPA."""
        return {**{node.name: node for node in self.kafka.nodes}, "opa": self.opa}

    def exited(self) -> list[str]:
        """The servers that are neither running nor paused on purpose: they died."""
        return [
            name
            for name, server in self.servers().items()
            if name not in self.paused and not server.is_running()
        ]

    def is_running(self) -> bool:
        """The stack still serves: OPA runs (or is paused on purpose) and so does at least one Kafka
        node. A cluster outlives one dead node (`exited` names it; `resume` starts it again); a
        single node's death, like OPA's, ends the stack. Health is another matter."""
        dead = set(self.exited())
        return "opa" not in dead and any(node.name not in dead for node in self.kafka.nodes)


def load_state(paths: StackPaths) -> StackState | None:
    """The recorded stack, or None; an unreadable file (e.g. an older version's) counts as none."""
    try:
        raw = paths.state_file.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return StackState.model_validate_json(raw)
    except ValidationError:
        paths.state_file.unlink(missing_ok=True)
        return None


def save_state(paths: StackPaths, state: StackState) -> None:
    """Write the state file whole or not at all (write aside, then rename)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.state_file.with_suffix(".json.tmp")
    tmp.write_text(state.model_dump_json(indent=2) + "\n")
    tmp.replace(paths.state_file)


def remove_state(paths: StackPaths) -> None:
    paths.state_file.unlink(missing_ok=True)
