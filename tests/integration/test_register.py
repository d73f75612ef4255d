"""The register of processing activities is what the policies decide: every purpose a decision
shares for is an activity, with exactly the recipients, senders and legal bases of those
decisions, each basis named by its law; the checked-in docs/register.md is current, and
`ketenpoort register` writes it in each format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.audit import ldv
from gateway.settings import POLICY_DIR, Settings, get_settings
from tools.cli import app
from tools.policy import matrix, register
from tools.policy.engine import policy_engine
from tools.stack import Endpoints

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
async def rows(settings: Settings) -> list[matrix.Row]:
    async with policy_engine(settings, settings.policy_dir) as engine:
        return await matrix.build(engine)


async def test_each_purpose_shared_for_is_an_activity_with_exactly_its_decisions(
    rows: list[matrix.Row],
) -> None:
    activities = {a.purpose: a for a in register.build(rows)}
    routing = activities.pop(ldv.ROUTING)  # the gateway's own processing, below
    shared = [row for row in rows if row.level != "none"]
    assert set(activities) == {row.purpose for row in shared}, "a purpose missing, or one no decision has"
    bases = json.loads((POLICY_DIR / "ketenpoort" / "config" / "legal_bases.json").read_text())["legal_bases"]
    for purpose, activity in activities.items():
        mine = [row for row in shared if row.purpose == purpose]
        assert {r.split(" (")[-1] for r in activity.recipients} == {f"{row.recipient})" for row in mine}
        assert {s.split(" (")[-1] for s in activity.senders} == {f"{row.situation.sender})" for row in mine}
        codes = {row.legal_basis for row in mine if row.legal_basis}
        assert activity.legal_bases == tuple(f"{bases[code]['label']} ({code})" for code in sorted(codes))
        assert set(activity.data) == {path for row in mine for path in row.fields}
        assert activity.description, f"{purpose} has no description in purposes.json"
        assert activity.id == purpose, "the id each audit record names as its processing_activity"
        assert activity.uri == ldv.activity_id(purpose), "what it names as its processing_activity_id"
    # The dat notice is chain coordination: about persons, no case content.
    coordination = activities["chain-coordination"]
    assert register.DAT_PERSONS in coordination.persons
    # Where a partner got nothing, the audit names the gateway's own processing of the signal.
    assert routing.uri == ldv.activity_id(None)
    assert set(routing.signal_types) == {row.situation.signal_type for row in rows}
    assert routing.legal_bases, "on the bases its senders provide the signals under"


async def test_the_checked_in_register_is_current(rows: list[matrix.Row]) -> None:
    current = (ROOT / "docs" / "register.md").read_text()
    assert current == register.render_markdown(register.build(rows)), (
        "docs/register.md is stale: run `ketenpoort register --format md --output docs/register.md`"
    )


def test_the_command_writes_each_format_and_refuses_another(
    stack: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPA_URL", stack.opa_url)
    get_settings.cache_clear()
    try:
        written = {}
        for fmt in ("md", "csv", "html"):
            out = tmp_path / f"register.{fmt}"
            result = CliRunner().invoke(app, ["register", "--format", fmt, "--output", str(out)])
            assert result.exit_code == 0, result.output
            written[fmt] = out.read_text()
        assert written["md"] == (ROOT / "docs" / "register.md").read_text()
        headings = [line for line in written["md"].splitlines() if line.startswith("## `")]
        ids = [line.removeprefix("## `").rstrip("`") for line in headings]
        table = list(csv.DictReader(io.StringIO(written["csv"])))
        assert [line["id"] for line in table] == ids and ids
        # A section per activity, and the retention table; in Dutch unless asked otherwise.
        assert written["html"].count("<section id=") == len(ids) + 1 and "<h1>Register van" in written["html"]
        refused = CliRunner().invoke(app, ["register", "--format", "pdf"])
        assert refused.exit_code != 0 and "use md, csv or html" in refused.output
    finally:
        get_settings.cache_clear()
