"""Failures on purpose, against a real broker and a real OPA of their own (a separate local stack,
so pausing them disturbs no other test): exactly once through crashes, nothing while policy is
down, and a broker restart in the middle of the stream."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.audit.verify import verify_topic
from gateway.kafka import ensure_topics
from gateway.pipeline import Record
from gateway.settings import Settings
from gateway.stack import Endpoints, down, pause, resume, up
from tests.integration.faults import (
    Expected,
    GatewayProcess,
    audited,
    delivered,
    expected_deliveries,
    make_signals,
    send_all,
    signal_id,
    wait_until_consumed,
)


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


async def assert_exactly_once(where: Endpoints, records: list[Record], expected: Expected) -> None:
    ids = {signal_id(record) for record in records}
    got = await delivered(where.kafka("admin"), ids)
    missing = expected.at_least - set(got)
    duplicated = {key: n for key, n in got.items() if n > 1}
    unexpected = set(got) - expected.at_most
    assert not missing, f"{len(missing)} deliveries lost, e.g. {sorted(missing)[:3]}"
    assert not duplicated, f"{len(duplicated)} deliveries duplicated, e.g. {sorted(duplicated.items())[:3]}"
    assert not unexpected, f"{len(unexpected)} deliveries policy did not grant"
    audit = await audited(where.kafka("audit-reader"), ids)
    assert len(audit) == len(records) * 4, "one audit record per (signal, recipient asked)"
    assert all(n == 1 for n in audit.values()), "an audit record was written twice"
    checked, findings = await verify_topic(where.kafka("audit-reader"))
    assert findings == [], [str(f) for f in findings[:5]]
    assert checked >= len(records) * 4


async def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    fault_stack: tuple[Settings, Endpoints], tmp_path: Path
) -> None:
    _, where = fault_stack
    await ensure_topics(where.kafka("admin"))
    records = make_signals(5000)
    expected = await expected_deliveries(where.opa_url, records)
    gateway = GatewayProcess(where, tmp_path, batch_max_records="100")
    await gateway.skip_history()
    rng = random.Random(2018)
    gateway.start()
    sending = asyncio.create_task(send_all(where, records, pause_every=250, pause_s=0.25))
    try:
        for _ in range(10):
            await gateway.wait_ready()
            await asyncio.sleep(rng.uniform(0.05, 1.0))  # mid-batch, mid-transaction, between batches
            gateway.kill()
            gateway.start()
        await sending
        await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=180)
    finally:
        gateway.stop()
    assert gateway.starts == 11
    await assert_exactly_once(where, records, expected)


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
