"""The on-call service's alerts and chain obligations as the console's API shows them (JSON), and
the order of the open alerts: the ones nobody has taken first, then by priority, then by deadline.
Pure: it reads the service's books."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gateway.obligation_state import Obligation
from oncall.lifecycle import Alert
from oncall.service import OnCallService

PRIORITY_RANK = {"p1": 0, "p2": 1, "p3": 2}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def alert_view(alert: Alert, service: OnCallService) -> dict[str, Any]:
    """An alert as the console and the API show it."""
    return {
        "alert_id": str(alert.alert_id),
        "org": alert.org,
        "priority": alert.priority,
        "signal_id": str(alert.signal_id),
        "reason": alert.reason,
        "signal_type": alert.signal_type,
        "sender": alert.sender,
        "raised_at": _iso(alert.raised_at),
        "status": alert.status,
        "tier": alert.tier,
        "person": alert.person,
        "delivered": alert.delivered,
        "due": _iso(alert.due(service.book.deadlines)),
        "escalated": any(event.kind == "escalated" for event in alert.events),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": _iso(alert.acknowledged_at),
        "closed_at": _iso(alert.closed_at),
        "content": alert.content,
        **_obligation_of(alert, service),
        "events": [
            event.model_dump(mode="json", include={"kind", "at", "tier", "person", "by", "note", "channels"})
            for event in alert.events
        ],
    }


def due_view(obligation: Obligation, service: OnCallService, org: str) -> dict[str, Any]:
    """A chain obligation as the due list shows it: what, due when, for which person (as far as
    what `org` may see of the signal that opened it says), and what meets it."""
    first = obligation.first
    seen = service.obligations.content.get(obligation.obligation_id)
    return {
        "obligation_id": str(obligation.obligation_id),
        "kind": first.kind,
        "owner": first.owner,
        "status": obligation.status,
        "overdue": obligation.overdue(service.clock()),
        "opened_at": _iso(obligation.opened_at),
        "remind_at": _iso(first.remind_at),
        "due_at": _iso(first.due_at),
        "reminded_at": _iso(obligation.reminded_at),
        "lapsed_at": _iso(obligation.lapsed_at),
        "subject": first.subject,
        "opened_by": str(first.opened_by),
        "signal_type": seen.signal_type if seen else None,
        "sender": seen.sender if seen else None,
        "content": service.content_of(obligation, org),
        "owner_contact": (
            seen.owner_contact.model_dump(mode="json") if seen and seen.owner_contact else None
        ),
        "met_by": [m.model_dump(mode="json", by_alias=True) for m in first.met_by],
        "source": first.source,
    }


def _obligation_of(alert: Alert, service: OnCallService) -> dict[str, Any]:
    """For a chain obligation's reminder or lapse: which obligation, of what kind, due when."""
    obligation = service.obligations.book.by_id.get(alert.obligation_id) if alert.obligation_id else None
    if obligation is None:
        return {"obligation_id": str(alert.obligation_id) if alert.obligation_id else None}
    return {
        "obligation_id": str(obligation.obligation_id),
        "obligation_kind": obligation.first.kind,
        "obligation_due_at": _iso(obligation.first.due_at),
    }


def open_order(service: OnCallService) -> Callable[[Alert], tuple[Any, ...]]:
    """The sort key of the open list: an alert nobody has taken before one somebody has, then P1
    before P2 before P3, then the one that escalates soonest, then the newest."""

    def key(alert: Alert) -> tuple[Any, ...]:
        due = alert.due(service.book.deadlines)
        return (
            not alert.open,
            PRIORITY_RANK.get(alert.priority, 9),
            due is None,
            due.timestamp() if due is not None else 0.0,
            -alert.raised_at.timestamp(),
        )

    return key
