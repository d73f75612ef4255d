"""What a signal id means, against the real broker and OPA: a copy of a signal (same id, same
content, a new `ce_time` and `traceparent` as an adapter's resend has) is routed once and recorded
as a duplicate, also after the gateway restarts; the same id with other content is refused with a
receipt and delivers nothing new."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import signal_record
from gateway.kafka import Record
from gateway.settings import Settings
from gateway.topics import DLQ, SIGNAL_IDS
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import SAMPLE, running_gateway
from tools.stack import Endpoints


def copies_of(found: list[dict[str, Any]], signal_id: str) -> list[dict[str, Any]]:
    return [m for m in found if m.get("signal_id") == signal_id and m.get("signal_type") == "new_report"]


async def test_a_copy_is_routed_once_and_a_reused_id_is_refused_also_after_a_restart(
    settings: Settings, stack: Endpoints
) -> None:
    key = settings.pseudonym_key.get_secret_value().encode()
    report = to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))
    signal_id = uuid4()
    first, _ = signal_record("police", report, signal_id=signal_id, pseudonym_key=key)
    # A resend: the same id and content, with the new ce_time and traceparent a resend gets.
    resend, _ = signal_record("police", report, signal_id=signal_id, pseudonym_key=key)
    changed_report = report.model_copy(update={"incident_place": "Zwolle"})
    changed, _ = signal_record("police", changed_report, signal_id=signal_id, pseudonym_key=key)
    assert dict(first.headers)["ce_time"] != dict(resend.headers)["ce_time"]
    admin = stack.kafka("admin")
    placed: dict[str, tuple[int, int]] = {}

    async def send(name: str, record: Record) -> None:
        async with Adapters(stack, f"test-ids-{name}") as adapters:
            meta = await adapters.send_and_wait(record)
            placed[name] = (meta.partition, meta.offset)

    def seen(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [m for m in found if m.get("signal_id") == str(signal_id)]

    async with running_gateway(settings, stack, stack.opa_url):
        await send("first", first)
        await send("resend", resend)
        await read_topic(admin, SIGNAL_IDS, until=lambda f: len(seen(f)) >= 2, timeout_s=30)
    # A new gateway process: the memory comes back from the topic.
    async with running_gateway(settings, stack, stack.opa_url):
        await send("resend after restart", resend)
        await send("changed", changed)
        await send("changed again", changed)
        records = seen(await read_topic(admin, SIGNAL_IDS, until=lambda f: len(seen(f)) >= 3, timeout_s=30))
        dead = [
            m
            for m in await read_topic(
                admin,
                DLQ,
                until=lambda f: len([m for m in f if m["_headers"].get("ce_id") == str(signal_id)]) >= 2,
                timeout_s=30,
            )
            if m["_headers"].get("ce_id") == str(signal_id)
        ]
    delivered = copies_of(await read_topic(admin, "inbox.veiligthuis"), str(signal_id))
    receipts = [
        item
        for item in await read_topic(stack.kafka("police"), "inbox.police")
        if item.get("signal_id") == str(signal_id) and "reason" in item
    ]

    assert len(delivered) == 1, f"{len(delivered)} copies delivered to Veilig Thuis"
    assert "Zwolle" not in str(delivered[0]["body"])
    first_at = f"signals.police[{placed['first'][0]}]@{placed['first'][1]}"
    assert [(r["outcome"], r["first"]) for r in records] == [
        ("first", first_at),
        ("duplicate", first_at),
        ("duplicate", first_at),
    ]
    assert [r["offset"] for r in records] == [
        placed["first"][1],
        placed["resend"][1],
        placed["resend after restart"][1],
    ]
    assert len(dead) == 2, "each copy with other content is a dead letter"
    assert {m["_headers"]["kp_error_reason"] for m in dead} == {"id_reused"}
    assert sorted(int(m["_headers"]["kp_source_offset"]) for m in dead) == sorted(
        [placed["changed"][1], placed["changed again"][1]]
    )
    assert len(receipts) == 2
    assert all(r["reason"] == "id_reused" and first_at in r["detail"] for r in receipts), receipts
