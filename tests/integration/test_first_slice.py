"""The first signal end to end: police adapter → signals.police → gateway + OPA → inbox.veiligthuis."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import SecretStr

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import send, signal_record
from gateway.app import create_app
from gateway.clock import Clock, now_utc
from gateway.decisions import PolicyEngine, policy_input
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import ensure_topics, make_producer
from gateway.settings import Settings
from tests.integration.kafka_helpers import read_topic, skip_history
from tools.stack import Endpoints, throwaway_opa

SAMPLE = Path(__file__).parents[2] / "adapters" / "police" / "samples" / "report-1.json"


@asynccontextmanager
async def running_gateway(
    settings: Settings, stack: Endpoints, opa_url: str, *, clock: Clock = now_utc
) -> AsyncIterator[str]:
    """The gateway in this process, logged in as `gateway`, with a consumer group of its own (in
    the gateway's ACL prefix) that starts at the end of the signals topics; gives the group."""
    # A short policy refresh, so that a test changing a policy sees the gateway follow quickly.
    group = f"ketenpoort-gateway-test-{uuid4()}"
    fast = settings.model_copy(update={"gateway_group_id": group, "policy_refresh_s": 0.2})
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    app = create_app(fast, stack.kafka("gateway"), opa_url, clock=clock)
    await app.start()
    try:
        yield group
    finally:
        await app.stop()


async def send_police_report(settings: Settings, stack: Endpoints) -> UUID:
    """The police adapter's sample report, sent as the police."""
    report = to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))
    key = settings.pseudonym_key.get_secret_value().encode()
    record, envelope = signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)
    producer = make_producer(stack.kafka("police"), client_id="test-adapter-police")
    await producer.start()
    try:
        await send(producer, record)
    finally:
        await producer.stop()
    return envelope.id


async def delivery_of(
    stack: Endpoints, org: str, signal_id: UUID | str, timeout_s: float = 20.0
) -> dict[str, Any] | None:
    """The copy of `signal_id` in `org`'s inbox, looked for by the test as `admin` (not a match
    notice, which names the signal that made the match)."""

    def copy(item: dict[str, Any]) -> bool:
        return item.get("signal_id") == str(signal_id) and item.get("signal_type") != MATCH_NOTICE

    def has(found: list[dict[str, Any]]) -> bool:
        return any(copy(item) for item in found)

    found = await read_topic(stack.kafka("admin"), f"inbox.{org}", until=has, timeout_s=timeout_s)
    return next((item for item in found if copy(item)), None)


async def test_a_police_report_reaches_veiligthuis_redacted(settings: Settings, stack: Endpoints) -> None:
    # A pseudonym key of its own: to the involvement index these persons are new, as on a fresh stack.
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"first-slice-{uuid4()}")})
    async with running_gateway(settings, stack, stack.opa_url):
        signal_id = await send_police_report(settings, stack)
        delivery = await delivery_of(stack, "veiligthuis", signal_id)

    assert delivery is not None, "no delivery reached inbox.veiligthuis"
    body = delivery["body"]
    assert body["victim"]["given_name"] == "Lotte"
    assert body["contact"]["role"] == "casusregisseur"
    assert "description" not in body, "a field the policy does not grant left the gateway"
    assert delivery["level"] == "fields"
    assert delivery["legal_basis"] == "wpg-art-19"
    assert delivery["sender"] == "police"
    # The record is a delivery; the signal's type is inside it.
    assert delivery["_headers"]["ce_type"] == "nl.ketenpoort.delivery.v1"
    assert delivery["_headers"]["ce_dataschema"] == "urn:ketenpoort:schema:delivery:1.0"
    assert delivery["signal_type"] == "new_report"
    headers = " ".join(delivery["_headers"].values())
    assert "123456782" not in headers and "Lotte" not in headers
    # No policy grants the prosecution service anything of a new report while it is not involved.
    assert await delivery_of(stack, "om", signal_id, timeout_s=2.0) is None


async def test_granting_a_field_delivers_it_without_restarting_the_gateway(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(settings.policy_dir, policies)
    # An OPA watching a directory of its own, as a policy author's: no signed bundle, no approvals
    # (test_policy_bundles.py shows a change that goes through them).
    settings = settings.model_copy(update={"policy_approvers": None})
    with throwaway_opa(settings, policies) as opa_url:
        async with running_gateway(settings, stack, opa_url):
            before = await send_police_report(settings, stack)
            withheld = await delivery_of(stack, "veiligthuis", before)
            assert withheld is not None and "description" not in withheld["body"]

            rule = policies / "new_report.rego"
            rule.write_text(rule.read_text().replace('\t"contact",\n]', '\t"contact",\n\t"description",\n]'))
            await wait_until_granted(opa_url, "description")
            # The gateway checks OPA's policy revision every 0.2 s: the first copy decided under
            # the new revision must carry the newly granted field.
            for _ in range(20):
                after = await send_police_report(settings, stack)
                granted = await delivery_of(stack, "veiligthuis", after)
                if granted is None or granted["policy_revision"] != withheld["policy_revision"]:
                    break
                await asyncio.sleep(0.25)

    assert granted is not None
    revisions = (withheld["policy_revision"], granted["policy_revision"])
    assert "description" in granted["body"], f"decided under the old policy? revisions {revisions}"
    assert granted["body"]["description"].startswith("Aangeefster verklaart")
    assert "description" in granted["fields"]


async def wait_until_granted(opa_url: str, field: str, timeout_s: float = 10.0) -> None:
    engine = PolicyEngine(opa_url)
    await engine.start()
    try:
        query = policy_input(
            "new_report", "police", "1.0", {"minors_involved": True, "report_kind": "aangifte"}
        )
        for _ in range(int(timeout_s / 0.1)):
            if field in (await engine.decide(query))["veiligthuis"].fields:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.close()
    pytest.fail(f"OPA did not pick up the changed policy granting {field!r} within {timeout_s}s")
