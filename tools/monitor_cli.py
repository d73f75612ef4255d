"""`ketenpoort monitor`: the chain obligations' monitor (tools/monitor.py) over `chain.obligations`,
read whole as `admin` (a look: nothing is written, no consumer group is kept)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from aiokafka import ConsumerRecord
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from gateway.kafka import KafkaConnection, read_whole
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import get_settings
from gateway.topics import OBLIGATIONS
from tools import monitor
from tools.contracts.cli import write_or_print
from tools.stack import StackError, endpoints

err = Console(stderr=True)


async def obligation_events(kafka: KafkaConnection) -> tuple[list[ObligationEvent], int]:
    """Every event `chain.obligations` holds now, partition by partition in order, and how many
    records were not events (counted, not fatal: a monitor that stops at one bad record shows
    nothing of the rest)."""
    found: list[ObligationEvent] = []
    unreadable = 0

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        nonlocal unreadable
        if not message.value:
            return
        try:
            found.append(ObligationEvent.model_validate_json(message.value))
        except ValidationError:
            unreadable += 1

    await read_whole(kafka, OBLIGATIONS, take)
    return found, unreadable


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(2)


def monitor_command(
    month: Annotated[
        str | None,
        typer.Option(help="Only the obligations opened in this month (YYYY-MM, Europe/Amsterdam)."),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="md, csv or html.")] = "md",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Chain obligations per organisation and kind: opened, met on time, met late, lapsed, done
    elsewhere, waived, still open, and the median hours to meet. Counts only (docs/obligations.md)."""
    if format not in monitor.RENDERERS:
        raise _fail(f"unknown format {format!r}: use md, csv or html")
    try:
        cohort = None if month is None else monitor.Month.parse(month)
    except ValueError as error:
        raise _fail(str(error)) from None
    try:
        admin = endpoints(get_settings()).kafka("admin")
    except (StackError, KeyError) as error:
        raise _fail(str(error)) from None
    events, unreadable = asyncio.run(obligation_events(admin))
    if unreadable:
        err.print(
            f"[yellow]{unreadable} records on {OBLIGATIONS} are not obligation events: not counted[/yellow]"
        )
    report = monitor.report(events, month=cohort, now=datetime.now(UTC))
    write_or_print(monitor.RENDERERS[format](report), output)
