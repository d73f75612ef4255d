"""Regal, OPA's linter, on the policies: built with Go from the module pinned in scripts/regal/,
configured by .regal/config.yaml (the data beside the policies named, each rule turned off with its
reason), and finding nothing; `ketenpoort policy lint` says the same."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.settings import Settings, get_settings
from tools.cli import app
from tools.policy.lint import ensure_regal, lint, regal_version

runner = CliRunner()

# A rule using the data beside the policies twice (through the import and in full, which Regal
# wants through the import), a rule that no policy defines, and a redundant existence check.
PROBE = """package ketenpoort.sharing

import data.ketenpoort.config

probe_partner(org) := config.partners[org].receives_for

probe_purpose := data.ketenpoort.config.purposes.supervision

probe_missing := data.ketenpoort.sharing.no_such_rule

probe_redundant if {
\tinput.signal.attributes.risk_level
\tinput.signal.attributes.risk_level == "hoog"
}
"""


@pytest.fixture(scope="module")
def regal(settings: Settings) -> Path:
    return ensure_regal(settings)


@pytest.fixture
def probed(settings: Settings, tmp_path: Path) -> Path:
    """A copy of the policies with probe.rego added."""
    policies = tmp_path / "policies"
    shutil.copytree(settings.policy_dir, policies)
    (policies / "probe.rego").write_text(PROBE)
    return policies


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The command reads its settings from the environment the test sets (get_settings caches)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_regal_is_the_pinned_version_from_the_cache(regal: Path, settings: Settings) -> None:
    version = regal_version()
    assert regal == settings.cache_path("regal", version).absolute() / "regal"
    shown = subprocess.run(
        [str(regal), "version", "--format", "json"], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(shown.stdout)["version"] == f"v{version}"


def test_regal_finds_nothing_in_the_policies(regal: Path, settings: Settings) -> None:
    result = lint(regal, settings.policy_dir)
    assert result.findings == (), "\n".join(f"{finding}\n    {finding.text}" for finding in result.findings)
    assert result.exit_code == 0
    assert result.files == len(list(settings.policy_dir.glob("*.rego")))


def test_regal_knows_the_data_and_nothing_more(regal: Path, probed: Path) -> None:
    """The configuration excepts the data beside the policies, and only it: a reference to a rule
    that no policy defines is still found, and so are the other rules' findings."""
    result = lint(regal, probed)
    found = {(Path(finding.file).name, finding.row, finding.rule) for finding in result.findings}
    assert found == {
        ("probe.rego", 7, "ignored-import"),
        ("probe.rego", 9, "unresolved-reference"),
        ("probe.rego", 12, "redundant-existence-check"),
    }, "\n".join(map(str, result.findings))
    assert not result.passed


@pytest.mark.usefixtures("regal")
def test_policy_lint_passes_on_the_project_policies() -> None:
    result = runner.invoke(app, ["policy", "lint"])
    assert result.exit_code == 0, result.output
    assert "Regal finds nothing in" in result.output


@pytest.mark.usefixtures("regal", "fresh_settings")
def test_policy_lint_names_each_finding(probed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETENPOORT_POLICY_DIR", str(probed))
    result = runner.invoke(app, ["policy", "lint"])
    assert result.exit_code == 1, result.output
    assert "probe.rego:9: unresolved-reference (imports): Unresolved Reference" in result.output
    assert "probe_missing := data.ketenpoort.sharing.no_such_rule" in result.output
    assert "regal/rules/imports/unresolved-reference" in result.output  # the rule's documentation
    assert "Regal finds 3 problems in the policies." in result.output
