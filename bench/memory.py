"""The gateway's resident memory after 10 000 and after 100 000 signals: bounded, or growing per
person, not per signal.

A gateway process (`ketenpoort gateway serve --instances 1`, as deployed; its instance is a
process of its own) with a consumer group of its own, on the benchmark's own stack
(`bench.pipeline.bench_settings`). The benchmark's signals (`make_signals`: every signal type,
about 300 fictional suspects, each signal a new id) are sent in two steps: 10 000, then 90 000
more. After each step, once the group has committed every signal and the process has been idle a
moment, its resident set (`VmRSS` of /proc/<pid>/status) is read. What grows with the signals
themselves: the memory of signal ids (90 days of ids, 177 bytes each, `bench.ids`); what grows with
the persons: the involvement index; the rest has a bound (the decision cache, 50 000 answers).

    .venv/bin/python -m bench.memory --signals 100000

Progress goes to stderr, the gateway's log to <cache>/bench/memory/; the last line on stdout is one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from bench.pipeline import Span, bench_settings, commit_offsets, committed_offsets, preload, say
from bench.results import publish
from gateway.kafka import ensure_topics, make_admin
from tests.integration.faults import make_signals
from tests.integration.fleet import Fleet
from tools.stack import Endpoints, stack_session

FIRST = 10_000
IDLE_S = 3.0
TIMEOUT_S = 1800.0


def resident_mb(pid: int) -> tuple[float, float]:
    """(resident now, the highest it was) of a process, in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def routed(fleet: Fleet, span: Span) -> float:
    """Seconds until the group has committed the whole span."""
    client = make_admin(fleet.admin, client_id="ketenpoort-bench")
    await client.start()
    began = time.perf_counter()
    try:
        while time.perf_counter() - began < TIMEOUT_S:
            committed = await committed_offsets(client, fleet.group, span.partitions)
            if all(committed[tp] >= span.end[tp] for tp in span.partitions):
                return time.perf_counter() - began
            await asyncio.sleep(0.2)
    finally:
        await client.close()
    raise RuntimeError(f"the gateway did not route {span.records} signals in {TIMEOUT_S:.0f} s")


async def measure(where: Endpoints, workdir: Path, signals: int) -> dict[str, Any]:
    first = await preload(where, make_signals(FIRST))
    fleet = Fleet(where, workdir, log_level="INFO")
    await commit_offsets(fleet.admin, fleet.group, first.start)
    fleet.start(1)
    try:
        await fleet.wait_ready(1, timeout_s=120)
        pid = fleet.pid_of(0)
        seconds = await routed(fleet, first)
        await asyncio.sleep(IDLE_S)
        at_first, _ = resident_mb(pid)
        say(f"{first.records} signals routed in {seconds:.1f} s: resident {at_first:.0f} MiB")
        rest = await preload(where, make_signals(signals - FIRST))
        seconds = await routed(fleet, Span(first.start, rest.end))
        await asyncio.sleep(IDLE_S)
        at_all, peak = resident_mb(pid)
        say(
            f"{signals} signals routed ({seconds:.1f} s more): resident {at_all:.0f} MiB, peak {peak:.0f} MiB"
        )
    finally:
        fleet.stop()
    return {
        "rss_mb_10k": round(at_first, 1),
        "rss_mb_100k": round(at_all, 1),
        "rss_peak_mb_100k": round(peak, 1),
        "rss_ratio": round(at_all / at_first, 3),
        "memory_signals": signals,
    }


async def main(signals: int) -> dict[str, Any]:
    settings = bench_settings()
    workdir = settings.cache_path("bench", "memory", time.strftime("%Y%m%dT%H%M%S"))
    workdir.mkdir(parents=True)
    with stack_session(settings) as where:
        admin = where.kafka("admin")
        await ensure_topics(
            admin, partitions=settings.topic_partitions, replication=settings.topic_replication
        )
        figures = await measure(where, workdir, signals)
    say(f"target: resident memory after {signals} at most 1.2x that after {FIRST}: {figures['rss_ratio']}x")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--signals", type=int, default=100_000, help="signals in all (the first 10 000 measured too)"
    )
    arguments = parser.parse_args()
    if arguments.signals <= FIRST:
        parser.error(f"--signals must be above {FIRST}")
    publish("memory", asyncio.run(main(arguments.signals)))
