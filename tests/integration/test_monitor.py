"""The obligations monitor against the real broker and OPA: a fictional case through the gateway,
with the gateway's clock moved so that one obligation is met on time, one late, one lapses and one
stays open; then the monitor over `chain.obligations` (the same reader and the same function as
`ketenpoort monitor`), checked against the events this test reads from the topic itself; then the
command end to end; and the gateway's obligation gauges.

The topic is shared with the other tests of the run: this test's persons have a pseudonym key of
their own, and its figures are of the obligations its own signals opened."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from prometheus_client import REGISTRY
from pydantic import SecretStr

from adapters.publish import signal_record
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import Settings
from gateway.topics import OBLIGATIONS
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_commands import KETENPOORT, demo_environment
from tests.integration.test_first_slice import running_gateway
from tools.contracts.examples import example
from tools.monitor import AMSTERDAM, OUTCOMES, Month, report
from tools.monitor_cli import obligation_events
from tools.stack import Endpoints

HOUR = timedelta(hours=1)
OPEN = "ketenpoort_obligations_open"
Figures = dict[tuple[str, str], dict[str, int]]


def gauges() -> dict[tuple[str, str, str], float]:
    return {
        (sample.name, sample.labels["owner"], sample.labels["kind"]): sample.value
        for family in REGISTRY.collect()
        if family.name.startswith("ketenpoort_obligations_")
        for sample in family.samples
    }


def by_hand(events: list[dict[str, Any]], now: datetime) -> Figures:
    """The figures as the test reads them off the events: each obligation's last word."""
    lives: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        lives.setdefault(event["obligation_id"], []).append(event)
    figures: Figures = {}
    for life in lives.values():
        first, kinds = life[0], {e["event"]: e for e in life}
        due = datetime.fromisoformat(first["due_at"])
        if "met" in kinds:
            outcome = "met_on_time" if datetime.fromisoformat(kinds["met"]["at"]) <= due else "met_late"
        else:
            outcome = "lapsed" if "lapsed" in kinds or due <= now else "still_open"
        row = figures.setdefault((first["owner"], first["kind"]), dict.fromkeys(OUTCOMES, 0))
        row[outcome] += 1
    return figures


async def test_the_monitor_counts_what_the_topic_holds(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"monitor-{uuid4()}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=10)
    moment = [start]  # the gateway's clock, moved by the test
    report_ = example("new_report").signal
    suspect = {"suspect": report_.suspect}
    screening = example("risk_assessment").signal.model_copy(update=suspect)
    assessment = example("safety_assessment").signal.model_copy(update=suspect)
    measure = example("measure_imposed").signal.model_copy(
        update={**suspect, "ends_on": (datetime.now(UTC) + timedelta(days=90)).date()}
    )
    release = example("release_from_custody").signal.model_copy(
        update={**suspect, "release_time": start + 72 * HOUR}
    )
    sent: list[str] = []

    def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in e.items() if not k.startswith("_")} for e in found if e.get("opened_by") in sent
        ]

    seen = [0]  # events of ours on the topic

    async def send(org: str, signal: Any, at: timedelta) -> None:
        """The signal, routed at `start + at`; returns once what it opened and met is on the topic
        (one transaction: all of it at once)."""
        moment[0] = start + at
        record, envelope = signal_record(org, signal, signal_id=uuid4(), pseudonym_key=key)
        async with Adapters(stack, "test-monitor") as adapters:
            await adapters.send_and_wait(record)
        sent.append(str(envelope.id))
        found = await read_topic(stack.kafka("admin"), OBLIGATIONS, until=lambda f: len(ours(f)) > seen[0])
        seen[0] = len(ours(found))

    async def gauges_with(owner: str, kind: str, count: float) -> dict[tuple[str, str, str], float]:
        """The gauges once the book has `count` more open of a kind than before (the book takes a
        transaction's events just after it commits)."""
        for _ in range(50):
            figures = gauges()
            if figures.get((OPEN, owner, kind), 0) - before.get((OPEN, owner, kind), 0) >= count:
                break
            await asyncio.sleep(0.1)
        return figures

    async with running_gateway(settings, stack, stack.opa_url, clock=lambda: moment[0]):
        before = gauges()
        await send("police", report_, timedelta(0))  # a risk screening, 24 h; a safety assessment
        await send("police", screening, 30 * HOUR)  # the screening, late
        await send("veiligthuis", assessment, 40 * HOUR)  # the assessment, on time
        await send("om", measure, 41 * HOUR)  # its extension: open for months yet
        await send("om", release, 50 * HOUR)  # a safety check before the release, never done
        after = await gauges_with("veiligthuis", "safety_check_before_release", 1)
        moment[0] = datetime.now(UTC)
        overdue = gauges()

    events = ours(await read_topic(stack.kafka("admin"), OBLIGATIONS))
    now = datetime.now(UTC)
    on_topic, _ = await obligation_events(stack.kafka("admin"))  # as `ketenpoort monitor` reads it
    monitor = report([e for e in on_topic if str(e.opened_by) in sent], month=None, now=now)
    figures = {(row.owner, row.kind): row.counts for row in monitor.rows}
    assert figures == by_hand(events, now)
    # What the scenario makes of the kinds it is about (the policy may open more: each counted once).
    scenario = {
        ("om", "measure_extension"): {"still_open": 1},
        ("police", "risk_screening"): {"met_late": 1},
        ("veiligthuis", "safety_assessment"): {"met_on_time": 1},
        ("veiligthuis", "safety_check_before_release"): {"lapsed": 1},
    }
    assert {kind: {k: n for k, n in figures[kind].items() if n} for kind in scenario} == scenario
    medians = {(row.owner, row.kind): row.median_hours for row in monitor.rows}
    assert [medians[kind] for kind in scenario] == [None, 30.0, 40.0, None]
    assert monitor.total.opened == len([e for e in events if e["event"] == "opened"])
    assert monitor.total.median_hours == 35.0  # only these two were met
    # The month's cohort: the obligations opened in it, in Amsterdam time.
    month = Month(start.astimezone(AMSTERDAM).year, start.astimezone(AMSTERDAM).month)
    in_month = [
        e for e in events if e["event"] == "opened" and month.holds(datetime.fromisoformat(e["opened_at"]))
    ]
    ours_only = [ObligationEvent.model_validate(e) for e in events]
    assert report(ours_only, month=month, now=now).total.opened == len(in_month)

    # The gauges: counted from the gateway's book, by its clock.
    def grew(figures: dict[tuple[str, str, str], float], owner: str, kind: str) -> float:
        return figures.get((OPEN, owner, kind), 0) - before.get((OPEN, owner, kind), 0)

    assert grew(after, "om", "measure_extension") == 1
    assert grew(after, "veiligthuis", "safety_check_before_release") == 1
    assert grew(after, "police", "risk_screening") == 0  # opened and met
    assert overdue[("ketenpoort_obligations_overdue", "veiligthuis", "safety_check_before_release")] >= 1

    # The command, end to end, over the whole topic: at least this test's figures, in each column.
    environment = demo_environment(stack, tmp_path)
    as_csv = subprocess.run(
        [str(KETENPOORT), "monitor", "--format", "csv"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert as_csv.returncode == 0, as_csv.stderr
    printed = {(row["owner"], row["kind"]): row for row in csv.DictReader(io.StringIO(as_csv.stdout))}
    for kind, row in figures.items():
        assert all(int(printed[kind][name]) >= n for name, n in row.items()), (kind, printed[kind])
    as_md = subprocess.run(
        [str(KETENPOORT), "monitor", "--month", str(month)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert as_md.returncode == 0, as_md.stderr
    assert "| owner | kind | opened | met on time |" in as_md.stdout and "| **total** |" in as_md.stdout
    assert f"opened in {month} (Europe/Amsterdam)" in as_md.stdout
    assert report_.suspect is not None
    assert report_.suspect.family_name not in as_md.stdout + as_csv.stdout
    assert not [pseudonym for e in events if (pseudonym := e["subject"]) in as_md.stdout + as_csv.stdout]
    bad = subprocess.run(
        [str(KETENPOORT), "monitor", "--month", "2026-13"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
