"""The decision cache, against a scripted policy engine (the real OPA is in the integration tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from gateway import decision_cache
from gateway.decision_cache import DecisionCache
from gateway.decisions import Decision, DecisionError, Level, PolicyEngine, Served, policy_input

QUERY = policy_input("risk_assessment", "police", "1.0", {"risk_level": "hoog"})
OTHER = policy_input("risk_assessment", "police", "1.0", {"risk_level": "laag"})


class ScriptedEngine(PolicyEngine):
    """Answers from a script and counts the questions."""

    def __init__(self) -> None:
        self.current_revision = "r1"
        self.level = Level.FIELDS
        self.down = False
        self.asked = 0

    async def check_health(self) -> None:
        if self.down:
            raise DecisionError("policy engine unavailable: connection refused")

    async def served(self) -> Served:
        if self.down:
            raise DecisionError("policy engine unavailable: connection refused")
        return Served(self.current_revision, ())

    async def evaluate(self, path: str, policy_input: dict[str, Any]) -> Any:
        if self.down:
            raise DecisionError("policy engine unavailable: connection refused")
        self.asked += 1
        return {r["org"]: Decision(level=self.level).model_dump() for r in policy_input["recipients"]}


@pytest.fixture
async def engine_and_cache() -> Any:
    engine = ScriptedEngine()
    cache = DecisionCache(engine, refresh_s=3600)
    await cache.start()
    yield engine, cache
    await cache.close()


async def test_one_question_per_distinct_input(engine_and_cache: Any) -> None:
    engine, cache = engine_and_cache
    for _ in range(100):
        revision, decisions = await cache.decide(QUERY)
    await cache.decide(OTHER)
    assert engine.asked == 2
    assert (cache.hits, cache.misses) == (99, 2)
    assert revision == "r1"
    assert decisions["om"].level is Level.FIELDS


async def test_a_policy_change_invalidates_every_cached_decision(engine_and_cache: Any) -> None:
    engine, cache = engine_and_cache
    await cache.decide(QUERY)
    engine.current_revision, engine.level = "r2", Level.DAT
    await cache.refresh()
    revision, decisions = await cache.decide(QUERY)
    assert revision == "r2"
    assert decisions["om"].level is Level.DAT
    assert engine.asked == 2


async def test_no_decision_while_the_engine_is_down_not_even_a_cached_one(engine_and_cache: Any) -> None:
    engine, cache = engine_and_cache
    await cache.decide(QUERY)
    engine.down = True
    await cache.refresh()
    with pytest.raises(DecisionError, match="unavailable"):
        await cache.decide(QUERY)
    assert cache.problem is not None
    engine.down = False
    await cache.refresh()
    assert cache.problem is None
    await cache.decide(QUERY)
    assert engine.asked == 2  # the cache was emptied while the engine was down


async def test_a_cache_that_was_never_refreshed_refuses() -> None:
    cache = DecisionCache(ScriptedEngine())
    with pytest.raises(DecisionError, match="not started"):
        await cache.decide(QUERY)


async def test_the_cache_is_bounded(engine_and_cache: Any) -> None:
    engine, cache = engine_and_cache
    cache.max_entries = 3
    for level in ("a", "b", "c", "d", "a"):
        await cache.decide(policy_input("risk_assessment", "police", "1.0", {"x": level}))
    assert engine.asked == 5  # "a" was evicted before it was asked again


async def test_a_batch_needs_the_engine_to_answer_now(engine_and_cache: Any) -> None:
    engine, cache = engine_and_cache
    await cache.decide(QUERY)
    engine.down = True  # between two revision checks
    with pytest.raises(DecisionError, match="unavailable"):
        await cache.ensure_available()
    with pytest.raises(DecisionError):
        await cache.decide(QUERY)


class Faltering(ScriptedEngine):
    """`served` fails in a way nobody foresaw, or never returns, the times it is told to."""

    def __init__(self, trouble: str) -> None:
        super().__init__()
        self.trouble = trouble
        self.times = 0  # how many checks go wrong from now on
        self.checks = 0

    async def served(self) -> Served:
        self.checks += 1
        if self.times > 0:
            self.times -= 1
            if self.trouble == "hang":
                await asyncio.Event().wait()  # a request that never returns
            raise RuntimeError("unforeseen")
        return await super().served()


@pytest.mark.parametrize("trouble", ["error", "hang"])
async def test_the_revision_check_goes_on_after_a_check_that_failed_or_never_returned(
    trouble: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decision_cache, "REFRESH_LIMIT_S", 0.2)
    engine = Faltering(trouble)
    cache = DecisionCache(engine, refresh_s=0.05)
    await cache.start()
    try:
        engine.times = 2
        await until(lambda: cache.problem is not None)
        assert cache.problem is not None and "could not be checked" in cache.problem
        with pytest.raises(DecisionError):
            await cache.decide(QUERY)
        # The refresher is still there: once OPA answers again, decisions come again.
        await until(lambda: engine.times == 0 and cache.problem is None)
        assert (await cache.decide(QUERY))[0] == "r1"
        checks = engine.checks
        await until(lambda: engine.checks > checks + 2)
    finally:
        await cache.close()


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.01)
