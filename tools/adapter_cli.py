"""`ketenpoort adapter <org> ingest|serve`: an organisation's export in, its inbox out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import uvicorn
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.delivery import Deliverer, FileDrop, InboxDelivery, Target, Webhook
from adapters.exports import Adapter, NativeRecord
from adapters.ingest import Ingest, Summary, export_files
from adapters.preflight import check_sending
from adapters.registry import adapter as adapter_of
from adapters.service import AdapterService
from gateway.kafka import KafkaConnection
from gateway.logging import configure_logging
from gateway.settings import ORGANISATIONS, Settings, get_settings
from tools.stack import StackError, kafka_as

adapter_app = typer.Typer(
    no_args_is_help=True,
    help=f"An organisation's adapter ({', '.join(ORGANISATIONS)}): its export in, its inbox out.",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@adapter_app.callback()
def for_organisation(
    context: typer.Context,
    org: Annotated[str, typer.Argument(help=f"The organisation: {', '.join(ORGANISATIONS)}.")],
) -> None:
    try:
        context.obj = adapter_of(org)
    except ValueError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None


def _connect(settings: Settings, org: str) -> KafkaConnection:
    """The organisation's login to Kafka, once the broker has shown it may write `signals.<org>`;
    else one line on what is wrong and how to fix it, and exit code 2."""
    try:
        kafka = kafka_as(settings, org)
    except (StackError, KeyError) as error:
        _fail(str(error))
    problem = asyncio.run(check_sending(kafka, org))
    if problem is not None:
        _fail(problem.line)
    return kafka


def _fail(line: str) -> NoReturn:
    err.print(f"[red]{escape(line)}[/red]")
    raise typer.Exit(2)


def _ingest(settings: Settings, adapter: Adapter, kafka: KafkaConnection) -> Ingest:
    key = settings.pseudonym_key.get_secret_value().encode()
    return Ingest(adapter, kafka, settings.cache_path("adapters"), key)


@adapter_app.command("ingest")
def ingest_command(
    context: typer.Context,
    path: Annotated[Path, typer.Argument(help="An export file, or a directory of them.", exists=True)],
    as_json: Annotated[bool, typer.Option("--json", help="The summary as JSON.")] = False,
) -> None:
    """Send the signals an export means, as the organisation. Records sent before are skipped; a bad
    record is rejected with its problems and the rest still goes through. Exit code 1 when any
    record was rejected."""
    adapter: Adapter = context.obj
    settings = get_settings()
    files = export_files(path, adapter.suffix)
    if not files:
        err.print(f"[red]no {adapter.suffix} files in {escape(str(path))}[/red]")
        raise typer.Exit(2)
    exports = [(file, adapter.read(file.read_bytes())) for file in files]
    kafka = _connect(settings, adapter.org)
    try:
        summaries = asyncio.run(_send_all(adapter, _ingest(settings, adapter, kafka), exports))
    except KafkaError as error:
        _fail(
            f"Kafka refused to take the signals ({type(error).__name__}: {error}): ingest the export "
            "again once it is fixed; a signal sent twice keeps its id, so recipients keep one copy"
        )
    if as_json:
        print(json.dumps([summary.as_json() for summary in summaries], indent=2))
    else:
        _report(summaries)
    if any(summary.rejected for summary in summaries):
        raise typer.Exit(1)


async def _send_all(
    adapter: Adapter, ingest: Ingest, exports: list[tuple[Path, list[NativeRecord]]]
) -> list[Summary]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    total = sum(len(records) for _, records in exports)
    with Progress(*columns, console=err, transient=True, disable=total < 200) as progress:
        task = progress.add_task(f"{adapter.org}: sending", total=total)
        async with ingest:
            return [
                await ingest.send(records, str(file), lambda n: progress.advance(task, n))
                for file, records in exports
            ]


def _report(summaries: list[Summary]) -> None:
    for summary in summaries:
        out.print(
            f"{escape(summary.source)}: {len(summary.outcomes)} records; {summary.sent} signals sent, "
            f"{summary.skipped} skipped (sent before), {len(summary.rejected)} records rejected"
        )
        for outcome in summary.rejected:
            name = f" ({escape(outcome.record_id)})" if outcome.record_id else ""
            for problem in outcome.problems:
                out.print(f"  [red]rejected[/red] {outcome.position}{name}: {escape(str(problem))}")


@adapter_app.command("serve")
def serve_command(
    context: typer.Context,
    webhook: Annotated[
        str | None, typer.Option(help="Deliver the inbox to this URL (KETENPOORT_DELIVERY_WEBHOOK_URL).")
    ] = None,
    drop_dir: Annotated[
        Path | None, typer.Option(help="Deliver the inbox as files here (KETENPOORT_DELIVERY_DIR).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="HTTP port (KETENPOORT_ADAPTER_HTTP_PORT, default 8081).")
    ] = None,
) -> None:
    """Take records over HTTP (POST /adapters/<org>/records) and deliver the inbox by webhook
    (signed with KETENPOORT_DELIVERY_WEBHOOK_SECRET) or file drop, until stopped."""
    adapter: Adapter = context.obj
    settings = get_settings()
    configure_logging(settings.log_level)
    kafka = _connect(settings, adapter.org)
    target = _target(settings, webhook or settings.delivery_webhook_url, drop_dir or settings.delivery_dir)
    delivery = None
    if target is not None:
        dead_letters = settings.cache_path("adapters", adapter.org, "dead-letters")
        deliverer = Deliverer(target, dead_letters, max_attempts=settings.delivery_max_attempts)
        delivery = InboxDelivery(adapter.org, kafka, deliverer)
    service = AdapterService(adapter, _ingest(settings, adapter, kafka), delivery, settings.tokens_path())
    uvicorn.run(
        service,
        host=settings.http_host,
        port=port or settings.adapter_http_port,
        log_config=None,
        lifespan="on",
    )


def _target(settings: Settings, webhook: str | None, drop_dir: Path | None) -> Target | None:
    if webhook and drop_dir:
        err.print("[red]deliver by webhook or by file drop, not both[/red]")
        raise typer.Exit(2)
    if webhook:
        if settings.delivery_webhook_secret is None:
            err.print("[red]a webhook needs KETENPOORT_DELIVERY_WEBHOOK_SECRET to sign its requests[/red]")
            raise typer.Exit(2)
        return Webhook(webhook, settings.delivery_webhook_secret.get_secret_value().encode())
    if drop_dir:
        return FileDrop(drop_dir)
    err.print("no delivery configured (--webhook or --drop-dir): the inbox waits in Kafka")
    return None
