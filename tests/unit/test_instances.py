"""Static partition shares: every partition has exactly one instance for any count, an instance
count the partitions cannot carry is refused, and every transactional id a smaller count no longer
has is fenced by exactly one instance of it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from gateway.fanout import owned_partitions, retired_instances
from gateway.settings import Settings, get_settings, instance_problem
from tools.cli import app
from tools.gateways import running_supervisor, scale, state_path


@pytest.mark.parametrize("partitions", [1, 3, 6, 12])
def test_each_partition_has_one_instance_and_each_retired_id_one_fencer(partitions: int) -> None:
    for count in range(1, partitions + 1):
        shares = [owned_partitions(partitions, i, count) for i in range(count)]
        assert sorted(p for share in shares for p in share) == list(range(partitions))
        fenced = sorted(j for i in range(count) for j in retired_instances(partitions, i, count))
        assert fenced == list(range(count, partitions))


def test_one_to_three_over_three_partitions() -> None:
    assert owned_partitions(3, 0, 1) == [0, 1, 2]
    assert [owned_partitions(3, i, 3) for i in range(3)] == [[0], [1], [2]]
    assert retired_instances(3, 0, 1) == [1, 2]
    assert [retired_instances(3, i, 3) for i in range(3)] == [[], [], []]


def test_an_instance_out_of_range_or_more_instances_than_partitions_is_refused() -> None:
    assert instance_problem(0, 1, 3) is None
    assert "0 to 2" in (instance_problem(3, 3, 3) or "")
    assert "at most 3" in (instance_problem(0, 4, 3) or "")
    with pytest.raises(ValidationError, match="at most 3"):
        Settings(gateway_instances=4, topic_partitions=3)


def test_gateway_run_names_the_problem_before_it_connects() -> None:
    result = CliRunner().invoke(app, ["gateway", "run", "--instance", "2", "--instances", "2"])
    assert result.exit_code == 2
    assert "must be 0 to 1" in result.output
    result = CliRunner().invoke(app, ["gateway", "serve", "--instances", "4"])
    assert result.exit_code == 2
    assert "4 gateway instances over 3 partitions" in result.output


def test_a_second_serve_of_the_same_group_is_refused_and_scale_needs_one(tmp_path: Path) -> None:
    """Two supervisors of one group would run two counts at once, and read partitions twice."""
    settings = Settings(KETENPOORT_CACHE=tmp_path)
    with pytest.raises(ValueError, match="no `ketenpoort gateway serve` runs"):
        scale(settings, 2)
    other = subprocess.Popen(["sleep", "30"])
    try:
        state_path(settings).parent.mkdir(parents=True)  # under tmp_path, nowhere else
        assert state_path(settings).is_relative_to(tmp_path)
        state_path(settings).write_text(json.dumps({"pid": other.pid, "wanted": 1, "running": 1}))
        assert running_supervisor(settings) == other.pid
        get_settings.cache_clear()
        env = {"KETENPOORT_CACHE": str(tmp_path)}
        result = CliRunner().invoke(app, ["gateway", "serve", "--instances", "2"], env=env)
        get_settings.cache_clear()
        assert result.exit_code == 2
        assert f"already runs for group ketenpoort-gateway (pid {other.pid})" in result.output.replace(
            "\n", " "
        )
    finally:
        other.kill()
        other.wait()
    assert running_supervisor(settings) is None, "a supervisor that died left its file: ignored"
