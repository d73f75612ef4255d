"""Retention enforced: an involvement closed longer ago than its retention is removed from the
compacted topic by a tombstone and from every gateway's index, the removal is recorded, and the
involvements around it (closed recently, or open) are untouched; `retention report` shows what
is kept, checks the broker's topic settings, and lists the removal."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from gateway.involvements import involvement_record, key_of, load_index
from gateway.kafka import ensure_topics, make_admin, make_producer, read_whole
from gateway.schemas.base import ContactPerson
from gateway.schemas.chain_involvement import Involvement
from gateway.service import GatewayService
from gateway.settings import Settings, get_settings
from gateway.topics import DLQ, INVOLVEMENTS, RETENTION_LOG, topic_config
from tests.integration.audit_harness import invoke
from tests.integration.kafka_helpers import skip_history
from tools.stack import Endpoints

TODAY = datetime.now(UTC).date()


def _involvement(org: str, closed_on: date | None) -> Involvement:
    """An involvement as the gateway writes one, of a fictional person of its own."""
    return Involvement(
        pseudonym=f"test-retention-{uuid4().hex}",
        strength="bsn",
        has_bsn=True,
        org=org,
        person_role="victim",
        role="case_holder",
        since=TODAY - timedelta(days=1200),
        closed_on=closed_on,
        contact=ContactPerson(role="casusregisseur", name="R. de Wit", phone="+31 20 555 0101"),
        signal_id=str(uuid4()),
        updated_at=datetime.now(UTC),
    )


async def _topic(stack: Endpoints, topic: str) -> list[tuple[tuple[str, str] | None, bytes | None]]:
    found: list[tuple[tuple[str, str] | None, bytes | None]] = []
    await read_whole(
        stack.kafka("admin"), topic, lambda m: found.append((key_of(m.key) if m.key else None, m.value))
    )
    return found


async def test_an_expired_involvement_is_removed_from_the_topic_and_every_index(
    settings: Settings, stack: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    expired = _involvement("veiligthuis", TODAY - timedelta(days=25 * 31))  # closed over 24 months ago
    recent = _involvement("police", TODAY - timedelta(days=60))
    open_ = _involvement("3ro", None)
    await ensure_topics(stack.kafka("admin"))
    producer = make_producer(stack.kafka("gateway"), client_id="test-retention")
    await producer.start()
    try:
        for involvement in (recent, expired, open_):
            record = involvement_record(involvement)
            await producer.send_and_wait(record.topic, record.value, key=record.key)
    finally:
        await producer.stop()

    group = f"ketenpoort-gateway-test-{uuid4()}"
    await skip_history(stack.kafka("admin"), group)
    sweeping = settings.model_copy(update={"gateway_group_id": group, "retention_sweep_s": 0.3})
    service = GatewayService(sweeping, stack.kafka("gateway"), stack.opa_url)
    await service.start()
    try:
        deadline = time.monotonic() + 20
        while (expired.key, None) not in await _topic(stack, INVOLVEMENTS):
            assert time.monotonic() < deadline, "no tombstone for the expired involvement"
            await asyncio.sleep(0.3)
        assert service.index is not None
        held = service.index
        for _ in range(50):  # its own tombstone read back
            if expired.key not in held.expired:
                break
            await asyncio.sleep(0.1)
        assert expired.key not in held.entries and expired.key not in held.expired
        assert recent.key in held.entries and open_.key in held.entries
    finally:
        await service.stop()

    on_topic = await _topic(stack, INVOLVEMENTS)
    tombstoned = {key for key, value in on_topic if value is None}
    assert expired.key in tombstoned
    assert recent.key not in tombstoned and open_.key not in tombstoned, "only the expired one"
    # A gateway starting now finds it nowhere: not current, not waiting for a tombstone.
    restarted = await load_index(stack.kafka("gateway"), settings.involvement_retention_months)
    assert expired.key not in restarted.entries and expired.key not in restarted.expired
    assert recent.key in restarted.entries and open_.key in restarted.entries

    removals = [
        json.loads(value) for key, value in await _topic(stack, RETENTION_LOG) if key == expired.key and value
    ]
    assert len(removals) == 1, "each removal recorded once"
    assert removals[0]["kind"] == "involvements" and removals[0]["topic"] == INVOLVEMENTS
    assert f"closed on {expired.closed_on}" in removals[0]["reason"]
    assert "R. de Wit" not in str(removals), "the record of a removal holds no content"

    report = await _report(stack, monkeypatch)
    assert report["differences"] == []
    assert "/".join(expired.key) in {r["key"] for r in report["removed"]}
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert kinds["involvements"]["kept"] == f"{settings.involvement_retention_months} months after it closed"
    assert kinds["audit"]["kept"] == "until removed by hand"


async def _report(stack: Endpoints, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in stack.environment("admin").items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = await invoke("retention", "report", "--json")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


async def test_the_report_names_a_topic_whose_retention_differs_on_the_broker(
    stack: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = stack.kafka("admin")
    client = make_admin(admin)
    await client.start()
    try:
        one_day = str(24 * 3600 * 1000)
        await client.alter_configs([ConfigResource(ConfigResourceType.TOPIC, DLQ, {"retention.ms": one_day})])
    finally:
        await client.close()
    try:
        for name, value in stack.environment("admin").items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        result = await invoke("retention", "report")
        assert result.exit_code == 1
        assert (
            f"{DLQ}: retention.ms is {one_day}, Ketenpoort sets {topic_config(DLQ)['retention.ms']}"
            in result.output
        )
    finally:
        get_settings.cache_clear()
        await ensure_topics(admin)  # sets every topic's configuration back
    assert (await _report(stack, monkeypatch))["differences"] == []
