"""docker-compose.yml cannot run here (no Docker engine), so check that it stays true to the code:
real entry points, the real policy directory, the versions the local stack runs, real settings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from gateway.cli import app
from gateway.settings import Settings
from gateway.stack import KAFKA_VERSION, OPA_VERSION

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services(prefix: str) -> list[dict[str, Any]]:
    return [spec for name, spec in compose()["services"].items() if name.startswith(prefix)]


def test_the_gateway_command_is_a_real_entry_point() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    gateways = services("gateway")
    assert len(gateways) >= 2, "production runs more than one gateway instance"
    for spec in gateways:
        program, *arguments = spec["command"]
        assert scripts[program] == "gateway.cli:app"
        result = CliRunner().invoke(app, [*arguments, "--help"])
        assert result.exit_code == 0, result.output


def test_the_gateway_environment_names_real_settings() -> None:
    aliases = {"KAFKA_BOOTSTRAP", "OPA_URL"}
    fields = {f"KETENPOORT_{name.upper()}" for name in Settings.model_fields}
    for spec in services("gateway"):
        for variable in spec["environment"]:
            assert variable in aliases | fields, f"{variable} is not a Ketenpoort setting"
        assert spec["environment"]["OPA_URL"] == "http://opa:8181"


def test_each_gateway_replica_owns_its_own_share_of_the_partitions() -> None:
    gateways = services("gateway")
    instances = sorted(int(spec["environment"]["KETENPOORT_GATEWAY_INSTANCE"]) for spec in gateways)
    assert instances == list(range(len(gateways)))
    assert {int(spec["environment"]["KETENPOORT_GATEWAY_INSTANCES"]) for spec in gateways} == {len(gateways)}


def test_opa_serves_the_projects_policy_directory() -> None:
    [opa] = services("opa")
    host_path, container_path, *_ = opa["volumes"][0].split(":")
    assert (ROOT / host_path).resolve() == Settings().policy_dir.resolve()
    assert any(path.suffix == ".rego" for path in (ROOT / host_path).iterdir())
    assert opa["command"][-2:] == ["--watch", container_path]
    assert opa["image"] == f"openpolicyagent/opa:{OPA_VERSION.removeprefix('v')}"


def test_kafka_runs_the_version_of_the_local_stack_with_transaction_settings() -> None:
    kafkas = services("kafka")
    assert len(kafkas) == 3
    for spec in kafkas:
        assert spec["image"] == f"apache/kafka:{KAFKA_VERSION}"
        env = spec["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == 2
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert int(env["KAFKA_OFFSETS_RETENTION_MINUTES"]) >= 365 * 24 * 60


def test_the_image_runs_the_gateway() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["ketenpoort", "gateway", "run"]' in dockerfile
    assert "FROM python:3.11" in dockerfile
