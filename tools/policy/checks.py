"""`ketenpoort policy test`: the policies' own tests (opa test) and the chain's guarantees
(gateway/policy_checks.yaml), both against the real policy engine."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gateway.decisions import Decision, Level, PolicyEngine, policy_input
from tools.contracts.examples import example

CHECKS = Path(__file__).parents[2] / "gateway" / "policy_checks.yaml"


@dataclass(frozen=True)
class CheckResult:
    name: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def covers(decision: Decision, path: str) -> bool:
    """Whether a recipient with this decision receives the field at `path`."""
    if decision.level is Level.FULL and not decision.fields:
        return True
    if decision.level not in (Level.FULL, Level.FIELDS):
        return False
    return any(path == granted or path.startswith(f"{granted}.") for granted in decision.fields)


def judge(decision: Decision, expected: dict[str, Any]) -> list[str]:
    failures = []
    for path in expected.get("receives", ()):
        if not covers(decision, path):
            failures.append(f"does not receive {path} (level {decision.level.value})")
    for path in expected.get("withholds", ()):
        if covers(decision, path):
            failures.append(f"receives {path}, which it must not")
    if "level" in expected and decision.level.value not in expected["level"]:
        failures.append(f"level {decision.level.value}, expected one of {', '.join(expected['level'])}")
    if "urgency" in expected and decision.urgency != expected["urgency"]:
        failures.append(f"urgency {decision.urgency}, expected {expected['urgency']}")
    return failures


async def run_checks(engine: PolicyEngine, path: Path = CHECKS) -> list[CheckResult]:
    results = []
    for check in yaml.safe_load(path.read_text()):
        case = example(check["signal"])
        attributes = {**case.signal.attributes(), **check.get("attributes", {})}
        sender, involved = check.get("sender", case.sender), frozenset(check.get("involved", ()))
        decisions = await engine.decide(policy_input(case.name, sender, "1.0", attributes, involved=involved))
        failures = [
            f"{org}: {failure}"
            for org, expected in check["expect"].items()
            for failure in judge(decisions[org], expected)
        ]
        results.append(CheckResult(check["name"], tuple(failures)))
    return results


def opa_test(opa: Path, policy_dir: Path) -> tuple[bool, str, float | None]:
    """(passed, verbose output, coverage %) of the Rego unit tests."""
    # Each test may take up to a minute (OPA's default is 5 s): coverage runs slowly on a busy machine.
    base = [str(opa), "test", "--timeout=60s"]
    verbose = subprocess.run(
        [*base, "--verbose", str(policy_dir)], capture_output=True, text=True, check=False
    )
    coverage_run = subprocess.run(
        [*base, "--coverage", str(policy_dir)], capture_output=True, text=True, check=False
    )
    try:
        coverage: float | None = float(json.loads(coverage_run.stdout)["coverage"])
    except (ValueError, KeyError):
        coverage = None
    return verbose.returncode == 0, verbose.stdout + verbose.stderr, coverage
