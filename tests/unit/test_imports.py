"""The import rule that keeps the layout true (docs/architecture.md, "Packages"): one kernel, three
services that depend on it and never on each other, and tools apart that nothing depends on.

Each module of gateway/, oncall/, adapters/ and tools/ belongs to one part, by its dotted name (the first
prefix that matches, in the order below); a module may import only the parts its own part may.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

PARTS: dict[str, tuple[str, ...]] = {
    # Tools: the local stack, contracts, policy tools, the demo and the command line's assembly.
    "tools": ("tools",),
    # The gateway service: one signal's way, its consequences, its audit and its HTTP APIs.
    "gateway service": (
        "gateway.app",
        "gateway.service",
        "gateway.intake",
        "gateway.fanout",
        "gateway.router",
        "gateway.pipeline",
        "gateway.redact",
        "gateway.consequences",
        "gateway.matches",
        "gateway.involvements",
        "gateway.involvement_api",
        "gateway.timeline",
        "gateway.signal_ids",
        "gateway.obligations",
        "gateway.informing",
        "gateway.alerts",
        "gateway.audit",
        "gateway.metrics",
        "gateway.health",
        "gateway.reconcile",
        "gateway.retention_sweep",
    ),
    "on-call service": ("oncall",),
    "adapters": ("adapters",),
    # Everything else in gateway/ is the kernel: schemas, Kafka, topics, settings, logging,
    # pseudonyms, access, HTTP, certificates, the signed webhook, the policy engine and its cache.
    "kernel": ("gateway",),
}
MAY_IMPORT: dict[str, set[str]] = {
    "kernel": {"kernel"},
    "gateway service": {"kernel", "gateway service"},
    "on-call service": {"kernel", "on-call service"},
    "adapters": {"kernel", "adapters"},
    "tools": set(PARTS),
}


def part_of(module: str) -> str:
    for part, prefixes in PARTS.items():
        if any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes):
            return part
    raise AssertionError(f"{module} belongs to no part")


def modules() -> dict[str, Path]:
    found = {}
    for package in ("gateway", "oncall", "adapters", "tools"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] in ("gateway", "oncall", "adapters", "tools")}


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_what_its_part_may(module: str) -> None:
    part = part_of(module)
    wrong = sorted(name for name in imported(MODULES[module]) if part_of(name) not in MAY_IMPORT[part])
    assert not wrong, f"{module} ({part}) imports {', '.join(f'{w} ({part_of(w)})' for w in wrong)}"


def test_the_rule_sees_every_part_and_would_catch_a_wrong_import() -> None:
    assert {part_of(module) for module in MODULES} == set(PARTS)
    assert part_of("tools.stack.kafka") == "tools" and part_of("gateway.kafka") == "kernel"
    assert "tools" not in MAY_IMPORT["gateway service"] and "adapters" not in MAY_IMPORT["on-call service"]
