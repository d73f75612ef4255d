"""`ketenpoort stack`: exit codes and one-line errors, without starting anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.settings import get_settings
from tools.stack.cli import stack_app

pytestmark = pytest.mark.unit


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {"KETENPOORT_STACK_DIR": str(tmp_path / "stack"), "KAFKA_BOOTSTRAP": "", "OPA_URL": ""}
    get_settings.cache_clear()


def test_status_exits_1_when_nothing_runs(env: dict[str, str]) -> None:
    result = CliRunner().invoke(stack_app, ["status"], env=env)
    assert result.exit_code == 1
    assert "No local stack runs" in result.output


def test_down_says_nothing_ran(env: dict[str, str]) -> None:
    result = CliRunner().invoke(stack_app, ["down"], env=env)
    assert result.exit_code == 0
    assert "Nothing to stop" in result.output


def test_a_stack_error_is_one_red_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    result = CliRunner().invoke(stack_app, ["up"], env={**env, "PATH": str(empty), "JAVA_HOME": ""})
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: `java` not found on PATH: install a Java 17+ runtime")
    assert "Traceback" not in result.output


def test_the_stack_runs_one_kafka_node_or_three(env: dict[str, str]) -> None:
    result = CliRunner().invoke(stack_app, ["up", "--brokers", "2"], env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "the local stack runs 1 Kafka node or 3 (docker-compose.yml's shape), not 2" in result.stderr


def test_pausing_without_a_stack_says_so(env: dict[str, str]) -> None:
    result = CliRunner().invoke(stack_app, ["pause", "kafka-2", "--kill"], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no local stack runs in ")
