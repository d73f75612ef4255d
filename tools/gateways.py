"""`ketenpoort gateway serve`: N gateway instances as processes of their own, supervised.

Instance i of n runs `ketenpoort gateway run --instance i --instances n`, with its HTTP port the
base port plus i. An instance that exits without being asked to (a crash, a SIGKILL) is started
again after `RESTART_DELAY_S`; under its own transactional id it fences what it left open and
continues from its committed offsets. An instance that exits because another process took over its
number (`FENCED`: someone ran `gateway run` with the same number and group) is not started again:
the newer process goes on, and the supervisor says so (`gateway_instance_replaced`).

The count changes only as a whole (`ketenpoort gateway scale N`, or SIGHUP after the state file's
`wanted` changed): every instance is stopped with SIGTERM, each finishing its batch (committed)
before it exits, and only then is the new count started. Static partition shares change with the
count, so no two counts may ever run at once: this stop-then-start is the hand-over, and the pause
in between is the price (docs/operations.md, "Scale the gateway"). A new count's instances also
fence the transactional ids of the instances it no longer has (gateway/fanout.py, `fence`).

The state file (`<cache>/gateways/<group>.json`) holds the supervisor's pid, the count wanted and
running, and each instance's pid and port, for `scale` and for operators.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from gateway.logging import get_logger
from gateway.settings import Settings, instance_problem

log = get_logger("gateways")

RESTART_DELAY_S = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
MISCONFIGURED = 2  # `gateway run`'s exit code for a configuration it cannot run with
FENCED = 3  # `gateway run`'s exit code once another process took over its instance number
STOP_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 60.0
POLL_S = 0.2


def state_path(settings: Settings) -> Path:
    return settings.cache_path("gateways", f"{settings.gateway_group_id}.json")


def read_state(settings: Settings) -> dict[str, object] | None:
    path = state_path(settings)
    try:
        loaded: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded


def _stop_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the supervisor dies, even by SIGKILL, so a new
    supervisor never starts a count beside instances of the old one (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Instance:
    number: int
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    replaced: bool = False  # fenced by another process under its id: not started again


@dataclass
class Supervisor:
    """Runs `count` instances until stopped; `command` is how to run one (tests give the venv's)."""

    settings: Settings
    count: int
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "tools.cli"])
    instances: list[Instance] = field(default_factory=list)
    exit_code: int = 0
    _stopping: bool = False
    _rescale: bool = False

    def run(self) -> int:
        """Until SIGTERM or SIGINT (0), or an instance that exits as misconfigured (2)."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_rescale)
        state_path(self.settings).unlink(missing_ok=True)  # a supervisor that died left it
        self._start_all()
        try:
            while not self._stopping:
                if self._rescale:
                    self._rescale = False
                    self._apply_wanted()
                self._restart_exited()
                time.sleep(POLL_S)
        finally:
            self._stop_all()
            state_path(self.settings).unlink(missing_ok=True)
        return self.exit_code

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _on_rescale(self, signum: int, frame: FrameType | None) -> None:
        self._rescale = True

    def _apply_wanted(self) -> None:
        state = read_state(self.settings) or {}
        wanted = state.get("wanted", self.count)
        if not isinstance(wanted, int) or wanted == self.count:
            return
        problem = instance_problem(0, wanted, self.settings.topic_partitions)
        if problem:
            log.warning("gateways_scale_refused", wanted=wanted, problem=problem)
            return
        began = time.monotonic()
        self._stop_all()
        stopped = time.monotonic()
        self.count = wanted
        self._start_all()
        ready = self._wait_ready()
        log.info(
            "gateways_scaled", instances=wanted, stop_s=round(stopped - began, 2),
            pause_s=round(time.monotonic() - began, 2), ready=ready,
        )  # fmt: skip

    def _wait_ready(self) -> bool:
        """Until every instance answers ready (or READY_TIMEOUT_S): the pause a scale costs."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        waiting = {i.port for i in self.instances}
        with httpx.Client(timeout=1.0) as client:
            while waiting and time.monotonic() < deadline and not self._stopping:
                for port in sorted(waiting):
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(f"http://{self.settings.http_host}:{port}/health/ready").is_success:
                            waiting.discard(port)
                time.sleep(POLL_S)
        return not waiting

    def _start_all(self) -> None:
        base = self.settings.http_port
        self.instances = [Instance(i, base + i) for i in range(self.count)]
        for instance in self.instances:
            self._start(instance)
        self._write_state()

    def _start(self, instance: Instance) -> None:
        env = {
            **os.environ,
            "KETENPOORT_GATEWAY_INSTANCE": str(instance.number),
            "KETENPOORT_GATEWAY_INSTANCES": str(self.count),
            "KETENPOORT_HTTP_PORT": str(instance.port),
        }
        argv = [*self.command, "gateway", "run", "--instance", str(instance.number)]
        instance.process = subprocess.Popen(
            [*argv, "--instances", str(self.count)], env=env, preexec_fn=_stop_with_parent
        )
        instance.starts += 1
        log.info(
            "gateway_instance_started", instance=instance.number, instances=self.count,
            pid=instance.process.pid, port=instance.port, starts=instance.starts,
        )  # fmt: skip

    def _restart_exited(self) -> None:
        for instance in self.instances:
            process = instance.process
            if process is None or process.poll() is None or instance.replaced:
                continue
            log.warning("gateway_instance_exited", instance=instance.number, code=process.returncode)
            if process.returncode == FENCED:
                # Another process runs this instance number (started by hand, or elsewhere) and
                # fenced it: starting it again would fence that one in turn.
                log.error("gateway_instance_replaced", instance=instance.number)
                instance.replaced = True
                continue
            if process.returncode == MISCONFIGURED:
                # It named what is wrong (no stack, a refused setting): starting again cannot help.
                log.error("gateway_instance_misconfigured", instance=instance.number)
                self._stopping, self.exit_code = True, MISCONFIGURED
                return
            time.sleep(RESTART_DELAY_S)
            if self._stopping:
                return
            self._start(instance)
            self._write_state()

    def _stop_all(self) -> None:
        """SIGTERM to every instance at once; each commits its batch and exits. SIGKILL after
        STOP_TIMEOUT_S (the next start of its id then aborts what it left open)."""
        running = [i.process for i in self.instances if i.process is not None and i.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.info("gateway_instances_stopped", instances=len(running))

    def _write_state(self) -> None:
        path = state_path(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        before = read_state(self.settings) or {}
        state = {
            "pid": os.getpid(),
            "wanted": before.get("wanted", self.count),  # a `scale` not yet applied stays asked
            "running": self.count,
            "instances": [
                {"instance": i.number, "pid": i.process.pid if i.process else None, "port": i.port}
                for i in self.instances
            ],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(path)


def running_supervisor(settings: Settings) -> int | None:
    """The pid of a `gateway serve` of this group that still runs, as its state file says."""
    state = read_state(settings)
    pid = state.get("pid") if state else None
    if not isinstance(pid, int) or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # it died and left its file
    except PermissionError:
        pass
    return pid


def scale(settings: Settings, wanted: int) -> int:
    """Ask the running supervisor of this group for `wanted` instances; returns its pid."""
    problem = instance_problem(0, wanted, settings.topic_partitions)
    if problem:
        raise ValueError(problem)
    pid = running_supervisor(settings)
    state = read_state(settings)
    if pid is None or state is None:
        raise ValueError(f"no `ketenpoort gateway serve` runs for group {settings.gateway_group_id}")
    state["wanted"] = wanted
    path = state_path(settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)
    os.kill(pid, signal.SIGHUP)
    return pid
