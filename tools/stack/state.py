"""What a running local stack is: its processes, ports and files, saved as one JSON state file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.kafka import KafkaConnection
from gateway.principals import Credentials
from tools.stack.process import is_running


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

    def kafka(self, principal: str) -> KafkaConnection:
        return connect_as(self.kafka_bootstrap, self.credentials, principal)

    def environment(self, principal: str) -> dict[str, str]:
        """The environment for a process of its own that connects as `principal`."""
        return {"OPA_URL": self.opa_url, **self.kafka(principal).environment()}


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
        return self.root / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

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


class KafkaState(Component):
    controller_port: int
    bootstrap: str
    cluster_id: str
    data_dir: Path
    java_version: str


class OpaState(Component):
    url: str
    policy_dir: Path


class StackState(BaseModel):
    """The running local stack, as recorded in `<stack dir>/state.json`."""

    model_config = ConfigDict(frozen=True)

    stack_dir: Path
    started_at: datetime
    kafka: KafkaState
    opa: OpaState
    paused: frozenset[str] = frozenset()  # servers stopped on purpose (`stack pause`), data kept

    def credentials(self) -> Credentials:
        return Credentials.load(self.stack_dir / "credentials.json")

    def endpoints(self) -> Endpoints:
        return Endpoints(
            kafka_bootstrap=self.kafka.bootstrap, opa_url=self.opa.url, credentials=self.credentials()
        )

    def kafka_as(self, principal: str) -> KafkaConnection:
        return self.credentials().connection(self.kafka.bootstrap, principal)

    def is_running(self) -> bool:
        """Each process not paused on purpose is the one that was started, and alive (health is
        another matter)."""
        servers = {"kafka": self.kafka, "opa": self.opa}
        return all(server.is_running() for name, server in servers.items() if name not in self.paused)


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
