"""Bringing the local stack up and down, and telling where Kafka and OPA are.

`up` and `down` hold `<stack dir>/stack.lock`, so two commands never start or stop one stack twice.
`status` reads the state file without the lock (it is replaced atomically) and takes the lock only
to clean up after a stack that died.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from gateway.kafka import KafkaConnection
from gateway.principals import SUPER_USERS, Credentials, Principals, provision
from gateway.settings import Settings
from tools.stack import kafka, opa, process, tools
from tools.stack.cache import file_lock
from tools.stack.errors import StackError
from tools.stack.state import (
    Component,
    Endpoints,
    KafkaState,
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


def up(settings: Settings) -> tuple[StackState, bool]:
    """Start the local stack, or return the running one; the bool says whether it started now.
    A stack that runs other versions than this code pins (started before an upgrade) is replaced,
    never reused. Either way every topic exists when it returns, so adapters can send at once."""
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is not None:
            if current.is_running() and not outdated(current) and _is_healthy(current):
                # A stack started before `up` created the topics gets them now.
                _create_topics(settings, current.kafka, current.kafka_as("admin"))
                return current, False
            _teardown(current, paths)
        state = _start(settings, paths)
        save_state(paths, state)
        return state, True


def outdated(state: StackState) -> list[str]:
    """What the stack runs that this code does not pin, e.g. ["Kafka 3.9.2 (pinned: 4.4.0)"]."""
    versions = {
        "Kafka": (state.kafka.version, kafka.KAFKA_VERSION),
        "OPA": (state.opa.version, opa.OPA_VERSION),
    }
    return [f"{name} {has} (pinned: {pinned})" for name, (has, pinned) in versions.items() if has != pinned]


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
        return Endpoints(kafka_bootstrap=bootstrap, opa_url=opa_url, credentials=_credentials(settings, None))
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
    return Endpoints(
        kafka_bootstrap=bootstrap, opa_url=opa_url, credentials=_credentials(settings, stack_kafka)
    )


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


def pause(settings: Settings, server: str) -> str:
    """Stop one server of the running stack on purpose, keeping its data and port: for trying what
    the gateway does without it. `resume` starts it again."""
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is None:
            raise StackError(f"no local stack runs in {paths.root}")
        component = _server(current, server)
        process.stop([(component.pid, component.start_time)], timeout_s=STOP_TIMEOUT_S)
        save_state(paths, current.model_copy(update={"paused": current.paused | {server}}))
    return f"paused {server} (pid {component.pid})"


def resume(settings: Settings, server: str) -> str:
    """Start a paused server again on the same port and data, and wait until it is ready."""
    paths = _paths(settings)
    with file_lock(paths.lock_file):
        current = load_state(paths)
        if current is None or server not in current.paused:
            raise StackError(f"{server} is not paused in {paths.root}")
        if server == "kafka":
            java, _ = tools.require_java()
            restarted_kafka = kafka.restart_kafka(current.kafka, java, kafka.ensure_kafka(settings), paths)
            kafka.wait_ready(restarted_kafka, current.kafka_as("admin"))
            updated = current.model_copy(update={"kafka": restarted_kafka})
        else:
            restarted_opa = opa.start_opa(
                opa.ensure_opa(settings),
                current.opa.policy_dir,
                current.opa.port,
                paths.opa_dir,
                current.opa.log_file,
            )
            opa.wait_ready(restarted_opa)
            updated = current.model_copy(update={"opa": restarted_opa})
        save_state(paths, updated.model_copy(update={"paused": current.paused - {server}}))
    return f"resumed {server}"


def _server(state: StackState, server: str) -> Component:
    if server == "kafka":
        return state.kafka
    if server == "opa":
        return state.opa
    raise StackError(f"unknown server {server!r}: kafka or opa")


def _is_healthy(state: StackState) -> bool:
    try:
        admin = state.kafka_as("admin")
    except (OSError, ValueError, KeyError):
        return False  # a stack from before its credentials file: start a new one
    return opa.is_healthy(state.opa.url) and kafka.is_healthy(admin)


def _start(settings: Settings, paths: StackPaths) -> StackState:
    """Fetch what is missing, start both servers side by side, wait for both to be ready."""
    java, java_version = tools.require_java()
    libs = kafka.ensure_kafka(settings)
    opa_binary = opa.ensure_opa(settings)
    kafka_port, controller_port, opa_port = process.free_ports(3)
    principals = Principals.load()
    credentials = Credentials().with_passwords_for([*SUPER_USERS, *principals.principals])
    credentials.save(paths.credentials_file)
    started: list[Component] = []
    try:
        kafka_state = kafka.start_kafka(
            java, java_version, libs, paths, kafka_port, controller_port, credentials
        )
        started.append(kafka_state)
        opa_state = opa.start_opa(
            opa_binary, settings.policy_dir, opa_port, paths.opa_dir, paths.logs / "opa.log"
        )
        started.append(opa_state)
        opa.wait_ready(opa_state)
        admin = credentials.connection(kafka_state.bootstrap, "admin")
        kafka.wait_ready(kafka_state, admin)
        provision(admin, principals, credentials)
        _create_topics(settings, kafka_state, admin)
    except BaseException:
        process.stop([(c.pid, c.start_time) for c in started], timeout_s=STOP_TIMEOUT_S)
        shutil.rmtree(paths.kafka_data, ignore_errors=True)
        raise
    return StackState(
        stack_dir=paths.root,
        started_at=datetime.now(UTC),
        kafka=kafka_state,
        opa=opa_state,
    )


def _create_topics(settings: Settings, state: KafkaState, admin: KafkaConnection) -> None:
    kafka.create_topics(
        state, admin, partitions=settings.topic_partitions, replication=settings.topic_replication
    )


def _teardown(state: StackState, paths: StackPaths) -> list[str]:
    """Stop what the state names, remove Kafka's data and the state file; say what happened."""
    components = {"OPA": state.opa, "Kafka": state.kafka}
    # A paused server's recorded pid is gone already; `process.stop` checks pid and start time, so
    # it never signals a process that happens to have reused the pid.
    outcomes = process.stop([(c.pid, c.start_time) for c in components.values()], timeout_s=STOP_TIMEOUT_S)
    lines = [
        _report(name, c, outcome) for (name, c), outcome in zip(components.items(), outcomes, strict=True)
    ]
    if state.kafka.data_dir.exists():
        shutil.rmtree(state.kafka.data_dir, ignore_errors=True)
        lines.append(f"removed Kafka data {state.kafka.data_dir}")
    remove_state(paths)
    paths.credentials_file.unlink(missing_ok=True)
    return lines


def _report(name: str, component: Component, outcome: process.Outcome) -> str:
    what = f"{name} {component.version} (pid {component.pid})"
    if outcome is process.Outcome.STOPPED:
        return f"stopped {what}"
    if outcome is process.Outcome.KILLED:
        return f"killed {what}: it did not stop within {STOP_TIMEOUT_S:.0f} s of SIGTERM"
    return f"{what} had already exited"
