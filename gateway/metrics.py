"""The gateway's Prometheus metrics, in one place."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from gateway.open_book import OpenBook

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


class ObligationGauges:
    """`ketenpoort_obligations_open` and `ketenpoort_obligations_overdue` per owner and kind, counted
    from the gateway's book of open obligations when scraped, by the gateway's own clock, so they are
    never stale and need no task to keep them. Open is every obligation not closed (met, done
    elsewhere, waived), lapsed or not; overdue is open and past its due time. Registered once; the
    gateway service hands it its book when it has loaded it (`watch`: the last gateway started in
    the process is the one counted, as there is one per process but in tests)."""

    def __init__(self) -> None:
        self._book: OpenBook | None = None
        self._clock: Callable[[], datetime] | None = None

    def watch(self, book: OpenBook, clock: Callable[[], datetime]) -> None:
        self._book, self._clock = book, clock

    def describe(self) -> Iterable[Metric]:
        return self._families(Tally(), Tally())

    def collect(self) -> Iterable[Metric]:
        open_, overdue = Tally[tuple[str, str]](), Tally[tuple[str, str]]()
        if self._book is None or self._clock is None:
            return self._families(open_, overdue)
        now = self._clock()
        for obligation in self._book.open():
            labels = (obligation.owner, obligation.kind)
            open_[labels] += 1
            if obligation.overdue(now):
                overdue[labels] += 1
        return self._families(open_, overdue)

    @staticmethod
    def _families(open_: Tally[tuple[str, str]], overdue: Tally[tuple[str, str]]) -> list[Metric]:
        opened = GaugeMetricFamily(
            "ketenpoort_obligations_open",
            "Chain obligations not met, done elsewhere or waived (lapsed ones too).",
            labels=["owner", "kind"],
        )
        late = GaugeMetricFamily(
            "ketenpoort_obligations_overdue",
            "Open chain obligations past their due time, by the gateway's clock.",
            labels=["owner", "kind"],
        )
        for labels, count in sorted(open_.items()):
            opened.add_metric(labels, count)
            late.add_metric(labels, overdue[labels])
        return [opened, late]


OBLIGATION_GAUGES = ObligationGauges()
REGISTRY.register(OBLIGATION_GAUGES)
