"""The soak: Kafka's own test pattern, long. Many signals, 1% of them poison, through a gateway that
is SIGKILLed at random moments; then per recipient no signal missing, none twice, the order per key
kept, every poison record dead-lettered once and delivered never, and `reconcile` clean.

On a local stack of its own (<cache>/soak/<time>/stack, started now, stopped at the end and removed
unless the run failed), so nothing else's records mix in and nothing else is slowed. The run:

1. `make_mix` (tests/integration/faults.py): `--signals` records from the fictional examples about a
   few hundred suspects, 1% poison at seeded places (bodies that are not JSON, not UTF-8, nested
   5 000 deep, too large, of the wrong shape, or an earlier signal's id on other content), each
   built as its sender builds a signal, every header included, and 0.5% resent copies.
2. `ketenpoort gateway run` as a process of its own (`GatewayProcess`), batches of up to 100.
3. The records sent by their senders' principals at up to `--rate` per second, while the gateway is
   SIGKILLed `--kills` times at seeded random moments (`kill_at_random`): a fifth while it starts,
   the rest after it has been ready for 0.05 to 6 s. After each kill it is started again.
4. Once its committed offsets reach the end, everything is checked (tests/integration/accounting.py,
   the same checks as the short version in `make test`) and `reconcile` run from the moment before
   the first record was sent.

Figures go to stderr and, as one JSON object, to stdout; a row goes to the soak table of
docs/benchmarks.md (`--no-record` to leave it alone). Exit code 1 if any check failed.

    .venv/bin/python -m bench.soak --signals 20000 --kills 12     # make soak
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.kafka import ensure_topics
from gateway.settings import Settings
from tests.integration.accounting import Accounting, assert_accounted
from tests.integration.faults import (
    GatewayProcess,
    Place,
    expected_deliveries,
    kill_at_random,
    make_mix,
    send_all,
    wait_until_consumed,
)
from tools.stack import down, up

ROOT = Path(__file__).parents[1]
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Soak (`make soak`)"
TABLE_HEADER = (
    "| date | commit | machine (load) | records (poison, copies), seed | kills (starting, with work) "
    "| moved in | records/s | checked in | deliveries to 5 recipients | dead letters | reconcile |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|\n"
)
STARTING_SHARE = 0.2
READY_FOR_S = (0.05, 6.0)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def number(n: float) -> str:
    """12 345, as the other tables write numbers."""
    return f"{n:,.0f}".replace(",", " ")


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    # This file's own table is no change to what was run.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if changed else "")


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().split()
    gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    return f"{os.cpu_count()} cores, {gib:.0f} GiB"


async def soak(
    settings: Settings, signals: int, kills: int, seed: int, rate: float, workdir: Path
) -> tuple[dict[str, Any], Accounting | None, str | None]:
    """Run it on the stack `settings` names (started here); the figures, the accounting, and what
    failed (None if nothing did)."""
    state, _ = await asyncio.to_thread(up, settings)
    where = state.endpoints()
    figures: dict[str, Any] = {"seed": seed}
    try:
        await ensure_topics(where.kafka("admin"))
        mix = make_mix(signals, seed)
        figures.update(records=len(mix.records), poison=len(mix.poison), copies=len(mix.copies))
        expected = await expected_deliveries(where.opa_url, mix.signals)
        gateway = GatewayProcess(where, workdir, batch_max_records="100")
        await gateway.skip_history()
        since = datetime.now(UTC)
        say(f"sending {len(mix.records)} records ({len(mix.poison)} poison, {len(mix.copies)} copies)")
        gateway.start()
        began = time.monotonic()

        async def send() -> list[Place]:
            # Paced, so that the stream is still arriving while the gateway is killed.
            places = await send_all(where, mix.records, pause_every=max(1, round(rate / 4)), pause_s=0.25)
            figures["sent_s"] = round(time.monotonic() - began, 1)
            return places

        sending = asyncio.create_task(send())
        try:
            done = await kill_at_random(
                gateway, random.Random(seed), kills, ready_for_s=READY_FOR_S, starting_share=STARTING_SHARE
            )
            figures.update(
                kills=len(done),
                kills_starting=sum(kill.starting for kill in done),
                kills_with_work=sum(kill.uncommitted > 0 for kill in done),
                kills_detail=[[round(k.at_s, 1), k.starting, k.uncommitted] for k in done],
            )
            say(f"{len(done)} kills done after {time.monotonic() - began:.0f} s")
            places = await sending
            await wait_until_consumed(where.kafka("admin"), gateway.group, timeout_s=1800)
        except AssertionError as failure:  # not ready after a start, or not caught up
            return figures, None, str(failure).splitlines()[0]
        finally:
            gateway.stop()
            if not sending.done():
                sending.cancel()
            figures["starts"] = gateway.starts
        moved_s = time.monotonic() - began
        figures.update(moved_s=round(moved_s, 1), records_per_s=round(len(mix.records) / moved_s, 1))
        say(f"all consumed after {moved_s:.0f} s ({figures['records_per_s']} records/s); checking")
        checking = time.monotonic()
        try:
            accounting = await assert_accounted(where, mix, places, expected, gateway.group, since)
        except AssertionError as failure:
            figures.update(checked_s=round(time.monotonic() - checking, 1), failed=str(failure))
            return figures, None, str(failure).splitlines()[0]
        figures.update(
            checked_s=round(time.monotonic() - checking, 1),
            signals=accounting.signals,
            deliveries=dict(sorted(accounting.deliveries.items())),
            deliveries_total=sum(accounting.deliveries.values()),
            dead_letters=accounting.dead_letters,
            receipts=accounting.receipts,
            reconcile=accounting.reconciled.as_json(),
        )
        return figures, accounting, None
    finally:
        await asyncio.to_thread(down, settings)


def row(figures: dict[str, Any], accounting: Accounting | None, failed: str | None, load: str) -> str:
    """One row of the soak table; `-` for what a failed run did not get to."""

    def seconds(name: str) -> str:
        return f"{figures[name]:.0f} s" if name in figures else "-"

    records = f"{number(figures['records'])} ({figures['poison']}, {figures['copies']}), {figures['seed']}"
    kills = (
        f"{figures['kills']} ({figures['kills_starting']}, {figures['kills_with_work']})"
        if "kills" in figures
        else "-"
    )
    rate = number(figures["records_per_s"]) if "records_per_s" in figures else "-"
    if accounting is None:
        deliveries, dead, outcome = "-", "-", f"**failed**: {failed}"
    else:
        report = accounting.reconciled
        deliveries = number(sum(accounting.deliveries.values()))
        dead = number(accounting.dead_letters)
        outcome = (
            f"clean: {number(report.accounted)} of {number(report.read)} accounted, {len(report.gaps)} gaps"
        )
    cells = [
        datetime.now(UTC).date().isoformat(),
        commit(),
        f"{machine()} ({load})",
        records,
        kills,
        seconds("moved_s"),
        rate,
        seconds("checked_s"),
        deliveries,
        dead,
        outcome,
    ]
    return "| " + " | ".join(cells) + " |\n"


def record(line: str, path: Path = BENCHMARKS) -> None:
    """Add the row at the end of the soak table (the section and table are made if missing)."""
    lines = path.read_text().splitlines(keepends=True)
    if not any(text.startswith(SECTION) for text in lines):
        lines += ["\n", f"{SECTION}\n", "\n", TABLE_HEADER]
    start = next(n for n, text in enumerate(lines) if text.startswith(SECTION))
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    table = [n for n in range(start, end) if lines[n].startswith("|")]
    if not table:
        lines[end:end] = ["\n", *TABLE_HEADER.splitlines(keepends=True)]
        table = [end + 1, end + 2]
    lines.insert(table[-1] + 1, line)
    path.write_text("".join(lines))


async def main(signals: int, kills: int, seed: int, rate: float, write: bool) -> int:
    settings = Settings()
    base = settings.cache_path("soak", datetime.now(UTC).strftime("%Y%m%dT%H%M%S"))
    own = settings.model_copy(update={"stack_dir": base / "stack"})
    (base / "gateway").mkdir(parents=True, exist_ok=True)
    say(f"soak: {signals} records, {kills} kills, seed {seed}; stack and logs in {base}")
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    figures, accounting, failed = await soak(own, signals, kills, seed, rate, base / "gateway")
    figures["wall_s"] = round(time.monotonic() - started, 1)
    load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    figures["load_1m"] = load
    if failed is None:
        say(
            f"clean: {figures['deliveries_total']} deliveries to 5 recipients, {figures['dead_letters']} "
            f"dead letters, reconcile {figures['reconcile']['accounted']} of {figures['reconcile']['read']}"
        )
        shutil.rmtree(base, ignore_errors=True)
    else:
        say(f"FAILED: {figures.get('failed', failed)}\n(stack data and gateway logs kept in {base})")
    if write and "records" in figures:
        record(row(figures, accounting, failed, load))
        say(f"row added to {BENCHMARKS.relative_to(ROOT)}")
    print(json.dumps(figures))
    return 0 if failed is None else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=20000, help="records sent, poison and copies included")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs of the gateway")
    parser.add_argument("--seed", type=int, default=2018, help="where the poison goes, when the kills come")
    parser.add_argument("--rate", type=float, default=400.0, help="records sent per second, at most")
    parser.add_argument("--no-record", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.signals < 200 or args.kills < 0 or args.rate <= 0:
        parser.error("--signals must be at least 200 (1% poison of each kind), --kills not negative")
    sys.exit(asyncio.run(main(args.signals, args.kills, args.seed, args.rate, not args.no_record)))
