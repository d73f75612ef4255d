"""The last line of `make bench`: figures gathered from each benchmark, and the targets judged."""

from __future__ import annotations

from pathlib import Path

from bench.profile import tables
from bench.summary import summary

PIPELINE = {
    "passthrough_sps": 12000,
    "same_work_passthrough_sps": 1600,
    "gateway_sps": 800,
    "naive_sps": 40,
    "p99_runs_ms": [90.0, 99.9, 100.0, 80.0, 70.0],
}


def test_each_target_is_judged_from_the_figures() -> None:
    line = summary(
        {
            "pipeline": PIPELINE,
            "history": {"replay_1m_s": 301.0},
            "memory": {"rss_mb_10k": 300.0, "rss_mb_100k": 360.0},
            "alerts": {"webhook_p99_ms": 900.0, "console_p99_ms": 1001.0},
            "alerts_burst": {
                "burst": 2000,
                "burst_delivered_s": 48.9,
                "webhook_p99_ms": 255.0,
                "console_p99_ms": 182.0,
            },
        }
    )
    assert line["gateway_sps"] == 800 and line["alert_p99_ms"] == 1001.0
    assert (line["burst"], line["burst_delivered_s"], line["burst_alert_p99_ms"]) == (2000, 48.9, 255.0)
    assert line["targets"] == {
        "gateway_half_of_same_work": True,  # 800 of 1 600
        "gateway_20x_naive": True,  # 800 / 40
        "p99_100ms_every_run": True,  # 100.0 is within
        "replay_1m_5min": False,
        "rss_100k_1_2x_10k": True,  # 1.2x exactly
        "alert_p99_1s": False,  # the slower path counts
    }


def test_a_benchmark_that_did_not_run_leaves_its_targets_unjudged() -> None:
    line = summary({"pipeline": {**PIPELINE, "p99_runs_ms": [90.0, 101.0]}})
    assert line["replay_1m_s"] is None and line["alert_p99_ms"] is None and line["burst_alert_p99_ms"] is None
    assert line["targets"]["p99_100ms_every_run"] is False
    assert line["targets"]["replay_1m_5min"] is None and line["targets"]["alert_p99_1s"] is None


def test_the_profile_counts_the_main_thread_only(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "_run_module_as_main (<frozen runpy>:198);route (gateway/router.py:70);"
        "seal (gateway/audit/records.py:40) 30\n"
        "_run_module_as_main (<frozen runpy>:198);select (selectors.py:468) 10\n"
        "Thread._bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:81) 960\n"
    )
    table = tables(stacks)
    assert table.startswith("40 samples")
    assert "| 75.0% | `seal (records.py)` |" in table and "| 25.0% | `select (selectors.py)` |" in table
    assert "_worker" not in table
