"""Topic names, in one place. `signals.<org>`: only <org> writes; `inbox.<org>`: only <org> reads."""

from __future__ import annotations

from gateway.settings import ORGANISATIONS, RECIPIENTS

DLQ = "gateway.dlq"
AUDIT = "gateway.audit"
# Every read of the audit (who asked what, when), written before the answer is given.
AUDIT_READS = "gateway.audit.reads"
INVOLVEMENTS = "chain.involvements"
ALERTS = "alerts.oncall"
# The memory of signal ids: the copy of each id that was routed, and each later copy (gateway/signal_ids.py).
SIGNAL_IDS = "gateway.signal-ids"
SIGNAL_IDS_RETENTION_DAYS = 90
SIGNALS_PREFIX = "signals."
# A signal body may be at most 1 MiB (the gateway refuses larger ones); the broker accepts records up
# to 4 MiB on signals topics so that such a record still reaches the gateway to be refused, and
# 5 MiB on the dead-letter topic so that it can be kept there whole, with the reason headers added.
SIGNAL_RECORD_MAX_BYTES = 4 * 1024 * 1024
DLQ_RECORD_MAX_BYTES = 5 * 1024 * 1024
INBOX_PREFIX = "inbox."
# Kafka deletes records after 7 days unless a topic says otherwise. The audit and the log of its
# reads are the proof of what was shared with whom: they are kept until the privacy officers'
# retention policy removes them. On-call alerts carry case content: kept 90 days, long enough to
# follow up and evaluate, and the on-call service forgets what the topic no longer holds.
KEEP = "-1"
ALERTS_RETENTION_MS = str(90 * 24 * 3600 * 1000)


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
    return [*signals, *inboxes, DLQ, AUDIT, AUDIT_READS, INVOLVEMENTS, ALERTS, SIGNAL_IDS]


def topic_config(name: str) -> dict[str, str]:
    """The Kafka topic configuration Ketenpoort relies on, per topic."""
    if name == INVOLVEMENTS:
        return {"cleanup.policy": "compact"}
    if name == DLQ:
        return {"max.message.bytes": str(DLQ_RECORD_MAX_BYTES)}
    if name in (AUDIT, AUDIT_READS):
        return {"retention.ms": KEEP}
    if name == ALERTS:
        return {"retention.ms": ALERTS_RETENTION_MS}
    if name == SIGNAL_IDS:
        return {"retention.ms": str(SIGNAL_IDS_RETENTION_DAYS * 24 * 3600 * 1000)}
    if name.startswith(SIGNALS_PREFIX):
        return {"max.message.bytes": str(SIGNAL_RECORD_MAX_BYTES)}
    return {}
