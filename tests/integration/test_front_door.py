"""The front door against the real broker: every bad input lands in gateway.dlq with its reason, the
sender gets a rejection receipt, nothing of it is delivered, and the gateway keeps running."""

from __future__ import annotations

from uuid import uuid4

from gateway.kafka import ensure_topics, make_producer
from gateway.settings import Settings
from gateway.stack import Endpoints
from gateway.topics import DLQ
from tests.front_door_corpus import load
from tests.integration.kafka_helpers import read_topic
from tests.integration.test_first_slice import delivery_of, running_gateway, send_police_report


async def test_every_bad_input_is_dead_lettered_and_receipted(settings: Settings, stack: Endpoints) -> None:
    run = str(uuid4())
    cases = load()
    await ensure_topics(stack.kafka_bootstrap)
    placed = {}
    async with running_gateway(settings, stack.kafka_bootstrap, stack.opa_url):
        producer = make_producer(stack.kafka_bootstrap, client_id="test-front-door")
        await producer.start()
        try:
            for case in cases:
                headers = [*case.record.headers, ("test_case", f"{run}/{case.name}".encode())]
                meta = await producer.send_and_wait(case.record.topic, case.record.value, headers=headers)
                placed[case.name] = (case.record.topic, meta.partition, meta.offset)
        finally:
            await producer.stop()

        # A good signal after all the bad ones: the gateway is still routing.
        good = await send_police_report(settings, stack.kafka_bootstrap)
        assert await delivery_of(stack.kafka_bootstrap, "veiligthuis", good, timeout_s=30) is not None

        def ours(found: list[dict]) -> list[dict]:  # type: ignore[type-arg]
            return [m for m in found if m["_headers"].get("test_case", "").startswith(run)]

        dead = ours(await read_topic(stack.kafka_bootstrap, DLQ, until=lambda f: len(ours(f)) >= len(cases)))

    by_case = {m["_headers"]["test_case"].split("/", 1)[1]: m for m in dead}
    assert len(dead) == len(cases), f"expected each bad input once in {DLQ}, got {len(dead)}"
    receipts = {}
    for org in {topic.removeprefix("signals.") for topic, _, _ in placed.values()}:
        for receipt in await read_topic(stack.kafka_bootstrap, f"inbox.{org}", timeout_s=5):
            if "reason" in receipt:
                receipts[(receipt["topic"], receipt["partition"], receipt["offset"])] = receipt

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
    ours = {receipts[position]["signal_id"] for position in placed.values() if position in receipts}
    refused_ids = {signal_id for signal_id in ours if signal_id}
    for org in ("police", "veiligthuis", "om", "3ro", "slachtofferhulp"):
        delivered = await read_topic(stack.kafka_bootstrap, f"inbox.{org}", timeout_s=5)
        leaked = {d["signal_id"] for d in delivered if "delivery_id" in d} & refused_ids
        assert not leaked, f"inbox.{org} holds deliveries of refused signals {leaked}"
