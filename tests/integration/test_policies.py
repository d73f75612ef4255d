"""The policies' own checks, run by the real OPA binary: tests, coverage, formatting, strict compile."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gateway.settings import Settings
from tools.policy.checks import opa_test
from tools.stack import ensure_opa

MIN_COVERAGE = 90.0


@pytest.fixture(scope="module")
def opa(settings: Settings) -> Path:
    return ensure_opa(settings)


def run(opa: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(opa), *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def rego_tests(opa: Path, settings: Settings) -> tuple[bool, str, float | None]:
    """(passed, verbose output, coverage %), as `ketenpoort policy test` runs them."""
    return opa_test(opa, settings.policy_dir)


def test_policy_tests_pass(rego_tests: tuple[bool, str, float | None]) -> None:
    passed, output, _ = rego_tests
    assert passed, output
    assert "PASS" in output


def test_policy_tests_cover_the_policies(rego_tests: tuple[bool, str, float | None]) -> None:
    _, _, coverage = rego_tests
    assert coverage is not None, "opa test --coverage gave no coverage"
    assert coverage >= MIN_COVERAGE, f"policy test coverage {coverage}% < {MIN_COVERAGE}%"


def test_policies_are_formatted(opa: Path, settings: Settings) -> None:
    result = run(opa, "fmt", "--list", "--fail", str(settings.policy_dir))
    assert result.returncode == 0, f"not opa-fmt formatted: {result.stdout}{result.stderr}"


def test_policies_compile_strictly(opa: Path, settings: Settings) -> None:
    result = run(opa, "check", "--strict", str(settings.policy_dir))
    assert result.returncode == 0, result.stdout + result.stderr
