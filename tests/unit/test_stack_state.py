"""The state file and what `status`, `down` and `endpoints` make of it, with stand-in processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.settings import Settings
from tools.stack import KAFKA_VERSION, OPA_VERSION, StackError, down, endpoints, stack_session, status
from tools.stack.lifecycle import outdated
from tools.stack.process import is_running, read_stat
from tools.stack.state import (
    BundleServerState,
    KafkaNode,
    KafkaState,
    OpaState,
    StackPaths,
    StackState,
    load_state,
    save_state,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("KAFKA_BOOTSTRAP", "KETENPOORT_KAFKA_BOOTSTRAP", "OPA_URL", "KETENPOORT_OPA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KETENPOORT_STACK_DIR", str(tmp_path / "stack"))
    return Settings()


@pytest.fixture
def spawn_sleeper() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Live stand-ins for the servers, each in its own session like the real ones."""
    children: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-c", "import time; time.sleep(60)"]
        children.append(subprocess.Popen(argv, start_new_session=True))
        return children[-1]

    yield spawn
    for child in children:
        child.kill()
        child.wait()


@pytest.fixture
def sleeper(spawn_sleeper: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    return spawn_sleeper()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _record(
    settings: Settings,
    kafka: tuple[int, int] | list[tuple[int, int]],
    opa: tuple[int, int],
    bundles: tuple[int, int] | None = None,
) -> StackState:
    """A state file naming these (pid, start time)s: one Kafka node, or a list of a cluster's; the
    policy bundle server's when given."""
    root = settings.stack_path()
    processes = kafka if isinstance(kafka, list) else [kafka]
    nodes = []
    for number, (pid, start_time) in enumerate(processes, start=1):
        name = "kafka" if len(processes) == 1 else f"kafka-{number}"
        data = StackPaths(root).node_dir(name) / "data"
        data.mkdir(parents=True)
        nodes.append(
            KafkaNode(
                name=name, node_id=number, pid=pid, start_time=start_time, host="127.0.0.1",
                port=10 + number, controller_port=20 + number, data_dir=data,
                log_file=root / "logs" / f"{name}.log", version=KAFKA_VERSION,
            )
        )  # fmt: skip
    state = StackState(
        stack_dir=root,
        started_at=datetime.now(UTC),
        kafka=KafkaState(
            nodes=tuple(nodes), bootstrap=",".join(node.address for node in nodes), cluster_id="x",
            version=KAFKA_VERSION, java_version="17",
        ),
        opa=OpaState(
            pid=opa[0], start_time=opa[1], host="127.0.0.1", port=3, url="http://127.0.0.1:3",
            policy_dir=root, log_file=root / "logs" / "opa.log", version=OPA_VERSION,
        ),
        bundles=None if bundles is None else BundleServerState(
            pid=bundles[0], start_time=bundles[1], host="127.0.0.1", port=4, url="http://127.0.0.1:4",
            directory=root / "policy-bundles", log_file=root / "logs" / "bundles.log", version="python 3.11",
        ),
    )  # fmt: skip
    save_state(StackPaths(root), state)
    return state


def _start_time(pid: int) -> int:
    stat = read_stat(pid)
    assert stat is not None
    return stat.start_time


def test_no_state_file_means_no_stack(settings: Settings) -> None:
    assert status(settings) is None
    assert down(settings) == []
    assert not settings.stack_path().exists()


def test_a_stale_state_file_is_cleaned_up(settings: Settings) -> None:
    state = _record(settings, kafka=(_dead_pid(), 1), opa=(_dead_pid(), 1))
    assert status(settings) is None
    assert not (settings.stack_path() / "state.json").exists()
    assert not state.kafka.nodes[0].data_dir.exists()
    assert status(settings) is None


def test_a_half_dead_stack_is_stopped_whole(settings: Settings, sleeper: subprocess.Popen[bytes]) -> None:
    _record(settings, kafka=(_dead_pid(), 1), opa=(sleeper.pid, _start_time(sleeper.pid)))
    assert status(settings) is None
    assert sleeper.wait(timeout=5) is not None


def test_a_recycled_pid_is_never_signalled(settings: Settings, sleeper: subprocess.Popen[bytes]) -> None:
    wrong_start = _start_time(sleeper.pid) - 1
    _record(settings, kafka=(sleeper.pid, wrong_start), opa=(sleeper.pid, wrong_start))
    assert not is_running(sleeper.pid, wrong_start)
    lines = down(settings)
    assert lines[:2] == [
        f"OPA {OPA_VERSION} (pid {sleeper.pid}) had already exited",
        f"Kafka {KAFKA_VERSION} (pid {sleeper.pid}) had already exited",
    ]
    assert sleeper.poll() is None


def test_down_stops_the_recorded_processes(
    settings: Settings, spawn_sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    kafka, opa = spawn_sleeper(), spawn_sleeper()
    state = _record(settings, kafka=(kafka.pid, _start_time(kafka.pid)), opa=(opa.pid, _start_time(opa.pid)))
    assert status(settings) == state
    assert down(settings) == [
        f"stopped OPA {OPA_VERSION} (pid {opa.pid})",
        f"stopped Kafka {KAFKA_VERSION} (pid {kafka.pid})",
        f"removed Kafka data {state.kafka.nodes[0].data_dir}",
    ]
    assert kafka.poll() is not None and opa.poll() is not None
    assert status(settings) is None
    assert down(settings) == []


def test_down_stops_the_policy_bundle_server_too(
    settings: Settings, spawn_sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    kafka, opa, bundles = spawn_sleeper(), spawn_sleeper(), spawn_sleeper()
    _record(
        settings, kafka=(kafka.pid, _start_time(kafka.pid)), opa=(opa.pid, _start_time(opa.pid)),
        bundles=(bundles.pid, _start_time(bundles.pid)),
    )  # fmt: skip
    assert f"stopped the policy bundle server python 3.11 (pid {bundles.pid})" in down(settings)
    assert bundles.poll() is not None


def test_a_stack_of_other_versions_than_the_pins_is_outdated(
    settings: Settings, sleeper: subprocess.Popen[bytes]
) -> None:
    """`up` replaces such a stack (one started before an upgrade) instead of reusing it."""
    state = _record(
        settings,
        kafka=(sleeper.pid, _start_time(sleeper.pid)),
        opa=(_dead_pid(), 1),
        bundles=(_dead_pid(), 1),
    )
    assert outdated(state) == []
    old_kafka = state.kafka.model_copy(update={"version": "3.9.2"})
    old_opa = state.opa.model_copy(update={"version": "1.19.1"})
    assert outdated(state.model_copy(update={"kafka": old_kafka, "opa": old_opa})) == [
        f"Kafka 3.9.2 (pinned: {KAFKA_VERSION})",
        f"OPA 1.19.1 (pinned: {OPA_VERSION})",
    ]
    # One whose OPA watched the policy directory, from before signed bundles.
    assert outdated(state.model_copy(update={"bundles": None})) == [
        "policies from a watched directory (now: a signed bundle)"
    ]


def test_a_state_file_from_before_clusters_reads_as_one_node(
    settings: Settings, spawn_sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    """As `stack up` wrote it before clusters: one node's fields where the cluster is now. A stack
    started then is still known, shown and stopped."""
    root = settings.stack_path()
    (root / "kafka" / "data").mkdir(parents=True)
    sleeper, opa = spawn_sleeper(), spawn_sleeper()
    node = {"pid": sleeper.pid, "start_time": _start_time(sleeper.pid), "host": "127.0.0.1", "port": 41001}
    before = {
        "stack_dir": str(root),
        "started_at": "2026-12-07T08:00:00Z",
        "kafka": {
            **node, "log_file": str(root / "logs" / "kafka.log"), "version": KAFKA_VERSION,
            "controller_port": 41002, "bootstrap": "127.0.0.1:41001", "cluster_id": "x",
            "data_dir": str(root / "kafka" / "data"), "java_version": "17.0.15",
        },
        "opa": {
            **node, "pid": opa.pid, "start_time": _start_time(opa.pid), "port": 41003,
            "log_file": str(root / "logs" / "opa.log"), "version": OPA_VERSION,
            "url": "http://127.0.0.1:41003", "policy_dir": str(root),
        },
        "paused": ["kafka"],
    }  # fmt: skip
    (root / "state.json").write_text(json.dumps(before))
    state = load_state(StackPaths(root))
    assert state is not None
    (only,) = state.kafka.nodes
    assert (only.name, only.node_id, only.pid, only.port, only.controller_port) == (
        "kafka",
        1,
        sleeper.pid,
        41001,
        41002,
    )
    assert only.data_dir == root / "kafka" / "data" and only.broker_port is None
    assert (state.kafka.bootstrap, state.kafka.version, state.kafka.replication) == (
        "127.0.0.1:41001",
        KAFKA_VERSION,
        1,
    )
    assert state.paused == {"kafka"} and state.exited() == []
    assert status(settings) == state
    assert down(settings)[1] == f"stopped Kafka {KAFKA_VERSION} (pid {sleeper.pid})"


def test_a_cluster_outlives_one_dead_node_and_names_it(
    settings: Settings, spawn_sleeper: Callable[[], subprocess.Popen[bytes]]
) -> None:
    nodes, opa = [spawn_sleeper(), spawn_sleeper()], spawn_sleeper()
    alive = [(node.pid, _start_time(node.pid)) for node in nodes]
    state = _record(
        settings, kafka=[alive[0], (_dead_pid(), 1), alive[1]], opa=(opa.pid, _start_time(opa.pid))
    )
    assert state.kafka.replication == 3
    assert status(settings) == state
    assert state.exited() == ["kafka-2"]
    lines = down(settings)
    assert lines[:4] == [
        f"stopped OPA {OPA_VERSION} (pid {opa.pid})",
        f"stopped Kafka {KAFKA_VERSION} (kafka-1, pid {nodes[0].pid})",
        f"Kafka {KAFKA_VERSION} (kafka-2, pid {state.kafka.nodes[1].pid}) had already exited",
        f"stopped Kafka {KAFKA_VERSION} (kafka-3, pid {nodes[1].pid})",
    ]
    assert lines[4:] == [f"removed Kafka data {node.data_dir}" for node in state.kafka.nodes]


def test_a_cluster_whose_every_node_died_is_cleaned_up(
    settings: Settings, sleeper: subprocess.Popen[bytes]
) -> None:
    dead = [(_dead_pid(), 1) for _ in range(3)]
    _record(settings, kafka=dead, opa=(sleeper.pid, _start_time(sleeper.pid)))
    assert status(settings) is None
    assert sleeper.wait(timeout=5) is not None


def test_an_unreadable_state_file_counts_as_none(settings: Settings) -> None:
    settings.stack_path().mkdir(parents=True)
    (settings.stack_path() / "state.json").write_text('{"from": "an older version"}')
    assert status(settings) is None
    assert not (settings.stack_path() / "state.json").exists()


def test_endpoints_without_a_stack_say_what_to_do(settings: Settings) -> None:
    with pytest.raises(StackError, match=r"run `ketenpoort stack up` or set KAFKA_BOOTSTRAP"):
        endpoints(settings)


def test_endpoints_from_the_environment_need_no_stack(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("OPA_URL", "http://opa:8181")
    where = endpoints(Settings())
    assert (where.kafka_bootstrap, where.opa_url) == (
        "kafka-1:9092,kafka-2:9092",
        "http://opa:8181",
    )


def test_a_session_on_the_environment_starts_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092")
    monkeypatch.setenv("OPA_URL", "http://opa:8181")
    with stack_session(Settings()) as where:
        assert where.kafka_bootstrap == "kafka-1:9092"
    assert not settings.stack_path().exists()


def test_kafka_from_the_environment_still_needs_an_opa(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka-1:9092")
    with pytest.raises(StackError, match=r"no OPA server: .* set OPA_URL"):
        endpoints(Settings())


def test_the_stack_dir_defaults_to_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KETENPOORT_CACHE", str(tmp_path))
    monkeypatch.setenv("KETENPOORT_STACK_DIR", "")
    assert Settings().stack_path() == tmp_path / "stack"
    monkeypatch.setenv("KETENPOORT_STACK_DIR", str(tmp_path / "other"))
    assert Settings().stack_path("state.json") == tmp_path / "other" / "state.json"
