"""Failures on purpose, against a real broker and a real OPA of their own (a separate local stack,
so pausing them disturbs no other test): exactly once and in order per key through crashes, with
poison among the signals; nothing while policy is down; and a broker restart in the middle of the
stream."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.kafka import ensure_topics
from gateway.settings import Settings
from tests.integration.accounting import assert_accounted, assert_exactly_once, delivered
from tests.integration.faults import (
    GatewayProcess,
    expected_deliveries,
    kill_at_random,
    make_mix,
    make_signals,
    send_all,
    signal_id,
    wait_until_consumed,
)
from tools.stack import Endpoints, down, pause, resume, up


@pytest.fixture(scope="module")
def fault_stack(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings
) -> Iterator[tuple[Settings, Endpoints]]:
    own = settings.model_copy(update={"stack_dir": tmp_path_factory.mktemp("fault-stack")})
    state, _ = up(own)
    try:
        yield own, state.endpoints()
    finally:
        down(own)


@pytest.mark.soak  # in make soak: make test keeps the kills on three nodes (gateway, broker, on-call)
async def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    fault_stack: tuple[Settings, Endpoints], tmp_path: Path
) -> None:
    """The short version of the soak (`make soak`, bench/soak.py): 3 000 records, 1% poison and
    0.5% resent copies among them, 6 SIGKILLs. Per recipient nothing missing, nothing twice, the
    order per key kept; each poison record dead-lettered once; `reconcile` clean."""
    _, where = fault_stack
    await ensure_topics(where.kafka("admin"))
    mix = make_mix(3000, seed=2018)
    expected = await expected_deliveries(where.opa_url, mix.signals)
    gateway = GatewayProcess(where, tmp_path, batch_max_records="100")
    await gateway.skip_history()
    since = datetime.now(UTC)  # reconcile from here: this test's records, not the earlier tests'
    gateway.start()
    sending = asyncio.create_task(send_all(where, mix.records, pause_every=250, pause_s=0.25))
    try:
        kills = await kill_at_random(gateway, random.Random(2018), 6)
        places = await sending
        await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=180)
    finally:
        gateway.stop()
    assert gateway.starts == 7
    # Mid-batch, mid-transaction, between batches: but never only once all was done.
    assert sum(kill.uncommitted > 0 for kill in kills) >= 3, kills
    accounting = await assert_accounted(where, mix, places, expected, gateway.group, since)
    assert (accounting.poison, accounting.copies) == (30, 15)


async def test_nothing_is_delivered_while_the_policy_engine_is_down(
    fault_stack: tuple[Settings, Endpoints], tmp_path: Path
) -> None:
    own, where = fault_stack
    await ensure_topics(where.kafka("admin"))
    before, during = make_signals(100), make_signals(300)
    gateway = GatewayProcess(where, tmp_path)
    await gateway.skip_history()
    gateway.start()
    try:
        await gateway.wait_ready()
        await send_all(where, before)
        await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=60)
        expected = await expected_deliveries(where.opa_url, before + during)

        await asyncio.to_thread(pause, own, "opa")
        try:
            await send_all(where, during)
            await asyncio.sleep(3)  # the gateway is reading them, and must hold them back
            readiness = await gateway.readiness()
            assert readiness["status"] == 503 and "policy" in readiness["problems"], readiness
            held = await delivered(where.kafka("admin"), {signal_id(r) for r in during})
            assert not held, f"{sum(held.values())} copies delivered while OPA was down"
        finally:
            await asyncio.to_thread(resume, own, "opa")

        await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=60)
        await gateway.wait_ready()
    finally:
        gateway.stop()
    await assert_exactly_once(where, before + during, expected)


@pytest.mark.soak  # in make soak: make test stays within its 15 minutes cold
async def test_a_broker_restart_mid_stream_completes_exactly_once(
    fault_stack: tuple[Settings, Endpoints], tmp_path: Path
) -> None:
    own, where = fault_stack
    await ensure_topics(where.kafka("admin"))
    records = make_signals(3000)
    expected = await expected_deliveries(where.opa_url, records)
    gateway = GatewayProcess(where, tmp_path, batch_max_records="20")
    await gateway.skip_history()
    await send_all(where, records)
    gateway.start()
    try:
        await gateway.wait_ready()
        ids = {signal_id(r) for r in records}
        done_before = await delivered(where.kafka("admin"), ids)
        for _ in range(100):  # mid-stream: as soon as the first batches are committed
            if done_before:
                break
            await asyncio.sleep(0.1)
            done_before = await delivered(where.kafka("admin"), ids)
        assert 0 < len(done_before) < len(expected.at_least), (
            "the restart must fall in the middle of the stream"
        )
        await asyncio.to_thread(pause, own, "kafka")
        await asyncio.sleep(2)
        await asyncio.to_thread(resume, own, "kafka")
        await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=180)
    finally:
        gateway.stop()
    await assert_exactly_once(where, records, expected)
