"""Shared fixtures. Integration and scenario tests talk to a real Kafka broker and a real OPA:
`KAFKA_BOOTSTRAP` / `OPA_URL` if set, else a running local stack, else one started for this session
(and stopped at its end).

Kafka lets nobody in without logging in, and then only as far as gateway/principals.yaml allows, so a
test connects as whom it plays (`stack.kafka("police")` to send as the police, `stack.kafka("gateway")`
for the gateway under test) and as `admin` only to set up and to look. Against a Kafka of your own,
give its credentials file as KETENPOORT_KAFKA_CREDENTIALS."""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import sys
import threading
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest

from gateway.decisions import PolicyEngine
from gateway.settings import APPROVERS_IN_STACK, Settings
from tools.policy.lint import ensure_regal
from tools.stack import Endpoints, stack_session

TESTS = Path(__file__).parent


FIRST_ON_THE_CLUSTER = "test_oncall_sigkill.py"
SOAK_TIMEOUT_S = 3600  # a long fault or scale run of make soak; pyproject.toml's `timeout` for the rest
REPORT_BEFORE_S = 5  # the stacks are written this long before pytest-timeout fails the test


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the folder it lives in, so `-m unit` and `-m integration` select them, and
    each on the three-node cluster `cluster` (make test runs those in a pytest of their own).
    The on-call service's kill test goes first of those on the shared three-node cluster: the
    others leave thousands of alerts and obligations there, which its on-call process (delivering
    to real receivers, escalating in seconds) would work through before the test's own."""
    for item in items:
        kind = Path(item.fspath).relative_to(TESTS).parts[0]
        if kind in ("unit", "integration", "scenario"):
            item.add_marker(getattr(pytest.mark, kind))
        if item.get_closest_marker("soak") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SOAK_TIMEOUT_S))
        if "three_brokers" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)
    global _lints
    _lints = any(Path(item.fspath).name == "test_policy_lint.py" for item in items)
    first = [item for item in items if Path(item.fspath).name == FIRST_ON_THE_CLUSTER]
    if first:
        at = min(n for n, item in enumerate(items) if "three_brokers" in getattr(item, "fixturenames", ()))
        rest = [item for item in items if item not in first]
        at = min(at, len(rest))
        items[:] = rest[:at] + first + rest[at:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Shortly before pytest-timeout fails a hanging test, what every thread and every pending
    asyncio task was doing, on stderr (shown with the failure): an integration test waits on
    Kafka and OPA in tasks, which a thread's stack alone does not show."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker and marker.args else float(item.config.getini("timeout") or 0)
    if limit <= REPORT_BEFORE_S:
        return (yield)
    timer = threading.Timer(limit - REPORT_BEFORE_S, _report_hang, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


def _report_hang(nodeid: str) -> None:
    out = sys.__stderr__
    if out is None:
        return
    print(f"\n=== {nodeid} is about to time out: every thread, then every pending task", file=out)
    faulthandler.dump_traceback(file=out, all_threads=True)
    for task in [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]:
        print(f"--- task {task.get_name()}: {task.get_coro()!r}", file=out)
        task.print_stack(limit=12, file=out)
    out.flush()


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The session's settings; its audit key and policy approvers named, so that a copy with
    another cache (a test's own) still signs the audit, and checks the policy revision's
    approvals, with the stack's."""
    defaults = Settings()
    return defaults.model_copy(
        update={
            "audit_signing_key": defaults.audit_key_path(),
            # The local stack's OPA serves signed bundles; an OPA named by OPA_URL is another's.
            "policy_approvers": defaults.policy_approvers
            or (None if defaults.opa_url else defaults.stack_path(*APPROVERS_IN_STACK)),
        }
    )


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[Endpoints]:
    with stack_session(settings) as endpoints:
        if _lints:
            _build_regal_meanwhile(settings)
        yield endpoints


_lints = False  # whether this run has Regal's tests (set at collection)


def _build_regal_meanwhile(settings: Settings) -> None:
    """On a fresh machine, build Regal (about a minute of Go) on the cores the integration tests
    leave idle, niced, so that its tests find it in the cache; they build it themselves, and
    report a failed build, if this has not finished or failed."""

    def build() -> None:
        with contextlib.suppress(Exception):
            ensure_regal(settings, niceness=19)

    threading.Thread(target=build, name="regal-build", daemon=True).start()


@pytest.fixture
async def engine(stack: Endpoints) -> AsyncIterator[PolicyEngine]:
    """A client of the session's real OPA."""
    engine = PolicyEngine(stack.opa_url)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.close()
