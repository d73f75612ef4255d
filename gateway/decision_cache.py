"""Decisions cached by (policy revision, policy input), so OPA is asked once per distinct situation,
not once per signal and recipient.

The input holds attributes only (never identifiers or free text), so few distinct inputs exist and
the hit rate is high. The revision is a fingerprint of what OPA serves, refreshed in the background:
when a policy changes, new decisions are asked for within `refresh_s`. When OPA cannot be reached
the cache refuses to answer (fail closed): a cached decision is no reason to deliver while the
policy engine is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson

from gateway.alerts.rules import AlertDecision, alert_decisions
from gateway.decisions import Decision, DecisionError, PolicyEngine
from gateway.logging import get_logger

log = get_logger("gateway.decisions")

T = TypeVar("T")


class DecisionCache:
    def __init__(self, engine: PolicyEngine, *, refresh_s: float = 1.0, max_entries: int = 50_000) -> None:
        self.engine = engine
        self.refresh_s = refresh_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, bytes], dict[str, Decision]] = OrderedDict()
        self._alerts: OrderedDict[tuple[str, bytes], dict[str, AlertDecision]] = OrderedDict()
        self._revision: str | None = None
        self._checked_at = 0.0
        self._problem: str | None = "not started"
        self._refresher: asyncio.Task[None] | None = None
        self.hits = 0
        self.misses = 0

    @property
    def revision(self) -> str | None:
        return self._revision

    @property
    def problem(self) -> str | None:
        """Why no decision can be given right now, or None when the policy engine is reachable."""
        if self._problem is None and time.monotonic() - self._checked_at > 3 * self.refresh_s + 5:
            return "policy revision not checked recently"
        return self._problem

    async def start(self) -> None:
        await self.refresh()
        self._refresher = asyncio.create_task(self._refresh_forever(), name="policy-revision")

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher

    async def refresh(self) -> None:
        """Ask OPA for its current revision; forget every cached decision when it changed."""
        try:
            revision = await self.engine.revision()
        except DecisionError as error:
            if self._problem is None:
                log.warning("policy_engine_unavailable", error=str(error))
            self._problem = str(error)
            self._forget()
            return
        if revision != self._revision:
            if self._revision is not None:
                log.info("policy_changed", old_revision=self._revision, new_revision=revision)
            self._forget()
            self._revision = revision
        self._problem = None
        self._checked_at = time.monotonic()

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            await self.refresh()

    async def ensure_available(self) -> None:
        """Once per batch: the policy engine must answer now, or nothing of the batch is delivered,
        not even on decisions cached a moment ago."""
        if self.problem is not None:
            raise DecisionError(self.problem)
        try:
            await self.engine.check_health()
        except DecisionError as error:
            self._problem = str(error)
            self._forget()
            raise

    async def decide(self, policy_input: dict[str, Any]) -> tuple[str, dict[str, Decision]]:
        """(policy revision, decisions) for this input. Raises DecisionError when OPA is unavailable."""
        revision, decisions, hit = await self._cached(self._entries, policy_input, self.engine.decide)
        if hit:
            self.hits += 1
        else:
            self.misses += 1
        return revision, decisions

    async def alerts(self, policy_input: dict[str, Any]) -> dict[str, AlertDecision]:
        """The on-call alerts this input raises (gateway/alerts/rules.py), cached like decisions."""
        _, alerts, _ = await self._cached(
            self._alerts, policy_input, lambda query: alert_decisions(self.engine, query)
        )
        return alerts

    async def _cached(
        self,
        store: OrderedDict[tuple[str, bytes], T],
        policy_input: dict[str, Any],
        ask: Callable[[dict[str, Any]], Awaitable[T]],
    ) -> tuple[str, T, bool]:
        """(revision, answer, whether it was cached): asked of OPA only when not in `store`."""
        if self.problem is not None:
            raise DecisionError(self.problem)
        revision = self._revision
        assert revision is not None
        key = (revision, orjson.dumps(policy_input, option=orjson.OPT_SORT_KEYS))
        cached = store.get(key)
        if cached is not None:
            store.move_to_end(key)
            return revision, cached, True
        answer = await ask(policy_input)
        if revision == self._revision:  # a refresh in between made this answer's revision unknown
            store[key] = answer
            if len(store) > self.max_entries:
                store.popitem(last=False)
        return revision, answer, False

    def _forget(self) -> None:
        self._entries.clear()
        self._alerts.clear()
