"""The on-call service SIGKILLed on the three Kafka nodes: a new instance, started as a platform's
restart policy starts it (docker-compose.yml's `restart: unless-stopped`; here the test plays that
part, one second after the old process is gone), takes over within 30 s. Its `ketenpoort oncall
serve` is a process of its own, delivering to a real webhook receiver and a real mail server.

What runs on when it dies: an alert delivered and not acknowledged, whose escalation falls after
the kill; an obligation whose reminder went out and whose due time falls after the kill; and an
alert raised after the kill. The new instance escalates the first on the old deadline (the timer
comes from the topic, not from its own start), lapses the obligation once, delivers the new alert,
and every change is on `alerts.oncall` and `chain.obligations` exactly once."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import yaml

from gateway.schemas.persons import Person
from gateway.topics import ALERTS, OBLIGATIONS
from tests.integration.cluster import ThreeBrokers
from tests.integration.faults import KetenpoortProcess
from tests.integration.kafka_helpers import read_topic, send_once
from tests.integration.oncall_harness import (
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
    Hook,
    Mailbox,
    WebhookReceiver,
    oncall_running,
    quick_config,
    quiet_config,
    send_breach,
)
from tests.integration.test_first_slice import running_gateway
from tools.contracts.examples import example
from tools.stack import Endpoints
from tools.stack.process import LOOPBACK, free_ports

P1_S = 8  # nobody acknowledges a p1 alert within 8 s: it goes to the secondary
TAKE_OVER_S = 30
RESTART_DELAY_S = 1.0  # what the restart policy waits before it starts the new process


class OnCallProcess(KetenpoortProcess):
    """`ketenpoort oncall serve`, logged in to Kafka as `oncall`, on a port of its own."""

    command = ("oncall", "serve")

    def __init__(self, where: Endpoints, config: Path, workdir: Path) -> None:
        super().__init__()
        self.port = free_ports(1)[0]
        self.env = {
            **os.environ,
            **where.environment("oncall"),
            "KETENPOORT_CACHE": str(workdir / "cache"),
            "KETENPOORT_ONCALL_CONFIG": str(config),
            "KETENPOORT_ONCALL_HTTP_PORT": str(self.port),
            WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
        }
        self.log = workdir / "oncall.log"

    async def ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{self.port}") as client:
            while True:
                assert self.process is not None and self.process.poll() is None, self.tail()
                try:
                    if (await client.get("/health/ready", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"the on-call service is not ready:\n{self.tail()}"
                await asyncio.sleep(0.2)


@contextmanager
def supervised(process: OnCallProcess) -> Iterator[OnCallProcess]:
    try:
        yield process
    finally:
        process.stop()


@asynccontextmanager
async def channels() -> AsyncIterator[tuple[Mailbox, WebhookReceiver]]:
    async with Mailbox().running() as mailbox, WebhookReceiver().running() as webhook:
        yield mailbox, webhook


async def hook(webhook: WebhookReceiver, about: UUID, org: str, tier: str, priority: str) -> Hook:
    """The first webhook call to `org` about signal `about` at `tier` and `priority`, once it came."""
    wanted = (str(about), org, tier, priority)
    deadline = time.monotonic() + TAKE_OVER_S + 10
    while True:
        for call in webhook.received:
            body = call.body
            if (body["signal_id"], body["org"], body["tier"], body["priority"]) == wanted:
                return call
        assert time.monotonic() < deadline, f"no {priority} {tier} webhook call to {org} about {about}"
        await asyncio.sleep(0.05)


def release_soon(at: datetime) -> Any:
    """The OM's example release from custody of a person of this test's own, at `at`: Veilig
    Thuis's safety check before it is due then (its reminder, 24 h ahead, is due at once)."""
    loaded = example("release_from_custody").signal
    who = Person(given_name="Test", family_name=f"Overname{uuid4().hex[:8]}", birth_date=date(1979, 3, 4))
    return loaded.model_copy(update={"release_time": at, "suspect": who})


@pytest.mark.parametrize(
    "kills", [pytest.param(1, id="short"), pytest.param(3, id="long", marks=pytest.mark.soak)]
)
async def test_the_oncall_service_sigkilled_is_replaced_and_alerts_and_timers_go_on_within_30_s(
    three_brokers: ThreeBrokers, tmp_path: Path, kills: int
) -> None:
    where, own = three_brokers.where, three_brokers.settings
    key = own.pseudonym_key.get_secret_value().encode()
    async with channels() as (mailbox, webhook), running_gateway(own, where, where.opa_url):
        config = tmp_path / "oncall.yaml"
        quick = quick_config(mailbox, webhook, p1_s=P1_S, p2_s=P1_S)
        police = quick.organisations["police"]  # Veilig Thuis takes alerts at the same receiver
        quick.organisations["veiligthuis"] = quick.organisations["veiligthuis"].model_copy(
            update={"webhook": police.webhook}
        )
        config.write_text(yaml.safe_dump(quick.model_dump(mode="json", exclude_none=True)))
        async with oncall_running(own, where, quiet_config()):
            pass  # closes the alerts earlier tests left open on the shared cluster
        oncall = OnCallProcess(where, config, tmp_path)
        oncall.start()
        with supervised(oncall):
            await oncall.ready()
            took: list[tuple[float, float]] = []
            for _ in range(kills):
                before = await send_breach(own, where)
                release = await send_once(
                    where, "om", release_soon(datetime.now(UTC) + timedelta(seconds=12)), key
                )
                delivered = await hook(webhook, before, "police", "primary", "p1")
                await hook(webhook, release, "veiligthuis", "primary", "p3")  # the reminder went out
                oncall.kill()
                killed_at = time.monotonic()
                await asyncio.sleep(RESTART_DELAY_S)
                oncall.start()
                after = await send_breach(own, where)
                escalated = await hook(webhook, before, "police", "secondary", "p1")
                lapsed = await hook(webhook, release, "veiligthuis", "primary", "p2")
                raised_after = await hook(webhook, after, "police", "primary", "p1")
                latest = max(escalated.at, raised_after.at, lapsed.at)
                assert latest - killed_at < TAKE_OVER_S, f"{latest - killed_at:.1f} s after the kill"
                assert escalated.at - delivered.at >= P1_S  # the old deadline, not a new one
                took.append((raised_after.at - killed_at, latest - killed_at))
                await _each_change_once(where, before, release)
    for new, last in took:
        print(f"after the kill: a new alert delivered in {new:.1f} s, everything due done in {last:.1f} s")


async def _each_change_once(where: Endpoints, breach: UUID, release: UUID) -> None:
    """On the topics: the breach's police alert raised, delivered, escalated and delivered again
    once each; the release's obligation opened, reminded and lapsed once each."""
    alert_steps: list[tuple[str, str | None]] = [
        ("raised", "primary"), ("delivered", "primary"),
        ("escalated", "secondary"), ("delivered", "secondary"),
    ]  # fmt: skip

    def police_alert(found: list[dict[str, Any]]) -> Counter[tuple[str, str | None]]:
        return Counter(
            (item["kind"], item.get("tier"))
            for item in found
            if item.get("signal_id") == str(breach) and item.get("org") == "police"
        )

    alerts = await read_topic(
        where.kafka("admin"), ALERTS, until=lambda found: all(police_alert(found)[s] for s in alert_steps)
    )
    steps = police_alert(alerts)
    assert [steps[s] for s in alert_steps] == [1, 1, 1, 1], steps

    def obligation(found: list[dict[str, Any]]) -> Counter[str]:
        return Counter(
            item["event"]
            for item in found
            if item.get("opened_by") == str(release) and item.get("kind") == "safety_check_before_release"
        )

    events = await read_topic(
        where.kafka("admin"), OBLIGATIONS, until=lambda found: obligation(found)["lapsed"] >= 1
    )
    assert obligation(events) == Counter({"opened": 1, "reminded": 1, "lapsed": 1}), obligation(events)
