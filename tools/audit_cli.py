"""`ketenpoort audit subject|recipient|verify|export|reads|public-key`: what was shared about whom,
with whom, proof that the trail is intact, and who read it. Every read is recorded before it is
answered."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.console import Console
from rich.markup import escape

from gateway.audit import ldv
from gateway.audit.checkpoints import Held, from_directory
from gateway.audit.reads import AuditReadLog, ReadNotRecorded, audit_reads
from gateway.audit.records import summary
from gateway.audit.store import AuditStore
from gateway.audit.verify import Verification, read_checkpoints, verify_topic
from gateway.kafka import KafkaConnection, cluster_id
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas.audit import AuditRecord
from gateway.schemas.audit_read import AuditRead, Query
from gateway.schemas.persons import check_bsn
from gateway.settings import Settings, get_settings
from gateway.signing import key_id, load_public_key, public_path, public_pem
from gateway.topics import AUDIT, AUDIT_CHECKPOINTS, BY_NAME, INBOX_PREFIX
from tools import reports
from tools.policy.register import legal_bases
from tools.stack import StackError, endpoints

audit_app = typer.Typer(
    no_args_is_help=True, help="The audit trail: subject access, per recipient, verification."
)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def audit_kafka(settings: Settings) -> KafkaConnection:
    """The audit is read as the `audit-reader` principal: nobody else but the gateway may."""
    try:
        return endpoints(settings).kafka("audit-reader")
    except StackError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None


async def record_audit_read(kafka: KafkaConnection, query: Query, **asked: Any) -> None:
    """Record this read in the log of audit reads, or stop: an unrecorded read is not answered."""
    read = AuditRead(
        reader=getpass.getuser(), role=kafka.username or "anonymous", channel="cli", query=query, **asked
    )
    try:
        async with AuditReadLog(kafka) as reads:
            await reads.record(read)
    except ReadNotRecorded as error:
        err.print(
            "[red]this read could not be recorded in the audit log, so it is not answered: "
            f"{escape(repr(error))}[/red]"
        )
        raise typer.Exit(1) from None


async def audit_store(settings: Settings, kafka: KafkaConnection) -> AuditStore:
    store = AuditStore(settings.cache_path("audit", f"{await cluster_id(kafka)}.sqlite"))
    await store.catch_up(kafka)
    return store


def subject_report_markdown(pseudonym: str, records: list[AuditRecord], now: datetime) -> str:
    shared = [r for r in records if r.level != "none"]
    lines = [
        "# What Ketenpoort shared about one person",
        "",
        f"Report made {now:%Y-%m-%d %H:%M} UTC for the person with the requested BSN",
        f"(chain pseudonym `{pseudonym}`; the BSN itself is not kept in the audit trail).",
        "Each row is one organisation receiving one signal.",
        "",
        f"{len(shared)} times shared, {len(records) - len(shared)} times considered and withheld entirely.",
        "",
        "| when (UTC) | signal | from | to | what | fields shared | legal basis | purpose |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for record in shared:
        what = "only that the sender is involved, and whom to call" if record.level == "dat" else record.level
        fields = ", ".join(record.fields_delivered) or "-"
        lines.append(
            f"| {record.decided_at:%Y-%m-%d %H:%M} | {record.signal_type} | {record.sender} "
            f"| {record.recipient} "
            f"| {what} | {fields} | {record.legal_basis or '-'} | {record.processing_activity or '-'} |"
        )
    return "\n".join(lines) + "\n"


def subject_report_page(pseudonym: str, records: list[AuditRecord], now: datetime, lang: reports.Lang) -> str:
    """The subject access report as a page to read and print."""
    t = reports.TEXT[lang]
    bases = legal_bases()
    shared = [r for r in records if r.level != "none"]
    rows = []
    for record in shared:
        entry = bases.get(record.legal_basis or "")
        label = entry.get("label") if isinstance(entry, dict) else None
        rows.append(
            [
                reports.esc(f"{record.decided_at:%Y-%m-%d %H:%M}"),
                reports.esc(reports.signal_name(record.signal_type, lang)),
                reports.esc(reports.partner(record.sender)),
                reports.esc(reports.partner(record.recipient)),
                reports.esc(record.level),
                reports.field_cell(record.signal_type, record.fields_delivered, lang),
                reports.basis_cell(record.legal_basis, str(label) if label else None),
                reports.esc(record.processing_activity or "-"),
            ]
        )
    headers = [t[k] for k in ("when", "signal", "from", "recipient", "level", "fields_h", "basis", "purpose")]
    intro = t["subject_intro"].format(
        pseudonym=pseudonym, shared=len(shared), withheld=len(records) - len(shared)
    )
    return reports.page(
        t["subject_title"], lang, now, intro=f"<p>{reports.esc(intro)}</p>",
        legend=reports.level_legend(lang),
        sections=[reports.Section("shared", t["shared"], reports.table(headers, rows))],
    )  # fmt: skip


@audit_app.command("subject")
def subject(
    bsn: Annotated[str, typer.Option(help="The person's BSN.")],
    format: Annotated[
        str, typer.Option("--format", help="md, json or html (a page to read and print).")
    ] = "md",
    lang: reports.LangOption = "nl",
) -> None:
    """Everything shared about one person: when, with whom, which fields, on which basis, for which
    purpose (the GDPR article 15 report)."""
    try:
        check_bsn(bsn)
    except ValueError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    if format not in ("md", "json", "html"):
        err.print("[red]--format is md, json or html[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    pseudonym = pseudonym_of_bsn(bsn, settings.pseudonym_key.get_secret_value().encode())

    async def run() -> list[AuditRecord]:
        kafka = audit_kafka(settings)
        await record_audit_read(kafka, "subject", subject=pseudonym)
        store = await audit_store(settings, kafka)
        try:
            return store.about(pseudonym)
        finally:
            store.close()

    records = asyncio.run(run())
    now = datetime.now(UTC)
    if format == "json":
        print(
            json.dumps(
                {
                    "subject": pseudonym,
                    "generated_at": now.isoformat(),
                    "records": [summary(r) for r in records],
                },
                indent=2,
            )
        )
    elif format == "html":
        print(subject_report_page(pseudonym, records, now, reports.language(lang)), end="")
    else:
        print(subject_report_markdown(pseudonym, records, now), end="")


@audit_app.command("recipient")
def recipient(
    org: Annotated[str, typer.Argument(help="The receiving organisation, e.g. 3ro.")],
    since: Annotated[datetime | None, typer.Option(help="Only from this moment (ISO 8601).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Everything one organisation received."""
    settings = get_settings()
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)

    async def run() -> list[AuditRecord]:
        kafka = audit_kafka(settings)
        await record_audit_read(kafka, "recipient", recipient=org, since=since)
        store = await audit_store(settings, kafka)
        try:
            return store.received_by(org, since)
        finally:
            store.close()

    rows = [summary(record) for record in asyncio.run(run())]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        fields = ", ".join(row["fields_shared"]) or "-"  # type: ignore[arg-type]
        out.print(
            f"{row['when']}  {row['signal_type']} from {row['from']}  {row['level']}  {fields}  "
            f"({row['legal_basis']}, {row['purpose']})"
        )
    out.print(f"{len(rows)} deliveries to {escape(org)}")


@audit_app.command("verify")
def verify_command(
    topic: Annotated[str, typer.Option(help="The audit topic to check.")] = AUDIT,
    checkpoints: Annotated[
        str,
        typer.Option(
            help="Where the signed checkpoints come from: the checkpoints topic, inbox.<org> (read as "
            "that organisation), a directory of a partner's own copies, or none.",
        ),
    ] = AUDIT_CHECKPOINTS,
    public_key: Annotated[
        Path | None,
        typer.Option(help="The gateway's audit public key (PEM); default: the local deployment's."),
    ] = None,
    chain: Annotated[
        str | None, typer.Option(help="Only this gateway deployment's chains (its consumer group).")
    ] = None,
) -> None:
    """Check every hash chain, and the chains against the signed checkpoints: exit 0 when intact,
    else 1, naming each broken record, cut-off tail, rewritten record and forged checkpoint."""
    settings = get_settings()

    async def run() -> Verification:
        kafka = audit_kafka(settings)
        await record_audit_read(kafka, "verify")
        held = await _checkpoints(settings, checkpoints)
        key = _public_key(public_key or _local_public_key(settings)) if held else None
        return await verify_topic(kafka, topic, held, key, chain)

    result = asyncio.run(run())
    for finding in result.findings:
        out.print(f"[red]broken[/red] {escape(str(finding))}")
    anchored = (
        f"{result.checkpoints} signed checkpoints from {escape(checkpoints)}, the newest signed "
        f"{result.newest_checkpoint}"
        if result.checkpoints
        else f"[yellow]no signed checkpoints from {escape(checkpoints)}[/yellow]: a cut-off tail "
        "or a rewritten topic cannot be told"
    )
    if result.findings:
        out.print(f"{len(result.findings)} problems in {result.records} audit records; {anchored}")
        raise typer.Exit(1)
    out.print(
        f"[green]intact[/green]: {result.records} audit records in {escape(topic)}, every chain "
        f"unbroken; {anchored}"
    )


def _public_key(path: Path) -> Ed25519PublicKey:
    try:
        return load_public_key(path)
    except (OSError, ValueError) as error:
        err.print(f"[red]no audit public key to check the checkpoints with ({escape(str(error))}): "
                  "give --public-key[/red]")  # fmt: skip
        raise typer.Exit(2) from None


def _local_public_key(settings: Settings) -> Path:
    private = settings.audit_key_path()
    public = public_path(private)
    return public if public.exists() else private


async def _checkpoints(settings: Settings, source: str) -> list[Held]:
    if source == "none":
        return []
    if source.startswith(INBOX_PREFIX):
        org = source.removeprefix(INBOX_PREFIX)
        try:
            kafka = endpoints(settings).kafka(org)
        except StackError as error:
            err.print(f"[red]{escape(str(error))}[/red]")
            raise typer.Exit(2) from None
        return await read_checkpoints(kafka, source)
    if source in BY_NAME:
        return await read_checkpoints(audit_kafka(settings), source)
    directory = Path(source)
    if not directory.is_dir():
        err.print(f"[red]{escape(source)} is no topic, inbox or directory of checkpoints[/red]")
        raise typer.Exit(2)
    return from_directory(directory)


@audit_app.command("public-key")
def public_key_command() -> None:
    """The gateway's audit public key (PEM) and its id: what a partner keeps to check the
    checkpoints in its inbox with (`audit verify --public-key`)."""
    key = _public_key(_local_public_key(get_settings()))
    print(f"# key id {key_id(key)}")
    print(public_pem(key).decode(), end="")


@audit_app.command("export")
def export_command(
    format: Annotated[
        str, typer.Option("--format", help="ldv: Logboek Dataverwerkingen, JSON lines.")
    ] = "ldv",
    since: Annotated[datetime | None, typer.Option(help="Only decided from this moment (ISO 8601).")] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Only decided before this moment (ISO 8601).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """The audit as Logboek Dataverwerkingen log lines: per audit record its action, and one child
    action per data subject (by chain pseudonym), with trace and span ids, the processing activity
    and the sender's operation. One JSON object per line."""
    if format != "ldv":
        err.print("[red]--format is ldv[/red]")
        raise typer.Exit(2)
    since, until = (_utc(moment) for moment in (since, until))
    settings = get_settings()

    async def run() -> int:
        kafka = audit_kafka(settings)
        await record_audit_read(kafka, "export", since=since)
        store = await audit_store(settings, kafka)
        written = 0
        try:
            with output.open("wb") if output else contextlib.nullcontext(sys.stdout.buffer) as sink:
                for record in store.between(since, until):
                    for line in ldv.lines(record):
                        sink.write(orjson.dumps(line) + b"\n")
                        written += 1
        finally:
            store.close()
        return written

    written = asyncio.run(run())
    if output:
        out.print(f"{written} log lines written to {escape(str(output))}")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@audit_app.command("reads")
def reads_command(
    since: Annotated[datetime | None, typer.Option(help="Only from this moment (ISO 8601).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Who read the audit, when, through the API or here, asking what (this read included)."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)

    async def run() -> list[AuditRead]:
        kafka = audit_kafka(get_settings())
        await record_audit_read(kafka, "reads", since=since)
        return await audit_reads(kafka, since)

    found = asyncio.run(run())
    if as_json:
        print(json.dumps([read.model_dump(mode="json") for read in found], indent=2))
        return
    for read in found:
        asked = read.subject or read.recipient or ""
        out.print(
            f"{read.read_at.isoformat()}  {escape(read.reader)} ({read.role}, {read.channel})  "
            f"{read.query} {escape(asked)}"
        )
    out.print(f"{len(found)} reads of the audit")
