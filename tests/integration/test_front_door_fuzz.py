"""Front-door fuzzing with real envelopes, through the real broker and gateway: arbitrary bodies and
header combinations sent as a real sender's system sends them (every CloudEvents header and
`content-type`), interleaved with valid signals, copies of them and ids reused for other content.
Afterwards `reconcile` finds no gap, every refused record is a dead letter for the reason the front
door gives, every copy is a recorded duplicate, and every valid signal is delivered once to the
recipients policy grants."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4, uuid5

from aiokafka import AIOKafkaConsumer, TopicPartition
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from pydantic import SecretStr

from adapters.publish import signal_record
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import KafkaConnection, Record, partition_counts, read_to_end
from gateway.pipeline import Accepted, Rejected, identify, validate
from gateway.reconcile import reconcile
from gateway.settings import RECIPIENTS, Settings
from gateway.topics import DLQ, SIGNAL_IDS, inbox_topic
from tests.integration.faults import expected_deliveries, wait_until_consumed
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import running_gateway
from tools.contracts.examples import examples
from tools.stack import Endpoints

CASES = examples()
HEADERS = ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_dataschema", "traceparent"]
CONTENT_TYPES = [b"application/json", b"application/json; charset=utf-8", b"text/plain", b"", b"\xff\xfe"]
EXAMPLES_PER_RUN, RECORDS_PER_EXAMPLE = 10, 55  # 550 records a run

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
ODD_BODIES = st.sampled_from(
    [b"", b"null", b"[]", b"{", b"\xef\xbb\xbf{}", b'{"a": ' * 3000 + b"1" + b"}" * 3000, b"\x00" * 64]
)


@st.composite
def sent_record(draw: st.DrawFn, key: bytes) -> Record:
    """One record as a sender's system would put it on its signals topic: a valid signal, or one
    with an arbitrary body, or with some headers replaced by arbitrary bytes, dropped or added."""
    case = draw(st.sampled_from(CASES))
    record, _ = signal_record(
        case.sender, case.signal, signal_id=draw(st.uuids(version=4)), pseudonym_key=key
    )
    kind = draw(st.sampled_from(["valid", "valid", "body", "json", "headers", "content-type"]))
    if kind == "body":
        return replace(record, value=draw(st.binary(max_size=200) | ODD_BODIES))
    if kind == "json":
        return replace(record, value=json.dumps(draw(JSON)).encode())
    if kind == "content-type":
        headers = [(n, v) for n, v in record.headers if n != "content-type"]
        return replace(record, headers=[*headers, ("content-type", draw(st.sampled_from(CONTENT_TYPES)))])
    if kind == "headers":
        headers = []
        for name, value in record.headers:
            action = draw(st.sampled_from(["keep", "keep", "keep", "replace", "drop"]))
            if action == "replace":
                value = draw(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
            if action != "drop":
                headers.append((name, value))
        if draw(st.booleans()):
            headers.append((draw(st.sampled_from([*HEADERS, "x-extra"])), draw(st.binary(max_size=20))))
        return replace(record, headers=headers)
    return record


def draw_records(key: bytes) -> list[Record]:
    """`EXAMPLES_PER_RUN` times `RECORDS_PER_EXAMPLE` records, the same every run (derandomized)."""
    drawn: list[Record] = []

    @settings(
        max_examples=EXAMPLES_PER_RUN,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(sent_record(key), min_size=RECORDS_PER_EXAMPLE, max_size=RECORDS_PER_EXAMPLE))
    def collect(records: list[Record]) -> None:
        drawn.extend(records)

    collect()
    return drawn


def with_fresh_ids(records: list[Record], run: UUID) -> list[Record]:
    """Each drawn record's ids mapped to ids of its own in this run: a run on a stack that kept
    earlier runs' ids sends new signals, not copies of them, and two drawn records never share an
    id by chance (hypothesis repeats values): the copies are made on purpose (`with_copies`),
    behind their first on the same partition, where the order is defined."""

    def own(n: int, value: bytes) -> bytes:
        try:
            UUID(value.decode())
        except ValueError:
            return value  # not an id: refused as such, whatever it is
        return str(uuid5(run, f"{n}/{value.hex()}")).encode()

    fresh = []
    for n, record in enumerate(records):
        headers = [(name, own(n, value) if name == "ce_id" else value) for name, value in record.headers]
        fresh.append(replace(record, headers=headers))
    return fresh


def front_door(record: Record, key: bytes) -> Accepted | Rejected:
    checked = validate(record)
    return checked if isinstance(checked, Rejected) else identify(*checked, key=key)


def with_copies(records: list[Record], key: bytes, rng: random.Random) -> list[Record]:
    """After some valid signals, a resend (same id and content, new ce_time) and a copy with the
    same id and other content (same Kafka key, so the copies stay behind the first in order)."""
    out = []
    for record in records:
        out.append(record)
        accepted = front_door(record, key)
        if not isinstance(accepted, Accepted) or rng.random() > 0.1:
            continue
        again, _ = signal_record(
            accepted.envelope.org, accepted.signal, signal_id=accepted.envelope.id, pseudonym_key=key
        )
        out.append(replace(again, key=record.key))
        body = json.loads(record.value)
        body["children"] = [*body.get("children", []), {"given_name": "Noor", "family_name": "Fictief"}]
        out.append(replace(again, key=record.key, value=json.dumps(body).encode()))
    return out


async def test_arbitrary_records_among_valid_ones_each_get_exactly_one_outcome(
    settings: Settings, stack: Endpoints
) -> None:
    run = uuid4()
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"fuzz-{run}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    records = with_copies(with_fresh_ids(draw_records(key), run), key, random.Random(2018))
    assert len(records) >= 500
    # What the front door says of each record, and which are first copies, copies or reused ids.
    refused: dict[int, str] = {}
    firsts: dict[str, tuple[int, str]] = {}
    duplicates: set[int] = set()
    for n, record in enumerate(records):
        outcome = front_door(record, key)
        if isinstance(outcome, Rejected):
            refused[n] = outcome.reason
            continue
        signal_id = str(outcome.envelope.id)
        if signal_id not in firsts:
            firsts[signal_id] = (n, json.dumps(outcome.body, sort_keys=True))
        elif firsts[signal_id][1] == json.dumps(outcome.body, sort_keys=True):
            duplicates.add(n)
        else:
            refused[n] = "id_reused"
    assert len(set(refused.values())) >= 5 and duplicates and "id_reused" in refused.values()
    valid = [records[n] for n, _ in firsts.values()]
    expected = await expected_deliveries(stack.opa_url, valid)

    admin = stack.kafka("admin")
    counted_before = records_counted()
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with running_gateway(settings, stack, stack.opa_url) as group:
        async with Adapters(stack, "test-fuzz") as adapters:
            futures = [await adapters.send(record) for record in records]
            await adapters.flush()
            metas = [await future for future in futures]
        await wait_until_consumed(admin, group, timeout_s=120)
        report = await reconcile(admin, group, since)

    place = {n: (meta.topic, meta.partition, meta.offset) for n, meta in enumerate(metas)}
    assert report.gaps == [], [str(gap) for gap in report.gaps[:10]]
    assert report.read == len(records)
    assert dict(report.outcomes) == {
        "accepted": len(firsts),
        "rejected": len(refused),
        "duplicate": len(duplicates),
    }
    # The metric says the same: records read = accepted + rejected + duplicates.
    counted = records_counted() - counted_before
    assert counted == Counter(
        {"accepted": len(firsts), "rejected": len(refused), "duplicate": len(duplicates)}
    )
    letters = dict(await dead_letters(admin))
    assert {place[n]: reason for n, reason in refused.items()} == {
        place[n]: letters.get(place[n]) for n in refused
    }
    copies = {
        (r["topic"], r["partition"], r["offset"])
        for r in await read_topic(admin, SIGNAL_IDS)
        if r.get("outcome") == "duplicate"
    }
    assert {place[n] for n in duplicates} <= copies
    got: Counter[tuple[str, str]] = Counter()
    for org in RECIPIENTS:
        for item in await read_topic(admin, inbox_topic(org)):
            if item.get("signal_id") in firsts and item.get("signal_type") not in (None, MATCH_NOTICE):
                got[(item["signal_id"], org)] += 1
    assert all(n == 1 for n in got.values()), "a valid signal delivered twice to one recipient"
    assert expected.at_least <= set(got) <= expected.at_most


async def dead_letters(admin: KafkaConnection) -> list[tuple[tuple[str, int, int], str]]:
    """(source place, reason) of every dead letter."""
    count = (await partition_counts(admin, [DLQ]))[DLQ]
    consumer = AIOKafkaConsumer(**admin.client_options(), isolation_level="read_committed")
    await consumer.start()
    found = []
    try:
        async for message in read_to_end(consumer, {TopicPartition(DLQ, p): 0 for p in range(count)}):
            headers = {n: (v or b"").decode(errors="replace") for n, v in message.headers}
            source = (
                headers["kp_source_topic"],
                int(headers["kp_source_partition"]),
                int(headers["kp_source_offset"]),
            )
            found.append((source, headers["kp_error_reason"]))
    finally:
        await consumer.stop()
    return found


def records_counted() -> Counter[str]:
    """`ketenpoort_records_total` of the gateway in this process, per outcome over every topic."""
    counted: Counter[str] = Counter()
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "ketenpoort_records_total":
                counted[sample.labels["outcome"]] += int(sample.value)
    return counted
