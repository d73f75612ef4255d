"""Signals per second through Kafka, and the gateway's end-to-end latency, on the local stack.

Throughput at saturation, each contender in this process, on the same 10 000 signals
(`tests.integration.faults.make_signals`) under ids of its own (`renumbered`: the gateway routes a
signal id once, and a second copy is a cheap duplicate, which is what the gateway's figure measured
from the memory of ids (113aa3f) until issue 24):

- passthrough: consume → produce one copy to one topic, one Kafka transaction per batch holding the
  copies and the consumed offsets (`send_offsets_to_transaction`), the gateway's batch size and
  producer settings, no parsing, no policy.
- same-work passthrough: the same, but producing for each signal read exactly the records the gateway
  wrote for it (`Capture`, from the gateway's own run: same topics, keys, values and headers, the
  audit's to the same partition), so the Kafka client's whole share of the gateway's work and nothing
  else. The gateway's ceiling in one process.
- gateway: the real gateway (`gateway.app.create_app`, configured as the stack deploys it: its audit
  key and policy approvers), with a consumer group of its own whose offsets start where its signals
  begin.
- naive: the design the decision cache replaces. The same gateway app, but its decision cache
  swapped for one OPA query per (signal, recipient), one after the other (`PolicyEngine.decide`
  with one recipient, as `bench.decisions` asks).
- 1 and 2 processes: `ketenpoort gateway serve --instances N` (each instance a process of its own
  with its static share of the partitions), timed from the group's first commit inside its signals
  until its offsets cover them all.

An untimed pass of the passthrough and the gateway goes first: a freshly started broker is slow
until its JVM has compiled its hot paths, and the first signals about each person make the
involvement index's records, so every contender meets the same steady state. Each contender is
timed from the moment it starts consuming until its whole span is committed, not counting its
start-up.

Latency: the timed gateway, caught up, offered signals at a fixed rate (200/s for 20 s, after 2 s of
warm-up that is not counted), `--runs` times (5); each send's time noted; a read_committed consumer
of every inbox notes when each delivery arrives. Both are this process's `perf_counter`.
Percentiles are over deliveries, per run and over all runs together.

`--profile FILE` samples the timed gateway pass with py-spy (`bench/profile.py`) and prints where
its time went; `--only-gateway` runs the warm-up and the gateway's pass alone.

The stack is the benchmark's own (<cache>/bench/stack, started now and stopped at the end) unless
KETENPOORT_STACK_DIR or KAFKA_BOOTSTRAP and OPA_URL name one: see `bench_settings`. Everyone logs in
as in a deployment: the gateways as `gateway` (so their groups start with `ketenpoort-gateway`), the
signals are sent by their senders' principals, and the harness (offsets, the passthroughs, the
inboxes' reader) works as `admin`. The same-work passthrough writes copies of the gateway's audit
records beside its chain: the benchmark's stack's audit does not verify afterwards.

    .venv/bin/python -m bench.pipeline --signals 10000

Progress goes to stderr, the in-process gateways' logs to <cache>/bench/pipeline.log and the
processes' to <cache>/bench/processes/; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import uuid4

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord
from faststream.asgi import AsgiFastStream

from bench.profile import profiled, tables
from bench.results import publish
from gateway import metrics
from gateway import service as gateway_service
from gateway.app import create_app
from gateway.decision_cache import DecisionCache
from gateway.decisions import Decision, DecisionError
from gateway.fanout import Fanout, outgoing, partition_of
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import KafkaConnection, Record, ensure_topics, make_admin, make_producer, partition_counts
from gateway.logging import configure_logging
from gateway.router import Routed
from gateway.schemas.audit import AuditRecord
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.topics import DLQ_RECORD_MAX_BYTES, inbox_topic, signals_topic
from tests.integration.faults import expected_deliveries, make_signals, send_all, signal_id
from tests.integration.fleet import Fleet
from tests.integration.kafka_helpers import Adapters
from tools.stack import Endpoints, down, stack_session

PASSTHROUGH_TOPIC = "bench.passthrough"
# The passthrough's output cleans itself up: nobody reads it.
BENCH_TOPIC_CONFIG = {"retention.ms": "600000", "segment.ms": "600000"}
STALL_S = 30.0  # a contender that moves nothing for this long has failed
FLEET_TIMEOUT_S = 600.0

Offsets = dict[TopicPartition, int]


def bench_settings() -> Settings:
    """The settings, with a stack of the benchmark's own unless one is named (KETENPOORT_STACK_DIR,
    or KAFKA_BOOTSTRAP and OPA_URL). The shared stack's signals topics are read from the beginning by
    every new gateway group (the tests'); thousands of benchmark signals there would slow them all,
    and two gateways writing the same audit partitions at once fork its hash chains."""
    settings = Settings()
    named = settings.stack_dir is not None and settings.stack_dir != Path()
    if (settings.kafka_bootstrap and settings.opa_url) or named:
        return settings
    own = settings.model_copy(update={"stack_dir": settings.cache_path("bench", "stack")})
    # Each benchmark starts on an empty stack: one left running by an interrupted run holds every
    # earlier benchmark's signals, and what they opened (thousands of obligations lapsing at once
    # flooded bench.alerts' on-call service).
    for line in down(own):
        say(line)
    return own


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Span:
    """The benchmark's signals: from `start` up to (not including) `end` in each partition."""

    start: Offsets
    end: Offsets

    @property
    def partitions(self) -> list[TopicPartition]:
        return list(self.start)

    @property
    def records(self) -> int:
        return sum(self.end[tp] - self.start[tp] for tp in self.start)


async def signal_partitions(admin: KafkaConnection) -> list[TopicPartition]:
    topics = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, topics)
    return [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]


async def end_offsets(admin: KafkaConnection, partitions: list[TopicPartition]) -> Offsets:
    consumer = AIOKafkaConsumer(**admin.client_options(), enable_auto_commit=False)
    await consumer.start()
    try:
        ends: Offsets = await consumer.end_offsets(partitions)
        return ends
    finally:
        await consumer.stop()


async def commit_offsets(admin: KafkaConnection, group: str, offsets: Offsets) -> None:
    """Set a new consumer group's committed offsets: where the gateway will start. In a transaction,
    as the gateway commits, since the broker warns against mixing plain and transactional commits."""
    producer = make_producer(admin, client_id=f"{group}-start", transactional_id=f"{group}-start")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_offsets_to_transaction(dict(offsets), group)
    finally:
        await producer.stop()


async def committed_offsets(
    admin: AIOKafkaAdminClient, group: str, partitions: list[TopicPartition]
) -> Offsets:
    found = await admin.list_consumer_group_offsets(group, partitions=partitions)
    return {tp: found[tp].offset if tp in found else -1 for tp in partitions}


async def ensure_passthrough_topic(admin: KafkaConnection, partitions: int) -> None:
    client = make_admin(admin, client_id="ketenpoort-bench")
    await client.start()
    try:
        if PASSTHROUGH_TOPIC not in set(await client.list_topics()):
            new = [NewTopic(PASSTHROUGH_TOPIC, partitions, 1, topic_configs=BENCH_TOPIC_CONFIG)]
            response = await client.create_topics(new)
            for name, code, *message in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"could not create topic {name}: error {code} {message}")
    finally:
        await client.close()


async def preload(where: Endpoints, records: list[Record]) -> Span:
    """Send the records, each as its sender; the span they took in the signals topics."""
    admin = where.kafka("admin")
    partitions = await signal_partitions(admin)
    start = await end_offsets(admin, partitions)
    await send_all(where, records)
    end = await end_offsets(admin, partitions)
    return Span(start, end)


async def read_span(
    consumer: AIOKafkaConsumer,
    span: Span,
    settings: Settings,
    handle: Callable[[dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]], Awaitable[None]],
) -> None:
    """Feed the span to `handle` in batches as the gateway's subscriber reads them (at most
    `batch_max_records`, waiting at most `batch_timeout_ms`), never past the span's end."""
    consumer.assign(span.partitions)
    for tp in span.partitions:
        consumer.seek(tp, span.start[tp])
    remaining = {tp for tp in span.partitions if span.end[tp] > span.start[tp]}
    while remaining:
        fetched = await consumer.getmany(
            *remaining, timeout_ms=settings.batch_timeout_ms, max_records=settings.batch_max_records
        )
        batch = {}
        for tp, messages in fetched.items():
            inside = [m for m in messages if m.offset < span.end[tp]]
            if inside:
                batch[tp] = inside
            if messages and messages[-1].offset + 1 >= span.end[tp]:
                remaining.discard(tp)
        if batch:
            await handle(batch)


Writes = Callable[[ConsumerRecord[bytes, bytes]], list[Record]]
"""What a passthrough writes for one record read."""


def one_copy(message: ConsumerRecord[bytes, bytes]) -> list[Record]:
    return [Record(PASSTHROUGH_TOPIC, message.key, message.value, list(message.headers))]


async def passthrough(
    admin: KafkaConnection,
    settings: Settings,
    span: Span,
    writes: Writes = one_copy,
    name: str = "passthrough",
) -> float:
    """Seconds for consume → produce what `writes` gives for each record read (the audit's to its
    partition), in one transaction per batch with the consumed offsets, and nothing else."""
    group = f"bench-{name}-{uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        **admin.client_options(),
        group_id=group,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    # The same producer settings as the gateway's fan-out.
    producer = make_producer(
        admin,
        client_id=group,
        transactional_id=group,
        linger_ms=2,
        max_request_size=DLQ_RECORD_MAX_BYTES + 64 * 1024,
    )
    await consumer.start()
    await producer.start()

    async def handle(batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        async with producer.transaction():
            for messages in batch.values():
                for m in messages:
                    for out in writes(m):
                        await producer.send(
                            out.topic,
                            out.value,
                            key=out.key,
                            headers=out.headers,
                            partition=partition_of(out),
                        )
            offsets = {tp: messages[-1].offset + 1 for tp, messages in batch.items()}
            await producer.send_offsets_to_transaction(offsets, group)

    try:
        started = time.perf_counter()
        await read_span(consumer, span, settings, handle)
        return time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()


def signals_routed() -> float:
    """The gateway's own count of signals it has committed (all gateways in this process)."""
    return sum(s.value for m in metrics.SIGNALS_IN.collect() for s in m.samples if s.name.endswith("_total"))


class OneQueryPerRecipient(DecisionCache):
    """The decision cache's interface without its cache: every (signal, recipient) is an OPA query of
    its own, one after the other, as `bench.decisions` does it. Revision checks and failing closed
    stay as they are."""

    async def decide(self, policy_input: dict[str, Any]) -> tuple[str, dict[str, Decision]]:
        if self.problem is not None:
            raise DecisionError(self.problem)
        revision = self.revision
        assert revision is not None
        decisions: dict[str, Decision] = {}
        for recipient in policy_input["recipients"]:
            decisions.update(await self.engine.decide({**policy_input, "recipients": [recipient]}))
        self.misses += len(policy_input["recipients"])
        return revision, decisions


def build_gateway(settings: Settings, where: Endpoints, decisions: type[DecisionCache]) -> AsgiFastStream:
    if decisions is DecisionCache:
        return create_app(settings, where.kafka("gateway"), where.opa_url)
    # The same app with another decision source: create_app makes its DecisionCache itself.
    with mock.patch.object(gateway_service, "DecisionCache", decisions):
        return create_app(settings, where.kafka("gateway"), where.opa_url)


@dataclass
class RunningGateway:
    group: str
    started: float
    """When it began to consume (perf_counter): after its own start-up, before joining partitions."""
    routed_before: float
    """`signals_routed()` before it started."""


@contextlib.asynccontextmanager
async def running_gateway(
    settings: Settings, where: Endpoints, start: Offsets, decisions: type[DecisionCache] = DecisionCache
) -> AsyncIterator[RunningGateway]:
    """A gateway in this process with a consumer group of its own that starts at `start` (named in
    the gateway principal's prefix, or the broker would not let it join)."""
    group = f"ketenpoort-gateway-bench-{decisions.__name__.lower()}-{uuid4().hex[:8]}"
    await commit_offsets(where.kafka("admin"), group, start)
    deployed = where.gateway_settings(settings)  # the stack's audit key and policy approvers, as deployed
    app = build_gateway(deployed.model_copy(update={"gateway_group_id": group}), where, decisions)
    marks: dict[str, float] = {}

    def consuming() -> None:  # runs after the gateway's own start-up hook, before its subscriber
        marks["started"] = time.perf_counter()

    app.on_startup(consuming)
    before = signals_routed()
    await app.start()
    try:
        yield RunningGateway(group, marks["started"], before)
    finally:
        await app.stop()


async def gateway_seconds(admin: KafkaConnection, gateway: RunningGateway, span: Span) -> float:
    """Seconds from the gateway starting to consume until its committed offsets reach the span's end.
    Its start-up (topics, audit heads, transactional producer) is not counted; joining is."""
    client = make_admin(admin, client_id="ketenpoort-bench")
    await client.start()
    try:
        return await caught_up(client, gateway.group, span, gateway.routed_before) - gateway.started
    finally:
        await client.close()


async def caught_up(admin: AIOKafkaAdminClient, group: str, span: Span, before: float) -> float:
    """When the gateway(s) in this process had routed the span and committed its offsets."""
    progress, moved_at, dumped = 0.0, time.monotonic(), False
    while (routed := signals_routed() - before) < span.records:  # cheap, exact to a few ms
        if routed > progress:
            progress, moved_at = routed, time.monotonic()
        elif time.monotonic() - moved_at > STALL_S / 2 and not dumped:
            dumped = True
            say(f"no progress for {STALL_S / 2:.0f} s; every task of this process:")
            for task in asyncio.all_tasks():
                task.print_stack(file=sys.stderr)
        elif time.monotonic() - moved_at > STALL_S:
            raise RuntimeError(
                f"the gateway routed nothing for {STALL_S:.0f} s ({routed:.0f} of {span.records})"
            )
        await asyncio.sleep(0.005)
    done = time.perf_counter()
    # Confirm against the broker: the committed offsets cover the whole span.
    deadline = time.monotonic() + STALL_S
    while True:
        committed = await committed_offsets(admin, group, span.partitions)
        if all(committed[tp] >= span.end[tp] for tp in span.partitions):
            return done
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gateway's offsets {committed} never reached {span.end}")
        await asyncio.sleep(0.05)
        done = time.perf_counter()


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        raise RuntimeError("no deliveries arrived: nothing to take a percentile of")
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class LatencyResult:
    sent: dict[str, float]
    """signal id → when the adapter sent it (perf_counter)"""
    received: dict[tuple[str, str], float]
    """(signal id, recipient) → when the recipient's consumer got the delivery (perf_counter)"""
    counted: set[str]
    """the signals sent after the warm-up"""
    expected: int
    offered_sps: float

    @property
    def latencies_ms(self) -> list[float]:
        return sorted(
            (at - self.sent[sid]) * 1000 for (sid, _), at in self.received.items() if sid in self.counted
        )

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def spoken(self) -> str:
        return (
            f"at {self.offered_sps:.0f} signals/s offered: {len(self.latencies_ms)} of {self.expected} "
            f"deliveries, p50 {self.p(50):.1f} ms, p95 {self.p(95):.1f} ms, p99 {self.p(99):.1f} ms, "
            f"max {max(self.latencies_ms):.1f} ms"
        )


async def latency(where: Endpoints, *, rate: float, duration_s: float, warmup_s: float) -> LatencyResult:
    """Offer signals at `rate` to the running gateway, each sent by its sender; per delivery, adapter
    send → inbox receipt (read as `admin`, the one principal that may read every inbox)."""
    admin = where.kafka("admin")
    warmup = make_signals(round(rate * warmup_s))
    measured = make_signals(round(rate * duration_s))
    # At least the copies granted with nobody involved yet; more once partners become involved.
    expected = (await expected_deliveries(where.opa_url, measured)).at_least
    counted = {signal_id(r) for r in measured}
    inboxes = [inbox_topic(org) for org in RECIPIENTS]
    counts = await partition_counts(admin, inboxes)
    receiver = AIOKafkaConsumer(
        **admin.client_options(), isolation_level="read_committed", enable_auto_commit=False
    )
    adapters = Adapters(where, "bench-adapter")
    await receiver.start()
    sent: dict[str, float] = {}
    received: dict[tuple[str, str], float] = {}

    async def receive() -> None:
        while True:
            fetched = await receiver.getmany(timeout_ms=100)
            now = time.perf_counter()
            for messages in fetched.values():
                for m in messages:
                    item = orjson.loads(m.value or b"{}")
                    sid = item.get("signal_id")
                    if sid in sent and "delivery_id" in item and item.get("signal_type") != MATCH_NOTICE:
                        received.setdefault((sid, item["recipient"]), now)

    async def offer(records: list[Record]) -> float:
        begun = time.perf_counter()
        pending = []
        for n, record in enumerate(records):
            delay = begun + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[signal_id(record)] = time.perf_counter()
            pending.append(await adapters.send(record))
        await asyncio.gather(*pending)
        return len(records) / (time.perf_counter() - begun)

    try:
        partitions_in = [TopicPartition(t, p) for t in inboxes for p in range(counts[t])]
        receiver.assign(partitions_in)
        await receiver.seek_to_end(*partitions_in)
        for tp in partitions_in:
            await receiver.position(tp)  # resolve "the end" now, before anything is sent
        receiving = asyncio.create_task(receive())
        await offer(warmup)
        offered = await offer(measured)
        deadline = time.monotonic() + STALL_S
        while sum(1 for key in received if key[0] in counted) < len(expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiving
    finally:
        await adapters.stop()
        await receiver.stop()
    return LatencyResult(sent, received, counted, len(expected), offered)


def renumbered(records: list[Record]) -> list[Record]:
    """The same signals under new ids: the gateway routes a signal id once (a second copy is a
    duplicate, gateway/signal_ids.py), so each contender gets the same content with ids of its own."""
    return [
        dataclasses.replace(
            r, headers=[(k, str(uuid4()).encode() if k == "ce_id" else v) for k, v in r.headers]
        )
        for r in records
    ]


Place = tuple[str, int, int]


class Capture:
    """What the gateway wrote for each signal it read (`fanout.outgoing`): the same-work
    passthrough writes exactly that. Only references are kept while the gateway runs; the audit
    records are serialised afterwards (`produced`), so the capture costs the timed run nothing."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[Routed], list[AuditRecord]]] = []

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        original = Fanout._transact
        batches = self.batches

        async def transact(
            fanout: Fanout, routed: list[Routed], audit: list[AuditRecord], offsets: Offsets
        ) -> None:
            await original(fanout, routed, audit, offsets)
            batches.append((routed, audit))  # committed

        with mock.patch.object(Fanout, "_transact", transact):
            yield

    def produced(self) -> dict[Place, list[Record]]:
        found: dict[Place, list[Record]] = {}
        for routed, audit in self.batches:
            for item, outputs in zip(routed, outgoing(routed, audit), strict=True):
                found[(item.source.topic, item.source.partition, item.source.offset)] = outputs
        return found


async def same_work_passthrough(
    admin: KafkaConnection, settings: Settings, span: Span, produced: dict[Place, list[Record]]
) -> float:
    """The passthrough writing, for each record read, exactly the records the gateway wrote for it
    (same topics, keys, values, headers; the audit's to the same partition): the Kafka client's own
    cost of the gateway's output."""

    def as_the_gateway(message: ConsumerRecord[bytes, bytes]) -> list[Record]:
        return produced[(message.topic, message.partition, message.offset)]

    return await passthrough(admin, settings, span, as_the_gateway, "same-work")


async def fleet_seconds(fleet: Fleet, span: Span, count: int) -> float:
    """`count` gateway processes (`ketenpoort gateway serve --instances N`): from the group's first
    commit inside the span until it has committed the whole span. The instances' start-up (audit
    heads, the involvement index, the fence) is not counted, and an instance that starts routing
    before the others counts from its first batch."""
    await commit_offsets(fleet.admin, fleet.group, span.start)
    fleet.start(count)
    client = make_admin(fleet.admin, client_id="ketenpoort-bench")
    await client.start()
    try:
        began: float | None = None
        deadline = time.perf_counter() + FLEET_TIMEOUT_S
        while time.perf_counter() < deadline:
            committed = await committed_offsets(client, fleet.group, span.partitions)
            if began is None and any(committed[tp] > span.start[tp] for tp in span.partitions):
                began = time.perf_counter()
            if began is not None and all(committed[tp] >= span.end[tp] for tp in span.partitions):
                return time.perf_counter() - began
            await asyncio.sleep(0.02)
        raise RuntimeError(f"{count} instances did not route {span.records} in {FLEET_TIMEOUT_S:.0f} s")
    finally:
        await client.close()
        fleet.stop()


async def latency_runs(
    where: Endpoints, workdir: Path, runs: int, rate: float, duration_s: float, warmup_s: float
) -> list[LatencyResult]:
    """`runs` latency runs, one after the other, against one gateway process (`ketenpoort gateway
    serve --instances 1`) that starts at the end of the signals topics."""
    workdir.mkdir(parents=True)
    fleet = Fleet(where, workdir, log_level="INFO")
    await fleet.skip_history()
    fleet.start(1)
    try:
        await fleet.wait_ready(1, timeout_s=120)
        results = []
        for run in range(runs):
            result = await latency(where, rate=rate, duration_s=duration_s, warmup_s=warmup_s)
            results.append(result)
            say(f"latency run {run + 1}: {result.spoken()}")
            if len(result.latencies_ms) < result.expected:
                say(f"MISSING: {result.expected - len(result.latencies_ms)} deliveries never arrived")
        return results
    finally:
        fleet.stop()


async def main(
    signals: int,
    rate: float,
    duration_s: float,
    warmup_s: float,
    runs: int,
    profile: Path | None = None,
    only_gateway: bool = False,
    only_latency: bool = False,
) -> dict[str, Any]:
    settings = bench_settings()
    log_file = settings.cache_path("bench", "pipeline.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    workdir = settings.cache_path("bench", "processes", time.strftime("%Y%m%dT%H%M%S"))
    say(f"stack: {settings.stack_path()} (started now and stopped at the end, unless already running)")
    base = make_signals(signals)
    rates: dict[str, float] = {}
    with log_file.open("w") as log_stream, stack_session(settings) as where:
        configure_logging(settings.log_level, log_stream)  # as `ketenpoort gateway run` does, to a file
        admin = where.kafka("admin")
        await ensure_topics(
            admin, partitions=settings.topic_partitions, replication=settings.topic_replication
        )
        await ensure_passthrough_topic(admin, settings.topic_partitions)

        async def span_of_own() -> Span:
            span = await preload(where, renumbered(base))
            say(f"preloaded {span.records} signals over {len(span.partitions)} partitions")
            return span

        def note(name: str, span: Span, seconds: float) -> None:
            rates[name] = span.records / seconds
            say(f"{name}: {span.records} signals in {seconds:.2f} s = {rates[name]:.0f} signals/s")

        if only_latency:
            results = await latency_runs(where, workdir / "latency", runs, rate, duration_s, warmup_s)
            return {"p99_runs_ms": [round(result.p(99), 1) for result in results]}
        # A freshly started broker is slow until the JVM has compiled its hot paths, and the first
        # signals about a person make the involvement index's records: an untimed pass of the
        # passthrough and the gateway first, so every contender meets the same steady state.
        warm = await span_of_own()
        await passthrough(admin, settings, warm)
        async with running_gateway(settings, where, warm.start) as gateway:
            say(
                f"warm-up gateway: {warm.records / await gateway_seconds(admin, gateway, warm):.0f} signals/s"
            )

        if not only_gateway:
            span = await span_of_own()
            async with running_gateway(settings, where, span.start, OneQueryPerRecipient) as naive:
                note("naive", span, await gateway_seconds(admin, naive, span))

        span = await span_of_own()
        capture = Capture()
        async with running_gateway(settings, where, span.start) as gateway:
            with capture.recording(), profiled(profile):
                note("gateway", span, await gateway_seconds(admin, gateway, span))
            # Serialised now, and the gateway's objects let go before the latency runs, which meet
            # the gateway as it runs, not beside ten thousand signals' worth of objects held here.
            produced = {
                place: outputs
                for place, outputs in capture.produced().items()
                if span.start[TopicPartition(place[0], place[1])]
                <= place[2]
                < span.end[TopicPartition(place[0], place[1])]
            }
            capture.batches.clear()
        if only_gateway:
            say(f"gateway only: {rates['gateway']:.0f} signals/s")
            return {"gateway_sps": round(rates["gateway"])}
        if len(produced) != span.records:
            raise RuntimeError(f"captured the gateway's output of {len(produced)} of {span.records} signals")
        records_out = sum(len(outputs) for outputs in produced.values()) / span.records
        bytes_out = (
            sum(len(out.value or b"") for outputs in produced.values() for out in outputs) / span.records
        )
        say(f"the gateway wrote {records_out:.2f} records ({bytes_out:.0f} bytes of values) per signal read")
        note("passthrough", span, await passthrough(admin, settings, span))
        note("same_work_passthrough", span, await same_work_passthrough(admin, settings, span, produced))

        # Latency, of the gateway as deployed: a process of its own, beside this one's harness.
        results = await latency_runs(where, workdir / "latency", runs, rate, duration_s, warmup_s)
        for count in (1, 2):
            rundir = workdir / f"{count}-processes"
            rundir.mkdir(parents=True)
            own = await span_of_own()
            seconds = await fleet_seconds(Fleet(where, rundir, log_level="INFO"), own, count)
            note(f"gateway_{count}proc", own, seconds)
    pooled = sorted(latency for result in results for latency in result.latencies_ms)
    p99_runs = [round(result.p(99), 1) for result in results]
    share = rates["gateway"] / rates["same_work_passthrough"]
    speedup = rates["gateway"] / rates["naive"]
    say(
        f"targets: gateway {share:.0%} of the same-work passthrough (target >= 50%), "
        f"{speedup:.1f}x naive (target >= 20x), p99 per run {p99_runs} ms at {rate:.0f}/s "
        f"(target <= 100 ms in each); gateway logs in {log_file}, the processes' in {workdir}"
    )
    return {
        "passthrough_sps": round(rates["passthrough"]),
        "same_work_passthrough_sps": round(rates["same_work_passthrough"]),
        "gateway_sps": round(rates["gateway"]),
        "gateway_1proc_sps": round(rates["gateway_1proc"]),
        "gateway_2proc_sps": round(rates["gateway_2proc"]),
        "naive_sps": round(rates["naive"]),
        "records_out_per_signal": round(records_out, 2),
        "p50_ms": round(percentile(pooled, 50), 1),
        "p95_ms": round(percentile(pooled, 95), 1),
        "p99_ms": round(percentile(pooled, 99), 1),
        "p99_runs_ms": p99_runs,
        "offered_sps": round(rate),
        "cores": os.cpu_count(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=10000, help="signals for the throughput runs")
    parser.add_argument("--rate", type=float, default=200.0, help="offered signals/s for the latency run")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the latency run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of uncounted load before it")
    parser.add_argument("--runs", type=int, default=5, help="latency runs, one after the other")
    parser.add_argument(
        "--profile", type=Path, help="py-spy's stacks of the timed gateway pass, to this file"
    )
    parser.add_argument(
        "--only-gateway", action="store_true", help="the gateway's pass alone (for profiling)"
    )
    parser.add_argument("--only-latency", action="store_true", help="the latency runs alone")
    args = parser.parse_args()
    figures = asyncio.run(
        main(
            args.signals,
            args.rate,
            args.duration,
            args.warmup,
            args.runs,
            args.profile,
            args.only_gateway,
            args.only_latency,
        )
    )
    if args.profile is not None:
        say(tables(args.profile))
    if not (args.only_gateway or args.only_latency):
        publish("pipeline", figures)
    else:
        print(figures)
