"""Signals per second through 1, 2 and 3 gateway processes on the three Kafka nodes: the figures
behind the sizing in docs/operations.md.

The production shape on loopback (`ketenpoort stack up --brokers 3`: every topic three replicas, two
in sync for a write), a stack of the benchmark's own (<cache>/bench/stack3, started now and stopped
at the end). The benchmark's signals (`tests.integration.faults.make_signals`) are produced first;
then, for each count, `ketenpoort gateway serve --instances N` (the supervisor, each instance a
process of its own with its static share of the partitions and its own transactional id) with a
consumer group of its own whose offsets start where the signals begin. Timed from the moment every
instance answers ready until the group's committed offsets cover all the signals; the start-up
(audit heads, the involvement index, the fence) is not counted.

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
TIMEOUT_S = 600.0


async def seconds_for(fleet: Fleet, span: Span, count: int) -> float:
    """From every instance ready until the group has committed the whole span."""
    await commit_offsets(fleet.admin, fleet.group, span.start)
    fleet.start(count)
    try:
        await fleet.wait_ready(count, timeout_s=120)
        began = time.perf_counter()
        client = make_admin(fleet.admin, client_id="ketenpoort-bench")
        await client.start()
        try:
            while True:
                committed = await committed_offsets(client, fleet.group, span.partitions)
                if all(committed[tp] >= span.end[tp] for tp in span.partitions):
                    return time.perf_counter() - began
                if time.perf_counter() - began > TIMEOUT_S:
                    raise RuntimeError(f"{count} instances did not route {span.records} in {TIMEOUT_S:.0f} s")
                await asyncio.sleep(0.05)
        finally:
            await client.close()
    finally:
        fleet.stop()


async def main(signals: int) -> dict[str, Any]:
    settings = Settings().model_copy(update={"stack_dir": Settings().cache_path("bench", "stack3")})
    workdir = settings.cache_path("bench", "scale")
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"stack: {settings.stack_path()} (three Kafka nodes, started now and stopped at the end)")
    state, started = up(settings, brokers=3)
    try:
        where = state.endpoints()
        span = await preload(where, make_signals(signals))
        say(f"preloaded {span.records} signals over {len(span.partitions)} partitions")
        rates: dict[int, float] = {}
        for count in COUNTS:
            fleet = Fleet(where, workdir, log_level="WARNING")
            seconds = await seconds_for(fleet, span, count)
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
