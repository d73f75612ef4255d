"""A gateway's start-up time against the size of its audit: started over an audit chain of N
records, then of 10 N (the same deployment, 9 N records more), three times each, the median.
Start-up finds each chain's head by reading back from the partition's end (`AuditChain.load`), so
it should not grow with the audit: the target is 10 N at most 1.2 times 1 N.

    .venv/bin/python -m bench.startup --records 20000

The stack is the benchmark's own, as in bench.pipeline (`bench_settings`). The last line printed
is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from bench.pipeline import bench_settings, say
from bench.results import publish
from gateway.audit.chain import AuditChain
from gateway.audit.records import Head
from gateway.kafka import KafkaConnection, ensure_topics, make_producer
from gateway.logging import configure_logging
from gateway.schemas.audit import AuditEntry, DataSubject
from gateway.service import GatewayService
from gateway.settings import Settings
from gateway.topics import AUDIT
from tools.stack import Endpoints, stack_session

RUNS = 3


def _entry(n: int) -> AuditEntry:
    """An audit entry as the gateway writes one, about a fictional person."""
    return AuditEntry(
        record_id=f"bench-{uuid4()}",
        signal_id=str(uuid4()),
        signal_type="breach_of_conditions",
        sender="3ro",
        recipient="om",
        level="fields",
        fields_delivered=["measure", "breach.kind", "breach.observed_at"],
        fields_withheld=["suspect.bsn", "victim.address"],
        legal_basis="wpg-art-19",
        processing_activity="criminal-procedure",
        urgency="immediate",
        policy_revision="bench",
        decided_at=datetime.now(UTC),
        trace_id=uuid4().hex,
        data_subjects=[DataSubject(role="suspect", id=f"ps-{n % 5000:06d}")],
        source_topic="signals.3ro",
        source_partition=n % 3,
        source_offset=n,
    )


async def extend(kafka: KafkaConnection, chain: AuditChain, partitions: list[int], count: int) -> None:
    """`count` more records on the deployment's chains, spread over its partitions, as sealed."""
    producer = make_producer(kafka, client_id="bench-startup", linger_ms=20)
    await producer.start()
    try:
        done = 0
        while done < count:
            size = min(5000, count - done)
            records, heads = chain.seal(
                [(partitions[(done + i) % len(partitions)], _entry(done + i)) for i in range(size)]
            )
            for record in records:
                await producer.send(
                    AUDIT,
                    record.model_dump_json().encode(),
                    key=record.record_id.encode(),
                    partition=record.partition,
                )
            await producer.flush()
            chain.advance(heads)
            done += size
    finally:
        await producer.stop()


async def start_up(settings: Settings, where: Endpoints) -> float:
    """Seconds from nothing to a started gateway service (topics, fencing, policy, audit heads,
    index, ids, obligations), then stopped."""
    service = GatewayService(settings, where.kafka("gateway"), where.opa_url)
    started = time.perf_counter()
    await service.start()
    seconds = time.perf_counter() - started
    await service.stop()
    return seconds


async def measure(settings: Settings, where: Endpoints) -> float:
    return statistics.median([await start_up(settings, where) for _ in range(RUNS)])


async def main(records: int) -> dict[str, Any]:
    base = bench_settings()
    log_file = base.cache_path("bench", "startup.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    group = f"ketenpoort-gateway-bench-startup-{uuid4().hex[:8]}"
    settings = base.model_copy(update={"gateway_group_id": group})
    with log_file.open("w") as log_stream, stack_session(settings) as where:
        configure_logging(settings.log_level, log_stream)
        await ensure_topics(where.kafka("admin"), partitions=settings.topic_partitions)
        partitions = list(range(settings.topic_partitions))
        chain = AuditChain(group, {p: Head.after(None) for p in partitions})
        kafka = where.kafka("gateway")
        await start_up(settings, where)  # untimed: the broker's and OPA's first requests
        await extend(kafka, chain, partitions, records)
        one = await measure(settings, where)
        say(f"start-up over {records} audit records of its chain: {one:.2f} s (median of {RUNS})")
        await extend(kafka, chain, partitions, 9 * records)
        ten = await measure(settings, where)
        say(f"start-up over {10 * records} audit records of its chain: {ten:.2f} s (median of {RUNS})")
        loaded = await AuditChain.load(kafka, group, partitions)
        assert loaded.heads == chain.heads, "start-up found another head than the chain's last record"
    ratio = ten / one
    say(f"target: 10x the audit at most 1.2x the start-up; measured {ratio:.2f}x")
    return {
        "audit_records_1x": records,
        "audit_records_10x": 10 * records,
        "startup_1x_s": round(one, 3),
        "startup_10x_s": round(ten, 3),
        "startup_ratio": round(ratio, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="The audit records of the 1x run.")
    arguments = parser.parse_args()
    publish("startup", asyncio.run(main(arguments.records)))
