"""The obligation gauges (gateway/metrics.py): counted from the gateway's book when scraped, by the
gateway's clock; closed obligations are not open, lapsed ones still are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from gateway.metrics import OBLIGATION_GAUGES, ObligationGauges
from gateway.open_book import OpenBook
from tests.unit.test_monitor import OPENED, Life, events_of

HOUR = timedelta(hours=1)


def scrape(gauges: ObligationGauges) -> dict[tuple[str, str, str], float]:
    registry = CollectorRegistry()
    registry.register(gauges)
    return {
        (sample.name, sample.labels["owner"], sample.labels["kind"]): sample.value
        for family in registry.collect()
        for sample in family.samples
    }


def test_open_and_overdue_per_owner_and_kind_by_the_gateway_clock() -> None:
    book = OpenBook(clock=lambda: OPENED)
    for event in events_of(
        Life("police", "risk_screening", OPENED),  # due at OPENED + 24 hours
        Life("police", "risk_screening", OPENED).then("lapsed", 24 * HOUR),
        Life("police", "risk_screening", OPENED).then("met", 2 * HOUR),
        Life("veiligthuis", "safety_assessment", OPENED, due_in=72 * HOUR),
        Life("om", "measure_extension", OPENED).then("waived", HOUR, by="om"),
    ):
        book.apply(event)
    now = OPENED + HOUR
    gauges = ObligationGauges()
    gauges.watch(book, lambda: now)
    assert scrape(gauges) == {
        ("ketenpoort_obligations_open", "police", "risk_screening"): 2,
        ("ketenpoort_obligations_overdue", "police", "risk_screening"): 0,
        ("ketenpoort_obligations_open", "veiligthuis", "safety_assessment"): 1,
        ("ketenpoort_obligations_overdue", "veiligthuis", "safety_assessment"): 0,
    }
    now = OPENED + 48 * HOUR  # the clock moves: counted again at the next scrape
    figures = scrape(gauges)
    assert figures[("ketenpoort_obligations_overdue", "police", "risk_screening")] == 2
    assert figures[("ketenpoort_obligations_overdue", "veiligthuis", "safety_assessment")] == 0
    book.apply(events_of(Life("police", "k", OPENED))[0])
    assert scrape(gauges)[("ketenpoort_obligations_open", "police", "k")] == 1


def test_before_a_book_is_loaded_the_gauges_are_described_without_samples() -> None:
    registry = CollectorRegistry()
    registry.register(ObligationGauges())
    text = generate_latest(registry).decode()
    assert "# TYPE ketenpoort_obligations_open gauge" in text
    assert "# TYPE ketenpoort_obligations_overdue gauge" in text
    assert "ketenpoort_obligations_open{" not in text


def test_the_gauges_are_registered_once_in_the_default_registry() -> None:
    from prometheus_client import REGISTRY

    book = OpenBook(clock=lambda: OPENED)
    book.apply(events_of(Life("police", "risk_screening", datetime(2026, 1, 1, tzinfo=UTC)))[0])
    OBLIGATION_GAUGES.watch(book, lambda: datetime(2026, 1, 3, tzinfo=UTC))
    text = generate_latest(REGISTRY).decode()
    assert 'ketenpoort_obligations_overdue{kind="risk_screening",owner="police"} 1.0' in text
