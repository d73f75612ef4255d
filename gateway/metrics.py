"""The gateway's Prometheus metrics, in one place."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SIGNALS_IN = Counter("ketenpoort_signals_in_total", "Signals read from signals.<org>.", ["sender"])
# Every record read has exactly one outcome: read = accepted + rejected + duplicate, per topic.
RECORDS = Counter(
    "ketenpoort_records_total",
    "Records read from signals.<org>, by outcome: accepted (routed), rejected (dead-lettered) or duplicate.",
    ["topic", "outcome"],
)
DUPLICATES = Counter(
    "ketenpoort_duplicates_total",
    "Copies of a signal already routed: recorded, nothing delivered.",
    ["sender"],
)
DELIVERIES = Counter(
    "ketenpoort_deliveries_total", "Copies delivered to inbox.<org>.", ["recipient", "level"]
)
DEAD_LETTERS = Counter("ketenpoort_dead_letters_total", "Refused records sent to gateway.dlq.", ["reason"])
DECISION_SECONDS = Histogram(
    "ketenpoort_decision_seconds",
    "Time to decide one batch (validation, policy, redaction, audit entries).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
BATCH_SIZE = Histogram(
    "ketenpoort_batch_size", "Records per transaction.", buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
)
CONSUMER_LAG = Gauge("ketenpoort_consumer_lag", "Records waiting in signals.<org>.", ["topic", "partition"])
FAIL_CLOSED = Counter(
    "ketenpoort_fail_closed_total", "Batches held back because a component was unavailable.", ["component"]
)
NOT_READY = Gauge(
    "ketenpoort_not_ready", "1 while a component keeps the gateway from delivering.", ["component"]
)
