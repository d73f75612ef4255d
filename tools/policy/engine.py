"""Which OPA the privacy officer's commands ask: the running one, or a throwaway one of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from gateway.decisions import PolicyEngine
from gateway.settings import Settings
from tools.stack import StackError, endpoints, throwaway_opa


@asynccontextmanager
async def policy_engine(settings: Settings, policy_dir: Path | None = None) -> AsyncIterator[PolicyEngine]:
    """An engine serving `policy_dir` (a throwaway OPA), or else the running OPA (`OPA_URL` or the
    local stack), or else a throwaway OPA serving the project's policies."""
    if policy_dir is None:
        try:
            url = endpoints(settings).opa_url
        except StackError:
            url = None
        if url is not None:
            async with _engine(url) as engine:
                yield engine
            return
    with throwaway_opa(settings, policy_dir or settings.policy_dir) as url:
        async with _engine(url) as engine:
            yield engine


@asynccontextmanager
async def _engine(url: str) -> AsyncIterator[PolicyEngine]:
    engine = PolicyEngine(url)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.close()
