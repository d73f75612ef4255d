"""Shared fixtures. Integration and scenario tests talk to a real Kafka broker and a real OPA:
`KAFKA_BOOTSTRAP` / `OPA_URL` if set, else a running local stack, else one started for this session
(and stopped at its end).

Kafka lets nobody in without logging in, and then only as far as gateway/principals.yaml allows, so a
test connects as whom it plays (`stack.kafka("police")` to send as the police, `stack.kafka("gateway")`
for the gateway under test) and as `admin` only to set up and to look. Against a Kafka of your own,
give its credentials file as KETENPOORT_KAFKA_CREDENTIALS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gateway.decisions import PolicyEngine
from gateway.settings import Settings
from tools.stack import Endpoints, stack_session

TESTS = Path(__file__).parent


FIRST_ON_THE_CLUSTER = "test_oncall_sigkill.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the folder it lives in, so `-m unit` and `-m integration` select them.
    The on-call service's kill test goes first of those on the shared three-node cluster: the
    others leave thousands of alerts and obligations there, which its on-call process (delivering
    to real receivers, escalating in seconds) would work through before the test's own."""
    for item in items:
        kind = Path(item.fspath).relative_to(TESTS).parts[0]
        if kind in ("unit", "integration", "scenario"):
            item.add_marker(getattr(pytest.mark, kind))
    first = [item for item in items if Path(item.fspath).name == FIRST_ON_THE_CLUSTER]
    if first:
        at = min(n for n, item in enumerate(items) if "three_brokers" in getattr(item, "fixturenames", ()))
        rest = [item for item in items if item not in first]
        at = min(at, len(rest))
        items[:] = rest[:at] + first + rest[at:]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[Endpoints]:
    with stack_session(settings) as endpoints:
        yield endpoints


@pytest.fixture
async def engine(stack: Endpoints) -> AsyncIterator[PolicyEngine]:
    """A client of the session's real OPA."""
    engine = PolicyEngine(stack.opa_url)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.close()
