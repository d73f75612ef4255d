"""Tools for the fault tests: a gateway process to kill, many signals, and exact accounting of what
arrived where."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.publish import signal_record
from gateway.audit.records import AuditRecord
from gateway.contracts.examples import examples
from gateway.decisions import Level, PolicyEngine, policy_input
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import KafkaConnection, make_admin, partition_counts
from gateway.pipeline import Record
from gateway.schemas import CATALOGUE
from gateway.settings import ORGANISATIONS, RECIPIENTS
from gateway.stack import Endpoints
from gateway.stack.process import free_ports
from gateway.topics import AUDIT, inbox_topic, signals_topic
from tests.integration.kafka_helpers import Adapters, skip_history

KETENPOORT = Path(sys.executable).parent / "ketenpoort"
KEY = b"ketenpoort-local-development-key"


def make_signals(count: int) -> list[Record]:
    """`count` valid signals of every type, each with its own id, from the fictional examples, about
    a few hundred fictional suspects (so they spread over the partitions)."""
    cases = examples()
    records = []
    for n in range(count):
        case = cases[n % len(cases)]
        signal_ = case.signal
        if signal_.suspect is not None:
            suspect = signal_.suspect.model_copy(update={"bsn": None, "family_name": f"Verhoef-{n % 301}"})
            signal_ = signal_.model_copy(update={"suspect": suspect})
        record, _ = signal_record(case.sender, signal_, signal_id=uuid4(), pseudonym_key=KEY)
        records.append(record)
    return records


def signal_id(record: Record) -> str:
    return dict(record.headers)["ce_id"].decode()


async def send_all(
    stack: Endpoints, records: list[Record], pause_every: int = 0, pause_s: float = 0.0
) -> None:
    """Send every record as its sender, pausing `pause_s` after each `pause_every` records."""
    async with Adapters(stack, "test-faults") as adapters:
        for n, record in enumerate(records, start=1):
            await adapters.send(record)
            if pause_every and n % pause_every == 0:
                await adapters.flush()
                await asyncio.sleep(pause_s)
        await adapters.flush()


@dataclass(frozen=True)
class Expected:
    """(signal id, recipient) pairs policy grants. Which partners are already involved with a
    person depends on the order the gateway happened to see the signals in, so each signal must
    reach at least the recipients granted with nobody involved (`at_least`), and at most those
    granted with everybody involved (`at_most`)."""

    at_least: set[tuple[str, str]]
    at_most: set[tuple[str, str]]


async def expected_deliveries(opa_url: str, records: list[Record]) -> Expected:
    engine = PolicyEngine(opa_url)
    await engine.start()
    granted: dict[tuple[str, bool], list[str]] = {}
    expected = Expected(set(), set())
    try:
        for record in records:
            name = dict(record.headers)["ce_type"].decode().split(".")[2]
            sender = record.topic.removeprefix("signals.")
            for everyone in (False, True):
                if (name, everyone) not in granted:
                    attributes = CATALOGUE[name].model_validate_json(record.value).attributes()
                    involved = frozenset(RECIPIENTS) if everyone else frozenset()
                    decisions = await engine.decide(
                        policy_input(name, sender, "1.0", attributes, involved=involved)
                    )
                    granted[(name, everyone)] = [
                        org for org, d in decisions.items() if d.level is not Level.NONE
                    ]
                pairs = {(signal_id(record), org) for org in granted[(name, everyone)]}
                (expected.at_most if everyone else expected.at_least).update(pairs)
    finally:
        await engine.close()
    return expected


async def read_all(kafka: KafkaConnection, topic: str) -> list[tuple[int, int, bytes]]:
    """(partition, offset, value) of every committed record in the topic."""
    count = (await partition_counts(kafka, [topic]))[topic]
    consumer = AIOKafkaConsumer(**kafka.client_options(), isolation_level="read_committed")
    await consumer.start()
    found: list[tuple[int, int, bytes]] = []
    try:
        partitions = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > 0}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=2000)
            if not batch:
                break
            for tp, messages in batch.items():
                found.extend((tp.partition, m.offset, m.value or b"") for m in messages)
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return found


async def delivered(admin: KafkaConnection, ids: set[str]) -> Counter[tuple[str, str]]:
    """(signal id, recipient) → how many copies of our signals the inboxes hold. As `admin`: no
    other principal may read every inbox."""
    counts: Counter[tuple[str, str]] = Counter()
    for org in RECIPIENTS:
        for _, _, value in await read_all(admin, inbox_topic(org)):
            item = json.loads(value)
            # Copies of our signals; match notices (also naming a signal) are the index's, not copies.
            if item.get("signal_id") in ids and "delivery_id" in item and item["signal_type"] != MATCH_NOTICE:
                counts[(item["signal_id"], org)] += 1
    return counts


async def audited(audit_reader: KafkaConnection, ids: set[str]) -> Counter[tuple[str, str]]:
    """(signal id, recipient) → how many audit records of our signals there are."""
    counts: Counter[tuple[str, str]] = Counter()
    for _, _, value in await read_all(audit_reader, AUDIT):
        record = AuditRecord.model_validate_json(value)
        if record.signal_id in ids and record.signal_type != MATCH_NOTICE:
            counts[(record.signal_id, record.recipient)] += 1
    return counts


async def wait_until_consumed(admin: KafkaConnection, group: str, timeout_s: float) -> None:
    """Until the gateway's committed offsets reach the end of every signals topic (watched as
    `admin`, which may look into any group)."""
    topics = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, topics)
    partitions = [TopicPartition(t, p) for t in topics for p in range(counts[t])]
    consumer = AIOKafkaConsumer(**admin.client_options())
    await consumer.start()
    client = make_admin(admin)
    await client.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            ends = await consumer.end_offsets(partitions)
            committed = await client.list_consumer_group_offsets(group, partitions=partitions)
            # A partition nobody wrote to has no committed offset (-1): nothing is behind there.
            behind = {
                tp: ends[tp] - max(committed[tp].offset if tp in committed else 0, 0) for tp in partitions
            }
            if all(lag <= 0 for lag in behind.values()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the gateway did not catch up within {timeout_s}s: {behind}")
            await asyncio.sleep(0.5)
    finally:
        await client.close()
        await consumer.stop()


class GatewayProcess:
    """`ketenpoort gateway run` as its own process, logged in as `gateway`, to be killed and
    started again."""

    def __init__(self, where: Endpoints, workdir: Path, **settings: str) -> None:
        self.group = f"ketenpoort-gateway-faults-{uuid4().hex[:8]}"
        self.port = free_ports(1)[0]
        self.admin = where.kafka("admin")
        self.env = {
            **os.environ,
            **where.environment("gateway"),
            "KETENPOORT_CACHE": str(workdir / "cache"),
            "KETENPOORT_GATEWAY_GROUP_ID": self.group,
            "KETENPOORT_HTTP_PORT": str(self.port),
            **{f"KETENPOORT_{name.upper()}": value for name, value in settings.items()},
        }
        self.log = workdir / f"{self.group}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def skip_history(self) -> None:
        """Start this gateway's group at the end of the signals topics (see kafka_helpers)."""
        await skip_history(self.admin, self.group)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(KETENPOORT), "gateway", "run"], env=self.env, stdout=log, stderr=log
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    async def readiness(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{self.port}/health/ready", timeout=2)
        result: dict[str, Any] = {"status": response.status_code, **response.json()}
        return result

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if (await self.readiness())["ready"]:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"gateway not ready within {timeout_s}s: {self.log.read_text()[-3000:]}")
