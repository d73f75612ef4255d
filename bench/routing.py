"""What routing a signal costs the gateway's CPU, without Kafka: the router with every step of a
signal's consequences (`gateway.service.assemble_router`), deciding against the real OPA of the
benchmark's own stack (cached, as the gateway decides), over the benchmark's signals in batches as
the gateway reads them, each batch committed before the next. The state the steps keep (the
involvement index, the memory of ids, the obligations, the informers) starts empty and grows as
the signals are routed, as a gateway's does.

    .venv/bin/python -m bench.routing --signals 20000
    .venv/bin/python -m bench.routing --signals 20000 --profile     # and cProfile's top entries

Prints the rate per 5 000 signals (a cost that grows with what the steps hold shows as a falling
rate), then one JSON object. Beside the rate, the process's CPU time a signal: on a machine whose
neighbours take turns with its cores, the rate of one run differs from the next by up to 15%, the
CPU time less, so a small change is compared by it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from typing import Any

from bench.pipeline import bench_settings, say
from bench.results import publish
from gateway.decision_cache import DecisionCache
from gateway.decisions import PolicyEngine
from gateway.informing import Informers, KeepInforming
from gateway.involvements import InvolvementIndex
from gateway.open_book import OpenBook
from gateway.policy_approvals import Approvers
from gateway.service import assemble_router
from gateway.signal_ids import SignalIds
from tests.integration.faults import make_signals
from tools.stack import stack_session

BATCH = 500
EVERY = 5000


async def main(signals: int, profile: bool) -> dict[str, Any]:
    settings = bench_settings()
    records = make_signals(signals)
    with stack_session(settings) as where:
        settings = where.gateway_settings(settings)
        approvers = Approvers.load(settings.policy_approvers) if settings.policy_approvers else None
        engine = PolicyEngine(where.opa_url, approvers=approvers)
        await engine.start()
        cache = DecisionCache(engine, refresh_s=3600)
        await cache.start()
        index, obligations = InvolvementIndex(), OpenBook()
        key = settings.pseudonym_key.get_secret_value().encode()
        router = assemble_router(cache, key, index, SignalIds(), obligations, KeepInforming(Informers()))
        profiler = cProfile.Profile() if profile else None
        outputs, started, lap = 0, time.perf_counter(), time.perf_counter()
        cpu = time.process_time()
        try:
            for n in range(0, len(records), BATCH):
                if profiler is not None:
                    profiler.enable()
                routed = await router.route_batch(records[n : n + BATCH])
                router.committed()
                if profiler is not None:
                    profiler.disable()
                outputs += sum(len(r.outputs) + len(r.audit) for r in routed)
                done = n + BATCH
                if done % EVERY == 0:
                    now = time.perf_counter()
                    say(
                        f"{done} signals: {EVERY / (now - lap):.0f} signals/s over the last {EVERY}; "
                        f"{len(obligations.open())} obligations open, {len(index.entries)} involvements"
                    )
                    lap = now
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
        finally:
            await cache.close()
            await engine.close()
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
        say(text.getvalue())
    say(
        f"routed {len(records)} signals in {seconds:.1f} s: {len(records) / seconds:.0f} signals/s, "
        f"{cpu / len(records) * 1000:.3f} ms of CPU a signal"
    )
    return {
        "routing_signals": len(records),
        "routing_sps": round(len(records) / seconds),
        "routing_ms_per_signal": round(seconds / len(records) * 1000, 3),
        "routing_cpu_ms_per_signal": round(cpu / len(records) * 1000, 3),
        "routing_records_out_per_signal": round(outputs / len(records), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="cProfile's top entries, by own time")
    arguments = parser.parse_args()
    publish("routing", asyncio.run(main(arguments.signals, arguments.profile)))
