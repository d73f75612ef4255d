"""`ketenpoort access token`: issue an API token for a role."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from gateway.access import Identity, Role, TokenStore
from gateway.settings import get_settings

access_app = typer.Typer(no_args_is_help=True, help="Who may use Ketenpoort's HTTP endpoints.")
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
