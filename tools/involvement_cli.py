"""`ketenpoort involvement lookup --bsn X`: who else is involved with a person, and whom to call.

A client of the gateway's `/involvements` API (KETENPOORT_API_URL, with an adapter or on-call
token in KETENPOORT_API_TOKEN): the lookup is decided by policy and recorded there, as for any
other caller. The BSN goes in the request body, never in the URL.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gateway.schemas.persons import check_bsn
from gateway.settings import get_settings

involvement_app = typer.Typer(
    no_args_is_help=True, help="dat-informatie: who else is involved with a person."
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@involvement_app.command("lookup")
def lookup(
    bsn: Annotated[str, typer.Option(help="The person's BSN.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Which organisations are involved with the person, since when, in which role, and whom to
    call there; never case content."""
    try:
        check_bsn(bsn)
    except ValueError as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from None
    settings = get_settings()
    if settings.api_token is None:
        err.print("[red]set KETENPOORT_API_TOKEN to your organisation's adapter or on-call token[/red]")
        raise typer.Exit(2)
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    try:
        response = httpx.post(
            f"{settings.api_url}/involvements", json={"bsn": bsn}, headers=headers, timeout=30
        )
    except httpx.HTTPError as error:
        err.print(
            f"[red]cannot reach the gateway at {escape(settings.api_url)}: {type(error).__name__}[/red]"
        )
        raise typer.Exit(1) from None
    if response.status_code != 200:
        err.print(f"[red]{response.status_code}: {escape(_error(response))}[/red]")
        raise typer.Exit(1)
    answer: dict[str, Any] = response.json()
    if as_json:
        print(json.dumps(answer, indent=2))
        return
    involvements = answer["involvements"]
    if not involvements:
        out.print("No organisation you may learn of is involved with this person.")
        return
    table = Table("organisation", "role", "since", "until", "contact", "match")
    for item in involvements:
        contact = item["contact"] or {}
        who = ", ".join(str(contact[key]) for key in ("name", "role", "phone", "unit") if contact.get(key))
        weak = "by name and birth date" if item["match"] != "bsn" else "BSN"
        table.add_row(
            item["organisation"], item["role"], item["since"], item["closed_on"] or "-", who or "-", weak
        )
    out.print(table)


def _error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text
