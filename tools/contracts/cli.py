"""`ketenpoort validate` and `ketenpoort contracts ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tools.contracts import asyncapi, guide, jsonschema
from tools.contracts.validate import validate_files

ROOT = Path(__file__).parents[2]
ASYNCAPI_FILE = ROOT / "docs" / "asyncapi.yaml"

contracts_app = typer.Typer(
    no_args_is_help=True, help="The published contracts: schemas, AsyncAPI, the guide."
)
out = Console(soft_wrap=True)


def write_or_print(text: str, output: Path | None) -> None:
    """A generated document to `--output` when given, else to standard output as it is."""
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        out.print(f"wrote {output}")


def validate(
    files: Annotated[list[Path], typer.Argument(help="Files with one signal, or one signal per line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check signals as the gateway's front door would; exit 1 if any is invalid."""
    outcomes = validate_files(files)
    if as_json:
        print(json.dumps([outcome.as_json() for outcome in outcomes], indent=2))
    else:
        for outcome in outcomes:
            if outcome.valid:
                where = escape(outcome.location)
                out.print(f"[green]valid[/green]   {where}: {outcome.signal_type} {outcome.signal_id}")
                continue
            out.print(f"[red]invalid[/red] {escape(outcome.location)}: {outcome.reason}")
            for problem in outcome.problems:
                expected = f" [dim](expected {escape(problem.expected)})[/dim]" if problem.expected else ""
                out.print(f"        {escape(problem.path)}: {escape(problem.message)}{expected}")
        valid = sum(outcome.valid for outcome in outcomes)
        out.print(f"{valid} valid, {len(outcomes) - valid} invalid")
    if not outcomes or not all(outcome.valid for outcome in outcomes):
        raise typer.Exit(1)


@contracts_app.command("export")
def export() -> None:
    """Write the JSON Schema of each signal's current version to gateway/schemas/json/."""
    changed = jsonschema.export()
    for path in changed:
        out.print(f"wrote {path.relative_to(ROOT)}")
    if not changed:
        out.print("all schemas up to date")


@contracts_app.command("asyncapi")
def asyncapi_command(
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """The AsyncAPI 3 document of every topic, generated from the gateway app."""
    write_or_print(asyncapi.render(), output)


@contracts_app.command("docs")
def docs() -> None:
    """Regenerate docs/contracts.md and docs/asyncapi.yaml from the catalogue."""
    guide.GUIDE.write_text(guide.render())
    ASYNCAPI_FILE.write_text(asyncapi.render())
    out.print(f"wrote {guide.GUIDE.relative_to(ROOT)} and {ASYNCAPI_FILE.relative_to(ROOT)}")
