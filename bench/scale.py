"""Signals per second through 1, 2 and 3 gateway processes on the three Kafka nodes: the figures
behind the sizing in docs/operations.md.

The production shape on loopback (`ketenpoort stack up --brokers 3`: every topic three replicas, two
in sync for a write), a stack of the benchmark's own (<cache>/bench/stack3, started now and stopped
at the end). The benchmark's signals (`tests.integration.faults.make_signals`) are produced first;
then, for each count, `ketenpoort gateway serve --instances N` (the supervisor, each instance a
process of its own with its static share of the partitions and its own transactional id) with a
consumer group of its own whose offsets start where that count's signals begin (new signals for
each count: the gateway refuses a signal id it has routed before). Timed from the group's first
commit inside the signals until its committed offsets cover all of them; the start-up (audit heads,
the involvement index, the fence) is not counted. An untimed pass of three processes goes first
(the brokers' JIT warm-up).

    .venv/bin/python -m bench.scale --signals 6000

Progress goes to stderr, the gateways' logs to <cache>/bench/scale/; the last line on stdout is one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from bench.pipeline import Span, commit_offsets, committed_offsets, preload, say
from gateway.kafka import make_admin
from gateway.settings import Settings
from tests.integration.faults import make_signals
from tests.integration.fleet import Fleet
from tools.stack import down, up

COUNTS = (1, 2, 3)
WARM_UP = 3  # an untimed pass first: a freshly started broker is slow until the JVM has compiled
TIMEOUT_S = 600.0


async def seconds_for(fleet: Fleet, span: Span, count: int) -> float:
    """From the group's first commit inside the span until it has committed the whole span: the
    instances' start-up (audit heads, the involvement index, the fence) is not counted, and an
    instance that starts routing before the others counts from its first batch."""
    await commit_offsets(fleet.admin, fleet.group, span.start)
    fleet.start(count)
    client = make_admin(fleet.admin, client_id="ketenpoort-bench")
    await client.start()
    try:
        began: float | None = None
        deadline = time.perf_counter() + TIMEOUT_S
        while time.perf_counter() < deadline:
            committed = await committed_offsets(client, fleet.group, span.partitions)
            if began is None and any(committed[tp] > span.start[tp] for tp in span.partitions):
                began = time.perf_counter()
            if began is not None and all(committed[tp] >= span.end[tp] for tp in span.partitions):
                return time.perf_counter() - began
            await asyncio.sleep(0.02)
        raise RuntimeError(f"{count} instances did not route {span.records} in {TIMEOUT_S:.0f} s")
    finally:
        await client.close()
        fleet.stop()


async def main(signals: int) -> dict[str, Any]:
    settings = Settings().model_copy(update={"stack_dir": Settings().cache_path("bench", "stack3")})
    workdir = settings.cache_path("bench", "scale", time.strftime("%Y%m%dT%H%M%S"))
    say(f"stack: {settings.stack_path()} (three Kafka nodes, started now and stopped at the end)")
    state, started = up(settings, brokers=3)
    try:
        where = state.endpoints()
        rates: dict[int, float] = {}
        for n, count in enumerate((WARM_UP, *COUNTS)):
            run = workdir / f"{n}-{count}-processes"
            run.mkdir(parents=True)
            # Signals of their own for each count: the gateway refuses a signal id it has routed.
            span = await preload(where, make_signals(signals))
            seconds = await seconds_for(Fleet(where, run, log_level="INFO"), span, count)
            if n == 0:
                say(f"warm-up: {count} gateway processes, {span.records} signals in {seconds:.2f} s")
                continue
            rates[count] = span.records / seconds
            say(f"{count} gateway processes: {span.records} signals in {seconds:.2f} s, {rates[count]:.0f}/s")
    finally:
        if started:
            down(settings)
    return {
        "brokers": 3,
        "signals": span.records,
        "cores": os.cpu_count(),
        **{f"gateway_{count}proc_sps": round(rate) for count, rate in rates.items()},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=6000, help="signals each count routes")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.signals))))
