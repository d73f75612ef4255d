"""Spawning and stopping the stack's server processes, and picking free loopback ports.

A process is known by its pid *and* its start time (field 22 of /proc/<pid>/stat, in clock ticks
after boot): a pid the kernel has since handed to another program never matches both, so the
stack never signals a stranger. Every server runs in its own session: its pid is also its group.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tools.stack.errors import StackError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class ProcessStat:
    """The parts of /proc/<pid>/stat the stack relies on."""

    state: str
    pgrp: int
    start_time: int


class Outcome(Enum):
    """How `stop` ended a process."""

    STOPPED = "stopped"
    KILLED = "killed"
    GONE = "had already exited"


def read_stat(pid: int) -> ProcessStat | None:
    """The process's state, group and start time, or None when no such process exists."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    fields = raw[raw.rfind(")") + 2 :].split()
    return ProcessStat(state=fields[0], pgrp=int(fields[2]), start_time=int(fields[19]))


def start_time_of(pid: int) -> int:
    stat = read_stat(pid)
    if stat is None:
        raise StackError(f"process {pid} exited right after it was started")
    return stat.start_time


def is_running(pid: int, start_time: int) -> bool:
    """True while the very process that was started (same pid, same start time) is alive."""
    stat = read_stat(pid)
    if stat is None or stat.start_time != start_time:
        return False
    if stat.state in ("Z", "X"):
        # A zombie has exited, unless it is our own child whose other threads are still exiting.
        return not _reap(pid)
    return True


def free_ports(count: int) -> list[int]:
    """`count` distinct ports on 127.0.0.1 that were free a moment ago (the kernel picks them)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_open(port: int, host: str = LOOPBACK, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def spawn(
    argv: Sequence[str], log_file: Path, *, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own session, stdout and stderr appended to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_file.open("ab") as log:
            return subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                start_new_session=True,
                close_fds=True,
            )
    except OSError as exc:
        raise StackError(f"cannot start {argv[0]}: {exc.strerror or exc}") from exc


def stop(targets: Sequence[tuple[int, int]], timeout_s: float = 20.0) -> list[Outcome]:
    """Stop each (pid, start time): SIGTERM to its group, SIGKILL to what is left after `timeout_s`.

    All targets get their SIGTERM first, so they shut down side by side.
    """
    outcomes = [Outcome.GONE] * len(targets)
    for index, (pid, start_time) in enumerate(targets):
        if _signal(pid, start_time, signal.SIGTERM):
            outcomes[index] = Outcome.STOPPED
    if not _wait_gone(targets, timeout_s):
        for index, (pid, start_time) in enumerate(targets):
            if _signal(pid, start_time, signal.SIGKILL):
                outcomes[index] = Outcome.KILLED
        if not _wait_gone(targets, 5.0):
            alive = [str(pid) for pid, start in targets if is_running(pid, start)]
            raise StackError(f"process {', '.join(alive)} survived SIGKILL; check `ps -p {alive[0]}`")
    return outcomes


def kill(targets: Sequence[tuple[int, int]]) -> list[Outcome]:
    """SIGKILL each (pid, start time) still running, as a crash would end it, and wait until gone."""
    outcomes = [
        Outcome.KILLED if _signal(pid, start_time, signal.SIGKILL) else Outcome.GONE
        for pid, start_time in targets
    ]
    if not _wait_gone(targets, 5.0):
        alive = [str(pid) for pid, start in targets if is_running(pid, start)]
        raise StackError(f"process {', '.join(alive)} survived SIGKILL; check `ps -p {alive[0]}`")
    return outcomes


def _signal(pid: int, start_time: int, sig: signal.Signals) -> bool:
    """Signal the process (its whole group when it leads one) if it is still the one we started."""
    if not is_running(pid, start_time):
        return False
    stat = read_stat(pid)
    try:
        if stat is not None and stat.pgrp == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(targets: Sequence[tuple[int, int]], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if not any(is_running(pid, start) for pid, start in targets):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _reap(pid: int) -> bool:
    """Collect the exit status of our own child, so it does not linger as a zombie.

    False only for our child that cannot be collected yet; True once it is, or if it is not ours
    (then its own parent, or init, collects it).
    """
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return reaped == pid
