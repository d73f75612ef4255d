"""`policy diff --history` over a national year: how long replaying recorded traffic takes.

Fills the audit of the benchmark's own stack with N signals' audit records (one per recipient
asked, sealed as the gateway seals them, each with the policy input of one of the sharing
matrix's situations, drawn with a skew as real traffic has), then times what the command does:
catching the audit's read model up from the topic (a fresh SQLite file) and replaying every
signal through the base and the proposed policies (two throwaway OPAs; the proposal grants Veilig
Thuis one more field of a new report). A national year is about a million signals.

    .venv/bin/python -m bench.history --signals 100000

The last line printed is one JSON object with the figures, `replay_1m_s` scaled from N.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench.pipeline import bench_settings, say
from bench.results import publish
from gateway.audit.chain import AuditChain
from gateway.audit.records import Head
from gateway.audit.store import AuditStore
from gateway.decisions import policy_input
from gateway.kafka import KafkaConnection, cluster_id, ensure_topics, make_producer
from gateway.logging import configure_logging
from gateway.schemas.audit import AuditEntry, DataSubject
from gateway.settings import RECIPIENTS
from gateway.topics import AUDIT
from tools.policy.engine import policy_engine
from tools.policy.history import replay_counted
from tools.policy.matrix import situations
from tools.stack import stack_session

BATCH = 3000  # signals sealed and sent per round


def _inputs() -> list[dict[str, Any]]:
    """Every situation of the sharing matrix as its policy input."""
    return [
        policy_input(
            s.signal_type,
            s.sender,
            "1.0",
            s.attributes,
            involved=frozenset(RECIPIENTS) if s.involved else frozenset(),
        )
        for s in situations()
    ]


def _entries(asked: dict[str, Any], at: datetime) -> list[AuditEntry]:
    """One signal's audit entries: one per recipient asked, as the gateway writes them."""
    sender = asked["signal"]["source"]
    common: dict[str, Any] = {
        "signal_id": str(uuid4()),
        "signal_type": asked["signal"]["type"],
        "sender": sender,
        "level": "fields",
        "fields_delivered": ["contact"],
        "fields_withheld": ["suspect"],
        "legal_basis": "wpg-art-19",
        "processing_activity": "victim-protection",
        "urgency": "normal",
        "policy_revision": "bench",
        "decided_at": at,
        "trace_id": uuid4().hex,
        "data_subjects": [DataSubject(role="suspect", id=f"ps-{random.randrange(50_000):06d}")],
        "source_topic": f"signals.{sender}",
        "source_partition": 0,
        "source_offset": random.randrange(10**9),
        "policy_input": asked,
    }
    return [AuditEntry(record_id=str(uuid4()), recipient=r["org"], **common) for r in asked["recipients"]]


async def fill(kafka: KafkaConnection, chain_name: str, signals: int, partitions: int) -> int:
    """N signals' audit records on the deployment's chains; how many records."""
    inputs = _inputs()
    weights = [1 / (rank + 1) for rank in range(len(inputs))]  # a few situations are most of traffic
    chain = AuditChain(chain_name, {p: Head.after(None) for p in range(partitions)})
    producer = make_producer(kafka, client_id="bench-history", linger_ms=20)
    await producer.start()
    written, start = 0, datetime.now(UTC) - timedelta(days=300)
    try:
        for first in range(0, signals, BATCH):
            entries = []
            for n in range(first, min(first + BATCH, signals)):
                at = start + timedelta(seconds=n * 25)
                entries += [(n % partitions, e) for e in _entries(random.choices(inputs, weights)[0], at)]
            records, heads = chain.seal(entries)
            for record in records:
                await producer.send(AUDIT, record.model_dump_json().encode(), partition=record.partition)
            await producer.flush()
            chain.advance(heads)
            written += len(records)
    finally:
        await producer.stop()
    return written


def _proposed(policy_dir: Path, into: Path) -> Path:
    shutil.copytree(policy_dir, into)
    rule = into / "new_report.rego"
    rule.write_text(rule.read_text().replace('\t"contact",\n]', '\t"contact",\n\t"description",\n]'))
    return into


async def main(signals: int) -> dict[str, Any]:
    settings = bench_settings()
    log_file = settings.cache_path("bench", "history.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    chain_name = f"ketenpoort-gateway-bench-history-{uuid4().hex[:8]}"
    with (
        log_file.open("w") as log_stream,
        stack_session(settings) as where,
        tempfile.TemporaryDirectory() as tmp,
    ):
        configure_logging(settings.log_level, log_stream)
        admin = where.kafka("admin")
        await ensure_topics(admin, partitions=settings.topic_partitions)
        started = time.perf_counter()
        records = await fill(where.kafka("gateway"), chain_name, signals, settings.topic_partitions)
        say(
            f"filled the audit with {records} records of {signals} signals "
            f"in {time.perf_counter() - started:.1f} s"
        )

        store = AuditStore(Path(tmp) / f"{await cluster_id(admin)}.sqlite")
        started = time.perf_counter()
        await store.catch_up(admin)
        caught_up = time.perf_counter() - started
        say(f"read model caught up in {caught_up:.1f} s")
        proposed = _proposed(settings.policy_dir, Path(tmp) / "proposed")
        started = time.perf_counter()
        async with (
            policy_engine(settings, settings.policy_dir) as base,
            policy_engine(settings, proposed) as after,
        ):
            counted, missing = store.policy_inputs(None, chain_name)
            result = await replay_counted(base, after, counted, missing)
        replayed = time.perf_counter() - started
        store.close()
    assert result.signals == signals, (result.signals, signals)
    say(
        f"replayed {result.signals} signals ({result.distinct_inputs} distinct inputs) in {replayed:.1f} s; "
        f"{len(result.changed())} (type, recipient) pairs change"
    )
    per_signal = (caught_up + replayed) / signals
    return {
        "history_signals": signals,
        "history_audit_records": records,
        "history_catch_up_s": round(caught_up, 1),
        "history_replay_s": round(replayed, 1),
        "replay_1m_s": round(per_signal * 1_000_000, 1),
        "replay_1m_scaled_from": signals,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signals", type=int, default=100_000)
    arguments = parser.parse_args()
    publish("history", asyncio.run(main(arguments.signals)))
