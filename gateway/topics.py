"""Topic names, in one place. `signals.<org>`: only <org> writes; `inbox.<org>`: only <org> reads."""

from __future__ import annotations

from gateway.settings import ORGANISATIONS, RECIPIENTS

DLQ = "gateway.dlq"
AUDIT = "gateway.audit"
INVOLVEMENTS = "chain.involvements"
ALERTS = "alerts.oncall"
SIGNALS_PREFIX = "signals."
INBOX_PREFIX = "inbox."


def signals_topic(org: str) -> str:
    return f"{SIGNALS_PREFIX}{org}"


def inbox_topic(org: str) -> str:
    return f"{INBOX_PREFIX}{org}"


def sender_of(topic: str) -> str | None:
    """The organisation a `signals.<org>` topic belongs to, or None for any other topic."""
    if topic.startswith(SIGNALS_PREFIX):
        org = topic.removeprefix(SIGNALS_PREFIX)
        return org if org in ORGANISATIONS else None
    return None


def all_topics() -> list[str]:
    signals = [signals_topic(org) for org in ORGANISATIONS]
    inboxes = [inbox_topic(org) for org in RECIPIENTS]
    return [*signals, *inboxes, DLQ, AUDIT, INVOLVEMENTS, ALERTS]
