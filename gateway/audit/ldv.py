"""The audit in the shape of the Dutch standard *Logboek Dataverwerkingen* (Logius): one log line
per action and one per data subject of it, no sampling (`ketenpoort audit export --format ldv`).

Each audit record is one action: the gateway deciding what one recipient receives of one signal,
and delivering it or withholding it. Its line carries the W3C Trace Context of the signal
(`trace_id`; `parent_span_id` and `foreign_operation` the sending organisation's span, which
started the processing there), the action's own `span_id`, its `name` and `status_code`, its start
and end, and `dpl.core.processing_activity_id`, pointing into the register of processing activities
(docs/register.md). The standard asks one line per data subject: each person the signal is about
gets a child action of its own (`span_id` its own, `parent_span_id` the action's) naming them by
chain pseudonym (`dpl.core.data_subject_id`, never the BSN) and the kind of that id
(`dpl.core.data_subject_id_type`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from gateway.schemas.audit import AuditRecord

ACTIVITY_URN = "urn:ketenpoort:verwerkingsactiviteit:"
ROUTING = "routing"  # the gateway's own activity, where a recipient got nothing and no purpose applies
SUBJECT_ID_TYPE = "urn:ketenpoort:id-type:ketenpseudoniem"
STATUS_OK = "STATUS_CODE_OK"
SERVICE = "ketenpoort-gateway"


def span_id(*parts: str) -> str:
    """A W3C span id (8 bytes, 16 hex digits), the same each time for the same parts."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def activity_id(purpose: str | None) -> str:
    """The register entry of the processing activity (docs/register.md)."""
    return f"{ACTIVITY_URN}{purpose or ROUTING}"


def operation(level: str) -> str:
    return "withhold_signal" if level == "none" else "share_signal"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def lines(record: AuditRecord) -> list[dict[str, Any]]:
    """The record's action, and one child action per data subject, as Logboek Dataverwerkingen log
    lines. A record written before these fields were recorded gets them derived the same way."""
    action = record.span_id or span_id(record.record_id)
    start = record.started_at or record.decided_at
    end = record.ended_at or record.decided_at
    activity = record.processing_activity_id or activity_id(record.processing_activity)
    common: dict[str, Any] = {
        "trace_id": record.trace_id,
        "name": record.name or operation(record.level),
        "status_code": record.status or STATUS_OK,
        "start_time": _ms(start),
        "end_time": _ms(end),
        "resource": {"attributes": {"service.name": SERVICE, "ketenpoort.chain": record.chain}},
    }
    about = {
        "dpl.core.processing_activity_id": activity,
        "ketenpoort.signal_id": record.signal_id,
        "ketenpoort.signal_type": record.signal_type,
        "ketenpoort.recipient": record.recipient,
        "ketenpoort.level": record.level,
        "ketenpoort.legal_basis": record.legal_basis,
        "ketenpoort.policy_revision": record.policy_revision,
        "ketenpoort.audit_record_id": record.record_id,
    }
    foreign = record.foreign_operation.model_dump() if record.foreign_operation else None
    out = [
        {
            **common,
            "span_id": action,
            "parent_span_id": record.parent_span_id,
            "foreign_operation": foreign,
            "attributes": about,
        }
    ]
    for number, subject in enumerate(record.data_subjects):
        out.append(
            {
                **common,
                "span_id": subject.span_id or span_id(record.record_id, str(number)),
                "parent_span_id": action,
                "foreign_operation": None,
                "attributes": {
                    **about,
                    "dpl.core.data_subject_id": subject.id,
                    "dpl.core.data_subject_id_type": subject.id_type or SUBJECT_ID_TYPE,
                    "ketenpoort.data_subject_role": subject.role,
                },
            }
        )
    return out
