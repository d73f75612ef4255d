"""On-call alert latency: a breach signal published → the police's webhook called, and the alert on
the police's console, on the local stack.

Everything runs in this process, as `bench.pipeline` runs its gateway: the gateway
(`bench.pipeline.running_gateway`: `create_app`, a consumer group of its own starting at the end
of the signals topics), and the on-call service with its console served by uvicorn, a webhook
receiver (the police's and probation's webhook) and a real SMTP server taking the mail. Those
harness pieces are the on-call integration tests' own, imported from
`tests.integration.oncall_harness` (`WebhookReceiver`, `Mailbox`, `quick_config`, `oncall_running`,
`oncall_token`). The p1 and p2 deadlines are an hour, so nothing escalates during the run.

A console client (httpx, streaming) signs in with a police on-call token as a bearer and reads
`GET /console/api/events`. Then probation's example breach of conditions (severity high: a p1 alert
for the police and for probation) is published as 3RO, each time with a fresh signal id, from one
producer, at a steady `--rate` (alerts are rare: the target is latency, not throughput). Per
signal, from just before the producer's send to:

- webhook: the police webhook's request for that alert (`alert_id_of(signal, "police")`) arriving
  at the receiver;
- console: the first `alert` event for that alert id (raised) arriving at the console client.

Both are this process's `time.monotonic()`. The first `--warmup` signals (default 25: 5 s, for a
freshly started broker is slow until its JVM has compiled its hot paths) are not counted. Every
counted alert must arrive on both paths within 30 s of the last send, or the run fails (exit 1).
Percentiles are nearest-rank over the counted signals. Where the time goes is shown as stages:
*routed* (send → the gateway raising the alert, its `raised_at`: wall clock, same machine) and
*in service* (send → the on-call service applying the raised event, a listener of its own).

The stack is the benchmark's own (<cache>/bench/stack, started now and stopped at the end) unless
KETENPOORT_STACK_DIR or KAFKA_BOOTSTRAP and OPA_URL name one: see `bench.pipeline.bench_settings`.
The bench's alerts are closed at the end, so they escalate for nobody later.

    .venv/bin/python -m bench.alerts --alerts 200

Progress goes to stderr, the gateway's and the service's logs to <cache>/bench/alerts.log; the
last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import orjson
from aiokafka import AIOKafkaProducer

from adapters.publish import send, signal_record
from bench import results
from bench.pipeline import bench_settings, end_offsets, percentile, running_gateway, say, signal_partitions
from gateway.alerts.raising import alert_id_of
from gateway.kafka import Record, ensure_topics, make_producer
from gateway.logging import configure_logging
from gateway.obligations import obligation_record
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import Settings
from oncall.lifecycle import Alert
from oncall.service import OnCallService
from tests.integration.oncall_harness import (
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
    Mailbox,
    WebhookReceiver,
    oncall_running,
    oncall_token,
    quick_config,
)
from tools.contracts.examples import examples
from tools.stack import Endpoints, stack_session

ORG = "police"  # whose webhook and console are timed
SENDER = "3ro"
TARGET_MS = 1000.0
ARRIVAL_S = 30.0  # after the last send, every counted alert must have arrived within this
BURST_ARRIVAL_S = 600.0  # the same with --burst, so a slow burst is measured, not cut off
NO_ESCALATION_S = 3600  # p1 and p2 deadlines: longer than any run


def breach(settings: Settings) -> tuple[Record, UUID]:
    """Probation's example breach of conditions (severity high) with a fresh signal id, as
    `oncall_harness.send_breach` builds it; the record and its signal id."""
    case = next(c for c in examples() if c.signal.name == "breach_of_conditions")
    assert case.sender == SENDER
    key = settings.pseudonym_key.get_secret_value().encode()
    record, envelope = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=key)
    return record, envelope.id


@dataclass
class Timings:
    sent: dict[UUID, float] = field(default_factory=dict)
    """police alert id → just before its signal's send (monotonic)"""
    sent_wall: dict[UUID, float] = field(default_factory=dict)
    """police alert id → the same moment, wall clock (time.time())"""
    routed: dict[UUID, float] = field(default_factory=dict)
    """police alert id → the gateway's raised_at (wall clock)"""
    applied: dict[UUID, float] = field(default_factory=dict)
    """police alert id → the on-call service applied the raised event (monotonic)"""
    console: dict[UUID, float] = field(default_factory=dict)
    """police alert id → its first `alert` event at the console client (monotonic)"""
    webhook: dict[UUID, float] = field(default_factory=dict)
    """police alert id → its webhook request at the receiver (monotonic)"""
    counted: set[UUID] = field(default_factory=set)
    """the police alert ids of the signals sent after the warm-up"""
    signals: set[UUID] = field(default_factory=set)
    """every signal the bench sent"""

    def latencies_ms(self, path: dict[UUID, float]) -> list[float]:
        return sorted((path[a] - self.sent[a]) * 1000 for a in self.counted if a in path)

    def routed_ms(self) -> list[float]:
        return sorted((self.routed[a] - self.sent_wall[a]) * 1000 for a in self.counted if a in self.routed)


def watch_service(service: OnCallService, timings: Timings) -> None:
    """Note when the service applies each police alert's raised event, and the gateway's raised_at."""

    def seen(alert: Alert) -> None:
        if alert.org == ORG and alert.alert_id in timings.sent and alert.alert_id not in timings.applied:
            timings.applied[alert.alert_id] = time.monotonic()
            timings.routed[alert.alert_id] = alert.raised_at.timestamp()

    service.subscribe(seen)


async def read_console(events: httpx.Response, timings: Timings) -> None:
    """The console's server-sent events: the first `alert` event of each alert."""
    kind = None
    async for line in events.aiter_lines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == "alert":
            now = time.monotonic()
            alert_id = UUID(orjson.loads(line.removeprefix("data: "))["alert_id"])
            timings.console.setdefault(alert_id, now)
        elif not line:
            kind = None


def note_webhooks(webhook: WebhookReceiver, timings: Timings, seen: int) -> int:
    """Take the police's webhook requests that came in since `seen`; returns how many there are."""
    received = webhook.received
    for hook in received[seen:]:
        body = hook.body
        if body.get("org") == ORG:
            timings.webhook.setdefault(UUID(body["alert_id"]), hook.at)
    return len(received)


async def publish(
    producer: AIOKafkaProducer,
    settings: Settings,
    timings: Timings,
    count: int,
    rate: float,
    *,
    counted: bool,
) -> float:
    """`count` breaches at `rate` per second, each timed from just before its send; the rate achieved."""
    begun = time.monotonic()
    for n in range(count):
        delay = begun + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        record, signal_id = breach(settings)
        alert_id = alert_id_of(signal_id, ORG)
        timings.signals.add(signal_id)
        if counted:
            timings.counted.add(alert_id)
        timings.sent_wall[alert_id] = time.time()
        timings.sent[alert_id] = time.monotonic()
        await send(producer, record)
    return count / (time.monotonic() - begun)


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(latencies, 50), 1),
        "p95": round(percentile(latencies, 95), 1),
        "p99": round(percentile(latencies, 99), 1),
        "max": round(latencies[-1], 1),
    }


def spoken(name: str, count: int, expected: int, s: dict[str, float]) -> str:
    return (
        f"{name}: {count} of {expected}, p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, "
        f"p99 {s['p99']:.0f} ms, max {s['max']:.0f} ms"
    )


def overdue_obligation() -> ObligationEvent:
    """An obligation of the police's, a day overdue: the on-call service lapses it when it starts
    and alerts the police (p2), as after an outage."""
    now = datetime.now(UTC)
    return ObligationEvent.model_validate(
        {"obligation_id": uuid4(), "event": "opened", "at": now - timedelta(days=3), "kind": "risk_screening",
         "owner": ORG, "subject": f"kp-bench-{uuid4().hex[:24]}", "opened_by": uuid4(),
         "opened_at": now - timedelta(days=3), "due_at": now - timedelta(days=1),
         "remind_at": now - timedelta(days=2), "remind": [ORG], "tell_on_lapse": [ORG],
         "met_by": [{"type": "risk_assessment", "from": ORG}], "source": "bench.alerts --burst"}
    )  # fmt: skip


async def write_overdue(stack: Endpoints, count: int) -> set[UUID]:
    """`count` overdue obligations on chain.obligations, as the gateway writes them; their ids."""
    producer = make_producer(stack.kafka("admin"), client_id="bench-burst")
    await producer.start()
    try:
        events = [overdue_obligation() for _ in range(count)]
        for event in events:
            record = obligation_record(event)
            await producer.send(record.topic, key=record.key, value=record.value)
        await producer.flush()
    finally:
        await producer.stop()
    return {event.obligation_id for event in events}


async def burst_delivered(service: OnCallService, burst: set[UUID], started: float) -> float | None:
    """Seconds from the service's start until every burst obligation's lapse alert was delivered."""
    while time.monotonic() - started < BURST_ARRIVAL_S:
        delivered = sum(1 for a in service.book.alerts.values() if a.obligation_id in burst and a.delivered)
        if delivered == len(burst):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def measure(
    settings: Settings, stack: Endpoints, alerts: int, rate: float, warmup: int, burst: int = 0
) -> tuple[Timings, float, dict[str, Any]]:
    os.environ.setdefault(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
    admin = stack.kafka("admin")
    await ensure_topics(admin, partitions=settings.topic_partitions, replication=settings.topic_replication)
    start = await end_offsets(admin, await signal_partitions(admin))
    timings = Timings()
    overdue = await write_overdue(stack, burst) if burst else set()
    if burst:
        say(f"burst: {burst} obligations overdue before the on-call service starts")
    found: dict[str, Any] = {}
    async with (
        running_gateway(settings, stack, start),
        Mailbox().running() as mailbox,
        WebhookReceiver().running() as webhook,
    ):
        config = quick_config(mailbox, webhook, p1_s=NO_ESCALATION_S, p2_s=NO_ESCALATION_S)
        started = time.monotonic()
        async with oncall_running(settings, stack, config) as (service, base):
            watch_service(service, timings)
            lapses = asyncio.create_task(burst_delivered(service, overdue, started))
            auth = {"Authorization": f"Bearer {oncall_token(settings, ORG, 'bench console')}"}
            timeout = httpx.Timeout(10.0, read=None)
            producer = make_producer(stack.kafka(SENDER), client_id="bench-3ro-breach")
            await producer.start()
            try:
                async with (
                    httpx.AsyncClient(base_url=base, headers=auth, timeout=timeout) as client,
                    client.stream("GET", "/console/api/events") as events,
                ):
                    events.raise_for_status()
                    reading = asyncio.create_task(read_console(events, timings))
                    say(f"warm-up: {warmup} breaches at {rate:g}/s (not counted)")
                    await publish(producer, settings, timings, warmup, rate, counted=False)
                    say(f"measuring: {alerts} breaches at {rate:g}/s")
                    offered = await publish(producer, settings, timings, alerts, rate, counted=True)
                    deadline, seen = time.monotonic() + (BURST_ARRIVAL_S if burst else ARRIVAL_S), 0
                    while time.monotonic() < deadline:
                        seen = note_webhooks(webhook, timings, seen)
                        if timings.counted <= timings.console.keys() & timings.webhook.keys():
                            break
                        await asyncio.sleep(0.05)
                    note_webhooks(webhook, timings, seen)
                    reading.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reading
            finally:
                await producer.stop()
            if burst:
                found = {"burst": burst, "burst_delivered_s": await lapses}
                say(f"burst: every lapse alert delivered {found['burst_delivered_s']} s after the start")
            lapses.cancel()
            closing = [a for a in service.book.alerts.values() if a.open and a.signal_id in timings.signals]
            for alert in closing:
                await service.close(alert.alert_id, alert.org, "bench", "raised by bench.alerts")
            say(f"closed the bench's {len(closing)} open alerts")
    return timings, offered, found


async def main(alerts: int, rate: float, warmup: int, burst: int) -> tuple[dict[str, Any], bool]:
    settings = bench_settings()
    load_before = os.getloadavg()[0]
    log_file = settings.cache_path("bench", "alerts.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    say(f"stack: {settings.stack_path()} (started now and stopped at the end, unless already running)")
    with (
        tempfile.TemporaryDirectory(prefix="kp-bench-alerts-") as tmp,
        log_file.open("w") as log_stream,
        stack_session(settings) as stack,
    ):
        configure_logging(settings.log_level, log_stream)  # as `ketenpoort gateway run` does, to a file
        # A token file of the run's own: the bench's on-call token is nobody's to keep.
        settings = settings.model_copy(update={"api_tokens_file": Path(tmp) / "tokens.json"})
        timings, offered, found = await measure(settings, stack, alerts, rate, warmup, burst)

    expected = len(timings.counted)
    paths = {"webhook": timings.webhook, "console": timings.console}
    arrived = {name: sum(1 for a in timings.counted if a in path) for name, path in paths.items()}
    complete = all(count == expected for count in arrived.values())
    outcome: dict[str, Any] = {"alerts": expected, "offered_per_s": round(offered, 2), **found}
    for name, path in paths.items():
        latencies = timings.latencies_ms(path)
        if not latencies:
            say(f"{name}: none of {expected} arrived")
            outcome[f"{name}_received"] = 0
            continue
        stats = summary(latencies)
        say(spoken(name, len(latencies), expected, stats))
        outcome[f"{name}_received"] = len(latencies)
        outcome.update({f"{name}_{key}_ms": value for key, value in stats.items()})
    stages = {"routed": timings.routed_ms(), "in_service": timings.latencies_ms(timings.applied)}
    for name, latencies in stages.items():
        if latencies:
            stats = summary(latencies)
            say(f"  stage {spoken(name, len(latencies), expected, stats)}")
            outcome[f"{name}_p99_ms"] = stats["p99"]
    met = complete and all(outcome[f"{name}_p99_ms"] <= TARGET_MS for name in paths)
    outcome["p99_target_met"] = met
    for name, count in arrived.items():
        if count < expected:
            say(f"MISSING: {expected - count} of {expected} alerts never reached the {name}")
    # Whatever else runs on the machine shares its cores with Kafka, OPA and this process: how busy?
    load_after = os.getloadavg()[0]
    say(
        f"machine load (1 min average): {load_before:.1f} before, {load_after:.1f} after, "
        f"on {os.cpu_count()} cores"
    )
    outcome["load_1m"] = [round(load_before, 1), round(load_after, 1)]
    say(
        f"target: p99 <= {TARGET_MS:.0f} ms on both paths at {rate:g}/s: {'met' if met else 'MISSED'}; "
        f"logs in {log_file}"
    )
    return outcome, complete


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=200, help="breach signals timed (police alerts)")
    parser.add_argument("--rate", type=float, default=5.0, help="breach signals per second")
    parser.add_argument("--warmup", type=int, default=25, help="breach signals sent first, not counted")
    parser.add_argument(
        "--burst", type=int, default=0,
        help="obligations overdue when the on-call service starts (their lapses and alerts a burst)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.alerts < 1 or args.rate <= 0 or args.warmup < 0:
        parser.error("--alerts must be at least 1, --rate above 0, --warmup not negative")
    result, all_arrived = asyncio.run(main(args.alerts, args.rate, args.warmup, args.burst))
    results.publish("alerts_burst" if args.burst else "alerts", result)
    sys.exit(0 if all_arrived else 1)
