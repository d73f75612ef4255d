"""`ketenpoort stack up|down|status|pause|resume`: the local Kafka + OPA stack from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gateway.settings import get_settings
from gateway.stack import kafka, lifecycle, opa
from gateway.stack.errors import StackError
from gateway.stack.state import StackState

stack_app = typer.Typer(
    name="stack",
    help="The local stack: a real Kafka broker and OPA server on loopback, no Docker needed.",
    no_args_is_help=True,
)
_out = Console()
_err = Console(stderr=True)


@stack_app.command()
def up() -> None:
    """Start Kafka and OPA (fetching them the first time), or reuse the stack that runs."""
    settings = get_settings()
    with (
        _one_line_errors(),
        _err.status("Starting the local stack (the first run fetches Kafka and builds OPA: ~2 min)…"),
    ):
        state, started = lifecycle.up(settings)
    if started:
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


@stack_app.command()
def pause(server: str = typer.Argument(help="kafka or opa")) -> None:
    """Stop one server on purpose, keeping its data, to see the gateway wait for it (fail closed)."""
    with _one_line_errors():
        _say(lifecycle.pause(get_settings(), server))


@stack_app.command()
def resume(server: str = typer.Argument(help="kafka or opa")) -> None:
    """Start a paused server again on the same port and data."""
    with _one_line_errors():
        _say(lifecycle.resume(get_settings(), server))


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
    """What runs where; paths go on lines of their own, so a narrow terminal never cuts them."""
    table = Table(box=None, pad_edge=False)
    for column in ("", "version", "address", "pid"):
        table.add_column(column, no_wrap=True)
    rows = [
        ["Kafka", state.kafka.version, state.kafka.bootstrap, str(state.kafka.pid)],
        ["OPA", state.opa.version, state.opa.url, str(state.opa.pid)],
    ]
    if with_health:
        table.add_column("health", no_wrap=True)
        rows[0].append(_health(kafka.is_healthy(state.kafka.bootstrap)))
        rows[1].append(_health(opa.is_healthy(state.opa.url)))
    for row in rows:
        table.add_row(*row)
    _out.print(table)
    _say(f"Kafka log: {state.kafka.log_file}")
    _say(f"OPA log:   {state.opa.log_file}")
    _say(f"policies:  {state.opa.policy_dir}")


def _health(ok: bool) -> str:
    return "[green]healthy[/]" if ok else "[red]not answering[/]"


def _since(state: StackState) -> str:
    seconds = int((datetime.now(UTC) - state.started_at).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    ago = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
    return f"{state.started_at.astimezone().strftime('%Y-%m-%d %H:%M:%S')} ({ago} ago)"
