"""The audit commands as people run them, and a case to audit: shared by the audit tests
(test_audit.py, test_audit_checkpoints.py); the fixtures are registered in conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner, Result

from adapters.publish import signal_record
from gateway.settings import Settings, get_settings
from tests.integration.kafka_helpers import Adapters
from tools.cli import app
from tools.contracts.examples import example
from tools.stack import Endpoints

runner = CliRunner()


def _cli_as(monkeypatch: pytest.MonkeyPatch, stack: Endpoints, principal: str, cache: Path) -> Iterator[None]:
    """The command line's environment: the stack's Kafka as `principal`, its OPA, a cache of its own."""
    for name, value in stack.environment(principal).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KETENPOORT_CACHE", str(cache))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def cli_env(stack: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The audit commands as the privacy officers run them: as `audit-reader`."""
    yield from _cli_as(monkeypatch, stack, "audit-reader", tmp_path / "cache")


@pytest.fixture
def admin_cli_env(stack: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The audit commands as `admin`: only a super user may read a throwaway copy of an audit topic."""
    yield from _cli_as(monkeypatch, stack, "admin", tmp_path / "cache")


async def send_case(settings: Settings, stack: Endpoints) -> dict[str, str]:
    """The release and the breach of the fictional case, with ids of their own, each sent by its
    sender: {type: signal id}."""
    key = settings.pseudonym_key.get_secret_value().encode()
    sent = {}
    async with Adapters(stack, "test-audit") as adapters:
        for name in ("release_from_custody", "breach_of_conditions"):
            case = example(name)
            record, envelope = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=key)
            await adapters.send_and_wait(record)
            sent[name] = str(envelope.id)
    return sent


async def invoke(*args: str) -> Result:
    """The command line, as a person runs it (it runs its own event loop, so not on the test's)."""
    return await asyncio.to_thread(runner.invoke, app, list(args))
