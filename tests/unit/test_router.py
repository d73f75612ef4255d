"""The router's batch, against a scripted policy engine."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from gateway import pseudonyms
from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.router import Router
from gateway.signal_ids import SignalIds
from tests.unit.test_decision_cache import ScriptedEngine
from tests.unit.test_pipeline import KEY, police_record

RECORDS = 40
CPU_S = 0.002  # what routing one signal costs, spent without waiting


async def busy(decided: Decided) -> Effects:
    time.sleep(CPU_S)  # work that never waits, as redaction and sealing are
    return Effects()


async def test_other_work_runs_between_the_records_of_a_batch() -> None:
    """A batch of cached decisions never waits for anything; still, the policy revision's check,
    the consumer's heartbeat and the health endpoints must run while it is routed, or a batch
    longer than the revision may go unchecked fails on "not checked recently", on every retry."""
    cache = DecisionCache(ScriptedEngine(), refresh_s=3600)
    await cache.start()
    router = Router(cache, KEY, [busy], ids=SignalIds())
    records = [replace(police_record(), offset=n) for n in range(RECORDS)]
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    beside = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    try:
        before = turns
        routed = await router.route_batch(records)
        during = turns - before
    finally:
        beside.cancel()
        await cache.close()
    assert len(routed) == RECORDS
    assert during >= RECORDS - 1, f"other work ran {during} times while {RECORDS} records were routed"


async def test_no_person_s_pseudonym_material_is_held_after_a_batch() -> None:
    """The pseudonyms of a signal's persons are remembered while it is routed, and forgotten after:
    what identifies a person (BSN, name) is held no longer than the signal."""
    cache = DecisionCache(ScriptedEngine(), refresh_s=3600)
    await cache.start()
    seen: list[int] = []

    async def looks(decided: Decided) -> Effects:
        seen.append(len(pseudonyms._known))
        return Effects()

    try:
        routed = await Router(cache, KEY, [looks], ids=SignalIds()).route_batch([police_record()])
    finally:
        await cache.close()
    assert len(routed) == 1 and seen and seen[0] > 0  # remembered while it was routed
    assert pseudonyms._known == {}
