"""Bringing the local stack up and down, and telling where Kafka and OPA are.

`up` and `down` hold `<stack dir>/stack.lock`, so two commands never start or stop one stack twice.
`status` reads the state file without the lock (it is replaced atomically) and takes the lock only
to clean up after a stack that died.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from gateway.kafka import KafkaConnection
from gateway.principals import SUPER_USERS, Credentials, Principals, provision
from gateway.settings import APPROVERS_IN_STACK, AUDIT_KEY_IN_STACK, Settings
from tools.stack import kafka, opa, process, tools
from tools.stack.cache import file_lock
from tools.stack.errors import StackError
from tools.stack.kafka_config import NodePorts
from tools.stack.policy import LocalPolicy, wait_active
from tools.stack.state import (
    BundleServerState,
    Component,
    Endpoints,
    KafkaState,
    OpaState,
    StackPaths,
    StackState,
    connect_as,
    load_state,
    remove_state,
    save_state,
)

STOP_TIMEOUT_S = 30.0  # a clean KRaft shutdown takes a second or two; SIGKILL after this


def _paths(settings: Settings) -> StackPaths:
    return StackPaths(settings.stack_path().absolute())


BROKER_COUNTS = (1, 3)


def up(settings: Settings, brokers: int | None = None) -> tuple[StackState, bool]:
    """Start the local stack, or return the running one; the bool says whether it started now.
    `brokers` Kafka nodes (1, or 3 as in docker-compose.yml); None takes the running stack as it is,
    else starts one node. A stack that runs other versions than this code pins (started before an
    upgrade), or another number of nodes than asked for, is replaced, never reused. Either way
    every topic exists when it returns, so adapters can send at once."""
    if brokers is not None and brokers not in BROKER_COUNTS:
        raise StackError(
            f"the local stack runs 1 Kafka node or 3 (docker-compose.yml's shape), not {brokers}"
        )
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is not None:
            shape = brokers is None or len(current.kafka.nodes) == brokers
            if shape and current.is_running() and not outdated(current) and _is_healthy(current):
                # A stack started by an earlier version of this code gets the topics and ACLs
                # this one has (the principals file and the topic table may have grown).
                admin = current.kafka_as("admin")
                provision(admin, Principals.load(), current.credentials())
                _create_topics(settings, current.kafka, admin)
                return current, False
            _teardown(current, paths)
        state = _start(settings, paths, brokers or 1)
        save_state(paths, state)
        return state, True


def outdated(state: StackState) -> list[str]:
    """What the stack runs that this code does not pin, e.g. ["Kafka 3.9.2 (pinned: 4.4.0)"]."""
    versions = {
        "Kafka": (state.kafka.version, kafka.KAFKA_VERSION),
        "OPA": (state.opa.version, opa.OPA_VERSION),
    }
    found = [f"{name} {has} (pinned: {pinned})" for name, (has, pinned) in versions.items() if has != pinned]
    if state.bundles is None:
        found.append("policies from a watched directory (now: a signed bundle)")
    return found


def down(settings: Settings) -> list[str]:
    """Stop the processes recorded in the state file; return one line per thing done."""
    paths = _paths(settings)
    if not paths.state_file.exists():
        return []
    with file_lock(paths.lock_file):
        current = load_state(paths)
        return [] if current is None else _teardown(current, paths)


def status(settings: Settings) -> StackState | None:
    """The running local stack, or None (after cleaning up after a stack that has died)."""
    paths = _paths(settings)
    current = load_state(paths)
    if current is None or current.is_running():
        return current
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is None or current.is_running():
            return current
        _teardown(current, paths)
    return None


def endpoints(settings: Settings) -> Endpoints:
    """KAFKA_BOOTSTRAP and OPA_URL when set (each on its own), else the running local stack; and
    the Kafka credentials: KAFKA_USERNAME / KAFKA_PASSWORD, else KETENPOORT_KAFKA_CREDENTIALS, else
    the local stack's (when its Kafka is the one used), else none."""
    bootstrap, opa_url = settings.kafka_bootstrap, settings.opa_url
    if bootstrap and opa_url:
        return Endpoints(
            kafka_bootstrap=bootstrap, opa_url=opa_url, credentials=_credentials(settings, None),
            audit_key=settings.audit_signing_key, policy_approvers=settings.policy_approvers,
        )  # fmt: skip
    running = status(settings)
    if not bootstrap:
        if running is None:
            raise StackError("no Kafka broker: run `ketenpoort stack up` or set KAFKA_BOOTSTRAP")
        bootstrap = running.kafka.bootstrap
    if not opa_url:
        if running is None:
            raise StackError("no OPA server: run `ketenpoort stack up` or set OPA_URL")
        opa_url = running.opa.url
    stack_kafka = running if running is not None and not settings.kafka_bootstrap else None
    audit_key = settings.audit_signing_key or (
        stack_kafka.stack_dir.joinpath(*AUDIT_KEY_IN_STACK) if stack_kafka is not None else None
    )
    stack_opa = running if running is not None and not settings.opa_url and running.bundles else None
    approvers = settings.policy_approvers or (
        stack_opa.stack_dir.joinpath(*APPROVERS_IN_STACK) if stack_opa is not None else None
    )
    return Endpoints(
        kafka_bootstrap=bootstrap, opa_url=opa_url, credentials=_credentials(settings, stack_kafka),
        audit_key=audit_key, policy_approvers=approvers,
    )  # fmt: skip


def kafka_as(settings: Settings, principal: str) -> KafkaConnection:
    """Kafka alone, as `principal`, for what needs no OPA (adapters): KAFKA_BOOTSTRAP with the
    credentials from the settings, else the running local stack."""
    if settings.kafka_bootstrap:
        return connect_as(settings.kafka_bootstrap, _credentials(settings, None), principal)
    running = status(settings)
    if running is None:
        raise StackError("no Kafka broker: run `ketenpoort stack up` or set KAFKA_BOOTSTRAP")
    return connect_as(running.kafka.bootstrap, _credentials(settings, running), principal)


def _credentials(settings: Settings, stack_kafka: StackState | None) -> Credentials | None:
    if settings.kafka_username:
        if settings.kafka_password is None:
            raise StackError("KAFKA_USERNAME is set but KAFKA_PASSWORD is not")
        return Credentials(
            security_protocol=settings.kafka_security_protocol or "SASL_PLAINTEXT",
            sasl_mechanism=settings.kafka_sasl_mechanism,
            ssl_cafile=settings.kafka_ssl_cafile,
            passwords={settings.kafka_username: settings.kafka_password},
        )
    if settings.kafka_credentials:
        try:
            return Credentials.load(settings.kafka_credentials)
        except (OSError, ValueError) as error:
            raise StackError(
                f"cannot read the Kafka credentials {settings.kafka_credentials}: {error}"
            ) from None
    if stack_kafka is not None:
        return stack_kafka.credentials()
    if settings.kafka_security_protocol not in (None, "PLAINTEXT"):
        raise StackError(
            f"KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol} needs KAFKA_USERNAME and "
            "KAFKA_PASSWORD, or KETENPOORT_KAFKA_CREDENTIALS"
        )
    return None


@contextmanager
def stack_session(settings: Settings) -> Iterator[Endpoints]:
    """Endpoints for a test session or a demo: the environment's, else the running local stack's,
    else a local stack started now and taken down on exit (only then: a stack that already ran,
    perhaps for someone else, keeps running)."""
    if settings.kafka_bootstrap and settings.opa_url:
        yield endpoints(settings)
        return
    _, started = up(settings)
    try:
        yield endpoints(settings)
    finally:
        if started:
            down(settings)


def pause(settings: Settings, server: str, *, kill: bool = False) -> str:
    """Stop one server of the running stack on purpose, keeping its data and port: for trying what
    the gateway does without it. `server` is opa, kafka (every node) or one node of a cluster
    (kafka-2). `kill` sends SIGKILL instead of stopping it cleanly: a crash. `resume` starts it
    again."""
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is None:
            raise StackError(f"no local stack runs in {paths.root}")
        names = _servers(current, server)
        components = [current.servers()[name] for name in names]
        targets = [(component.pid, component.start_time) for component in components]
        if kill:
            process.kill(targets)
        else:
            process.stop(targets, timeout_s=STOP_TIMEOUT_S)
        save_state(paths, current.model_copy(update={"paused": current.paused | set(names)}))
    pids = ", ".join(str(component.pid) for component in components)
    return f"{'killed' if kill else 'paused'} {server} (pid {pids})"


def resume(settings: Settings, server: str) -> str:
    """Start a paused server again on the same port and data (or a node of a cluster that died),
    and wait until it is ready."""
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is None:
            raise StackError(f"no local stack runs in {paths.root}")
        names = _servers(current, server)
        stopped = set(current.paused) | set(current.exited())
        if not set(names) <= stopped:
            raise StackError(f"{server} is not paused in {paths.root}")
        updated = current
        if "opa" in names:
            assert current.bundles is not None, "an outdated stack is replaced before it is resumed"
            restarted_opa = _start_opa(
                settings.model_copy(update={"policy_dir": current.opa.policy_dir}),
                opa.ensure_opa(settings),
                LocalPolicy(paths.root),
                current.bundles,
                current.opa.port,
                paths,
            )
            updated = updated.model_copy(update={"opa": restarted_opa})
        nodes = [name for name in names if name != "opa"]
        if nodes:
            java, _ = tools.require_java()
            libs = kafka.ensure_kafka(settings)
            restarted = current.kafka
            for name in nodes:
                restarted = kafka.restart_node(restarted, name, java, libs, paths)
            kafka.wait_ready(restarted, current.kafka_as("admin"), nodes=nodes)
            updated = updated.model_copy(update={"kafka": restarted})
        save_state(paths, updated.model_copy(update={"paused": current.paused - set(names)}))
    return f"resumed {server}"


CATCH_UP_TIMEOUT_S = 120.0


def roll(settings: Settings, *, before_each: Callable[[str], None] | None = None) -> list[tuple[str, float]]:
    """A rolling restart of the cluster, as a platform team patches its brokers: one node at a
    time is stopped cleanly (SIGTERM: its partitions' leadership moves first), started again,
    and the next waits until no partition is under-replicated, so two in sync remain for every
    write throughout. `before_each(node)` is called before each node stops. Per node, the
    seconds from its stop to the cluster caught up."""
    current = status(settings)
    if current is None:
        raise StackError(f"no local stack runs in {settings.stack_path()}")
    if len(current.kafka.nodes) < 2:
        raise StackError("a rolling restart needs a cluster: `ketenpoort stack up --brokers 3`")
    admin = current.kafka_as("admin")
    took = []
    for node in current.kafka.nodes:
        if before_each is not None:
            before_each(node.name)
        began = time.monotonic()
        pause(settings, node.name)
        resume(settings, node.name)
        while kafka.under_replicated(admin) != 0:
            if time.monotonic() - began > CATCH_UP_TIMEOUT_S:
                raise StackError(f"{node.name} did not catch up within {CATCH_UP_TIMEOUT_S:.0f} s")
            time.sleep(0.5)
        took.append((node.name, time.monotonic() - began))
    return took


def _servers(state: StackState, server: str) -> list[str]:
    """The servers `server` names: opa, kafka (every node), or one node by its name."""
    nodes = [node.name for node in state.kafka.nodes]
    if server == "kafka":
        return nodes
    if server == "opa" or server in nodes:
        return [server]
    choices = ["opa", "kafka", *(nodes if len(nodes) > 1 else [])]
    raise StackError(f"unknown server {server!r}: {', '.join(choices)}")


def _is_healthy(state: StackState) -> bool:
    try:
        admin = state.kafka_as("admin")
    except (OSError, ValueError, KeyError):
        return False  # a stack from before its credentials file: start a new one
    return opa.is_healthy(state.opa.url) and kafka.is_healthy(admin)


def node_health(state: StackState) -> dict[str, bool]:
    """Per Kafka node: it answers an admin login on its own address, and the cluster counts it
    among its live brokers."""
    admin = state.kafka_as("admin")
    health = {}
    for node in state.kafka.nodes:
        brokers = kafka.live_brokers(admin.model_copy(update={"bootstrap": node.address}))
        health[node.name] = node.node_id in brokers
    return health


def _start(settings: Settings, paths: StackPaths, brokers: int) -> StackState:
    """Fetch what is missing, start Kafka's nodes and OPA side by side, wait for all to be ready."""
    java, java_version = tools.require_java()
    libs = kafka.ensure_kafka(settings)
    opa_binary = opa.ensure_opa(settings)
    per_node = 2 if brokers == 1 else 3  # client and controller listeners; in a cluster the brokers'
    free = process.free_ports(per_node * brokers + 2)
    opa_port, bundles_port = free.pop(), free.pop()
    ports = [NodePorts(*free[n * per_node : (n + 1) * per_node]) for n in range(brokers)]
    principals = Principals.load()
    credentials = Credentials().with_passwords_for([*SUPER_USERS, *principals.principals])
    credentials.save(paths.credentials_file)
    local_policy = LocalPolicy(paths.root)
    revision = local_policy.release(opa_binary, settings.policy_dir)
    started: list[tuple[int, int]] = []
    try:
        kafka_state = kafka.start_kafka(java, java_version, libs, paths, ports, credentials)
        started += kafka_state.targets()
        bundles_state = _start_bundle_server(local_policy, bundles_port, paths.logs / "bundles.log")
        started.append((bundles_state.pid, bundles_state.start_time))
        opa_state = _start_opa(settings, opa_binary, local_policy, bundles_state, opa_port, paths, revision)
        started.append((opa_state.pid, opa_state.start_time))
        admin = credentials.connection(kafka_state.bootstrap, "admin")
        kafka.wait_ready(kafka_state, admin)
        provision(admin, principals, credentials)
        _create_topics(settings, kafka_state, admin)
    except BaseException:
        process.stop(started, timeout_s=STOP_TIMEOUT_S)
        shutil.rmtree(paths.kafka_dir, ignore_errors=True)
        raise
    return StackState(
        stack_dir=paths.root,
        started_at=datetime.now(UTC),
        kafka=kafka_state,
        opa=opa_state,
        bundles=bundles_state,
    )


def _start_bundle_server(local_policy: LocalPolicy, port: int, log_file: Path) -> BundleServerState:
    popen = opa.start_bundle_server(local_policy.bundles, port, log_file)
    url = f"http://{process.LOOPBACK}:{port}"
    state = BundleServerState(
        pid=popen.pid, start_time=process.start_time_of(popen.pid), host=process.LOOPBACK, port=port,
        log_file=log_file, version=f"python {sys.version_info.major}.{sys.version_info.minor}", url=url,
        directory=local_policy.bundles,
    )  # fmt: skip
    opa.wait_serving(url, popen, log_file)
    return state


def _start_opa(
    settings: Settings,
    binary: Path,
    local_policy: LocalPolicy,
    bundles: BundleServerState,
    port: int,
    paths: StackPaths,
    revision: str | None = None,
) -> OpaState:
    """OPA polling the stack's bundle server; ready once it serves the bundle (of `revision`, or
    whichever the server has)."""
    state = opa.start_opa(
        binary, settings.policy_dir, port, paths.opa_dir, paths.logs / "opa.log",
        bundles=local_policy.opa_config(bundles.url),
    )  # fmt: skip
    opa.wait_ready(state)
    wait_active(state.url, revision, state.log_file)
    return state


def release_policies(settings: Settings) -> str:
    """Release the policy directory to the running stack's OPA, approved with the stack's
    development keys; returns the revision once OPA serves it."""
    paths = _paths(settings)
    current = load_state(paths)
    if current is None or current.bundles is None:
        raise StackError(f"no local stack with a policy bundle server runs in {paths.root}")
    revision = LocalPolicy(paths.root).release(opa.ensure_opa(settings), current.opa.policy_dir)
    wait_active(current.opa.url, revision, current.opa.log_file)
    return revision


def _create_topics(settings: Settings, state: KafkaState, admin: KafkaConnection) -> None:
    kafka.create_topics(state, admin, partitions=settings.topic_partitions)


def _teardown(state: StackState, paths: StackPaths) -> list[str]:
    """Stop what the state names, remove Kafka's data and the state file; say what happened."""
    cluster = len(state.kafka.nodes) > 1
    components: list[tuple[str, str | None, Component]] = [("OPA", None, state.opa)]
    if state.bundles is not None:
        components.append(("the policy bundle server", None, state.bundles))
    components += [("Kafka", node.name if cluster else None, node) for node in state.kafka.nodes]
    # A paused server's recorded pid is gone already; `process.stop` checks pid and start time, so
    # it never signals a process that happens to have reused the pid. Every node gets its SIGTERM
    # at once: the brokers shut down while the controllers' quorum is still there.
    outcomes = process.stop([(c.pid, c.start_time) for *_, c in components], timeout_s=STOP_TIMEOUT_S)
    lines = [
        _report(kind, node, c, outcome) for (kind, node, c), outcome in zip(components, outcomes, strict=True)
    ]
    for node in state.kafka.nodes:
        if node.data_dir.exists():
            shutil.rmtree(node.data_dir, ignore_errors=True)
            lines.append(f"removed Kafka data {node.data_dir}")
    remove_state(paths)
    paths.credentials_file.unlink(missing_ok=True)
    return lines


def _report(name: str, node: str | None, component: Component, outcome: process.Outcome) -> str:
    """One line: "stopped Kafka 4.4.0 (pid 7)", or for a node of a cluster "(kafka-2, pid 7)"."""
    what = f"{name} {component.version} ({f'{node}, ' if node else ''}pid {component.pid})"
    if outcome is process.Outcome.STOPPED:
        return f"stopped {what}"
    if outcome is process.Outcome.KILLED:
        return f"killed {what}: it did not stop within {STOP_TIMEOUT_S:.0f} s of SIGTERM"
    return f"{what} had already exited"
