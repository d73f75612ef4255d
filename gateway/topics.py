"""Every topic, in one table: its name, what it holds (described, and the model of its records),
its configuration (with `min.insync.replicas` from its replication), and who writes and reads it.
Topic creation (`gateway.kafka.ensure_topics`), the AsyncAPI document and each principal's READ
and WRITE ACLs on topics (`gateway.principals`) are derived from it. `signals.<org>`: only <org>
writes; `inbox.<org>`: of the organisations, only <org> reads (and the gateway, which wrote it, for
the case timeline: gateway/timeline/)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway import retention
from gateway.schemas.alert import AlertEvent
from gateway.schemas.audit import AuditRecord
from gateway.schemas.audit_checkpoint import AuditCheckpoint
from gateway.schemas.audit_read import AuditRead
from gateway.schemas.chain_involvement import Involvement
from gateway.schemas.delivery import Delivery, RejectionReceipt
from gateway.schemas.informing import InformerAgreed
from gateway.schemas.obligation import ObligationContent, ObligationEvent
from gateway.schemas.retention import Removed
from gateway.schemas.signal_seen import SignalSeen
from gateway.settings import ORGANISATIONS, RECIPIENTS

DLQ = "gateway.dlq"
AUDIT = "gateway.audit"
# Every read of the audit (who asked what, when), written before the answer is given.
AUDIT_READS = "gateway.audit.reads"
# The signed checkpoints of the audit chains' heads (gateway/audit/checkpoints.py); each is also
# delivered to every partner's inbox.
AUDIT_CHECKPOINTS = "gateway.audit.checkpoints"
# What retention removed, when (gateway/retention.py): one record per removal.
RETENTION_LOG = "gateway.retention"
INVOLVEMENTS = "chain.involvements"
ALERTS = "alerts.oncall"
# The memory of signal ids: the copy of each id that was routed, and each later copy (gateway/signal_ids.py).
SIGNAL_IDS = "gateway.signal-ids"
SIGNAL_IDS_RETENTION_DAYS = retention.SIGNAL_IDS.days or 0
# Chain obligations: opened and met, keyed by obligation id (gateway/obligations.py). Kept two years,
# long enough for the open ones and the monitor's months.
OBLIGATIONS = "chain.obligations"
OBLIGATIONS_RETENTION_MS = retention.OBLIGATIONS.retention_ms
# What the organisations an open obligation concerns may see of the signal that opened it, for its
# reminders (compacted: a tombstone removes it once the obligation is met, done elsewhere or waived).
OBLIGATION_CONTENT = "chain.obligations.content"
# Who informs each victim of what (gateway/informing.py), compacted: the last agreement holds.
VICTIM_INFORMING = "chain.victim-informing"
DAY_MS = str(retention.DAY_MS)
CONTENT_CONFIG = {
    "cleanup.policy": "compact,delete",
    "retention.ms": retention.OBLIGATION_CONTENT.retention_ms,
    "segment.ms": DAY_MS,  # a day's segment is compacted, so what a tombstone removes is gone soon after
    "delete.retention.ms": DAY_MS,
    "min.cleanable.dirty.ratio": "0.1",
}
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
KEEP = retention.AUDIT.retention_ms
ALERTS_RETENTION_MS = retention.ALERTS.retention_ms
# The signals and what each organisation received are the case's log (the timeline, docs/timeline.md)
# and wait for a partner that is offline: kept two years, as the obligations and the involvement
# index are, not Kafka's week, after which a partner back from a long outage would find its
# deliveries gone.
CASE_RETENTION_MS = retention.CASE.retention_ms


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


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    writers: tuple[str, ...]
    readers: tuple[str, ...]
    config: dict[str, str] = field(default_factory=dict)
    schema: object = None
    """The model of its records' values (a pydantic model or a union of them); None for the signals
    topics, whose records are any of the catalogue's signals, told apart by `ce_type`."""


def _table() -> tuple[Topic, ...]:
    kept = {"retention.ms": KEEP}
    return (
        *(
            Topic(
                signals_topic(org),
                f"Signals from {org}, written only by {org}.",
                (org,),
                ("gateway",),
                {"max.message.bytes": str(SIGNAL_RECORD_MAX_BYTES), "retention.ms": CASE_RETENTION_MS},
            )
            for org in ORGANISATIONS
        ),
        *(
            Topic(
                inbox_topic(org),
                f"What {org} may receive: redacted copies, match notices, receipts for refused signals, "
                "and the signed checkpoints of the audit.",
                ("gateway",),
                (org, "gateway"),  # the gateway: for the case timeline of what each organisation received
                {"retention.ms": CASE_RETENTION_MS},
                schema=Delivery | RejectionReceipt | AuditCheckpoint,
            )
            for org in RECIPIENTS
        ),
        Topic(
            DLQ,
            "Refused records, untouched, with kp_error_reason / kp_error_detail / kp_source_* headers.",
            ("gateway",),
            (),  # no service reads them: operators do, as admin
            {
                "max.message.bytes": str(DLQ_RECORD_MAX_BYTES),
                "retention.ms": retention.DEAD_LETTERS.retention_ms,
            },
        ),
        Topic(
            AUDIT,
            "One hash-chained record per (signal, recipient): what was shared or withheld, and why.",
            ("gateway",),
            ("gateway", "audit-reader"),
            kept,
            AuditRecord,
        ),
        Topic(
            AUDIT_CHECKPOINTS,
            "The signed heads of the audit chains, per gateway instance, at a fixed interval and at "
            "shutdown; each also in every partner's inbox.",
            ("gateway",),
            ("audit-reader",),
            kept,
            AuditCheckpoint,
        ),
        Topic(
            RETENTION_LOG,
            "What retention removed, and when: one record per removal (an expired involvement's tombstone), "
            "without the removed content.",
            ("gateway",),
            ("audit-reader",),
            kept,
            Removed,
        ),
        Topic(
            AUDIT_READS,
            "Every read of the audit or lookup of involvements (who, how, what), before it is answered.",
            ("gateway", "audit-reader"),
            ("gateway", "audit-reader"),
            kept,
            AuditRead,
        ),
        Topic(
            INVOLVEMENTS,
            "The involvement index (compacted): one record per (chain pseudonym, organisation), no content.",
            ("gateway",),
            ("gateway",),
            {"cleanup.policy": "compact"},
            Involvement,
        ),
        Topic(
            SIGNAL_IDS,
            "The memory of signal ids, keyed by signal id: the copy that was routed (first) and each later "
            "copy (duplicate), with the content digest. Kept 90 days.",
            ("gateway",),
            ("gateway",),
            {"retention.ms": str(SIGNAL_IDS_RETENTION_DAYS * 24 * 3600 * 1000)},
            SignalSeen,
        ),
        Topic(
            OBLIGATIONS,
            "Chain obligations, keyed by obligation id: what must happen next, by whom, by when; opened and "
            "met by signals (the gateway), reminded, escalated, lapsed, done elsewhere or waived (the "
            "on-call service). No content: kinds, organisations, chain pseudonyms and times.",
            ("gateway", "oncall"),
            ("gateway", "oncall"),
            {"retention.ms": OBLIGATIONS_RETENTION_MS},
            ObligationEvent,
        ),
        Topic(
            OBLIGATION_CONTENT,
            "Per open obligation (compacted, keyed by obligation id): what each organisation it concerns "
            "may see of the signal that opened it; a tombstone once it is met, done elsewhere or waived.",
            ("gateway", "oncall"),
            ("oncall",),
            CONTENT_CONFIG,
            ObligationContent,
        ),
        Topic(
            VICTIM_INFORMING,
            "Who informs each victim of what (compacted, keyed by victim pseudonym and subject: release, "
            "measure, decision): the partner the last victim_informing_agreed named. No content.",
            ("gateway",),
            ("gateway",),
            {"cleanup.policy": "compact"},
            InformerAgreed,
        ),
        Topic(
            ALERTS,
            "On-call alerts, keyed by alert id: raised by the gateway; delivered, escalated, acknowledged "
            "and closed by the on-call service. An alert's state is the fold of its events.",
            ("gateway", "oncall"),
            ("oncall", "gateway"),  # the gateway: for the case timeline of each organisation's alerts
            {"retention.ms": ALERTS_RETENTION_MS},
            AlertEvent,
        ),
    )


TOPICS: tuple[Topic, ...] = _table()
BY_NAME = {topic.name: topic for topic in TOPICS}


def all_topics() -> list[str]:
    return [topic.name for topic in TOPICS]


def min_insync_replicas(replication: int) -> int:
    """How many replicas must have a write before it is acknowledged (every producer asks for
    acks=all): a majority of the topic's. With three replicas two, so one broker may be down and
    every acknowledged record is still on two; with one, one."""
    return replication // 2 + 1


def topic_config(name: str, replication: int = 1) -> dict[str, str]:
    """The Kafka topic configuration Ketenpoort relies on, per topic, for a topic of `replication`
    replicas."""
    topic = BY_NAME.get(name)
    if topic is None:
        return {}
    return {**topic.config, "min.insync.replicas": str(min_insync_replicas(replication))}
