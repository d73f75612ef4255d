"""Composes the pipeline for a batch: validate → identify → decide → redact → emit, plus the audit
entries, the on-call alerts raised, the involvement index's updates and match notices. No Kafka
here; the only I/O is asking the decision cache, which raises DecisionError when policy cannot be
asked (the caller then delivers nothing and retries: fail closed). A signal id is routed once: a
later copy with the same content is recorded as a duplicate, one with other content is refused
(gateway/signal_ids.py). The index changes and the ids a batch routes are applied only once the
caller has committed the batch (`committed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from gateway.alerts.raising import raised
from gateway.audit.entries import audit_entries, read_from
from gateway.audit.records import AuditEntry
from gateway.decision_cache import DecisionCache
from gateway.involvements import IndexView, InvolvementIndex, match_notices, observed
from gateway.pipeline import Accepted, Record, Rejected, emit, identify, query, reject, validate
from gateway.signal_ids import Duplicate, IdsView, SignalIds


@dataclass(frozen=True)
class Routed:
    """What one input record leads to."""

    source: Record
    outcome: Accepted | Rejected | Duplicate
    outputs: list[Record] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


class Router:
    def __init__(
        self,
        decisions: DecisionCache,
        pseudonym_key: bytes,
        index: InvolvementIndex | None = None,
        ids: SignalIds | None = None,
    ) -> None:
        self.decisions = decisions
        self.pseudonym_key = pseudonym_key
        self.index = index
        self.ids = ids if ids is not None else SignalIds()
        self._view: IndexView | None = None
        self._ids: IdsView | None = None

    async def route(
        self, record: Record, view: IndexView | None = None, ids: IdsView | None = None
    ) -> Routed:
        checked = validate(record)
        outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=self.pseudonym_key)
        now = datetime.now(UTC)
        if isinstance(outcome, Rejected):
            return Routed(record, outcome, reject(record, outcome, now))
        seen = (ids or self.ids.view()).check(outcome, record, now)
        if isinstance(seen, Rejected):
            return Routed(record, seen, reject(record, seen, now))
        if isinstance(seen, Duplicate):
            return Routed(record, seen, [seen.seen.record()])
        routed = await self._route(record, outcome, view, now)
        return Routed(record, outcome, [*routed.outputs, seen.record()], read_from(routed.audit, record))

    async def _route(
        self, record: Record, outcome: Accepted, view: IndexView | None, now: datetime
    ) -> Routed:
        """The first copy of a signal: its deliveries, alerts, index changes, notices and audit."""
        involved = view.involved(outcome.pseudonym) if view is not None else frozenset()
        asked = query(outcome, involved=involved)
        revision, decisions = await self.decisions.decide(asked)
        outputs = emit(outcome, decisions, revision, now)
        outputs += raised(outcome, await self.decisions.alerts(asked), decisions, now)
        audit = audit_entries(outcome, decisions, revision, now)
        if view is not None:
            written, matches = view.observe(observed(outcome, self.pseudonym_key, now), outcome.signal.name)
            outputs += [involvement.record() for involvement in written]
            if matches:
                notices, entries = await match_notices(self.decisions, matches, outcome, now)
                outputs += notices
                audit += entries
        return Routed(record, outcome, outputs, audit)

    async def route_batch(self, records: list[Record]) -> list[Routed]:
        """All or nothing: a DecisionError for any record fails the whole batch. The index changes
        wait in a view until `committed`; a retried batch starts from the committed index again."""
        await self.decisions.ensure_available()
        self._view = self.index.view() if self.index is not None else None
        self._ids = self.ids.view()
        return [await self.route(record, self._view, self._ids) for record in records]

    def committed(self) -> None:
        """The last routed batch is committed: its index changes and the ids it routed now hold."""
        if self._view is not None:
            self._view.commit()
            self._view = None
        if self._ids is not None:
            self._ids.commit()
            self._ids = None
