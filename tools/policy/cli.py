"""`ketenpoort decide` and `ketenpoort policy matrix|diff|test|lint|revision|keygen|sign|release`: the
privacy officer's commands."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gateway.policy_approvals import ApprovalProblem, Approvers, approve
from gateway.settings import Settings, get_settings
from gateway.signing import load_or_create_key, public_path
from tools import reports
from tools.audit_cli import audit_kafka, audit_store, record_audit_read
from tools.contracts.cli import write_or_print
from tools.contracts.validate import Outcome
from tools.policy import bundle, checks, lint, matrix, register
from tools.policy.decide import decide
from tools.policy.diff import Change, DiffError, base_policies, diff
from tools.policy.engine import policy_engine, policy_state
from tools.policy.history import Replay, replay_counted
from tools.stack import StackError, ensure_opa

policy_app = typer.Typer(
    no_args_is_help=True, help="The sharing policies: matrix, impact of a change, tests, lint."
)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(2)


def decide_command(
    signal: Annotated[Path, typer.Argument(help='A signal as {"ce": {...}, "data": {...}}.')],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What every known recipient would receive of this signal, on which basis, and why."""
    try:
        message = orjson.loads(signal.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise _fail(f"cannot read {signal}: {error}") from None

    async def run() -> dict[str, Any] | Outcome:
        async with policy_engine(get_settings()) as engine:
            return await decide(message, engine)

    try:
        result = asyncio.run(run())
    except StackError as error:
        raise _fail(str(error)) from None
    if isinstance(result, Outcome):
        err.print(f"[red]not a valid signal[/red] ({result.reason}):")
        for problem in result.problems:
            err.print(f"  {escape(str(problem))}")
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    view = Table(title=f"signal {result['signal_id']} under policy revision {result['policy_revision']}")
    for column in ("recipient", "level", "fields", "legal basis", "purpose", "urgency"):
        view.add_column(column)
    for org, decision in result["decisions"].items():
        fields = ", ".join(decision["fields"]) or ("everything" if decision["level"] == "full" else "-")
        if decision["level"] == "dat":
            fields = "dat notice: who is involved, since when, whom to call"
        view.add_row(
            org,
            decision["level"],
            fields,
            decision["legal_basis"] or "-",
            decision["purpose"] or "-",
            decision["urgency"],
        )
    out.print(view)


@policy_app.command("matrix")
def matrix_command(
    format: Annotated[
        str, typer.Option("--format", help="md, csv or html (a page to read and print).")
    ] = "md",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    lang: reports.LangOption = "nl",
) -> None:
    """The sharing matrix: for every signal type, situation and recipient, asked of the policy engine."""
    if format not in (*matrix.RENDERERS, "html"):
        raise _fail(f"unknown format {format!r}: use md, csv or html")
    asked = _matrix_rows()
    if format == "html":
        made = datetime.now(UTC)
        bases = register.legal_bases()
        page = reports.matrix_page(
            asked.rows, bases, reports.language(lang), made, asked.revision, asked.approvers
        )
        write_or_print(page, output)
        return
    write_or_print(matrix.RENDERERS[format](asked.rows), output)


@dataclass(frozen=True)
class Asked:
    """The sharing matrix, and the policy revision that decided it and who approved it."""

    rows: list[matrix.Row]
    revision: str | None
    approvers: tuple[str, ...]


def _matrix_rows() -> Asked:
    """The sharing matrix, asked of the running OPA (or a throwaway one)."""

    async def run() -> Asked:
        settings = get_settings()
        async with policy_engine(settings) as engine:
            rows = await matrix.build(engine)
            revision, approvers = await policy_state(settings, engine)
            return Asked(rows, revision, approvers)

    try:
        return asyncio.run(run())
    except StackError as error:
        raise _fail(str(error)) from None


def register_command(
    format: Annotated[
        str, typer.Option("--format", help="md, csv or html (a page to read and print).")
    ] = "md",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    lang: reports.LangOption = "nl",
) -> None:
    """The register of processing activities (GDPR art. 30): per purpose the policies share for,
    the legal bases, from whom to whom, which signals, about whom, what, and how long it is kept."""
    if format not in (*register.RENDERERS, "html"):
        raise _fail(f"unknown format {format!r}: use md, csv or html")
    asked = _matrix_rows()
    activities = register.build(asked.rows)
    if format == "html":
        made = datetime.now(UTC)
        write_or_print(
            register.render_page(activities, reports.language(lang), made, asked.revision, asked.approvers),
            output,
        )
        return
    write_or_print(register.RENDERERS[format](activities), output)


@policy_app.command("diff")
def diff_command(
    base: Annotated[
        str,
        typer.Option(
            "--base", help="The git revision to compare with (main, HEAD~1), or a policy directory."
        ),
    ],
    history: Annotated[
        str | None,
        typer.Option(help="Replay the signals the audit recorded over this period (90d, 12h, 30m) instead."),
    ] = None,
    chain: Annotated[
        str | None, typer.Option(help="With --history: only this gateway deployment's (its consumer group).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What a policy change does: which recipients gain or lose which fields of which signals, over
    every situation of the sharing matrix, or (--history) over the real traffic of a period."""
    settings = get_settings()
    if history is not None:
        _history_diff(settings, base, _duration(history), chain, as_json)
        return
    try:
        changes = asyncio.run(diff(settings, base))
    except (DiffError, StackError) as error:
        raise _fail(str(error)) from None
    if as_json:
        print(json.dumps([change.as_json() for change in changes], indent=2))
        return
    if not changes:
        out.print(f"No recipient gains or loses anything compared with {escape(base)}.")
        return
    for change in changes:
        out.print(_describe(change))
    gained = sum(bool(change.gained) for change in changes)
    lost = sum(bool(change.lost) for change in changes)
    out.print(f"\n{len(changes)} changed decisions: {gained} gain fields, {lost} lose fields.")


def _duration(text: str) -> timedelta:
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit() or int(number) == 0:
        raise _fail(f"--history {text!r}: give a period such as 90d, 12h or 30m")
    return timedelta(**{units[unit]: int(number)})


def _history_diff(settings: Settings, base: str, period: timedelta, chain: str | None, as_json: bool) -> None:
    since = datetime.now(UTC) - period

    async def run() -> Replay:
        kafka = audit_kafka(settings)
        await record_audit_read(kafka, "history", since=since)
        store = await audit_store(settings, kafka)
        try:
            counted, missing = store.policy_inputs(since, chain)
            with base_policies(settings, base) as base_dir:
                async with (
                    policy_engine(settings, base_dir) as before,
                    policy_engine(settings, settings.policy_dir) as after,
                ):
                    return await replay_counted(before, after, counted, missing)
        finally:
            store.close()

    try:
        result = asyncio.run(run())
    except (DiffError, StackError) as error:
        raise _fail(str(error)) from None
    if as_json:
        print(json.dumps(result.as_json(), indent=2))
        return
    out.print(
        f"Replayed {result.signals} signals decided since {since:%Y-%m-%d %H:%M} UTC "
        f"({result.distinct_inputs} distinct policy inputs; {result.not_replayable} recorded before "
        "the audit kept them, not replayed)."
    )
    for impact in result.changed():
        out.print(
            f"[bold]{impact.signal_type}[/bold] → [bold]{impact.recipient}[/bold]: {impact.changed} of "
            f"{impact.deliveries} deliveries change"
        )
        for (was, now), count in sorted(impact.levels.items()):
            out.print(f"    level {was} → {now}: {count}")
        for path, count in sorted(impact.gained.items()):
            out.print(f"    [green]+ {escape(path)}[/green]: {count}")
        for path, count in sorted(impact.lost.items()):
            out.print(f"    [red]- {escape(path)}[/red]: {count}")
    if not result.changed():
        out.print(f"No delivery of the period would have come out otherwise than under {escape(base)}.")


def _describe(change: Change) -> str:
    situation = f"[dim]({escape(change.situation)})[/dim]"
    parts = [f"[bold]{change.signal_type}[/bold] → [bold]{change.recipient}[/bold]  {situation}"]
    for key in ("level", "legal_basis", "purpose", "urgency"):
        if change.before.get(key) != change.after.get(key):
            parts.append(f"    {key}: {change.before.get(key)} → {change.after.get(key)}")
    parts += [f"    [green]+ {escape(path)}[/green]" for path in change.gained]
    parts += [f"    [red]- {escape(path)}[/red]" for path in change.lost]
    return "\n".join(parts)


@policy_app.command("test")
def test_command() -> None:
    """The policies' own tests and the chain's guarantees (gateway/policy_checks.yaml)."""
    settings = get_settings()
    try:
        passed, output, coverage = checks.opa_test(ensure_opa(settings), settings.policy_dir)
    except StackError as error:
        raise _fail(str(error)) from None
    summary = [line for line in output.splitlines() if line.startswith(("PASS", "FAIL", "ERROR"))]
    failing = [line for line in output.splitlines() if ": FAIL" in line or ": ERROR" in line]
    out.print(f"[bold]Policy unit tests[/bold] (opa test): {summary[-1] if summary else output.strip()}")
    for line in failing:
        out.print(f"  [red]{escape(line)}[/red]")
    out.print(f"  coverage: {coverage:.1f}%" if coverage is not None else "  coverage: unknown")

    async def run() -> list[checks.CheckResult]:
        async with policy_engine(settings, settings.policy_dir) as engine:
            return await checks.run_checks(engine)

    results = asyncio.run(run())
    out.print("\n[bold]The chain's guarantees[/bold] (gateway/policy_checks.yaml):")
    for result in results:
        mark = "[green]✓[/green]" if result.passed else "[red]✗[/red]"
        out.print(f"  {mark} {escape(result.name)}")
        for failure in result.failures:
            out.print(f"      [red]{escape(failure)}[/red]")
    ok = passed and all(result.passed for result in results)
    out.print("\n[green]All policy checks pass.[/green]" if ok else "\n[red]Policy checks fail.[/red]")
    if not ok:
        raise typer.Exit(1)


@policy_app.command("lint")
def lint_command() -> None:
    """Regal, OPA's linter, on the policies (configured in .regal/config.yaml): must find nothing."""
    settings = get_settings()
    try:
        result = lint.lint(lint.ensure_regal(settings), settings.policy_dir)
    except StackError as error:
        raise _fail(str(error)) from None
    for finding in result.findings:
        out.print(f"[red]{escape(str(finding))}[/red]")
        out.print(f"    {escape(finding.text.strip())}")
        out.print(f"    [dim]{escape(finding.documentation)}[/dim]")
    if result.passed:
        out.print(f"[green]Regal finds nothing in {result.files} policy files.[/green]")
        return
    if result.findings:
        out.print(f"\n[red]Regal finds {len(result.findings)} problems in the policies.[/red]")
    else:
        out.print(f"[red]regal lint exited with {result.exit_code}, naming no problem.[/red]")
    raise typer.Exit(1)


APPROVALS_FILE = Path("policy-approvals.json")


@policy_app.command("revision")
def revision_command() -> None:
    """The revision of the policy directory: what each privacy officer reviews and approves."""
    print(bundle.source_revision(get_settings().policy_dir))


@policy_app.command("keygen")
def keygen_command(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the private key (PEM).")],
    release: Annotated[
        bool, typer.Option("--release", help="A release key (ECDSA P-256) instead of an officer's (Ed25519).")
    ] = False,
) -> None:
    """A new key, its public half beside it (`<out>.pub`): an officer's approval key, or the
    deployment's release key that signs bundles."""
    if out_file.exists():
        raise _fail(f"{out_file} exists: a key is never overwritten")
    if release:
        bundle.make_release_key(out_file)
    else:
        load_or_create_key(out_file)
    out.print(f"wrote {escape(str(out_file))} and {escape(str(public_path(out_file)))}")


@policy_app.command("sign")
def sign_command(
    key: Annotated[Path, typer.Option(help="The officer's Ed25519 private key (PEM).")],
    officer: Annotated[str, typer.Option(help="The officer's name, as the approvers file knows it.")],
    approvals: Annotated[Path, typer.Option(help="The approvals file.")] = APPROVALS_FILE,
) -> None:
    """Approve the policy directory's revision as one privacy officer. A change takes effect only
    with two officers' approvals of its revision."""
    revision = bundle.source_revision(get_settings().policy_dir)
    if not key.exists():
        raise _fail(f"no key at {key}: make one with `ketenpoort policy keygen --out {key}`")
    approval = approve(load_or_create_key(key), officer, revision, datetime.now(UTC))
    held = bundle.add_approval(approvals, approval)
    out.print(
        f"{escape(officer)} approved revision {revision[:16]}; approvals: "
        f"{', '.join(a.officer for a in held)} ({escape(str(approvals))})"
    )


@policy_app.command("release")
def release_command(
    signing_key: Annotated[Path, typer.Option(help="The deployment's release key (ECDSA P-256, PEM).")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the bundle.")] = Path(
        "bundle.tar.gz"
    ),
    approvals: Annotated[Path, typer.Option(help="The approvals file.")] = APPROVALS_FILE,
    approvers: Annotated[
        Path | None,
        typer.Option(help="The approvers file the gateways check with (KETENPOORT_POLICY_APPROVERS)."),
    ] = None,
) -> None:
    """The signed bundle of the policy directory with its approvals, for OPA's bundle server.
    Refused when the approvals are not of this revision, or (with --approvers) do not hold."""
    settings = get_settings()
    revision = bundle.source_revision(settings.policy_dir)
    approved, held = bundle.read_approvals(approvals)
    if approved != revision:
        raise _fail(
            f"{approvals} approves revision {(approved or 'none')[:16]}, the policies are {revision[:16]}"
        )
    if approvers is not None:
        try:
            Approvers.load(approvers).check(revision, [a.model_dump(mode="json") for a in held])
        except ApprovalProblem as problem:
            raise _fail(str(problem)) from None
    try:
        binary = ensure_opa(settings)
    except StackError as error:
        raise _fail(str(error)) from None
    bundle.build_bundle(binary, settings.policy_dir, out_file, approvals=held, signing_key=signing_key)
    out.print(
        f"released revision {revision[:16]}, approved by {', '.join(a.officer for a in held)}: "
        f"{escape(str(out_file))}"
    )
