"""A write of the on-call service that Kafka does not complete (a node that stopped answering,
which aiokafka keeps asking) is given up after WRITE_TIMEOUT_S: the events count as not recorded,
the producer is replaced before the next write, and the timers are not held. Kafka's part is
stood in for here; the real path runs on three nodes with the coordinator frozen
(tests/integration/test_three_brokers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from aiokafka.errors import KafkaTimeoutError

from gateway.kafka import KafkaConnection
from gateway.schemas.alert import AlertEvent
from oncall import service as oncall_service
from oncall.config import OnCallConfig
from oncall.service import OnCallService, Written


def raised() -> AlertEvent:
    return AlertEvent.model_validate(
        {"alert_id": uuid4(), "kind": "raised", "at": datetime(2026, 3, 2, 9, tzinfo=UTC), "org": "3ro",
         "priority": "p1", "signal_id": uuid4(), "tier": "primary", "signal_type": "breach_of_conditions",
         "sender": "3ro"}
    )  # fmt: skip


class Producers:
    """Stands in for the service's producers: the first hangs in its transaction for ever."""

    def __init__(self, service: OnCallService) -> None:
        self.started = 0
        self.stopped = 0
        self.written: list[list[Written]] = []
        self.service = service

    async def fresh(self) -> None:
        self.started += 1
        self.service._producer = object()  # type: ignore[assignment]

    async def stop(self) -> None:
        if self.service._producer is not None:
            self.stopped += 1
        self.service._producer = None

    async def transact(
        self, producer: object, events: Sequence[Written], remove_content: UUID | None
    ) -> None:
        if self.started == 1:
            await asyncio.Event().wait()  # the coordinator answers nothing
        self.written.append(list(events))


async def test_a_stuck_write_is_given_up_and_the_next_goes_through_a_new_producer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(oncall_service, "WRITE_TIMEOUT_S", 0.2)
    service = OnCallService(KafkaConnection(bootstrap="127.0.0.1:9"), OnCallConfig.load())
    producers = Producers(service)
    monkeypatch.setattr(service, "_fresh_producer", producers.fresh)
    monkeypatch.setattr(service, "_stop_producer", producers.stop)
    monkeypatch.setattr(service, "_transact", producers.transact)
    await producers.fresh()  # as start() does

    first = raised()
    with pytest.raises(KafkaTimeoutError, match=r"not recorded within 0\.2 s"):
        await asyncio.wait_for(service.write([first]), 5)
    assert first.alert_id not in service.book.alerts, "not recorded, so not applied"
    assert producers.stopped == 1 and service._producer is None

    second = raised()
    await asyncio.wait_for(service.write([second]), 5)
    assert producers.started == 2, "a new producer for the next write"
    assert producers.written == [[second]]
    assert second.alert_id in service.book.alerts
