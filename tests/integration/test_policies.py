"""The policies' own checks, run by the real OPA binary: tests, coverage, formatting, strict compile."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gateway.settings import Settings
from gateway.stack import ensure_opa

MIN_COVERAGE = 90.0


@pytest.fixture(scope="module")
def opa(settings: Settings) -> Path:
    return ensure_opa(settings)


def run(opa: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(opa), *args], capture_output=True, text=True, timeout=120, check=False)


def test_policy_tests_pass(opa: Path, settings: Settings) -> None:
    result = run(opa, "test", "--timeout=60s", "--verbose", str(settings.policy_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout


def test_policy_tests_cover_the_policies(opa: Path, settings: Settings) -> None:
    result = run(opa, "test", "--timeout=60s", "--coverage", str(settings.policy_dir))
    assert result.returncode == 0, result.stderr
    coverage = json.loads(result.stdout)["coverage"]
    assert coverage >= MIN_COVERAGE, f"policy test coverage {coverage}% < {MIN_COVERAGE}%"


def test_policies_are_formatted(opa: Path, settings: Settings) -> None:
    result = run(opa, "fmt", "--list", "--fail", str(settings.policy_dir))
    assert result.returncode == 0, f"not opa-fmt formatted: {result.stdout}{result.stderr}"


def test_policies_compile_strictly(opa: Path, settings: Settings) -> None:
    result = run(opa, "check", "--strict", str(settings.policy_dir))
    assert result.returncode == 0, result.stdout + result.stderr
