"""The one line `make bench` ends with: the figures of every benchmark of this run
(`bench.results`), and whether each target of the gateway's cost is met.

    .venv/bin/python -m bench.summary

Targets (docs/benchmarks.md): the gateway at least half the same-work passthrough and 20x the
naive design in one process; p99 at most 100 ms at 200 signals/s offered in every latency run; a
million recorded signals re-evaluated in at most 5 minutes; resident memory after 100 000 signals
at most 1.2x that after 10 000; alerts (breach → console and webhook) at most 1 s at p99.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench.results import kept

KEYS = {
    "pipeline": (
        "passthrough_sps", "same_work_passthrough_sps", "gateway_sps", "gateway_1proc_sps",
        "gateway_2proc_sps", "naive_sps", "records_out_per_signal", "p50_ms", "p95_ms", "p99_ms",
        "p99_runs_ms", "offered_sps", "cores",
    ),
    "routing": ("routing_sps", "routing_ms_per_signal"),
    "history": ("replay_1m_s", "replay_1m_scaled_from"),
    "memory": ("rss_mb_10k", "rss_mb_100k"),
    "alerts_burst": ("burst", "burst_delivered_s"),
}  # fmt: skip


def slower_path(alerts: dict[str, Any]) -> float | None:
    """The slower of the webhook's and the console's p99 of an alerts run."""
    paths = [alerts.get("webhook_p99_ms"), alerts.get("console_p99_ms")]
    return max(paths) if None not in paths else None  # type: ignore[type-var]


def summary(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    line: dict[str, Any] = {}
    for bench, keys in KEYS.items():
        figures = results.get(bench, {})
        line.update({key: figures.get(key) for key in keys})
    line["alert_p99_ms"] = slower_path(results.get("alerts", {}))
    line["burst_alert_p99_ms"] = slower_path(results.get("alerts_burst", {}))  # a p1 during a burst
    line["targets"] = targets(line)
    return line


def targets(line: dict[str, Any]) -> dict[str, bool | None]:
    """Each target: met, missed, or None when its benchmark did not run."""

    def ratio(a: str, b: str) -> float | None:
        return line[a] / line[b] if line.get(a) and line.get(b) else None

    def at_most(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    def at_least(value: float | None, limit: float) -> bool | None:
        return None if value is None else value >= limit

    runs = line.get("p99_runs_ms")
    return {
        "gateway_half_of_same_work": at_least(ratio("gateway_sps", "same_work_passthrough_sps"), 0.5),
        "gateway_20x_naive": at_least(ratio("gateway_sps", "naive_sps"), 20),
        "p99_100ms_every_run": None if not runs else all(p <= 100 for p in runs),
        "replay_1m_5min": at_most(line.get("replay_1m_s"), 300),
        "rss_100k_1_2x_10k": at_most(ratio("rss_mb_100k", "rss_mb_10k"), 1.2),
        "alert_p99_1s": at_most(line.get("alert_p99_ms"), 1000),
    }


if __name__ == "__main__":
    line = summary(kept())
    missing = [name for name, met in line["targets"].items() if met is None]
    if missing:
        print(f"not measured in this run: {', '.join(missing)}", file=sys.stderr)
    print(json.dumps(line))
