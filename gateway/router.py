"""Composes the pipeline for a batch: validate → identify → decide → redact → emit, plus the audit
entries. No Kafka here; the only I/O is asking the decision cache, which raises DecisionError when
policy cannot be asked (the caller then delivers nothing and retries: fail closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from gateway.audit.entries import audit_entries
from gateway.audit.records import AuditEntry
from gateway.decision_cache import DecisionCache
from gateway.decisions import policy_input
from gateway.pipeline import Accepted, Record, Rejected, emit, identify, reject, validate


@dataclass(frozen=True)
class Routed:
    """What one input record leads to."""

    source: Record
    outcome: Accepted | Rejected
    outputs: list[Record] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


class Router:
    def __init__(self, decisions: DecisionCache, pseudonym_key: bytes) -> None:
        self.decisions = decisions
        self.pseudonym_key = pseudonym_key

    async def route(self, record: Record) -> Routed:
        checked = validate(record)
        outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=self.pseudonym_key)
        now = datetime.now(UTC)
        if isinstance(outcome, Rejected):
            return Routed(record, outcome, reject(record, outcome, now))
        signal, envelope = outcome.signal, outcome.envelope
        query = policy_input(
            signal.name, envelope.org, signal.version, signal.attributes(), region=envelope.unit
        )
        revision, decisions = await self.decisions.decide(query)
        return Routed(
            record,
            outcome,
            emit(outcome, decisions, revision, now),
            audit_entries(outcome, decisions, revision, now),
        )

    async def route_batch(self, records: list[Record]) -> list[Routed]:
        """All or nothing: a DecisionError for any record fails the whole batch."""
        await self.decisions.ensure_available()
        return [await self.route(record) for record in records]
