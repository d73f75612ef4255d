"""Policy answers cached by (rule, policy revision, policy input), so OPA is asked once per distinct
situation, not once per signal and recipient. One cache for every question (`ask(rule, input)`):
the sharing decisions, the alert rules, and whatever policy decides next; it knows none of them.

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
from typing import Any, TypeVar, cast

import orjson

from gateway.decisions import SHARING, Decision, DecisionError, PolicyEngine, Rule
from gateway.logging import get_logger

log = get_logger("gateway.decisions")

T = TypeVar("T")

REFRESH_LIMIT_S = 10.0  # one check of the revision: OPA's answers, each within its own timeout


class DecisionCache:
    def __init__(self, engine: PolicyEngine, *, refresh_s: float = 1.0, max_entries: int = 50_000) -> None:
        self.engine = engine
        self.refresh_s = refresh_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str, bytes], object] = OrderedDict()
        self._revision: str | None = None
        self._approvers: tuple[str, ...] = ()  # who approved the current revision, where checked
        self._checked_at = 0.0
        self._problem: str | None = "not started"
        self._refresher: asyncio.Task[None] | None = None
        self.hits = 0
        self.misses = 0

    @property
    def revision(self) -> str | None:
        return self._revision

    def approvers_of(self, revision: str) -> tuple[str, ...]:
        """The privacy officers who approved `revision`, when it is the current one."""
        return self._approvers if revision == self._revision else ()

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
            served = await self.engine.served()
        except DecisionError as error:
            if self._problem is None:
                log.warning("policy_engine_unavailable", error=str(error))
            self._problem = str(error)
            self._forget()
            return
        revision = served.revision
        if revision != self._revision:
            if self._revision is not None:
                log.info(
                    "policy_changed", old_revision=self._revision, new_revision=revision,
                    approvers=list(served.approvers),
                )  # fmt: skip
            self._forget()
            self._revision = revision
        self._approvers = served.approvers
        self._problem = None
        self._checked_at = time.monotonic()

    async def _refresh_forever(self) -> None:
        """Check the revision every `refresh_s`, each check within `REFRESH_LIMIT_S`. Nothing may
        end this task or hold it: without its checks the gateway stops deciding ("not checked
        recently") until it is restarted, which is what an unforeseen error or a request that
        never returned used to do (a gateway instance stood still for minutes in `bench.scale`)."""
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                async with asyncio.timeout(REFRESH_LIMIT_S):
                    await self.refresh()
            except Exception as error:  # reported as the problem; checked again next time
                log.warning("policy_refresh_failed", error=repr(error)[:300])
                self._problem = f"policy revision could not be checked: {error!r:.200}"
                self._forget()

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
        """(policy revision, decisions) of the sharing rule for this input."""
        return await self.ask(SHARING, policy_input)

    async def ask(self, rule: Rule[T], policy_input: dict[str, Any]) -> tuple[str, T]:
        """(policy revision, the rule's answer) for this input: asked of OPA only when not cached.
        Raises DecisionError when OPA is unavailable, even for an answer cached a moment ago."""
        if self.problem is not None:
            raise DecisionError(self.problem)
        revision = self._revision
        assert revision is not None
        key = (rule.path, revision, orjson.dumps(policy_input, option=orjson.OPT_SORT_KEYS))
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return revision, cast(T, self._entries[key])
        self.misses += 1
        answer = await rule.of(self.engine, policy_input)
        if revision == self._revision:  # a refresh in between made this answer's revision unknown
            self._entries[key] = answer
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return revision, answer

    def _forget(self) -> None:
        self._entries.clear()
