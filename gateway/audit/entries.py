"""From a routed signal and its decisions to the audit entries that record them. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from gateway.audit import ldv
from gateway.decisions import Decision, Level
from gateway.kafka import Record
from gateway.pipeline import Accepted
from gateway.redact import withheld
from gateway.schemas.audit import AuditEntry, DataSubject, ForeignOperation


def _present(body: dict[str, Any], path: str) -> bool:
    node: Any = body
    for part in path.split("."):
        if isinstance(node, list):
            return any(isinstance(item, dict) and _present(item, part) for item in node)
        if not isinstance(node, dict) or node.get(part) in (None, [], {}):
            return False
        node = node[part]
    return True


def delivered_and_withheld(body: dict[str, Any], decision: Decision) -> tuple[list[str], list[str]]:
    present = [key for key, value in body.items() if value not in (None, [], {})]
    if decision.level is Level.FULL and not decision.fields:
        return present, []
    if decision.level in (Level.FULL, Level.FIELDS):
        return [path for path in decision.fields if _present(body, path)], withheld(body, decision.fields)
    return [], present  # dat and none: no content at all


def read_from(entries: list[AuditEntry], record: Record) -> list[AuditEntry]:
    """The entries of one record read, stamped with where it was read. Their ids are derived from
    that place too, so no two records read ever share an audit record id, even when one signal id
    is routed twice (a copy arriving after the memory of ids has forgotten it)."""
    place = f"{record.topic}/{record.partition}/{record.offset}"
    return [
        entry.model_copy(
            update={
                "record_id": str(uuid5(UUID(entry.record_id), place)),
                "source_topic": record.topic,
                "source_partition": record.partition,
                "source_offset": record.offset,
            }
        )
        for entry in entries
    ]


def audit_entries(
    accepted: Accepted,
    decisions: dict[str, Decision],
    revision: str,
    now: datetime,
    approvers: tuple[str, ...] = (),
    asked: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """One entry per recipient asked about, including those that got nothing: the audit proves
    what was withheld as much as what was shared. `asked` is the policy input the decisions
    answered, recorded for replaying a proposed change over real traffic."""
    body = accepted.body
    envelope = accepted.envelope
    subjects = [
        DataSubject(role=role, id=pseudonym, id_type=ldv.SUBJECT_ID_TYPE)
        for role, pseudonym in accepted.persons
    ]
    # The sender's span (W3C Trace Context) started this processing, at another organisation.
    _, trace_id, sender_span, _ = envelope.traceparent.split("-")
    started_by = ForeignOperation(trace_id=trace_id, span_id=sender_span, entity=envelope.source)
    # What all of the signal's entries share is validated once, with the first entry; the others
    # are that entry with what differs per recipient (each value from a validated Decision).
    first: AuditEntry | None = None
    entries = []
    for recipient, decision in decisions.items():
        delivered, kept_back = delivered_and_withheld(body, decision)
        own = {
            "record_id": str(uuid5(accepted.envelope.id, f"audit:{recipient}")),
            "recipient": recipient,
            "level": decision.level.value,
            "fields_delivered": delivered,
            "fields_withheld": kept_back,
            "legal_basis": decision.legal_basis,
            "processing_activity": decision.purpose,
            "urgency": decision.urgency,
            "name": ldv.operation(decision.level.value),
            "processing_activity_id": ldv.activity_id(decision.purpose),
        }
        if first is None:
            first = AuditEntry(
                **own,
                signal_id=str(accepted.envelope.id),
                signal_type=accepted.envelope.signal,
                sender=accepted.envelope.org,
                policy_revision=revision,
                policy_approvers=list(approvers),
                decided_at=now,
                trace_id=envelope.trace_id,
                data_subjects=subjects,
                status=ldv.STATUS_OK,
                started_at=now,
                parent_span_id=sender_span,
                foreign_operation=started_by,
                policy_input=asked,
            )
            entries.append(first)
        else:
            entries.append(first.model_copy(update=own))
    return entries
