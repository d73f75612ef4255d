"""Which OPA the privacy officer's commands ask: the running one, or a throwaway one of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from gateway.decisions import DecisionError, PolicyEngine
from gateway.policy_approvals import Approvers
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


async def policy_state(settings: Settings, engine: PolicyEngine) -> tuple[str | None, tuple[str, ...]]:
    """The revision the engine serves, and the privacy officers who approved it where the
    deployment's approvers are known (the local stack's, or KETENPOORT_POLICY_APPROVERS) and their
    approvals hold; none otherwise (a policy directory, or a revision not approved)."""
    try:
        revision = (await engine.served()).revision
    except DecisionError:
        return None, ()
    try:
        path = settings.policy_approvers or endpoints(settings).policy_approvers
    except StackError:
        path = None
    if path is None or not path.exists():
        return revision, ()
    checking = PolicyEngine(engine.url, approvers=Approvers.load(path))
    await checking.start()
    try:
        return revision, (await checking.served()).approvers
    except DecisionError:
        return revision, ()
    finally:
        await checking.close()
