"""Reading the audit through the API, as a privacy officer does: only with a privacy officer's token,
every read recorded (by pseudonym, never the BSN) before it is answered, and no answer when it
cannot be recorded. The command line's reads are recorded in the same log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from confluent_kafka.admin import (
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from gateway.access import Identity, Role, TokenStore
from gateway.audit.reads import audit_reads
from gateway.kafka import ensure_topics
from gateway.principals import Principals, librdkafka_config, provision
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.settings import Settings
from gateway.topics import AUDIT_READS
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.test_commands import gateway_environment
from tests.integration.test_first_slice import delivery_of, send_police_report
from tools.stack import Endpoints
from tools.stack.process import free_ports

KETENPOORT = Path(sys.executable).parent / "ketenpoort"
SUSPECT_BSN = "111222333"  # the fictional suspect of adapters/police/samples/report-1.json


class Gateway:
    """`ketenpoort gateway run` with a privacy officer's and an admin's token."""

    def __init__(self, stack: Endpoints, tmp_path: Path) -> None:
        self.port = free_ports(1)[0]
        self.group = f"ketenpoort-gateway-test-reads-{time.time_ns()}"
        tokens = tmp_path / "tokens.json"
        self.officer_name = f"fg-noord-{uuid4().hex[:8]}"  # the log of reads outlives this test
        self.officer = TokenStore.load(tokens).issue(
            Identity(name=self.officer_name, role=Role.PRIVACY_OFFICER), tokens
        )
        self.admin = TokenStore.load(tokens).issue(Identity(name="ops", role=Role.ADMIN), tokens)
        self.env = {
            **gateway_environment(stack, tmp_path),
            "KETENPOORT_API_TOKENS_FILE": str(tokens),
            "KETENPOORT_GATEWAY_GROUP_ID": self.group,
            "KETENPOORT_HTTP_PORT": str(self.port),
        }
        self.log = tmp_path / "gateway.log"

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30)


@pytest.fixture(scope="module")
async def routed(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Gateway, UUID]]:
    """A running gateway that has routed the police's sample report (suspect BSN 111222333)."""
    gateway = Gateway(stack, tmp_path_factory.mktemp("reads"))
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), gateway.group)
    with gateway.log.open("wb") as log:
        process = subprocess.Popen(
            [str(KETENPOORT), "gateway", "run"], env=gateway.env, stdout=log, stderr=log
        )
    try:
        signal_id = await send_police_report(settings, stack)
        assert await delivery_of(stack, "veiligthuis", signal_id, timeout_s=30) is not None, (
            gateway.log.read_text()
        )
        yield gateway, signal_id
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def test_a_privacy_officer_reads_what_was_shared_and_the_read_is_recorded(
    settings: Settings, stack: Endpoints, routed: tuple[Gateway, UUID]
) -> None:
    gateway, signal_id = routed
    async with gateway.http() as http:
        answer = await http.post(
            "/audit/subject", json={"bsn": SUSPECT_BSN}, headers=_bearer(gateway.officer)
        )
        by_admin = await http.post(
            "/audit/subject", json={"bsn": SUSPECT_BSN}, headers=_bearer(gateway.admin)
        )
        anonymous = await http.get("/audit/recipient?org=veiligthuis")
    assert answer.status_code == 200, answer.text
    records = answer.json()["records"]
    assert {(r["signal_id"], r["to"]) for r in records} >= {(str(signal_id), "veiligthuis")}
    assert by_admin.status_code == 403 and anonymous.status_code == 401

    pseudonym = pseudonym_of_bsn(SUSPECT_BSN, settings.pseudonym_key.get_secret_value().encode())
    reads = [r for r in await audit_reads(stack.kafka("audit-reader")) if r.reader == gateway.officer_name]
    assert [(r.query, r.subject, r.channel, r.role) for r in reads] == [
        ("subject", pseudonym, "api", "privacy_officer")
    ]
    raw = await _raw_reads(stack)
    assert SUSPECT_BSN not in raw and pseudonym in raw
    assert SUSPECT_BSN not in gateway.log.read_text()


async def test_a_read_that_cannot_be_recorded_is_not_answered(
    stack: Endpoints, routed: tuple[Gateway, UUID]
) -> None:
    """Take away the gateway's right to write the log of reads: the API refuses to answer, and
    answers again once the ACL is provisioned back."""
    gateway, _ = routed
    admin = AdminClient(librdkafka_config(stack.kafka("admin")))
    write_reads = AclBindingFilter(
        ResourceType.TOPIC, AUDIT_READS, ResourcePatternType.LITERAL, "User:gateway", "*",
        AclOperation.WRITE, AclPermissionType.ALLOW,
    )  # fmt: skip
    for future in admin.delete_acls([write_reads]).values():
        assert future.result(30), "the gateway had no ACL to write the log of reads"
    try:
        async with gateway.http() as http:
            refused = await http.get("/audit/recipient?org=veiligthuis", headers=_bearer(gateway.officer))
    finally:
        assert stack.credentials is not None
        provision(stack.kafka("admin"), Principals.load(), stack.credentials)
    assert refused.status_code == 503 and "not answered" in refused.json()["error"]
    async with gateway.http() as http:
        answered = await http.get("/audit/recipient?org=veiligthuis", headers=_bearer(gateway.officer))
    assert answered.status_code == 200 and answered.json()["records"]


def test_the_command_line_records_its_reads_too(stack: Endpoints, tmp_path: Path) -> None:
    env = {**gateway_environment(stack, tmp_path), **stack.environment("audit-reader")}
    run = subprocess.run(
        [str(KETENPOORT), "audit", "recipient", "3ro", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    listed = subprocess.run(
        [str(KETENPOORT), "audit", "reads", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    reads: list[dict[str, Any]] = json.loads(listed.stdout)
    recipient_reads = [
        r for r in reads if r["channel"] == "cli" and r["query"] == "recipient" and r["recipient"] == "3ro"
    ]
    assert recipient_reads and recipient_reads[-1]["role"] == "audit-reader"
    assert reads[-1]["query"] == "reads"  # listing the reads is a read too


async def _raw_reads(stack: Endpoints) -> str:
    """The log of reads as stored, to search for what must not be there."""
    return str(await read_topic(stack.kafka("admin"), AUDIT_READS))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
