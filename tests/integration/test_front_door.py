"""The front door against the real broker: every bad input lands in gateway.dlq with its reason, the
sender gets a rejection receipt, nothing of it is delivered, and the gateway keeps running."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import signal_record
from gateway.kafka import Record
from gateway.settings import RECIPIENTS, Settings
from gateway.topics import DLQ
from tests.front_door_corpus import load
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import SAMPLE, delivery_of, running_gateway, send_police_report
from tools.stack import Endpoints


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
    for org in RECIPIENTS:
        delivered = await read_topic(admin, f"inbox.{org}", timeout_s=5)
        leaked = {d["signal_id"] for d in delivered if "delivery_id" in d} & refused_ids
        assert not leaked, f"inbox.{org} holds deliveries of refused signals {leaked}"


async def test_undecodable_records_in_a_burst_lose_none_of_the_records_around_them(
    settings: Settings, stack: Endpoints
) -> None:
    """Bodies that are not JSON, not UTF-8 or nested too deeply, and headers whose value is not
    UTF-8 or null (a Kafka header may have no value), sent as a real sender's system sends them
    (every CloudEvents header and `content-type: application/json`), in the same batches as valid
    signals: each bad one is dead-lettered with a receipt, each valid one is delivered, and none of
    either is lost."""
    key = settings.pseudonym_key.get_secret_value().encode()
    report = to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))

    def header(name: str, value: bytes | None) -> Callable[[Record], Record]:
        return lambda r: replace(r, headers=[(n, value if n == name else v) for n, v in r.headers])

    bad_variants: list[tuple[Callable[[Record], Record], str]] = [
        *(
            ((lambda r, body=body: replace(r, value=body)), "bad_json")
            for body in (
                b"not json at all",
                b'{"kind": "\xe9"}',
                b'{"a": ' * 5000 + b"1" + b"}" * 5000,
                b"",
                b"\xff\xfe{\x00}\x00",
            )
        ),
        (header("ce_time", None), "invalid_header"),
        (header("content-type", b"application/\xe9"), "invalid_header"),
    ]
    good_ids: list[str] = []
    bad_at: dict[tuple[str, int, int], tuple[str, str]] = {}
    admin = stack.kafka("admin")
    async with running_gateway(settings, stack, stack.opa_url):
        async with Adapters(stack, "test-front-door-burst") as adapters:
            pending = []
            for _ in range(4):
                for broken, reason in bad_variants:
                    good, _ = signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)
                    good_ids.append(dict(good.headers)["ce_id"].decode())
                    pending.append((None, await adapters.send(good)))
                    bad, envelope = signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)
                    assert ("content-type", b"application/json") in bad.headers
                    pending.append(((str(envelope.id), reason), await adapters.send(broken(bad))))
            await adapters.flush()
            for bad_one, future in pending:
                meta = await future
                if bad_one is not None:
                    bad_at[(meta.topic, meta.partition, meta.offset)] = bad_one

        def copies(found: list[dict[str, Any]]) -> set[str]:
            return {m["signal_id"] for m in found if m.get("signal_id") in good_ids and "delivery_id" in m}

        delivered = copies(
            await read_topic(
                admin, "inbox.veiligthuis", until=lambda f: copies(f) >= set(good_ids), timeout_s=60
            )
        )

        def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [m for m in found if m["_headers"].get("ce_id") in {i for i, _ in bad_at.values()}]

        dead = ours(await read_topic(admin, DLQ, until=lambda f: len(ours(f)) >= len(bad_at), timeout_s=30))
        receipts = [
            item
            for item in await read_topic(stack.kafka("police"), "inbox.police", timeout_s=10)
            if (item.get("topic"), item.get("partition"), item.get("offset")) in bad_at
        ]

    assert delivered == set(good_ids), f"{len(set(good_ids) - delivered)} valid signals were lost"
    by_place = {
        (
            m["_headers"]["kp_source_topic"],
            int(m["_headers"]["kp_source_partition"]),
            int(m["_headers"]["kp_source_offset"]),
        ): m
        for m in dead
    }
    assert len(dead) == len(by_place) == len(bad_at), "each bad record dead-lettered once"
    for place, (bad_id, reason) in bad_at.items():
        letter = by_place[place]["_headers"]
        assert (letter["ce_id"], letter["kp_error_reason"]) == (bad_id, reason)
    assert {r["reason"] for r in receipts} == {"bad_json", "invalid_header"}
    assert sorted((r["topic"], r["partition"], r["offset"], r["reason"]) for r in receipts) == sorted(
        (*place, reason) for place, (_, reason) in bad_at.items()
    ), "a refused record without its receipt to the sender"
