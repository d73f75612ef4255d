"""What follows from an accepted signal, as an ordered list of steps.

Each step takes the signal with what policy decided for it (`Decided`) and returns what it adds to
the batch's transaction (`Effects`): records for the topics and entries for the audit. The router
runs the steps in order, the way structlog runs its processors; a new consequence (the victim's
informer, obligations, ...) is a module with one step and one entry in the list the app assembles.
(The case timeline is no consequence: it only reads what the steps wrote, gateway/timeline/.)

A step that keeps state across a batch (the involvement index) also has `begin` and `committed`:
its changes hold only once the batch is committed, so a retried batch starts from the committed
state again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from gateway.audit.entries import audit_entries
from gateway.decisions import Decision
from gateway.kafka import Record
from gateway.pipeline import Accepted, emit
from gateway.schemas.audit import AuditEntry


@dataclass(frozen=True)
class Decided:
    """An accepted signal, the policy input asked about it, and the sharing decisions."""

    signal: Accepted
    asked: dict[str, Any]
    revision: str
    decisions: dict[str, Decision]
    now: datetime
    approvers: tuple[str, ...] = ()  # the privacy officers who approved the revision, where checked


@dataclass
class Effects:
    """What one step adds to the batch's transaction."""

    records: list[Record] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


class Step(Protocol):
    async def __call__(self, decided: Decided) -> Effects: ...


@runtime_checkable
class BatchStep(Protocol):
    """A step whose state changes hold only once the batch is committed."""

    def begin(self) -> None: ...

    def committed(self) -> None: ...


async def deliveries(decided: Decided) -> Effects:
    """One inbox copy per recipient granted anything, and one audit entry per recipient asked."""
    signal, decisions, revision, now = decided.signal, decided.decisions, decided.revision, decided.now
    entries = audit_entries(signal, decisions, revision, now, decided.approvers, decided.asked)
    return Effects(emit(signal, decisions, revision, now), entries)
