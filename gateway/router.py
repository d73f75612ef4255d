"""Routes a batch: validate → identify → (the id: new, a copy, or reused) → decide → the steps.

The steps are the signal's consequences, in order (gateway/consequences.py): its deliveries and
audit entries, the on-call alerts it raises, the involvement index and match notices, and whatever
the app adds. No Kafka here; the only I/O is asking the decision cache, which raises DecisionError
when policy cannot be asked (the caller then delivers nothing and retries: fail closed). A signal
id is routed once (gateway/signal_ids.py). What a batch changes in the steps' state and the ids it
routed hold only once the caller has committed the batch (`committed`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gateway.audit.entries import read_from
from gateway.clock import Clock, now_utc
from gateway.consequences import BatchStep, Decided, Step
from gateway.decision_cache import DecisionCache
from gateway.kafka import Record
from gateway.pipeline import Accepted, Rejected, identify, query, reject, validate
from gateway.pseudonyms import forget_known
from gateway.schemas.audit import AuditEntry
from gateway.signal_ids import Duplicate, IdsView, SignalIds, seen_record

Involved = Callable[[str], frozenset[str]]
"""Which partners have an open involvement with a person (by chain pseudonym): for the policy."""


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
        steps: Sequence[Step],
        *,
        ids: SignalIds | None = None,
        involved: Involved | None = None,
        clock: Clock = now_utc,
    ) -> None:
        self.decisions = decisions
        self.pseudonym_key = pseudonym_key
        self.steps = list(steps)
        self.ids = ids if ids is not None else SignalIds()
        self.involved, self.clock = involved, clock
        self._ids: IdsView | None = None

    async def route(self, record: Record) -> Routed:
        checked = validate(record)
        outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=self.pseudonym_key)
        now = self.clock()
        if isinstance(outcome, Rejected):
            return Routed(record, outcome, reject(record, outcome, now))
        seen = (self._ids or self.ids.view()).check(outcome, record, now)
        if isinstance(seen, Rejected):
            return Routed(record, seen, reject(record, seen, now))
        if isinstance(seen, Duplicate):
            return Routed(record, seen, [seen_record(seen.seen)])
        involved = self.involved(outcome.pseudonym) if self.involved is not None else frozenset()
        asked = query(outcome, involved=involved)
        revision, decisions = await self.decisions.decide(asked)
        decided = Decided(outcome, asked, revision, decisions, now, self.decisions.approvers_of(revision))
        outputs, audit = [], []
        for step in self.steps:
            effects = await step(decided)
            outputs += effects.records
            audit += effects.audit
        return Routed(record, outcome, [*outputs, seen_record(seen)], read_from(audit, record))

    async def route_batch(self, records: list[Record]) -> list[Routed]:
        """All or nothing: a DecisionError for any record fails the whole batch. What the batch
        changes waits until `committed`; a retried batch starts from the committed state again."""
        await self.decisions.ensure_available()
        for step in self._batch_steps():
            step.begin()
        self._ids = self.ids.view()
        routed = []
        for record in records:
            try:
                routed.append(await self.route(record))
            finally:
                forget_known()  # its persons' pseudonyms, worked out once for all its steps
            # Cached decisions never wait, so without this a batch would hold the event loop from
            # its first record to its last: the policy revision's check, the consumer's heartbeat
            # and the health endpoints wait behind it, and a batch that takes longer than the
            # revision may go unchecked fails on "not checked recently", again on every retry.
            await asyncio.sleep(0)
        return routed

    def committed(self) -> None:
        """The last routed batch is committed: what it changed now holds."""
        for step in self._batch_steps():
            step.committed()
        if self._ids is not None:
            self._ids.commit()
            self._ids = None

    def _batch_steps(self) -> list[BatchStep]:
        return [step for step in self.steps if isinstance(step, BatchStep)]
