"""Decisions per second: the gateway's decision cache against one OPA query per (signal, recipient).

Both ask the same real OPA about the same signals in the same run. The signals are the sharing
matrix's situations (every signal type, its attributes varied) repeated to `--signals`, shuffled.

    .venv/bin/python -m bench.decisions --signals 5000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from bench.results import publish
from gateway.decision_cache import DecisionCache
from gateway.decisions import PolicyEngine, policy_input
from gateway.settings import RECIPIENTS, Settings
from tools.policy.matrix import situations
from tools.stack import stack_session


def workload(count: int, seed: int = 7) -> list[dict]:  # type: ignore[type-arg]
    rng = random.Random(seed)
    known = situations()
    inputs = []
    for _ in range(count):
        s = rng.choice(known)
        involved = frozenset(RECIPIENTS) if s.involved else frozenset()
        inputs.append(policy_input(s.signal_type, s.sender, "1.0", s.attributes, involved=involved))
    return inputs


async def cached(engine: PolicyEngine, inputs: list[dict]) -> tuple[float, int, int]:  # type: ignore[type-arg]
    cache = DecisionCache(engine, refresh_s=1.0)
    await cache.start()
    try:
        started = time.perf_counter()
        decisions = 0
        for query in inputs:
            _, answer = await cache.decide(query)
            decisions += len(answer)
        elapsed = time.perf_counter() - started
    finally:
        await cache.close()
    return decisions / elapsed, cache.hits, cache.misses


async def naive(engine: PolicyEngine, inputs: list[dict]) -> float:  # type: ignore[type-arg]
    started = time.perf_counter()
    decisions = 0
    for query in inputs:
        for recipient in query["recipients"]:
            answer = await engine.decide({**query, "recipients": [recipient]})
            decisions += len(answer)
    return decisions / (time.perf_counter() - started)


async def main(signals: int) -> dict[str, float | int]:
    settings = Settings()
    inputs = workload(signals)
    with stack_session(settings) as where:
        engine = PolicyEngine(where.opa_url)
        await engine.start()
        try:
            naive_rate = await naive(engine, inputs)
            cached_rate, hits, misses = await cached(engine, inputs)
        finally:
            await engine.close()
    return {
        "signals": signals,
        "recipients_per_signal": len(inputs[0]["recipients"]),
        "cached_decisions_per_s": round(cached_rate),
        "naive_decisions_per_s": round(naive_rate),
        "speedup": round(cached_rate / naive_rate, 1),
        "cache_hits": hits,
        "cache_misses": misses,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=5000)
    publish("decisions", asyncio.run(main(parser.parse_args().signals)))
