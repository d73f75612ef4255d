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
import os
import time
from typing import Any

from bench.pipeline import fleet_seconds, preload, say
from bench.results import publish
from gateway.settings import Settings
from tests.integration.faults import make_signals
from tests.integration.fleet import Fleet
from tools.stack import down, up

COUNTS = (1, 2, 3)
WARM_UP = 3  # an untimed pass first: a freshly started broker is slow until the JVM has compiled


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
            seconds = await fleet_seconds(Fleet(where, run, log_level="INFO"), span, count)
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
    publish("scale", asyncio.run(main(args.signals)))
