"""`ketenpoort retention report`: what Ketenpoort keeps, how long and how that is enforced
(gateway/retention.py), each topic's retention as the broker has it (named where it differs from
what Ketenpoort sets), and what retention removed, when (`gateway.retention`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from gateway import retention
from gateway.kafka import KafkaConnection, read_whole, topic_configs
from gateway.settings import ORGANISATIONS, RECIPIENTS, get_settings
from gateway.topics import (
    ALERTS,
    AUDIT,
    AUDIT_CHECKPOINTS,
    AUDIT_READS,
    DLQ,
    INVOLVEMENTS,
    OBLIGATION_CONTENT,
    OBLIGATIONS,
    RETENTION_LOG,
    SIGNAL_IDS,
    VICTIM_INFORMING,
    inbox_topic,
    signals_topic,
    topic_config,
)
from tools import reports
from tools.stack import StackError, endpoints

retention_app = typer.Typer(no_args_is_help=True, help="What is kept, how long, and what was removed when.")
out = Console(soft_wrap=True)
err = Console(stderr=True)

CHECKED = ("retention.ms", "cleanup.policy")


def topics_of(kept: retention.Kept) -> list[str]:
    """The topics that hold each kind of data."""
    return {
        retention.CASE.kind: [
            *(signals_topic(o) for o in ORGANISATIONS),
            *(inbox_topic(o) for o in RECIPIENTS),
        ],
        retention.OBLIGATIONS.kind: [OBLIGATIONS],
        retention.OBLIGATION_CONTENT.kind: [OBLIGATION_CONTENT],
        retention.ALERTS.kind: [ALERTS],
        retention.INVOLVEMENTS.kind: [INVOLVEMENTS],
        retention.SIGNAL_IDS.kind: [SIGNAL_IDS],
        retention.DEAD_LETTERS.kind: [DLQ],
        retention.AUDIT.kind: [AUDIT, AUDIT_CHECKPOINTS, AUDIT_READS, RETENTION_LOG],
        retention.VICTIM_INFORMING.kind: [VICTIM_INFORMING],
    }[kept.kind]


@dataclass
class Report:
    kinds: list[dict[str, Any]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)


async def build(admin: KafkaConnection, involvement_months: int, audit_days: int | None = None) -> Report:
    report = Report()
    names = [name for kept in retention.TABLE for name in topics_of(kept)]
    actual = await topic_configs(admin, names)
    for kept in retention.TABLE:
        topics = topics_of(kept)
        for name in topics:
            wanted = topic_config(name)
            has = actual.get(name)
            if has is None:
                report.differences.append(f"{name}: the broker does not have it")
                continue
            for key in CHECKED:
                expected = wanted.get(key, "delete" if key == "cleanup.policy" else None)
                if expected is not None and has.get(key) != expected:
                    report.differences.append(f"{name}: {key} is {has.get(key)}, Ketenpoort sets {expected}")
        report.kinds.append(
            {
                "kind": kept.kind,
                "what": kept.what,
                "kept": retention.how_long(kept, involvement_months, audit_days),
                "how": kept.how,
                "topics": topics,
            }
        )

    def take(message: Any) -> None:
        if message.value:
            report.removed.append(orjson.loads(message.value))

    await read_whole(admin, RETENTION_LOG, take)
    report.removed.sort(key=lambda r: r["removed_at"])
    return report


def report_page(report: Report, lang: reports.Lang) -> str:
    t = reports.TEXT[lang]
    kept = reports.table(
        [t["what"], t["kept"], t["how"]],
        ([reports.esc(k["what"]), reports.esc(k["kept"]), reports.esc(k["how"])] for k in report.kinds),
    )
    differences = (
        "<ul>" + "".join(f'<li class="sensitive">{reports.esc(d)}</li>' for d in report.differences) + "</ul>"
        if report.differences
        else f"<p>{reports.esc(t['no_differences'])}</p>"
    )
    removed = reports.table(
        [t["removed_at"], t["kind"], t["key"], t["why"]],
        (
            [
                reports.esc(r["removed_at"]),
                reports.esc(r["kind"]),
                f"<code>{reports.esc(r['key'])}</code>",
                reports.esc(r["reason"]),
            ]
            for r in report.removed
        ),
    )
    return reports.page(
        t["retention_title"], lang, datetime.now(UTC),
        sections=[
            reports.Section("kept", t["retention"], kept),
            reports.Section("differences", t["differences"], differences),
            reports.Section("removed", f"{t['removed']} ({len(report.removed)})", removed),
        ],
    )  # fmt: skip


@retention_app.command("report")
def report_command(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    html_page: Annotated[bool, typer.Option("--html", help="A page to read and print.")] = False,
    lang: reports.LangOption = "nl",
) -> None:
    """What is kept, how long and how it is enforced; whether the broker's topic settings are what
    Ketenpoort sets (exit 1 when one differs); and each removal by retention, when and why."""
    settings = get_settings()
    try:
        admin = endpoints(settings).kafka("admin")  # topic configurations: an operator's read
    except StackError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    report = asyncio.run(build(admin, settings.involvement_retention_months, settings.audit_retention_days))
    if as_json:
        print(
            json.dumps(
                {"kinds": report.kinds, "differences": report.differences, "removed": report.removed},
                indent=2,
            )
        )
    elif html_page:
        print(report_page(report, reports.language(lang)), end="")
    else:
        out.print("[bold]What is kept, and how long[/bold]")
        for kind in report.kinds:
            out.print(
                f"  {escape(kind['what'])}: [bold]{escape(kind['kept'])}[/bold] ({escape(kind['how'])})"
            )
        if report.differences:
            out.print("[red]The broker's topic settings differ from Ketenpoort's:[/red]")
            for difference in report.differences:
                out.print(f"  [red]{escape(difference)}[/red]")
        else:
            out.print("Every topic's retention on the broker is what Ketenpoort sets.")
        out.print(f"[bold]Removed by retention[/bold]: {len(report.removed)}")
        for removed in report.removed:
            out.print(
                f"  {removed['removed_at']}  {removed['kind']}  {escape(removed['key'])}: "
                f"{escape(removed['reason'])}"
            )
    if report.differences:
        raise typer.Exit(1)
