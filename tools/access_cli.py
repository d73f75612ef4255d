"""`ketenpoort access token|revoke|provision`: API tokens for a role, and Kafka principals and ACLs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from confluent_kafka import KafkaException
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from gateway.access import Identity, Role, TokenStore
from gateway.principals import PRINCIPALS_FILE, Credentials, Principals, provision
from gateway.settings import Settings, get_settings
from tools.stack import StackError, status

access_app = typer.Typer(
    no_args_is_help=True, help="Who may use Ketenpoort: API tokens, Kafka principals and ACLs."
)
err = Console(stderr=True)


@access_app.command("token")
def token(
    role: Annotated[Role, typer.Option(help="adapter, oncall, privacy_officer or admin.")],
    name: Annotated[str, typer.Option(help="Whose token: a system or a role, for the logs.")],
    org: Annotated[str | None, typer.Option(help="The organisation, for adapter and oncall tokens.")] = None,
) -> None:
    """Issue a token and print it once; only its hash is kept (KETENPOORT_API_TOKENS_FILE)."""
    try:
        identity = Identity(name=name, role=role, org=org)
    except ValidationError as error:
        err.print(f"[red]{error.errors()[0]['msg'].removeprefix('Value error, ')}[/red]")
        raise typer.Exit(2) from None
    path = get_settings().tokens_path()
    print(TokenStore.load(path).issue(identity, path))
    err.print(
        f"Issued a {role} token for {name}; its hash is in {path}. Keep the token: it is not shown again."
    )


@access_app.command("revoke")
def revoke(name: Annotated[str, typer.Option(help="Whose tokens: the name they were issued to.")]) -> None:
    """Remove every token issued to NAME. The services refuse them from the next request on, and
    end the console sessions and live streams made from them; no restart needed."""
    path = get_settings().tokens_path()
    removed = TokenStore.load(path).revoke(name, path)
    if not removed:
        err.print(f"[red]no token of {escape(name)} in {path}[/red]")
        raise typer.Exit(1)
    err.print(f"Revoked {removed} token{'s' if removed > 1 else ''} of {escape(name)} in {path}.")


@access_app.command("provision")
def provision_command(
    file: Annotated[Path, typer.Option(help="Who may do what on Kafka.")] = PRINCIPALS_FILE,
    credentials: Annotated[
        Path | None,
        typer.Option(
            help="The credentials file; default KETENPOORT_KAFKA_CREDENTIALS, else the local stack's."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Make the Kafka cluster match FILE: create each principal's SCRAM credential, add the ACLs it
    names and remove every other ACL. Connects as `admin`; a principal without a password in the
    credentials file gets a new random one, written back to that file (mode 0600)."""
    settings = get_settings()
    try:
        principals = Principals.load(file)
    except (OSError, ValueError, yaml.YAMLError) as error:
        err.print(f"[red]cannot use {file}: {escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    try:
        bootstrap, path = _cluster(settings, credentials)
        stored = Credentials.load(path) if path.exists() else Credentials()
        complete = stored.with_passwords_for(list(principals.principals))
        if complete is not stored and not dry_run:
            complete.save(path)
        plan = provision(complete.connection(bootstrap, "admin"), principals, complete, dry_run=dry_run)
    except (StackError, KeyError, OSError, ValueError, KafkaException) as error:
        err.print(f"[red]provisioning failed: {escape(str(error))}[/red]")
        raise typer.Exit(1) from None
    for line in plan.lines():
        print(line)
    changes = len(plan.added) + len(plan.removed)
    verb = "would change" if dry_run else "changed"
    err.print(
        f"{len(plan.credentials)} principals; {verb} {changes} ACLs "
        f"({len(plan.added)} added, {len(plan.removed)} removed)"
    )


def _cluster(settings: Settings, credentials: Path | None) -> tuple[str, Path]:
    """The Kafka to provision and the credentials file to use: the settings', else the local stack's."""
    running = (
        None if settings.kafka_bootstrap and (credentials or settings.kafka_credentials) else status(settings)
    )
    bootstrap = settings.kafka_bootstrap or (running.kafka.bootstrap if running else None)
    path = (
        credentials
        or settings.kafka_credentials
        or (running.stack_dir / "credentials.json" if running else None)
    )
    if bootstrap is None or path is None:
        raise StackError(
            "no Kafka to provision: set KAFKA_BOOTSTRAP and KETENPOORT_KAFKA_CREDENTIALS, "
            "or run `ketenpoort stack up`"
        )
    return bootstrap, path
