"""How long Ketenpoort keeps each kind of data, in one table, and how each is enforced.

The topic table (gateway/topics.py) takes each topic's `retention.ms` from here; the register of
processing activities and `ketenpoort retention report` show it; `report` also reads each topic's
configuration back from the broker and names any that differs. Enforced:

- by Kafka, where a topic's retention deletes what is older (signals, inboxes, alerts,
  obligations, the memory of signal ids, dead letters);
- by a tombstone in a compacted topic: an involvement closed longer ago than
  `KETENPOORT_INVOLVEMENT_RETENTION_MONTHS` is removed by the gateway's retention sweep
  (gateway/retention_sweep.py), which writes its tombstone and a record of the removal to
  `gateway.retention`, and every gateway drops it from its index as it reads the tombstone;
  an obligation's content gets its tombstone when the obligation is closed;
- the read models (the audit's and the timeline's SQLite files) forget what their topics no longer
  hold at their next catch-up.

The audit, the log of its reads and the audit checkpoints are kept until the privacy officers
remove them (`retention.ms=-1`).
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 3600 * 1000
FOREVER = None  # kept until the privacy officers remove it


@dataclass(frozen=True)
class Kept:
    """One kind of data: what it is, how long it is kept (days; None: until removed by hand), and
    how that is enforced."""

    kind: str
    what: str
    days: int | None
    how: str

    @property
    def retention_ms(self) -> str:
        """The topic's `retention.ms`: -1 for kept until removed by hand."""
        return "-1" if self.days is None else str(self.days * DAY_MS)


CASE = Kept(
    "case",
    "the signals as sent, and each recipient's copies (its inbox)",
    730,
    "Kafka deletes them with the topic's retention; the case timeline forgets them then",
)
OBLIGATIONS = Kept("obligations", "chain obligations, from opened to closed", 730, "the topic's retention")
OBLIGATION_CONTENT = Kept(
    "obligation content",
    "what the partners an open obligation concerns may see of the signal that opened it",
    730,
    "a tombstone once the obligation is closed, then compaction; the topic's retention at the latest",
)
ALERTS = Kept(
    "alerts",
    "on-call alerts (they carry case content)",
    90,
    "the topic's retention; the on-call service forgets what the topic no longer holds",
)
INVOLVEMENTS = Kept(
    "involvements",
    "the involvement index (who is involved with whom)",
    None,  # by months after closing, from the settings: see `involvement_retention`
    "a tombstone once closed longer than the retention, written by the gateway's retention sweep, "
    "then compaction; every gateway drops it from its index",
)
SIGNAL_IDS = Kept(
    "signal ids", "the memory of signal ids (to refuse a resent copy)", 90, "the topic's retention"
)
DEAD_LETTERS = Kept("dead letters", "refused records (the dead-letter topic)", 7, "the topic's retention")
AUDIT = Kept(
    "audit",
    "the audit: what was shared with whom, why, its checkpoints, and every read of it",
    FOREVER,
    "kept until the privacy officers remove it (retention.ms=-1); with KETENPOORT_AUDIT_RETENTION_DAYS "
    "the retention sweep removes the oldest records after a signed retention checkpoint names where each "
    "chain then starts (gateway/audit/pruning.py)",
)
VICTIM_INFORMING = Kept(
    "informing agreements",
    "who informs each victim of what",
    None,
    "compaction: the last agreement per victim and subject is kept",
)
TABLE: tuple[Kept, ...] = (
    CASE, OBLIGATIONS, OBLIGATION_CONTENT, ALERTS, INVOLVEMENTS, SIGNAL_IDS, DEAD_LETTERS, AUDIT,
    VICTIM_INFORMING,
)  # fmt: skip


def involvement_retention(months: int) -> str:
    return f"{months} months after it closed"


def how_long(kept: Kept, involvement_months: int, audit_days: int | None = None) -> str:
    """How long `kept` is kept, in words."""
    if kept is AUDIT and audit_days is not None:
        return f"{audit_days} days"
    if kept is INVOLVEMENTS:
        return involvement_retention(involvement_months)
    if kept is VICTIM_INFORMING:
        return "the last agreement per victim and subject"
    return "until removed by hand" if kept.days is None else f"{kept.days} days"
