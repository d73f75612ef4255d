"""The real entry points as a person runs them: `ketenpoort gateway run` and `ketenpoort demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from adapters.scenario import STEPS
from gateway.access import Identity, Role, TokenStore
from gateway.kafka import ensure_topics
from gateway.settings import Settings
from tests.integration.kafka_helpers import skip_history
from tests.integration.test_first_slice import delivery_of, send_police_report
from tools.stack import Endpoints
from tools.stack.process import free_ports

KETENPOORT = Path(sys.executable).parent / "ketenpoort"


def gateway_environment(stack: Endpoints, tmp_path: Path) -> dict[str, str]:
    """`ketenpoort gateway run` as deployed: the stack's Kafka as `gateway`, its OPA."""
    return {**os.environ, **stack.environment("gateway"), "KETENPOORT_CACHE": str(tmp_path / "cache")}


def demo_environment(stack: Endpoints, tmp_path: Path) -> dict[str, str]:
    """`ketenpoort demo` plays every part (each adapter, each inbox's reader, the gateway), so it gets
    the stack's whole credentials file, as on a developer's machine, not one principal's login."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "OPA_URL": stack.opa_url,
        "KETENPOORT_CACHE": str(tmp_path / "cache"),
    }
    if stack.credentials is not None:
        stack.credentials.save(tmp_path / "credentials.json")
        env["KETENPOORT_KAFKA_CREDENTIALS"] = str(tmp_path / "credentials.json")
    if stack.audit_key is not None:  # the stack's, as every other gateway on it signs with
        env["KETENPOORT_AUDIT_SIGNING_KEY"] = str(stack.audit_key)
    return env


async def test_gateway_run_routes_signals_and_stops_on_sigterm(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    port = free_ports(1)[0]
    group = f"ketenpoort-gateway-test-run-{time.time_ns()}"
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    tokens = tmp_path / "tokens.json"
    admin = TokenStore.load(tokens).issue(Identity(name="ops", role=Role.ADMIN), tokens)
    adapter = TokenStore.load(tokens).issue(Identity(name="vt", role=Role.ADAPTER, org="veiligthuis"), tokens)
    env = {
        **gateway_environment(stack, tmp_path),
        "KETENPOORT_API_TOKENS_FILE": str(tokens),
        "KETENPOORT_GATEWAY_GROUP_ID": group,
        "KETENPOORT_HTTP_PORT": str(port),
    }
    log = (tmp_path / "gateway.log").open("wb")
    gateway = subprocess.Popen([str(KETENPOORT), "gateway", "run"], env=env, stdout=log, stderr=log)
    try:
        signal_id = await send_police_report(settings, stack)
        delivery = await delivery_of(stack, "veiligthuis", signal_id, timeout_s=30)
        assert delivery is not None, (tmp_path / "gateway.log").read_text()
        assert "description" not in delivery["body"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            ready = await http.get("/health/ready")
            live = await http.get("/health/live")
            anonymous = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
            not_admin = await http.get("/metrics", headers={"Authorization": f"Bearer {adapter}"})
            metrics = (await http.get("/metrics", headers={"Authorization": f"Bearer {admin}"})).text
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
        assert wrong.status_code == 401 and not_admin.status_code == 403
        assert ready.status_code == 200 and ready.json() == {"ready": True, "problems": {}}
        assert live.status_code == 200
        assert 'ketenpoort_signals_in_total{sender="police"}' in metrics
        assert 'ketenpoort_deliveries_total{level="fields",recipient="veiligthuis"}' in metrics
        assert "ketenpoort_consumer_lag{" in metrics
        assert "ketenpoort_decision_seconds_count" in metrics
        assert "ketenpoort_batch_size_count" in metrics
        # The report opened a risk screening: counted from the gateway's book when scraped.
        assert 'ketenpoort_obligations_open{kind="risk_screening",owner="police"}' in metrics
        assert 'ketenpoort_obligations_overdue{kind="risk_screening",owner="police"}' in metrics
    finally:
        gateway.send_signal(signal.SIGTERM)
        code = gateway.wait(timeout=30)
    lines = (tmp_path / "gateway.log").read_text().splitlines()
    # uvicorn shuts down cleanly, then re-raises the signal so the parent sees why it ended.
    assert code in (0, -signal.SIGTERM), "\n".join(lines)
    assert any('"event":"Application shutdown complete."' in line for line in lines)
    assert any('"event":"signal_routed"' in line and str(signal_id) in line for line in lines)


def test_demo_shows_what_each_organisation_received(stack: Endpoints, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(KETENPOORT), "demo"],
        env={**demo_environment(stack, tmp_path), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in result.stdout.splitlines() if "│" in line
    ]
    firsts = [row for row in rows if row[0]]  # a row's first line names the signal (or "-")

    def delivered(signal: str, to: str) -> list[str]:
        return next((row for row in firsts if row[0].startswith(signal) and row[1] == to), [])

    report_to_vt = delivered("new_report from", "veiligthuis")
    assert report_to_vt and "description" in report_to_vt[4], result.stdout  # withheld from Veilig Thuis
    for org in ("veiligthuis", "police", "3ro", "slachtofferhulp"):
        assert delivered("release_from_custody", org)[2].endswith("immediate"), f"release to {org}"
    for org in ("om", "police", "veiligthuis"):
        assert delivered("breach_of_conditions", org), f"breach to {org}"
    for org in ("om", "veiligthuis", "3ro", "slachtofferhulp"):
        assert delivered("arrest", org)[2].endswith("immediate"), f"arrest to {org}"
    assert any(row[0] == "refused signal" and row[1] == "police" for row in firsts), result.stdout
    assert "schema_violation" in result.stdout
    # Victim support's and the Child Protection Board's steps, and what their signals reach.
    assert delivered("protection_needs", "police")[2].endswith("immediate"), result.stdout
    assert delivered("child_protection", "veiligthuis"), result.stdout
    # The obligations the case opened, which signal opened each, and which a later signal met.
    assert "Chain obligations the case opened" in result.stdout
    senders = ("police", "slachtofferhulp", "rvdk")
    first = {org: next(n for n, step in enumerate(STEPS, start=1) if step.org == org) for org in senders}
    obligations = {row[0]: row for row in firsts if row[0] in ("risk_screening", "victim_warned_release")}
    opened_by = f"new_report from police (step {first['police']})"
    assert obligations["risk_screening"][1:3] == ["police", opened_by], result.stdout
    assert obligations["risk_screening"][4].startswith("met by risk_assessment from police"), result.stdout
    warned = obligations["victim_warned_release"]
    assert warned[1] == "slachtofferhulp" and warned[4].startswith("met by victim_informed"), result.stdout
    # Each organisation's part: what it sent, by step.
    parts = {row[0]: row for row in firsts if row[0] in ("slachtofferhulp", "rvdk")}
    assert parts["slachtofferhulp"][1] == f"{first['slachtofferhulp']}: protection_needs", result.stdout
    assert parts["rvdk"][1] == f"{first['rvdk']}: child_protection", result.stdout
    # The police's timeline of the suspect: what they sent and received, and whom they may open.
    assert "The police's timeline of the suspect" in result.stdout
    timeline = [row[1:4] for row in firsts if row[1] in ("sent", "received", "alert", "obligation")]
    assert ["sent", "arrest", "police"] in timeline and ["received", "release_from_custody", "om"] in timeline
    assert "Lotte (victim)" in result.stdout and "Noor (child)" in result.stdout


@pytest.mark.parametrize("command", [["stack", "--help"], ["gateway", "--help"], ["--help"]])
def test_the_command_line_explains_itself(command: list[str]) -> None:
    result = subprocess.run(
        [str(KETENPOORT), *command], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert "Usage" in result.stdout
