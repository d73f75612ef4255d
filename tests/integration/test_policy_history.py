"""`ketenpoort policy diff --history`: a proposed change replayed over the traffic the audit
recorded agrees with sending the same signals through a gateway that runs the proposed rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from pydantic import SecretStr

from gateway.settings import Settings, get_settings
from tests.integration.audit_harness import invoke, send_case
from tests.integration.test_first_slice import delivery_of, running_gateway, send_police_report
from tools.stack import Endpoints, throwaway_opa

GRANTED = "description"  # of a new report, which no policy grants Veilig Thuis today
REPORTS = 3


def _proposed(settings: Settings, tmp_path: Path) -> Path:
    """The policies with one change: Veilig Thuis also gets a new report's description."""
    policies = tmp_path / "proposed"
    shutil.copytree(settings.policy_dir, policies)
    rule = policies / "new_report.rego"
    rule.write_text(rule.read_text().replace('\t"contact",\n]', f'\t"contact",\n\t"{GRANTED}",\n]'))
    return policies


@pytest.fixture
def officer_env(stack: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The command line as a privacy officer runs it: the audit read as `audit-reader`, the
    proposed policies in KETENPOORT_POLICY_DIR."""
    for name, value in stack.environment("audit-reader").items():
        monkeypatch.setenv(name, value)
    proposed = tmp_path / "policies"
    monkeypatch.setenv("KETENPOORT_POLICY_DIR", str(proposed))
    get_settings.cache_clear()
    yield proposed
    get_settings.cache_clear()


async def _traffic(settings: Settings, stack: Endpoints) -> list[UUID]:
    """Three police reports and the release and breach of the fictional case; the reports' ids."""
    reports = [await send_police_report(settings, stack) for _ in range(REPORTS)]
    await send_case(settings, stack)
    for report in reports:
        assert await delivery_of(stack, "veiligthuis", report, 30) is not None
    return reports


async def test_a_history_diff_agrees_with_a_replay_of_the_same_signals(
    settings: Settings, stack: Endpoints, officer_env: Path, tmp_path: Path
) -> None:
    shutil.copytree(_proposed(settings, tmp_path), officer_env)
    recorded = settings.model_copy(update={"pseudonym_key": SecretStr(f"history-{uuid4()}")})
    async with running_gateway(recorded, stack, stack.opa_url) as group:
        await _traffic(recorded, stack)

    result = await invoke(
        "policy", "diff", "--base", str(settings.policy_dir), "--history", "1h", "--chain", group, "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["signals"] == REPORTS + 2 and report["not_replayable"] == 0
    changes = {(c["signal_type"], c["recipient"]): c for c in report["changes"]}
    assert set(changes) == {("new_report", "veiligthuis")}, "only what the change touches"
    predicted = changes[("new_report", "veiligthuis")]
    assert predicted["gained_fields"] == {GRANTED: predicted["changed"]} and predicted["lost_fields"] == {}
    assert predicted["deliveries"] == REPORTS

    # The same signals, sent again (with persons new to the index, as they were), through a gateway
    # deciding by the proposed rules.
    replayed = settings.model_copy(
        update={"pseudonym_key": SecretStr(f"history-{uuid4()}"), "policy_approvers": None}
    )
    with throwaway_opa(replayed, officer_env) as opa_url:
        async with running_gateway(replayed, stack, opa_url):
            reports = await _traffic(replayed, stack)
            copies = [await delivery_of(stack, "veiligthuis", report, 30) for report in reports]
    gained = sum(1 for copy in copies if copy is not None and GRANTED in copy["body"])
    assert gained == predicted["changed"] > 0
