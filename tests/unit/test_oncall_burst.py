"""A burst of alerts (thousands of obligations found lapsed when the on-call service starts after an
outage, a partner's backlog): the service delivers a bounded number at once, the most urgent first,
so a p1 raised during the burst is not behind it, and writes the lapses a few at a time, so alerts
are delivered between them. Kafka's part is stood in for here (as in test_oncall_stuck_write.py);
the real path is tests/integration/test_oncall.py and `bench.alerts --burst`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from gateway.kafka import KafkaConnection
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import MeetingSignal, ObligationEvent
from oncall import service as oncall_service
from oncall.channels import Notice
from oncall.config import OnCallConfig
from oncall.service import MOMENTS_PER_TICK, OTHERS_AT_ONCE, URGENT_AT_ONCE, OnCallService, Written

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ORG = "3ro"


def raised(priority: str, at: datetime) -> AlertEvent:
    return AlertEvent.model_validate(
        {"alert_id": uuid4(), "kind": "raised", "at": at, "org": ORG, "priority": priority,
         "signal_id": uuid4(), "tier": "primary", "signal_type": "breach_of_conditions", "sender": ORG}
    )  # fmt: skip


def overdue() -> ObligationEvent:
    return ObligationEvent.model_validate(
        {"obligation_id": uuid4(), "event": "opened", "at": NOW - timedelta(days=3),
         "kind": "measure_extension", "owner": ORG, "subject": "pseudonym-1", "opened_by": uuid4(),
         "due_at": NOW - timedelta(days=1), "remind_at": NOW - timedelta(days=2),
         "met_by": [MeetingSignal.model_validate({"type": "x", "from": ORG})],
         "tell_on_lapse": [ORG], "source": "001"}
    )  # fmt: skip


class Webhook:
    """Stands in for an organisation's webhook: takes a while to answer, counts what is under way."""

    name = "webhook"

    def __init__(self) -> None:
        self.taken: list[Notice] = []
        self.under_way = 0
        self.most_under_way = 0

    async def notify(self, notice: Notice) -> None:
        self.under_way += 1
        self.most_under_way = max(self.most_under_way, self.under_way)
        await asyncio.sleep(0.005)
        self.under_way -= 1
        self.taken.append(notice)


async def service_with(monkeypatch: pytest.MonkeyPatch, webhook: Webhook) -> tuple[OnCallService, list[int]]:
    service = OnCallService(
        KafkaConnection(bootstrap="127.0.0.1:9"),
        OnCallConfig.load(),
        org_channels={ORG: [webhook]},
        clock=lambda: NOW,
    )
    writes: list[int] = []

    async def transact(producer: object, events: Sequence[Written], remove_content: UUID | None) -> None:
        writes.append(len(events))

    async def fresh() -> None:
        service._producer = object()  # type: ignore[assignment]

    monkeypatch.setattr(service, "_fresh_producer", fresh)
    monkeypatch.setattr(service, "_transact", transact)
    await fresh()
    return service, writes


async def deliver_all(service: OnCallService, limit_s: float = 30.0) -> None:
    async def turns() -> None:
        while service.book.undelivered() or service._delivering:
            await service.tick()
            await asyncio.sleep(0.001)

    await asyncio.wait_for(turns(), limit_s)


async def test_a_p1_raised_in_a_burst_is_delivered_first_and_few_are_under_way_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook = Webhook()
    service, _ = await service_with(monkeypatch, webhook)
    burst: list[Any] = [raised("p2", NOW - timedelta(minutes=1)) for _ in range(400)]
    urgent = raised("p1", NOW)  # raised last
    await service.write([*burst, urgent])
    await deliver_all(service)
    assert len(webhook.taken) == 401, "every alert delivered"
    assert webhook.taken[0].alert_id == urgent.alert_id, "the p1 first, though raised last"
    assert webhook.most_under_way == OTHERS_AT_ONCE + 1, "the p2 burst's places, and the p1's own"
    assert all(service.book.alerts[e.alert_id].delivered for e in [*burst, urgent])


async def test_lapses_are_written_a_few_at_a_time_with_deliveries_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook = Webhook()
    service, writes = await service_with(monkeypatch, webhook)
    monkeypatch.setattr(oncall_service, "OTHERS_AT_ONCE", 4)
    lapsing = [overdue() for _ in range(MOMENTS_PER_TICK * 2 + 10)]
    await service.write(lapsing)
    writes.clear()
    await service.tick()
    assert writes == [2 * MOMENTS_PER_TICK], "one turn: this many lapses and their alerts, one transaction"
    urgent = raised("p1", NOW)
    await service.write([urgent])
    await service.tick()  # the next turn
    await deliver_all(service)
    lapsed = [service.obligations.book.by_id[o.obligation_id] for o in lapsing]
    assert all(obligation.status == "lapsed" for obligation in lapsed)
    taken = [notice.alert_id for notice in webhook.taken]
    assert taken.index(urgent.alert_id) < 2 * 4, "after at most the deliveries under way, not the burst"
    assert len(taken) == len(lapsing) + 1


async def test_a_burst_of_p1_alerts_is_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    webhook = Webhook()
    service, _ = await service_with(monkeypatch, webhook)
    first = [raised("p1", NOW - timedelta(minutes=1)) for _ in range(100)]
    later = [raised("p1", NOW) for _ in range(100)]
    await service.write([*later, *first])
    await deliver_all(service)
    assert webhook.most_under_way == URGENT_AT_ONCE
    taken = [notice.alert_id for notice in webhook.taken]
    assert set(taken[: len(first)]) == {e.alert_id for e in first}, "the longest waiting first"


async def test_a_p1_raised_while_the_timers_are_busy_starts_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timers' turn may wait behind a burst's writes; a p1 raised meanwhile does not wait for it."""
    webhook = Webhook()
    service, _ = await service_with(monkeypatch, webhook)
    service.ready = True
    await service.write([raised("p2", NOW) for _ in range(OTHERS_AT_ONCE * 2)])
    assert len(service._delivering) == OTHERS_AT_ONCE, "the p2 burst's places are taken"
    urgent = raised("p1", NOW)
    await service.write([urgent])  # no turn of the timers in between
    assert urgent.alert_id in service._delivering
    await deliver_all(service)
    assert len(webhook.taken) == OTHERS_AT_ONCE * 2 + 1
