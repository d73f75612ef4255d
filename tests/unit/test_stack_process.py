"""Processes and the binary cache: spawning, stopping, ports, all-or-nothing installs."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tools.stack import StackError
from tools.stack.cache import install_atomically
from tools.stack.process import Outcome, free_ports, is_running, read_stat, spawn, stop

pytestmark = pytest.mark.unit

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def _started(child: subprocess.Popen[bytes]) -> tuple[int, int]:
    stat = read_stat(child.pid)
    assert stat is not None
    return child.pid, stat.start_time


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_spawn_runs_in_its_own_session_and_logs_to_a_file(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "child.log"
    child = spawn([sys.executable, "-c", "print('hello from the child')"], log, cwd=tmp_path)
    child.wait(timeout=10)
    assert "hello from the child" in log.read_text()
    live = spawn([sys.executable, "-c", "import time; time.sleep(60)"], log, cwd=tmp_path)
    stat = read_stat(live.pid)
    assert stat is not None and stat.pgrp == live.pid
    assert stop([_started(live)]) == [Outcome.STOPPED]


def test_spawn_of_a_missing_program_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="cannot start /nonexistent/server"):
        spawn(["/nonexistent/server"], tmp_path / "log", cwd=tmp_path)


def test_stop_terminates_then_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    polite = spawn([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "a", cwd=tmp_path)
    stubborn = subprocess.Popen(
        [sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE, start_new_session=True
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    targets = [_started(polite), _started(stubborn)]
    assert stop(targets, timeout_s=1.0) == [Outcome.STOPPED, Outcome.KILLED]
    assert not any(is_running(pid, start) for pid, start in targets)
    assert stop(targets, timeout_s=1.0) == [Outcome.GONE, Outcome.GONE]


def test_a_failed_install_leaves_nothing_behind(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        (tmp / "half.jar").write_text("")
        raise StackError("registry unreachable")

    with pytest.raises(StackError, match="registry unreachable"):
        install_atomically(tmp_path / "1.0", broken, lambda d: (d / "tool").is_file())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.lock"]


def test_an_install_is_renamed_into_place_once(tmp_path: Path) -> None:
    calls: list[Path] = []

    def build(tmp: Path) -> None:
        calls.append(tmp)
        (tmp / "tool").write_text("#!/bin/sh\n")

    def complete(d: Path) -> bool:
        return (d / "tool").is_file()

    final = tmp_path / "1.0"
    assert install_atomically(final, build, complete) == final
    assert install_atomically(final, build, complete) == final
    assert len(calls) == 1
    assert (final / "tool").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0", "1.0.lock"]
