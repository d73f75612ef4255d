"""The audit trail against the real broker: the subject access report, the per-recipient report,
and verification that catches a changed, removed or reordered record."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest
from aiokafka.admin import NewTopic

from gateway.audit.chain import AuditChain
from gateway.audit.entries import audit_entries
from gateway.audit.records import Head
from gateway.decisions import Decision, Level
from gateway.kafka import KafkaConnection, make_admin, make_producer
from gateway.pipeline import Accepted, identify
from gateway.settings import RECIPIENTS, Settings
from gateway.signing import public_path
from tests.integration.audit_harness import invoke, send_case
from tests.integration.test_first_slice import delivery_of, running_gateway
from tools.contracts.examples import example
from tools.stack import Endpoints

VICTIM_BSN = "123456782"  # Lotte Dekker, fictional, in every example


async def test_subject_access_and_recipient_reports(
    settings: Settings, stack: Endpoints, cli_env: None
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    async with running_gateway(settings, stack, stack.opa_url):
        sent = await send_case(settings, stack)
        release = await delivery_of(stack, "slachtofferhulp", sent["release_from_custody"], 30)
        breach = await delivery_of(stack, "om", sent["breach_of_conditions"], 30)
    assert release is not None and breach is not None

    result = await invoke("audit", "subject", "--bsn", VICTIM_BSN, "--format", "json")
    assert result.exit_code == 0, result.output
    assert VICTIM_BSN not in result.output, "the report must not repeat the BSN"
    report = json.loads(result.output)
    ours = [row for row in report["records"] if row["signal_id"] in sent.values()]
    by_recipient = {(row["signal_type"], row["to"]): row for row in ours}
    shared = by_recipient[("release_from_custody", "slachtofferhulp")]
    assert shared["level"] == release["level"]
    assert set(shared["fields_shared"]) <= set(release["fields"])
    assert "conditions" in shared["fields_shared"]
    assert shared["legal_basis"] == release["legal_basis"] and shared["purpose"] == release["purpose"]
    assert shared["policy_revision"] == release["policy_revision"]
    assert "suspect.bsn" in shared["fields_withheld"]
    copies = [row for row in ours if row["signal_type"] != "involvement_match"]  # notices are audited too
    asked = len(RECIPIENTS) - 1  # every partner but the sender
    assert len(copies) == 2 * asked, "one record per signal and recipient asked, also where none was shared"

    markdown = await invoke("audit", "subject", "--bsn", VICTIM_BSN)
    assert markdown.exit_code == 0
    assert "| release_from_custody | om | slachtofferhulp |" in markdown.output

    since = started.isoformat()
    recipient = await invoke("audit", "recipient", "om", "--since", since, "--json")
    assert recipient.exit_code == 0, recipient.output
    # Copies of signals; a match notice names the signal that made the match (maybe om's own).
    received = {
        row["signal_id"] for row in json.loads(recipient.output) if row["signal_type"] != "involvement_match"
    }
    assert sent["breach_of_conditions"] in received
    assert sent["release_from_custody"] not in received  # om sent it; it does not receive its own

    assert (await invoke("audit", "subject", "--bsn", "123456789")).exit_code == 2  # fails the 11-test


async def copy_to_topic(admin: KafkaConnection, records: list[bytes]) -> str:
    """A throwaway topic holding `records`, made as `admin`: no other principal may create it."""
    topic = f"test.audit.{uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await client.close()
    producer = make_producer(admin, client_id="test-audit-copy")
    await producer.start()
    try:
        for value in records:
            await producer.send_and_wait(topic, value, partition=0)
    finally:
        await producer.stop()
    return topic


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (lambda rs: [rs[0], rs[1], _edit(rs[2], recipient="police"), *rs[3:]], "record #2: changed"),
        (lambda rs: [rs[0], rs[1], *rs[3:]], "removed: record #2 is missing"),
        (lambda rs: [rs[0], rs[2], rs[1], *rs[3:]], "reordered: follows record #2"),
    ],
    ids=["changed", "removed", "reordered"],
)
async def test_verify_names_the_tampered_record(
    stack: Endpoints, admin_cli_env: None, tamper: Callable[[list[bytes]], list[bytes]], named: str
) -> None:
    chain = sealed_chain(6)
    intact = await copy_to_topic(stack.kafka("admin"), chain)
    assert (await invoke("audit", "verify", "--topic", intact, "--checkpoints", "none")).exit_code == 0

    broken = await copy_to_topic(stack.kafka("admin"), tamper(chain))
    result = await invoke("audit", "verify", "--topic", broken, "--checkpoints", "none")
    assert result.exit_code == 1
    assert named in result.output, result.output


async def test_the_real_audit_trail_is_intact(settings: Settings, stack: Endpoints, cli_env: None) -> None:
    """Every chain the session's gateways wrote, and every checkpoint they signed of it."""
    async with running_gateway(settings, stack, stack.opa_url):
        sent = await send_case(settings, stack)  # routed, so that there is at least one checkpoint
        assert await delivery_of(stack, "om", sent["breach_of_conditions"], 30) is not None
    public_key = public_path(settings.audit_key_path())
    result = await invoke("audit", "verify", "--public-key", str(public_key))
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "signed checkpoints from gateway.audit.checkpoints" in result.output


def _edit(raw: bytes, **changes: object) -> bytes:
    return orjson.dumps({**orjson.loads(raw), **changes})


def sealed_chain(count: int) -> list[bytes]:
    """A chain of audit records as the gateway seals them, about the fictional case."""
    case = example("breach_of_conditions")
    accepted = identify(case.envelope, case.signal, key=b"test")
    assert isinstance(accepted, Accepted)
    decisions = {org: Decision(level=Level.FIELDS, fields=("measure",)) for org in ("om", "police")}
    entries = [e for _ in range(count) for e in audit_entries(accepted, decisions, "rev", datetime.now(UTC))][
        :count
    ]
    records, _ = AuditChain("test-deployment", {0: Head.after(None)}).seal([(0, entry) for entry in entries])
    return [record.model_dump_json().encode() for record in records]
