"""The audit chain: sealing, and verification catching each kind of tampering."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from gateway.audit.chain import AuditChain
from gateway.audit.entries import delivered_and_withheld
from gateway.audit.records import GENESIS, Head, verify
from gateway.decisions import Decision, Level
from gateway.schemas.audit import AuditEntry, DataSubject

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        record_id=f"r{n}",
        signal_id=f"s{n}",
        signal_type="breach_of_conditions",
        sender="3ro",
        recipient="om",
        level="fields",
        fields_delivered=["measure"],
        fields_withheld=["description"],
        legal_basis="wjsg-art-39f",
        processing_activity="prosecution",
        urgency="immediate",
        policy_revision="abc",
        decided_at=NOW,
        trace_id="0" * 32,
        data_subjects=[DataSubject(role="suspect", id="kp-1")],
    )


def stored_chain(count: int = 5) -> list[tuple[int, bytes]]:
    chain = AuditChain("gw", {0: Head.after(None)})
    records, heads = chain.seal([(0, entry(n)) for n in range(count)])
    chain.advance(heads)
    return [(offset * 2, record.model_dump_json().encode()) for offset, record in enumerate(records)]


def tamper(stored: list[tuple[int, bytes]], index: int, **changes: object) -> list[tuple[int, bytes]]:
    offset, raw = stored[index]
    fields = {**orjson.loads(raw), **changes}
    return [*stored[:index], (offset, orjson.dumps(fields)), *stored[index + 1 :]]


def test_an_intact_chain_verifies() -> None:
    assert verify(0, stored_chain()) == []


def test_the_chain_links_each_record_to_the_one_before() -> None:
    records = [orjson.loads(raw) for _, raw in stored_chain(3)]
    assert records[0]["prev_hash"] == GENESIS
    assert [r["sequence"] for r in records] == [0, 1, 2]
    assert records[1]["prev_hash"] == records[0]["hash"]


def test_heads_move_only_when_advanced() -> None:
    chain = AuditChain("gw", {0: Head.after(None)})
    _, heads = chain.seal([(0, entry(1))])
    assert chain.heads[0] == Head.after(None)
    chain.advance(heads)
    assert chain.heads[0].sequence == 0


def test_a_changed_record_is_named() -> None:
    findings = verify(0, tamper(stored_chain(), 2, recipient="police"))
    assert [(f.sequence, f.offset) for f in findings] == [(2, 4)]
    assert "changed" in findings[0].problem


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link() -> None:
    from gateway.audit.records import digest

    stored = stored_chain()
    fields = {**orjson.loads(stored[2][1]), "recipient": "police"}
    fields["hash"] = digest(fields)
    forged = [*stored[:2], (stored[2][0], orjson.dumps(fields)), *stored[3:]]
    findings = verify(0, forged)
    assert [f.sequence for f in findings] == [3]
    assert "does not continue" in findings[0].problem


def test_a_removed_record_is_named() -> None:
    stored = stored_chain()
    findings = verify(0, [*stored[:2], *stored[3:]])
    assert len(findings) == 1
    assert findings[0].problem == "removed: record #2 is missing"


def test_reordered_records_are_named() -> None:
    stored = stored_chain()
    swapped = [stored[0], stored[2], stored[1], *stored[3:]]
    problems = [f.problem for f in verify(0, swapped)]
    assert "removed: record #1 is missing" in problems
    assert "reordered: follows record #2" in problems


def test_garbage_in_the_audit_topic_is_named() -> None:
    findings = verify(0, [*stored_chain(2), (9, b"not an audit record")])
    assert findings and "not an audit record" in findings[0].problem


def test_delivered_and_withheld_per_level() -> None:
    body = {
        "measure": "contact_ban",
        "description": "text",
        "victim": {"given_name": "L", "bsn": "1"},
        "x": None,
    }
    fields = Decision(level=Level.FIELDS, fields=("measure", "victim.given_name"))
    assert delivered_and_withheld(body, fields) == (
        ["measure", "victim.given_name"],
        ["description", "victim.bsn"],
    )
    assert delivered_and_withheld(body, Decision(level=Level.FULL)) == (
        ["measure", "description", "victim"],
        [],
    )
    assert delivered_and_withheld(body, Decision(level=Level.DAT)) == (
        [],
        ["measure", "description", "victim"],
    )


def test_chains_of_two_deployments_may_interleave() -> None:
    one, two = AuditChain("gw-a", {0: Head.after(None)}), AuditChain("gw-b", {0: Head.after(None)})
    a, _ = one.seal([(0, entry(n)) for n in range(3)])
    b, _ = two.seal([(0, entry(n)) for n in range(3)])
    mixed = [a[0], b[0], b[1], a[1], b[2], a[2]]
    assert verify(0, [(n, r.model_dump_json().encode()) for n, r in enumerate(mixed)]) == []
    without = [a[0], b[0], a[1], b[2], a[2]]
    [finding] = verify(0, [(n, r.model_dump_json().encode()) for n, r in enumerate(without)])
    assert finding.chain == "gw-b" and finding.problem == "removed: record #1 is missing"


def test_a_sealed_record_is_written_as_the_json_its_hash_was_taken_of() -> None:
    """The gateway writes each record as the JSON it was sealed as (dumped once): the same content
    as the model, and a chain of those bytes verifies."""
    records, _ = AuditChain("gw", {0: Head.after(None)}).seal([(0, entry(n)) for n in range(3)])
    for record in records:
        assert orjson.loads(record.as_json()) == record.model_dump(mode="json")
        assert orjson.loads(record.as_json()) == orjson.loads(record.model_dump_json())
    assert verify(0, [(n, record.as_json()) for n, record in enumerate(records)]) == []
    tampered = {**orjson.loads(records[1].as_json()), "recipient": "police"}
    stored = [(0, records[0].as_json()), (1, orjson.dumps(tampered)), (2, records[2].as_json())]
    assert [f.offset for f in verify(0, stored)] == [1]
