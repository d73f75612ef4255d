"""The front door against the real broker: every bad input lands in gateway.dlq with its reason, the
sender gets a rejection receipt, nothing of it is delivered, and the gateway keeps running."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from gateway.pipeline import Record
from gateway.settings import Settings
from gateway.stack import Endpoints
from gateway.topics import DLQ
from tests.front_door_corpus import load
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import delivery_of, running_gateway, send_police_report


async def test_every_bad_input_is_dead_lettered_and_receipted(settings: Settings, stack: Endpoints) -> None:
    run = str(uuid4())
    cases = load()
    admin = stack.kafka("admin")
    placed = {}
    async with running_gateway(settings, stack, stack.opa_url):
        # Each bad input comes from the organisation whose signals topic it is on, as it would.
        async with Adapters(stack, "test-front-door") as adapters:
            for case in cases:
                headers = [*case.record.headers, ("test_case", f"{run}/{case.name}".encode())]
                record = Record(case.record.topic, None, case.record.value, headers)
                meta = await adapters.send_and_wait(record)
                placed[case.name] = (case.record.topic, meta.partition, meta.offset)

        # A good signal after all the bad ones: the gateway is still routing.
        good = await send_police_report(settings, stack)
        assert await delivery_of(stack, "veiligthuis", good, timeout_s=30) is not None

        def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [m for m in found if m["_headers"].get("test_case", "").startswith(run)]

        dead = ours(await read_topic(admin, DLQ, until=lambda f: len(ours(f)) >= len(cases)))

    by_case = {m["_headers"]["test_case"].split("/", 1)[1]: m for m in dead}
    assert len(dead) == len(cases), f"expected each bad input once in {DLQ}, got {len(dead)}"
    receipts = {}
    for org in {topic.removeprefix("signals.") for topic, _, _ in placed.values()}:
        # Read as the sender itself: its receipts are in the one inbox it may read.
        for item in await read_topic(stack.kafka(org), f"inbox.{org}", timeout_s=5):
            if "reason" in item:
                receipts[(item["topic"], item["partition"], item["offset"])] = item

    for case in cases:
        letter = by_case[case.name]
        assert letter["_headers"]["kp_error_reason"] == case.reason, f"{case.name}: {letter['_headers']}"
        assert letter["_headers"]["kp_source_topic"] == case.record.topic
        receipt = receipts.get(placed[case.name])
        assert receipt is not None, f"{case.name}: no rejection receipt for the sender"
        assert receipt["reason"] == case.reason
        assert receipt["problems"], case.name
        if case.problem_path:
            assert case.problem_path in [p["path"] for p in receipt["problems"]], case.name

    # Nothing of a refused signal is ever delivered: no inbox holds a delivery of a refused id.
    receipted = {receipts[position]["signal_id"] for position in placed.values() if position in receipts}
    refused_ids = {signal_id for signal_id in receipted if signal_id}
    for org in ("police", "veiligthuis", "om", "3ro", "slachtofferhulp"):
        delivered = await read_topic(admin, f"inbox.{org}", timeout_s=5)
        leaked = {d["signal_id"] for d in delivered if "delivery_id" in d} & refused_ids
        assert not leaked, f"inbox.{org} holds deliveries of refused signals {leaked}"
