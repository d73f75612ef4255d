"""`ketenpoort audit subject|recipient|verify`: what was shared about whom, with whom, and proof that
the trail is intact."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from gateway.audit.records import AuditRecord
from gateway.audit.store import AuditStore
from gateway.audit.verify import verify_topic
from gateway.identity import pseudonym_of_bsn
from gateway.kafka import cluster_id
from gateway.schemas.persons import check_bsn
from gateway.settings import Settings, get_settings
from gateway.stack import StackError, endpoints
from gateway.topics import AUDIT

audit_app = typer.Typer(
    no_args_is_help=True, help="The audit trail: subject access, per recipient, verification."
)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def _bootstrap(settings: Settings) -> str:
    try:
        return endpoints(settings).kafka_bootstrap
    except StackError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None


async def _store(settings: Settings, bootstrap: str) -> AuditStore:
    store = AuditStore(settings.cache_path("audit", f"{await cluster_id(bootstrap)}.sqlite"))
    await store.catch_up(bootstrap)
    return store


def _row(record: AuditRecord) -> dict[str, object]:
    return {
        "when": record.decided_at.isoformat(),
        "signal_id": record.signal_id,
        "signal_type": record.signal_type,
        "from": record.sender,
        "to": record.recipient,
        "level": record.level,
        "fields_shared": record.fields_delivered,
        "fields_withheld": record.fields_withheld,
        "legal_basis": record.legal_basis,
        "purpose": record.processing_activity,
        "policy_revision": record.policy_revision,
        "trace_id": record.trace_id,
    }


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


@audit_app.command("subject")
def subject(
    bsn: Annotated[str, typer.Option(help="The person's BSN.")],
    format: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Everything shared about one person: when, with whom, which fields, on which basis, for which
    purpose (the GDPR article 15 report)."""
    try:
        check_bsn(bsn)
    except ValueError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    if format not in ("md", "json"):
        err.print("[red]--format is md or json[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    pseudonym = pseudonym_of_bsn(bsn, settings.pseudonym_key.get_secret_value().encode())

    async def run() -> list[AuditRecord]:
        store = await _store(settings, _bootstrap(settings))
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
                    "records": [_row(r) for r in records],
                },
                indent=2,
            )
        )
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
        store = await _store(settings, _bootstrap(settings))
        try:
            return store.received_by(org, since)
        finally:
            store.close()

    rows = [_row(record) for record in asyncio.run(run())]
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
) -> None:
    """Check every hash chain: exit 0 when intact, else 1, naming each broken record."""
    checked, findings = asyncio.run(verify_topic(_bootstrap(get_settings()), topic))
    if not findings:
        out.print(f"[green]intact[/green]: {checked} audit records in {escape(topic)}, every chain unbroken")
        return
    for finding in findings:
        out.print(f"[red]broken[/red] {escape(str(finding))}")
    out.print(f"{len(findings)} problems in {checked} audit records")
    raise typer.Exit(1)
