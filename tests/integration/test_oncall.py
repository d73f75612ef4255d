"""On-call alerts end to end, on the real Kafka and OPA: a breach of conditions published by
probation reaches the on-call staff through every channel (webhook, e-mail, console), escalates
when nobody acknowledges it in time, stops escalating once acknowledged, and keeps its timer across
a restart of the on-call service. Deadlines are 2 s (p1) and 4 s (p2) here instead of minutes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import orjson

from gateway.alerts.raising import alert_id_of
from gateway.topics import ALERTS
from gateway.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from oncall.lifecycle import Alert
from oncall.service import OnCallService
from tests.integration.kafka_helpers import read_topic
from tests.integration.oncall_harness import (
    WEBHOOK_SECRET,
    Alerting,
    eventually,
)

P1_S = 2


def alert_of(service: OnCallService, signal_id: UUID, org: str) -> Alert | None:
    return service.book.alerts.get(alert_id_of(signal_id, org))


async def delivered(service: OnCallService, signal_id: UUID, org: str, tier: str = "primary") -> Alert:
    def find() -> Alert | None:
        alert = alert_of(service, signal_id, org)
        return alert if alert is not None and alert.delivered and alert.tier == tier else None

    return await eventually(find, 20.0, f"delivery of {org}'s alert to its {tier}")


async def test_a_breach_reaches_every_channel_with_what_each_may_see(alerting: Alerting) -> None:
    config = alerting.config(p1_s=60)
    async with alerting.running(config) as (service, base):
        token = alerting.token("police")
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=auth) as client:
            async with client.stream("GET", "/console/api/events", timeout=30) as events:
                signal_id = await alerting.breach()
                alert = await delivered(service, signal_id, "police")
                pushed = await anext(
                    orjson.loads(line.removeprefix("data: "))
                    async for line in events.aiter_lines()
                    if line.startswith("data: ") and str(signal_id) in line
                )
            assert pushed["org"] == "police" and pushed["priority"] == "p1"
            listed = (await client.get("/console/api/alerts")).json()["open"]
            assert str(alert.alert_id) in [item["alert_id"] for item in listed]

        assert alert.priority == "p1" and alert.sender == "3ro"
        assert alert.events[-1].channels == ["console", "email", "webhook"]
        # The sharing policy's grant for the police is the alert's content, as in its inbox copy.
        (hook,) = alerting.webhook.about(alert.alert_id)
        assert hook.body["content"] == alert.content and alert.content
        stamp = hook.headers[TIMESTAMP_HEADER.lower()]
        assert hook.headers[SIGNATURE_HEADER.lower()] == signature(WEBHOOK_SECRET.encode(), stamp, hook.raw)
        # The mail goes to the primary on call, and carries nothing of the signal.
        (mail,) = alerting.mailbox.about(alert.alert_id)
        person = config.rosters()["police"].on_call(alert.raised_at).primary
        assert mail["To"] == person.email and config.console_url in mail.get_content()
        raw = mail.as_string()
        assert not [value for value in _leaves(alert.content) if len(value) > 3 and value in raw]
        # Probation, the sender, is alerted about its own signal as well; victim support is not.
        probation = await delivered(service, signal_id, "3ro")
        assert probation.priority == "p1" and probation.content  # severity high
        assert alert_of(service, signal_id, "slachtofferhulp") is None


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [str(value)]


async def test_an_unacknowledged_alert_escalates_to_the_secondary_then_the_duty_officer(
    alerting: Alerting,
) -> None:
    config = alerting.config(p1_s=P1_S)
    async with alerting.running(config) as (service, _):
        signal_id = await alerting.breach()
        first = await delivered(service, signal_id, "police")
        shift = config.rosters()["police"].on_call(first.raised_at)
        await delivered(service, signal_id, "police", "secondary")
        alert = await delivered(service, signal_id, "police", "duty_officer")
    kinds = [(e.kind, e.tier) for e in alert.events]
    assert kinds[:6] == [
        ("raised", "primary"), ("delivered", "primary"), ("escalated", "secondary"),
        ("delivered", "secondary"), ("escalated", "duty_officer"), ("delivered", "duty_officer"),
    ], [(e.kind, e.tier, e.at.time(), e.channels) for e in alert.events]  # fmt: skip
    escalated = [e for e in alert.events if e.kind == "escalated"]
    deliveries = [e for e in alert.events if e.kind == "delivered"]
    for before, escalation in zip(deliveries, escalated, strict=False):
        assert (escalation.at - before.at).total_seconds() >= P1_S  # not before the deadline
    recipients = [m["To"] for m in alerting.mailbox.about(alert.alert_id)]
    assert recipients[:3] == [shift.primary.email, shift.secondary.email, shift.duty_officer.email]
    assert [h.headers["x-ketenpoort-delivery"] for h in alerting.webhook.about(alert.alert_id)][:3] == [
        f"alert-{alert.alert_id}-{tier}" for tier in ("primary", "secondary", "duty_officer")
    ]
    # Every change is on the topic, as the service recorded it.
    on_topic = await read_topic(
        alerting.stack.kafka("admin"),
        ALERTS,
        until=lambda found: _kinds(found, alert.alert_id)[:6] == kinds[:6],
    )
    assert _kinds(on_topic, alert.alert_id)[:6] == kinds[:6]


def _kinds(found: list[dict[str, Any]], alert_id: UUID) -> list[tuple[str, str | None]]:
    return [(item["kind"], item.get("tier")) for item in found if item.get("alert_id") == str(alert_id)]


async def test_an_acknowledged_alert_stops_escalating(alerting: Alerting) -> None:
    async with alerting.running(alerting.config(p1_s=P1_S)) as (service, base):
        token = alerting.token("police", "police duty desk")
        signal_id = await alerting.breach()
        alert = await delivered(service, signal_id, "police")
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            other = alerting.token("om")
            refused = await client.post(
                f"/console/api/alerts/{alert.alert_id}/acknowledge",
                headers={"Authorization": f"Bearer {other}"},
            )
            assert refused.status_code == 404  # the OM cannot see, let alone take, the police's alert
            answer = await client.post(f"/console/api/alerts/{alert.alert_id}/acknowledge")
            assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
            assert answer.json()["acknowledged_by"] == "police duty desk"
        await asyncio.sleep(P1_S * 2.5)
        assert [e.kind for e in alert.events if e.kind == "escalated"] == []
        assert len(alerting.mailbox.about(alert.alert_id)) == 1
        # Closing records what was done, and the alert moves to the history.
        closed = await service.close(alert.alert_id, "police", "police duty desk", "unit sent to the address")
        assert closed.status == "closed" and closed.events[-1].note == "unit sent to the address"


async def test_a_restarted_service_keeps_the_timers_and_delivers_what_waited(alerting: Alerting) -> None:
    config = alerting.config(p1_s=4)
    began = datetime.now(UTC)
    async with alerting.running(config) as (service, _):
        first = await alerting.breach()
        before = await delivered(service, first, "police")
    # Down: one alert's deadline runs out, and another is raised with nobody to deliver it.
    second = await alerting.breach()
    await asyncio.sleep(4.5)
    async with alerting.running(config, close_before=began) as (service, _):
        rebuilt = alert_of(service, first, "police")
        assert rebuilt is not None and rebuilt.since == before.since  # the timer, from the topic
        escalated = await delivered(service, first, "police", "secondary")
        waited = await delivered(service, second, "police")
    assert [e.kind for e in escalated.events][:4] == ["raised", "delivered", "escalated", "delivered"]
    assert waited.tier == "primary" and waited.events[1].kind == "delivered"
    assert len(alerting.mailbox.about(waited.alert_id)) == 1


async def test_a_second_instance_takes_over_and_the_first_stops(alerting: Alerting) -> None:
    config = alerting.config(p1_s=60)
    began = datetime.now(UTC)
    async with (
        alerting.running(config) as (first, first_base),
        alerting.running(config, close_before=began) as (second, _),  # fences the first
    ):
        signal_id = await alerting.breach()
        alert = await delivered(second, signal_id, "police")
        await eventually(lambda: first.fenced or None, 20.0, "the first instance stepping down")
        async with httpx.AsyncClient(base_url=first_base) as client:
            assert (await client.get("/health/ready")).status_code == 503
        assert second.ready and not second.fenced
        await asyncio.sleep(1.0)  # time for a second delivered event, were one written
    kinds = [e.kind for e in alert.events]
    assert kinds == ["raised", "delivered"], kinds
    on_topic = await read_topic(
        alerting.stack.kafka("admin"), ALERTS, until=lambda found: len(_kinds(found, alert.alert_id)) >= 2
    )
    assert [kind for kind, _ in _kinds(on_topic, alert.alert_id)] == ["raised", "delivered"]
