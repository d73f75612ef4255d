"""The privacy officer's tools against the real OPA: decide, the matrix, the diff, the checks, and
the decision cache following a policy change."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.decision_cache import DecisionCache
from gateway.decisions import PolicyEngine, policy_input
from gateway.redact import redact
from gateway.schemas import CATALOGUE
from gateway.settings import RECIPIENTS, Settings
from tools import reports
from tools.cli import app
from tools.policy import matrix, register
from tools.policy.diff import diff
from tools.policy.engine import policy_engine
from tools.stack import Endpoints, throwaway_opa

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "docs" / "examples"
MIN_COVERAGE = 90.0
runner = CliRunner()
GRANT_DESCRIPTION = ('\t"contact",\n]', '\t"contact",\n\t"description",\n]')


@pytest.fixture
def opa_env(stack: Endpoints, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPA_URL", stack.opa_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP", stack.kafka_bootstrap)
    from gateway.settings import get_settings

    get_settings.cache_clear()


def copy_policies(settings: Settings, into: Path) -> Path:
    target = into / "policies"
    shutil.copytree(settings.policy_dir, target)
    return target


def test_decide_prints_exactly_the_documented_document(opa_env: None) -> None:
    result = runner.invoke(app, ["decide", str(EXAMPLES / "new_report.json"), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {"signal_id", "policy_revision", "decisions"}
    example = json.loads((EXAMPLES / "new_report.json").read_text())
    assert document["signal_id"] == example["ce"]["id"]
    assert set(document["decisions"]) == set(RECIPIENTS)
    for decision in document["decisions"].values():
        assert set(decision) == {"level", "fields", "legal_basis", "purpose", "urgency", "body"}
    assert document["decisions"]["police"]["level"] == "none"  # the sender itself
    assert document["decisions"]["police"]["body"] is None
    vt = document["decisions"]["veiligthuis"]
    full_body = CATALOGUE["new_report"].model_validate(example["data"]).model_dump(mode="json")
    assert vt["body"] == redact(full_body, vt["fields"])
    assert "description" not in vt["body"]


def test_decide_without_json_is_a_table_and_refuses_an_invalid_signal(opa_env: None, tmp_path: Path) -> None:
    result = runner.invoke(app, ["decide", str(EXAMPLES / "breach_of_conditions.json")])
    assert result.exit_code == 0, result.output
    assert "recipient" in result.output and "veiligthuis" in result.output
    bad = json.loads((EXAMPLES / "breach_of_conditions.json").read_text())
    bad["data"]["severity"] = "terrible"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = runner.invoke(app, ["decide", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert "severity" in result.output


async def test_the_checked_in_sharing_matrix_is_current(settings: Settings) -> None:
    async with policy_engine(settings, settings.policy_dir) as engine:
        rows = await matrix.build(engine)
    current = (ROOT / "docs" / "sharing-matrix.md").read_text()
    assert current == matrix.render_markdown(rows), (
        "docs/sharing-matrix.md is stale: run "
        "`ketenpoort policy matrix --format md --output docs/sharing-matrix.md`"
    )
    csv_text = matrix.render_csv(rows)
    assert (
        csv_text.splitlines()[0]
        == "signal_type,attributes,recipient,level,fields,legal_basis,purpose,urgency,obligations"
    )
    assert len(csv_text.splitlines()) == len(rows) + 1
    assert {row.situation.signal_type for row in rows} >= {"risk_assessment", "breach_of_conditions"}
    page = reports.matrix_page(rows, register.legal_bases(), "nl", datetime.now(UTC), "r", ("a", "b"))
    assert "<table>" in page and "goedgekeurd door a, b" in page


async def test_diff_shows_who_gains_which_field(settings: Settings, tmp_path: Path) -> None:
    policies = copy_policies(settings, tmp_path)
    git = [
        "git",
        "-C",
        str(tmp_path),
        "-c",
        "user.name=Privacy Officer",
        "-c",
        "user.email=po@example.invalid",
    ]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "policies as deployed"], check=True)
    rule = policies / "new_report.rego"
    rule.write_text(rule.read_text().replace(*GRANT_DESCRIPTION))

    changes = await diff(settings.model_copy(update={"policy_dir": policies}), "HEAD")

    assert changes, "the change grants a field, so the diff must show it"
    assert {(c.signal_type, c.recipient) for c in changes} == {("new_report", "veiligthuis")}
    assert all(c.gained == ("description",) and c.lost == () for c in changes)


def test_policy_test_passes_on_the_project_policies(opa_env: None) -> None:
    """The Rego unit tests pass and cover the policies, and every guarantee holds."""
    result = runner.invoke(app, ["policy", "test"])
    assert result.exit_code == 0, result.output
    tests = re.search(r"PASS: (\d+)/(\d+)", result.output)
    covered = re.search(r"coverage: ([\d.]+)%", result.output)
    assert tests and covered, result.output
    assert int(tests[1]) == int(tests[2]) > 0, result.output
    assert float(covered[1]) >= MIN_COVERAGE, f"policy test coverage {covered[1]}% < {MIN_COVERAGE}%"
    assert "All policy checks pass" in result.output
    assert "✓" in result.output and "✗" not in result.output


def test_policy_test_fails_when_a_guarantee_breaks(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = copy_policies(settings, tmp_path)
    rule = policies / "new_report.rego"
    rule.write_text(rule.read_text().replace(*GRANT_DESCRIPTION))
    monkeypatch.setenv("KETENPOORT_POLICY_DIR", str(policies))
    from gateway.settings import get_settings

    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["policy", "test"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "veiligthuis: receives description, which it must not" in result.output


async def test_the_cache_follows_a_policy_change_without_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    policies = copy_policies(settings, tmp_path)
    query = policy_input("new_report", "police", "1.0", {"minors_involved": True, "report_kind": "aangifte"})
    with throwaway_opa(settings, policies) as url:
        engine = PolicyEngine(url)
        await engine.start()
        cache = DecisionCache(engine, refresh_s=0.2)
        await cache.start()
        try:
            first_revision, before = await cache.decide(query)
            assert "description" not in before["veiligthuis"].fields
            rule = policies / "new_report.rego"
            rule.write_text(rule.read_text().replace(*GRANT_DESCRIPTION))
            for _ in range(100):
                await asyncio.sleep(0.1)
                if cache.revision != first_revision:
                    break
            second_revision, after = await cache.decide(query)
        finally:
            await cache.close()
            await engine.close()
    assert second_revision != first_revision
    assert "description" in after["veiligthuis"].fields


def test_decide_redacts_nested_fields_per_recipient(opa_env: None) -> None:
    """Probation gets the victim's name to recognise the case, never her BSN or address; victim
    support gets the suspect's name only: grants into nested objects, enforced by the real OPA."""
    result = runner.invoke(app, ["decide", str(EXAMPLES / "release_from_custody.json"), "--json"])
    assert result.exit_code == 0, result.output
    decisions = json.loads(result.output)["decisions"]
    probation = decisions["3ro"]["body"]
    assert probation["victim"]["given_name"] == "Lotte"
    assert "bsn" not in probation["victim"] and "address" not in probation["victim"]
    victim_support = decisions["slachtofferhulp"]["body"]
    assert victim_support["suspect"] == {"given_name": "Bram", "family_name": "Verhoef"}
    assert all(
        set(condition) <= {"kind", "description", "ends_on"} for condition in victim_support["conditions"]
    )
    assert "children" not in victim_support
