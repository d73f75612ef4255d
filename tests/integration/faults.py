"""Tools for the fault tests and the soak (`bench/soak.py`): a stream of signals with poison and
copies mixed in as a sender's system sends them, what policy must deliver of it, a gateway process to
kill at random moments, and waiting until it has read everything. What arrived where is checked by
`tests/integration/accounting.py`."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.publish import signal_record
from gateway.decisions import Level, PolicyEngine, policy_input
from gateway.kafka import KafkaConnection, Record, make_admin, partition_counts
from gateway.pipeline import MAX_BODY_BYTES
from gateway.schemas import CATALOGUE, Signal
from gateway.schemas.persons import Person
from gateway.settings import ORGANISATIONS, RECIPIENTS
from gateway.topics import signals_topic
from tests.integration.kafka_helpers import Adapters, skip_history
from tools.contracts.examples import examples
from tools.stack import Endpoints
from tools.stack.process import free_ports

KETENPOORT = Path(sys.executable).parent / "ketenpoort"
KEY = b"ketenpoort-local-development-key"
POISON_RATE = 0.01
COPY_RATE = 0.005  # resends of a signal sent shortly before: same ce_id, same content

Place = tuple[str, int, int]
"""Where a record was written: (topic, partition, offset)."""


PERSONS = 301


def _cases(count: int) -> list[tuple[str, Signal]]:
    """`count` (sender, signal) pairs, every type in turn, from the fictional examples, about a few
    hundred fictional cases (so they spread over the partitions, and each has several signals): in
    case k the suspect, the victim and the children are the example's persons renamed for k, so
    each case's persons are its own, as in the chain, where one victim is not in every case."""
    cases = examples()
    found = []
    for n in range(count):
        case = cases[n % len(cases)]
        signal_ = case.signal
        k = n % PERSONS
        changes: dict[str, object] = {}
        if signal_.suspect is not None:
            changes["suspect"] = signal_.suspect.model_copy(
                update={"bsn": None, "family_name": f"Verhoef-{k}"}
            )
        if signal_.victim is not None:
            family = f"{signal_.victim.family_name}-{k}"
            changes["victim"] = signal_.victim.model_copy(update={"bsn": None, "family_name": family})
        if signal_.children:
            changes["children"] = [
                child.model_copy(update={"bsn": None, "family_name": f"{child.family_name}-{k}"})
                for child in signal_.children
            ]
        found.append((case.sender, signal_.model_copy(update=changes)))
    return found


def make_signals(count: int) -> list[Record]:
    """`count` valid signals of every type, each with its own id."""
    return [
        signal_record(s, signal_, signal_id=uuid4(), pseudonym_key=KEY)[0] for s, signal_ in _cases(count)
    ]


def signal_id(record: Record) -> str:
    return dict(record.headers)["ce_id"].decode()


def _with_member(value: bytes, member: bytes) -> bytes:
    """The JSON object `value` with one more member (`"name":value`, as raw bytes)."""
    return value[:-1] + b"," + member + b"}"


def _wrong_types(value: bytes) -> bytes:
    return orjson.dumps({**orjson.loads(value), "suspect": "Verhoef", "children": "twee"})


# What a sender's system may put in a record's value under the headers it sets right (every
# CloudEvents header and content-type: application/json), and the reason it must be dead-lettered for.
POISONS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "prose": ("bad_json", lambda _: b"Melding: zie bijlage (PDF)"),
    "truncated": ("bad_json", lambda value: value[: len(value) // 2]),
    "empty": ("bad_json", lambda _: b""),
    "null": ("bad_json", lambda _: b"null"),
    "array": ("bad_json", lambda value: b"[" + value + b"]"),
    "latin-1": ("bad_json", lambda value: _with_member(value, b'"note":"caf\xe9"')),
    "utf-16": ("bad_json", lambda value: value.decode().encode("utf-16")),
    "nested-5000": ("bad_json", lambda _: b'{"suspect":' + b'{"a":' * 5000 + b"1" + b"}" * 5001),
    "wrapped": ("schema_violation", lambda value: b'{"signal":' + value + b"}"),
    "wrong-types": ("schema_violation", _wrong_types),
    "too-large": ("too_large", lambda value: _with_member(value, b'"note":"' + b"x" * MAX_BODY_BYTES + b'"')),
}
ID_REUSED = "id-reused"
"""The id of a signal sent shortly before, on other content (one more child): with the same key, so
it is read after its first use."""
KINDS = (*POISONS, ID_REUSED)
NEW_CHILD = Person(given_name="Noor", family_name="Verhoef")


@dataclass(frozen=True)
class Mix:
    """What a test sends, in this order: signals with poison and copies among them."""

    records: list[Record]
    poison: dict[int, str]
    """index → kind of poison"""
    copies: dict[int, int]
    """index → index of the signal it copies"""

    def is_signal(self, index: int) -> bool:
        return index not in self.poison and index not in self.copies

    @property
    def signals(self) -> list[Record]:
        """The valid signals, each once: what policy decides on and the recipients must get."""
        return [record for n, record in enumerate(self.records) if self.is_signal(n)]

    def reason(self, index: int) -> str:
        kind = self.poison[index]
        return "id_reused" if kind == ID_REUSED else POISONS[kind][0]


def make_mix(count: int, seed: int, poison_rate: float = POISON_RATE, copy_rate: float = COPY_RATE) -> Mix:
    """`count` records: `poison_rate` of them poison (each kind in turn, at seeded places), `copy_rate`
    resends of one of the 50 signals before, the rest signals as `make_signals` makes them. Poison
    is built as its sender builds a signal, with the signal's headers and key, then its value
    replaced: it sits among the signals about the same person. Ids are fresh on every call."""
    rng = random.Random(seed)
    cases = _cases(count)
    n_poison, n_copies = round(count * poison_rate), round(count * copy_rate)
    special = rng.sample(range(1, count), n_poison + n_copies)  # the first record is a signal
    kinds = [KINDS[n % len(KINDS)] for n in range(n_poison)]
    rng.shuffle(kinds)
    poison = dict(zip(special[:n_poison], kinds, strict=True))
    copying = set(special[n_poison:])
    records: list[Record] = []
    copies: dict[int, int] = {}
    ids: dict[int, UUID] = {}
    for n, (sender, signal_) in enumerate(cases):
        kind = poison.get(n)
        if kind == ID_REUSED or n in copying:
            original = rng.choice([i for i in range(max(0, n - 50), n) if i in ids])
            sender, signal_ = cases[original]
            record, _ = signal_record(sender, signal_, signal_id=ids[original], pseudonym_key=KEY)
            if kind == ID_REUSED:
                other = signal_.model_copy(update={"children": [*signal_.children, NEW_CHILD]})
                record = replace(record, value=orjson.dumps(other.model_dump(mode="json")))
            else:
                copies[n] = original
        else:
            record, _ = signal_record(sender, signal_, signal_id=uuid4(), pseudonym_key=KEY)
            if kind is None:
                ids[n] = UUID(signal_id(record))
            else:
                record = replace(record, value=POISONS[kind][1](record.value or b""))
        records.append(record)
    return Mix(records, poison, copies)


async def send_all(
    stack: Endpoints,
    records: list[Record],
    pause_every: int = 0,
    pause_s: float = 0.0,
    hurry: asyncio.Event | None = None,
) -> list[Place]:
    """Send every record as its sender, pausing `pause_s` after each `pause_every` records (the
    rest at once, once `hurry` is set); where each was written."""
    async with Adapters(stack, "test-faults") as adapters:
        written = []
        for n, record in enumerate(records, start=1):
            written.append(await adapters.send(record))
            if pause_every and n % pause_every == 0 and not (hurry and hurry.is_set()):
                await adapters.flush()
                await asyncio.sleep(pause_s)
        await adapters.flush()
        return [(m.topic, m.partition, m.offset) for m in await asyncio.gather(*written)]


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
                    attributes = CATALOGUE[name].model_validate_json(record.value or b"").attributes()
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


async def lag(admin: KafkaConnection, group: str) -> dict[TopicPartition, int]:
    """Per signals partition, how many records lie beyond the group's committed offset (watched as
    `admin`, which may look into any group)."""
    topics = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, topics)
    partitions = [TopicPartition(t, p) for t in topics for p in range(counts[t])]
    consumer = AIOKafkaConsumer(**admin.client_options())
    await consumer.start()
    client = make_admin(admin)
    await client.start()
    try:
        ends = await consumer.end_offsets(partitions)
        committed = await client.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await client.close()
        await consumer.stop()
    # A partition nobody wrote to has no committed offset (-1): nothing is behind there.
    return {tp: ends[tp] - max(committed[tp].offset if tp in committed else 0, 0) for tp in partitions}


async def wait_until_consumed(admin: KafkaConnection, group: str, timeout_s: float) -> None:
    """Until the gateway's committed offsets reach the end of every signals topic."""
    deadline = time.monotonic() + timeout_s
    while True:
        behind = await lag(admin, group)
        if all(n <= 0 for n in behind.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the gateway did not catch up within {timeout_s}s: {behind}")
        await asyncio.sleep(0.5)


class KetenpoortProcess:
    """A `ketenpoort` command as a process of its own, its output in `log`: started, SIGKILLed
    (a crash) and started again, or stopped cleanly."""

    command: tuple[str, ...] = ()
    env: dict[str, str]
    log: Path

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(KETENPOORT), *self.command], env=self.env, stdout=log, stderr=log
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

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


class GatewayProcess(KetenpoortProcess):
    """`ketenpoort gateway run` as its own process, logged in as `gateway`, to be killed and
    started again."""

    command = ("gateway", "run")

    def __init__(self, where: Endpoints, workdir: Path, **settings: str) -> None:
        super().__init__()
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

    async def skip_history(self) -> None:
        """Start this gateway's group at the end of the signals topics (see kafka_helpers)."""
        await skip_history(self.admin, self.group)

    async def readiness(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{self.port}/health/ready", timeout=2)
        result: dict[str, Any] = {"status": response.status_code, **response.json()}
        return result

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll() if self.process is not None else None
            if code is not None:
                lines = self.log.read_text(errors="replace").strip().splitlines()
                last = lines[-1] if lines else ""
                tail = "\n".join(lines[-30:])
                raise AssertionError(
                    f"gateway exited with code {code} at start {self.starts}: {last}\n{tail}"
                )
            try:
                if (await self.readiness())["ready"]:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"gateway not ready within {timeout_s}s: {self.log.read_text()[-3000:]}")


@dataclass(frozen=True)
class Kill:
    """One SIGKILL: when (seconds into the kills), whether the gateway was still starting (not
    ready yet), and how many records it had read or was to read but had not committed."""

    at_s: float
    starting: bool
    uncommitted: int


async def kill_at_random(
    gateway: GatewayProcess,
    rng: random.Random,
    kills: int,
    *,
    ready_for_s: tuple[float, float] = (0.05, 1.0),
    starting_share: float = 0.0,
) -> list[Kill]:
    """SIGKILL the running gateway `kills` times and start it again each time: mostly once it is
    ready, after a random `ready_for_s` (mid-batch, mid-transaction, between batches), and with
    chance `starting_share` while it starts (loading its memory, fencing its predecessor)."""
    done: list[Kill] = []
    began = time.monotonic()
    for _ in range(kills):
        starting = rng.random() < starting_share
        if starting:
            await asyncio.sleep(rng.uniform(0.2, 2.5))
        else:
            await gateway.wait_ready()
            await asyncio.sleep(rng.uniform(*ready_for_s))
        gateway.kill()
        uncommitted = sum(max(n, 0) for n in (await lag(gateway.admin, gateway.group)).values())
        done.append(Kill(time.monotonic() - began, starting, uncommitted))
        gateway.start()
    return done
