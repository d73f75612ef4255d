"""`ketenpoort stack up|down|status|pause|resume|policies|roll|credentials`: the local Kafka + OPA
stack from the command line; `ketenpoort stack certs`: TLS certificates for deployed brokers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from adapters.delivery import delivery_group
from gateway import certs as tls
from gateway.principals import Principals, group_rule
from gateway.settings import RECIPIENTS, get_settings
from gateway.topics import min_insync_replicas
from tools.stack import kafka, lifecycle, opa
from tools.stack.errors import StackError
from tools.stack.state import StackState

stack_app = typer.Typer(
    name="stack",
    help="The local stack: a real Kafka (one node or three) and OPA server on loopback, no Docker needed.",
    no_args_is_help=True,
)
_out = Console()
_err = Console(stderr=True)


@stack_app.command()
def up(
    brokers: Annotated[
        int | None,
        typer.Option(
            "--brokers",
            metavar="N",
            help="Kafka nodes: 1, or 3 as in docker-compose.yml (every topic 3 replicas, 2 in sync). "
            "Default: the running stack's, else 1. A stack of another size is replaced.",
        ),
    ] = None,
) -> None:
    """Start Kafka and OPA (fetching them the first time), or reuse the stack that runs."""
    settings = get_settings()
    with _one_line_errors():
        before = lifecycle.status(settings)
    replaced = lifecycle.outdated(before) if before is not None else []
    if before is not None and brokers is not None and len(before.kafka.nodes) != brokers:
        replaced.append(_nodes(len(before.kafka.nodes)))
    with (
        _one_line_errors(),
        _err.status("Starting the local stack (the first run fetches Kafka and builds OPA: ~2 min)…"),
    ):
        state, started = lifecycle.up(settings, brokers)
    if started and replaced:
        _say(f"Replaced the local stack that ran {' and '.join(replaced)} in {state.stack_dir}")
    elif started:
        _say(f"Started the local stack in {state.stack_dir}")
    else:
        _say(f"Reusing the local stack running since {_since(state)} in {state.stack_dir}")
    _show(state)


@stack_app.command()
def down() -> None:
    """Stop the local stack and delete Kafka's data; keeps the cached binaries and the logs."""
    settings = get_settings()
    with _one_line_errors():
        lines = lifecycle.down(settings)
    if not lines:
        _say(f"Nothing to stop: no local stack runs in {settings.stack_path()}")
    for line in lines:
        _say(line)


@stack_app.command()
def status() -> None:
    """Show the running local stack; exit code 0 when it runs, 1 when it does not."""
    settings = get_settings()
    with _one_line_errors():
        state = lifecycle.status(settings)
    if state is None:
        _say(f"No local stack runs in {settings.stack_path()} (start one: ketenpoort stack up)")
        raise typer.Exit(1)
    _say(f"The local stack runs since {_since(state)} in {state.stack_dir}")
    _show(state, with_health=True)
    if stale := lifecycle.outdated(state):
        _say(f"It runs {' and '.join(stale)}: `ketenpoort stack up` replaces it")


@stack_app.command()
def pause(
    server: str = typer.Argument(help="opa, kafka (every node), or one node of a cluster: kafka-2"),
    kill: bool = typer.Option(False, "--kill", help="SIGKILL instead of a clean stop: a crash."),
) -> None:
    """Stop one server on purpose, keeping its data, to see the gateway wait for it (fail closed),
    or a cluster carry on without one node."""
    with _one_line_errors():
        _say(lifecycle.pause(get_settings(), server, kill=kill))


@stack_app.command()
def resume(
    server: str = typer.Argument(help="opa, kafka (every node), or one node of a cluster: kafka-2"),
) -> None:
    """Start a paused server again on the same port and data (or a node of a cluster that died)."""
    with _one_line_errors():
        _say(lifecycle.resume(get_settings(), server))


@stack_app.command()
def policies() -> None:
    """Release the policy directory to the stack's OPA after an edit, as a signed bundle approved
    with the stack's two development officer keys (a deployment's officers sign with
    `ketenpoort policy sign`); returns once OPA serves it."""
    with _one_line_errors():
        revision = lifecycle.release_policies(get_settings())
        _say(
            f"released revision {revision[:16]}: OPA serves it, approved by the stack's development officers"
        )


@stack_app.command()
def roll() -> None:
    """Restart the cluster's nodes one at a time, as a patch or an upgrade would: each stopped
    cleanly and started again, the next only once every partition is back in sync."""
    settings = get_settings()
    with _one_line_errors():
        for node, seconds in lifecycle.roll(settings, before_each=lambda name: _say(f"restarting {name}…")):
            _say(f"{node} restarted and caught up in {seconds:.1f} s")


@stack_app.command()
def credentials(
    principal: str = typer.Argument(
        help="An organisation (police, veiligthuis, om, 3ro, slachtofferhulp) "
        "or another principal of gateway/principals.yaml"
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, for a program."),
    as_env: bool = typer.Option(False, "--env", help="KAFKA_* lines, for `export $(...)` or an env file."),
) -> None:
    """What an adapter needs to connect to the local stack's Kafka as PRINCIPAL: bootstrap,
    security protocol, SASL mechanism, username and password; and the consumer groups it may use
    (`<org>.<name>`), with the names already taken."""
    settings = get_settings()
    with _one_line_errors():
        state = lifecycle.status(settings)
        if state is None:
            raise StackError(
                f"no local stack runs in {settings.stack_path()} (start one: ketenpoort stack up)"
            )
        try:
            connection = state.kafka_as(principal)
        except KeyError as error:
            raise StackError(str(error.args[0])) from None
    grants = Principals.load().principals.get(principal)
    groups = {
        "consumer_groups": group_rule(grants) if grants is not None else "",
        "consumer_groups_taken": [delivery_group(principal)] if principal in RECIPIENTS else [],
    }
    if as_json:
        _out.print_json(json.dumps({**connection.described(), **groups}))
    elif as_env:
        for key, value in connection.environment().items():
            _say(f"{key}={value}")
        _say(f"KAFKA_CONSUMER_GROUPS={groups['consumer_groups']}")
    else:
        for key, value in connection.described().items():
            _say(f"{key + ':':<19}{value}")
        taken = ", ".join(groups["consumer_groups_taken"])
        _say(f"{'consumer groups:':<19}{groups['consumer_groups']}" + (f" (taken: {taken})" if taken else ""))


@stack_app.command()
def certs(
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="Where to write ca.pem and one <host>.pem per broker."),
    ],
    hosts: Annotated[
        list[str],
        typer.Option(
            "--host",
            metavar="HOST",
            help="A broker's DNS name or IP address, as clients reach it; repeat per broker.",
        ),
    ],
    ca_dir: Annotated[
        Path | None,
        typer.Option(
            "--ca-dir",
            metavar="DIR",
            help="Where the CA's key is kept (default OUT); keep it away from the brokers.",
        ),
    ] = None,
    new_ca: Annotated[
        bool,
        typer.Option("--new-ca", help="Replace the existing CA: every client must then trust the new one."),
    ] = False,
) -> None:
    """TLS for the brokers' client listener: a private CA (kept if it exists) and for each HOST a
    key and certificate, PEM files Kafka loads with ssl.keystore.type=PEM. Clients trust OUT/ca.pem."""
    with _one_line_errors():
        try:
            files = tls.write_certs(out, hosts, ca_dir=ca_dir, new_ca=new_ca)
        except (tls.CertError, OSError) as error:
            raise StackError(str(error)) from None
    _say(f"CA certificate (for clients and brokers): {out / tls.CA_CERT}")
    for host, written in files.items():
        _say(f"{host}: {written.keystore}")


def _say(text: str) -> None:
    """One line as it is: no markup, and never broken by the terminal's width."""
    _out.print(text, soft_wrap=True, markup=False)


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """A StackError becomes its one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except StackError as exc:
        _err.print(Text(f"error: {exc}", style="red"), soft_wrap=True)
        raise typer.Exit(2) from None


def _show(state: StackState, *, with_health: bool = False) -> None:
    """What runs where; paths go on lines of their own, so a narrow terminal never cuts them. A
    cluster has a line per node."""
    table = Table(box=None, pad_edge=False)
    for column in ("", "version", "address", "pid"):
        table.add_column(column, no_wrap=True)
    cluster = len(state.kafka.nodes) > 1
    rows = [
        ["Kafka" if not cluster else node.name, node.version, node.address, str(node.pid)]
        for node in state.kafka.nodes
    ]
    rows.append(["OPA", state.opa.version, state.opa.url, str(state.opa.pid)])
    healthy = lifecycle.node_health(state) if with_health else {}
    if with_health:
        table.add_column("health", no_wrap=True)
        exited = set(state.exited())
        for row, node in zip(rows, state.kafka.nodes, strict=False):
            row.append(_condition(node.name, state, exited) or _health(healthy[node.name]))
        rows[-1].append(_condition("opa", state, exited) or _health(opa.is_healthy(state.opa.url)))
    for row in rows:
        table.add_row(*row)
    _out.print(table)
    if cluster:
        _say(f"bootstrap: {state.kafka.bootstrap}")
        _say(
            f"{_nodes(len(state.kafka.nodes))}: every topic {state.kafka.replication} replicas, "
            f"{min_insync_replicas(state.kafka.replication)} in sync for a write"
        )
        if with_health:
            answering = ",".join(node.address for node in state.kafka.nodes if healthy[node.name])
            admin = state.kafka_as("admin").model_copy(update={"bootstrap": answering})
            behind = kafka.under_replicated(admin) if answering else None
            _say(f"partitions under-replicated: {'unknown (no answer)' if behind is None else behind}")
        for node in state.kafka.nodes:
            _say(f"{node.name} log: {node.log_file}")
    else:
        _say(f"Kafka log: {state.kafka.nodes[0].log_file}")
    _say(f"OPA log:   {state.opa.log_file}")
    _say(f"policies:  {state.opa.policy_dir}")
    if state.bundles is not None:
        _say(f"bundles:   {state.bundles.url} (signed; after an edit: ketenpoort stack policies)")


def _condition(name: str, state: StackState, exited: set[str]) -> str | None:
    if name in state.paused:
        return "[yellow]paused[/]"
    if name in exited:
        return f"[red]exited[/] (ketenpoort stack resume {name})"
    return None


def _nodes(count: int) -> str:
    return f"{count} Kafka node{'s' if count != 1 else ''}"


def _health(ok: bool) -> str:
    return "[green]healthy[/]" if ok else "[red]not answering[/]"


def _since(state: StackState) -> str:
    seconds = int((datetime.now(UTC) - state.started_at).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    ago = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
    return f"{state.started_at.astimezone().strftime('%Y-%m-%d %H:%M:%S')} ({ago} ago)"
