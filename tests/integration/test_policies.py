"""The policies' formatting and strict compile, by the real OPA binary. Their tests and coverage are
checked as `ketenpoort policy test` runs them (tests/integration/test_policy_tools.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gateway.settings import Settings
from tools.stack import ensure_opa


@pytest.fixture(scope="module")
def opa(settings: Settings) -> Path:
    return ensure_opa(settings)


def run(opa: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(opa), *args], capture_output=True, text=True, timeout=120, check=False)


def test_policies_are_formatted(opa: Path, settings: Settings) -> None:
    result = run(opa, "fmt", "--list", "--fail", str(settings.policy_dir))
    assert result.returncode == 0, f"not opa-fmt formatted: {result.stdout}{result.stderr}"


def test_policies_compile_strictly(opa: Path, settings: Settings) -> None:
    result = run(opa, "check", "--strict", str(settings.policy_dir))
    assert result.returncode == 0, result.stdout + result.stderr
