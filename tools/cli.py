"""`ketenpoort`: the command line for operators, privacy officers and developers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from gateway.logging import configure_logging
from gateway.settings import get_settings
from tools.access_cli import access_app
from tools.adapter_cli import adapter_app
from tools.audit_cli import audit_app
from tools.contracts.cli import contracts_app, validate
from tools.involvement_cli import involvement_app
from tools.monitor_cli import monitor_command
from tools.policy.cli import decide_command, policy_app, register_command
from tools.retention_cli import retention_app
from tools.stack import StackError, endpoints
from tools.stack.cli import stack_app

app = typer.Typer(no_args_is_help=True, help="Ketenpoort: the chain partners' signal gateway.")
gateway_app = typer.Typer(no_args_is_help=True, help="Run the gateway.")
oncall_app = typer.Typer(no_args_is_help=True, help="On-call alerts: the service and its console.")
app.add_typer(stack_app, name="stack", help="The local Kafka + OPA stack (the embedded default).")
app.add_typer(gateway_app, name="gateway")
app.add_typer(oncall_app, name="oncall")
app.add_typer(contracts_app, name="contracts")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(access_app, name="access")
app.add_typer(adapter_app, name="adapter")
app.add_typer(involvement_app, name="involvement")
app.add_typer(retention_app, name="retention")
app.command()(validate)
app.command("decide")(decide_command)
app.command("register")(register_command)
app.command("monitor")(monitor_command)

err = Console(stderr=True)


def _exit_fenced() -> None:
    """Another process took over this instance number: it continues from the committed offsets,
    and this one has nothing left to finish, so it exits at once (FENCED: not started again)."""
    from tools.gateways import FENCED

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(FENCED)


@gateway_app.command("run")
def gateway_run(
    instance: Annotated[
        int | None, typer.Option(help="This instance's number, 0 .. instances-1 (default: settings).")
    ] = None,
    instances: Annotated[
        int | None, typer.Option(help="How many instances share the partitions (default: settings).")
    ] = None,
) -> None:
    """Consume signals.*, decide per recipient with OPA, deliver redacted copies to inbox.*.
    Instance i of n reads the partitions p with p % n == i (docs/operations.md, "Scale the gateway")."""
    from gateway.app import create_app, tune_collector
    from gateway.settings import instance_problem

    settings = get_settings()
    settings = settings.model_copy(
        update={
            "gateway_instance": settings.gateway_instance if instance is None else instance,
            "gateway_instances": settings.gateway_instances if instances is None else instances,
        }
    )
    chosen = settings.gateway_instance, settings.gateway_instances
    problem = instance_problem(*chosen, settings.topic_partitions)
    if problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2)
    configure_logging(settings.log_level)
    try:
        where = endpoints(settings)
    except StackError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    settings = where.gateway_settings(settings)  # the deployment's audit key and policy approvers
    app = create_app(settings, where.kafka("gateway"), where.opa_url, on_fenced=_exit_fenced)
    tune_collector(app)  # a process of its own
    # uvicorn serves /health/live, /health/ready and /metrics and runs the app's lifespan: the
    # subscriber starts with it and stops cleanly on SIGTERM / Ctrl-C.
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, lifespan="on")


@gateway_app.command("serve")
def gateway_serve(
    instances: Annotated[int, typer.Option(help="How many gateway instances to run.")] = 1,
) -> None:
    """Run N gateway instances as processes of their own, each on port KETENPOORT_HTTP_PORT + i;
    start again any that exits. SIGTERM stops them all, each after committing its batch;
    `ketenpoort gateway scale N` changes the count."""
    from gateway.settings import instance_problem
    from tools.gateways import Supervisor, running_supervisor

    settings = get_settings()
    problem = instance_problem(0, instances, settings.topic_partitions)
    if problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2)
    other = running_supervisor(settings)
    if other is not None:
        # Two counts at once would read the same partitions twice.
        err.print(
            f"[red]gateway serve already runs for group {settings.gateway_group_id} (pid {other}): "
            f"`ketenpoort gateway scale N` changes its count[/red]"
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level)
    code = Supervisor(settings, instances).run()
    if code:
        raise typer.Exit(code)


@gateway_app.command("scale")
def gateway_scale(instances: Annotated[int, typer.Argument(help="The new number of instances.")]) -> None:
    """Ask the running `gateway serve` for another count: it stops every instance (each commits its
    batch), then starts the new count, which fences the transactional ids it no longer has."""
    from tools.gateways import scale

    try:
        pid = scale(get_settings(), instances)
    except (ValueError, OSError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    Console().print(f"asked gateway serve (pid {pid}) for {instances} instances")


@gateway_app.command("reconcile")
def gateway_reconcile(
    since: Annotated[
        datetime | None, typer.Option(help="Only records written from this time (ISO 8601, with offset).")
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="The gateway's consumer group (default: settings).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Prove that every record on signals.* up to the gateway's committed offsets has exactly one
    outcome: routed (audited per recipient), dead-lettered, or recorded as a duplicate. Prints each
    gap by topic, partition and offset; exit code 1 on any gap. Connects as `admin`."""
    from gateway.reconcile import reconcile

    settings = get_settings()
    try:
        admin = endpoints(settings).kafka("admin")
    except (StackError, KeyError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if since is not None and since.tzinfo is None:
        err.print("[red]--since needs a UTC offset, e.g. 2026-12-07T09:00:00+01:00[/red]")
        raise typer.Exit(2)
    report = asyncio.run(reconcile(admin, group or settings.gateway_group_id, since))
    if as_json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        out = Console()
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.outcomes.items())) or "none"
        out.print(f"{report.read} records read up to the committed offsets: {counts}")
        for gap in report.gaps:
            out.print(f"[red]gap[/red] {gap}")
        for tp, waiting in sorted(report.pending.items()):
            out.print(f"{tp.topic}[{tp.partition}]: {waiting} records not handled yet")
        out.print(f"{len(report.gaps)} gaps" if report.gaps else "every record has exactly one outcome")
    if report.gaps:
        raise typer.Exit(1)


@oncall_app.command("serve")
def oncall_serve() -> None:
    """Deliver the alerts the gateway raises, escalate unacknowledged ones, serve the console."""
    from oncall.app import create_oncall_app
    from oncall.config import OnCallConfig

    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        where = endpoints(settings)
        config = OnCallConfig.load(settings.oncall_config)
        app = create_oncall_app(settings, where.kafka("oncall"), config)
    except (StackError, ValueError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    uvicorn.run(app, host=settings.http_host, port=settings.oncall_http_port, log_config=None, lifespan="on")


@app.command()
def demo() -> None:
    """Start the stack and the gateway, send a short fictional case, show who received what."""
    from tools.demo import run_demo

    settings = get_settings()
    log_file = settings.cache_path("demo.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as stream:
        configure_logging("INFO", stream)
        try:
            console = Console() if Console().is_terminal else Console(width=160)
            asyncio.run(run_demo(settings, console))
        except StackError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    Console().print(f"Gateway log: {log_file}")


if __name__ == "__main__":
    app()
