"""An audit record says what was shared with whom, on what basis, and what was withheld.

Field names follow the Dutch standard *Logboek Dataverwerkingen* where it fits: `trace_id`,
`processing_activity` (the purpose), `data_subjects` (by chain pseudonym, never the BSN).
Each record carries the hash of the one before it in its partition, so a changed, removed or
reordered record breaks the chain (`verify`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.audit import ldv
from gateway.schemas.audit import AuditEntry, AuditRecord

GENESIS = "0" * 64


def digest(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything but the hash itself."""
    content = {key: value for key, value in fields.items() if key != "hash"}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def seal(
    entry: AuditEntry, chain: str, partition: int, sequence: int, prev_hash: str, at: datetime | None = None
) -> AuditRecord:
    """The entry as the next record of its chain, sealed `at` (now): its action's span id and each
    data subject's (Logboek Dataverwerkingen, gateway/audit/ldv.py) derived from its record id."""
    subjects = [
        subject.model_copy(update={"span_id": ldv.span_id(entry.record_id, str(number))})
        for number, subject in enumerate(entry.data_subjects)
    ]
    # The entry is validated already: construct, do not validate the same values a second time.
    values = {
        **dict(entry),
        "data_subjects": subjects,
        "chain": chain,
        "partition": partition,
        "sequence": sequence,
        "prev_hash": prev_hash,
        "hash": "",
        "span_id": ldv.span_id(entry.record_id),
        "ended_at": at or datetime.now(UTC),
    }
    fields = AuditRecord.model_construct(**values).model_dump(mode="json")
    fields["hash"] = values["hash"] = digest(fields)
    record = AuditRecord.model_construct(**values)
    record._sealed_json = orjson.dumps(fields)  # dumped once: hashed and written as the same JSON
    return record


@dataclass(frozen=True)
class Head:
    """Where a partition's chain ends: the next record continues from here."""

    sequence: int
    hash: str

    @classmethod
    def after(cls, record: AuditRecord | None) -> Head:
        return cls(-1, GENESIS) if record is None else cls(record.sequence, record.hash)


@dataclass(frozen=True)
class Finding:
    """Where the chain is broken, and how."""

    partition: int
    offset: int
    sequence: int | None
    problem: str
    chain: str | None = None

    def __str__(self) -> str:
        where = f"partition {self.partition}, offset {self.offset}" + (
            f", chain {self.chain}" if self.chain else ""
        )
        which = f", record #{self.sequence}" if self.sequence is not None else ""
        return f"{where}{which}: {self.problem}"


def verify(
    partition: int, stored: list[tuple[int, bytes]], starts: dict[str, Head] | None = None
) -> list[Finding]:
    """Check the chains in one partition: (Kafka offset, record bytes) in offset order. Each gateway
    deployment writes a chain of its own; they may interleave in the partition. `starts`: where
    retention left a chain (the head before its first record kept, from a signed retention
    checkpoint); a chain whose first stored record is that one continues from there."""
    findings: list[Finding] = []
    heads: dict[str, Head] = {}
    for offset, raw in stored:
        try:
            fields = orjson.loads(raw)
            record = AuditRecord.model_validate(fields)
        except (orjson.JSONDecodeError, ValueError) as error:
            findings.append(Finding(partition, offset, None, f"not an audit record: {str(error)[:120]}"))
            continue
        start = (starts or {}).get(record.chain)
        if record.chain not in heads and start is not None and record.sequence == start.sequence + 1:
            heads[record.chain] = start
        head = heads.get(record.chain, Head.after(None))
        findings.extend(_check(partition, offset, fields, record, head))
        heads[record.chain] = Head(record.sequence, record.hash)
    return findings


def _check(
    partition: int, offset: int, fields: dict[str, Any], record: AuditRecord, head: Head
) -> list[Finding]:
    def finding(problem: str) -> Finding:
        return Finding(partition, offset, record.sequence, problem, record.chain)

    found = []
    if digest(fields) != record.hash:
        found.append(finding("changed: its content does not match its hash"))
    if record.sequence > head.sequence + 1:
        first, last = head.sequence + 1, record.sequence - 1
        found.append(
            finding(f"removed: record #{first}" + (f"..#{last}" if last > first else "") + " is missing")
        )
    elif record.sequence <= head.sequence:
        found.append(finding(f"reordered: follows record #{head.sequence}"))
    elif record.prev_hash != head.hash:
        found.append(finding("replaced: it does not continue the record before it"))
    if record.partition != partition:
        found.append(finding(f"moved: sealed for partition {record.partition}"))
    return found


def summary(record: AuditRecord) -> dict[str, object]:
    """One record as a privacy officer reads it, in reports and the audit API."""
    return {
        "when": record.decided_at.isoformat(),
        "signal_id": record.signal_id,
        "signal_type": record.signal_type,
        "from": record.sender,
        "to": record.recipient,
        "level": record.level,
        "fields_shared": record.fields_delivered,
        "fields_withheld": record.fields_withheld,
        "legal_basis": record.legal_basis,
        "purpose": record.processing_activity,
        "policy_revision": record.policy_revision,
        "trace_id": record.trace_id,
    }
