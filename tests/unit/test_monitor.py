"""The obligations monitor (tools/monitor.py): each outcome, the month's cohort in Amsterdam time,
the median time to meet, and each format, from synthetic events (fictional pseudonyms)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from gateway.schemas.obligation import EventKind, MeetingSignal, ObligationEvent
from tools.monitor import RENDERERS, Month, Report, report

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
PSEUDONYM = "cp-monitor-test-3f9a"


class Life:
    """One fictional obligation: its `opened` event, and the events that follow it."""

    def __init__(
        self, owner: str, kind: str, opened_at: datetime, due_in: timedelta = timedelta(hours=24)
    ) -> None:
        self.opened = ObligationEvent(
            obligation_id=uuid4(),
            event="opened",
            at=opened_at,
            kind=kind,
            owner=owner,
            subject=PSEUDONYM,
            opened_by=uuid4(),
            opened_at=opened_at,
            due_at=opened_at + due_in,
            remind_at=opened_at + due_in / 2,
            met_by=[MeetingSignal(type="risk_assessment", from_=owner)],
            tell_on_lapse=["om"],
            source="a fictional agreement",
        )
        self.events = [self.opened]

    def then(self, event: EventKind, after: timedelta, **fields: object) -> Life:
        at = self.opened.at + after
        self.events.append(
            self.opened.model_copy(update={"event_id": uuid4(), "event": event, "at": at, **fields})
        )
        return self


def events_of(*lives: Life) -> list[ObligationEvent]:
    return [event for life in lives for event in life.events]


OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def every_outcome() -> list[Life]:
    hours = timedelta(hours=1)
    return [
        Life("police", "risk_screening", OPENED).then("met", 4 * hours, met_signal=uuid4()),
        Life("police", "risk_screening", OPENED).then("met", 24 * hours),  # at the due time: on time
        Life("police", "risk_screening", OPENED).then("met", 30 * hours),
        Life("police", "risk_screening", OPENED)
        .then("reminded", 12 * hours)
        .then("lapsed", 24 * hours)
        .then("met", 40 * hours),  # lapsed, then met late: met late
        Life("police", "risk_screening", OPENED).then("lapsed", 24 * hours),
        Life("police", "risk_screening", OPENED),  # overdue, not yet marked: lapsed
        Life("veiligthuis", "safety_assessment", OPENED).then("done_elsewhere", 2 * hours, by="veiligthuis"),
        Life("veiligthuis", "safety_assessment", OPENED).then("waived", 3 * hours, by="veiligthuis"),
        Life("veiligthuis", "safety_assessment", OPENED, due_in=timedelta(days=60)),  # still open
        Life("veiligthuis", "safety_assessment", OPENED, due_in=timedelta(days=60)).then("escalated", hours),
    ]


def figures(monitor: Report) -> dict[tuple[str, str], dict[str, str]]:
    return {(row.owner, row.kind): row.cells() for row in [*monitor.rows, monitor.total]}


def test_every_outcome_is_counted_once() -> None:
    rows = figures(report(events_of(*every_outcome()), month=None, now=NOW))
    police = rows[("police", "risk_screening")]
    assert police == {
        "owner": "police", "kind": "risk_screening", "opened": "6", "met_on_time": "2", "met_late": "2",
        "lapsed": "2", "done_elsewhere": "0", "waived": "0", "still_open": "0",
        "median_hours_to_meet": "27.0",  # of 4, 24, 30 and 40 hours
    }  # fmt: skip
    vt = rows[("veiligthuis", "safety_assessment")]
    assert (vt["opened"], vt["done_elsewhere"], vt["waived"], vt["still_open"], vt["lapsed"]) == (
        "4", "1", "1", "2", "0",
    )  # fmt: skip
    assert vt["median_hours_to_meet"] == ""
    total = rows[("total", "")]
    assert (total["opened"], total["met_on_time"], total["met_late"], total["lapsed"]) == (
        "10",
        "2",
        "2",
        "2",
    )
    assert (total["done_elsewhere"], total["waived"], total["still_open"]) == ("1", "1", "2")
    assert total["median_hours_to_meet"] == "27.0"


def test_an_event_read_twice_counts_once_and_closing_is_final() -> None:
    life = Life("om", "measure_extension", OPENED).then("met", timedelta(hours=2))
    again = [
        *life.events,
        *life.events,
        life.opened.model_copy(update={"event_id": uuid4(), "event": "waived"}),
    ]
    row = report(again, month=None, now=NOW).rows[0]
    assert (row.opened, row.counts["met_on_time"], row.counts["waived"], row.hours) == (1, 1, 0, [2.0])


def test_the_median_of_an_odd_and_an_even_number() -> None:
    odd = [Life("police", "k", OPENED).then("met", timedelta(hours=h)) for h in (1, 3, 10)]
    even = [Life("om", "k", OPENED).then("met", timedelta(hours=h)) for h in (1, 2, 4, 10)]
    rows = figures(report(events_of(*odd, *even), month=None, now=NOW))
    assert rows[("police", "k")]["median_hours_to_meet"] == "3.0"
    assert rows[("om", "k")]["median_hours_to_meet"] == "3.0"
    assert rows[("total", "")]["median_hours_to_meet"] == "3.0"  # of all seven, not of the medians


def test_the_month_is_the_cohort_opened_in_it_in_amsterdam_time() -> None:
    # 30 November 23:30 UTC is 1 December 00:30 in Amsterdam; 31 December 23:30 UTC is 1 January.
    early = Life("police", "risk_screening", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    before = Life("police", "risk_screening", datetime(2026, 11, 30, 22, 59, tzinfo=UTC))
    late = Life("police", "risk_screening", datetime(2026, 12, 31, 22, 59, tzinfo=UTC))
    after = Life("police", "risk_screening", datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    # Met in January, opened in December: in December's cohort, with its outcome as it is now.
    met_later = Life("om", "measure_extension", datetime(2026, 12, 31, 12, 0, tzinfo=UTC)).then(
        "met", timedelta(days=3)
    )
    events = events_of(early, before, late, after, met_later)
    december = report(events, month=Month.parse("2026-12"), now=NOW)
    assert december.total.opened == 3
    assert figures(december)[("om", "measure_extension")]["met_late"] == "1"
    assert report(events, month=Month(2026, 11), now=NOW).total.opened == 1
    assert report(events, month=Month(2027, 1), now=NOW).total.opened == 1
    assert report(events, month=None, now=NOW).total.opened == 5


def test_an_opened_event_not_seen_the_first_event_stands_for_it() -> None:
    life = Life("police", "risk_screening", OPENED).then("met", timedelta(hours=5))
    row = report(life.events[1:], month=Month(2026, 12), now=NOW).rows[0]
    assert (row.opened, row.counts["met_on_time"], row.hours) == (1, 1, [5.0])


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "december", "2026-12-01", ""])
def test_a_bad_month_says_how_to_give_it(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_the_csv_parses_back_to_the_figures() -> None:
    monitor = report(events_of(*every_outcome()), month=Month(2026, 12), now=NOW)
    rows = list(csv.DictReader(io.StringIO(RENDERERS["csv"](monitor))))
    assert rows == [row.cells() for row in [*monitor.rows, monitor.total]]
    assert rows[-1]["owner"] == "total" and rows[-1]["opened"] == "10"


@pytest.mark.parametrize("format", sorted(RENDERERS))
def test_no_format_names_a_person_or_an_obligation(format: str) -> None:
    lives = every_outcome()
    text = RENDERERS[format](report(events_of(*lives), month=None, now=NOW))
    ids: list[UUID] = [e.obligation_id for life in lives for e in life.events]
    ids += [e.opened_by for life in lives for e in life.events]
    assert PSEUDONYM not in text
    assert not [i for i in ids if str(i) in text]
    assert "risk_screening" in text and "safety_assessment" in text


def test_the_markdown_is_a_table_with_a_totals_row() -> None:
    text = RENDERERS["md"](report(events_of(*every_outcome()), month=Month(2026, 12), now=NOW))
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table[0].startswith("| owner | kind | opened | met on time | met late | lapsed (not met) |")
    assert table[2] == "| police | risk_screening | 6 | 2 | 2 | 2 | 0 | 0 | 0 | 27.0 |"
    assert table[3] == "| veiligthuis | safety_assessment | 4 | 0 | 0 | 0 | 1 | 1 | 2 | - |"
    assert table[4] == "| **total** |  | **10** | **2** | **2** | **2** | **1** | **1** | **2** | **27.0** |"
    assert "opened in 2026-12 (Europe/Amsterdam)" in text


def test_the_html_escapes_and_marks_the_totals() -> None:
    text = RENDERERS["html"](report(events_of(Life("<b>x</b>", "k", OPENED)), month=None, now=NOW))
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<b>x</b>" not in text
    assert "<tr class=total><td>total</td>" in text


def test_an_empty_topic_gives_an_empty_table_with_totals() -> None:
    monitor = report([], month=Month(2026, 12), now=NOW)
    assert monitor.rows == [] and monitor.total.opened == 0
    assert "| **total** |  | **0** |" in RENDERERS["md"](monitor)


async def test_the_command_counts_records_that_are_not_events_and_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace
    from typing import Any

    from tools import monitor_cli

    life = Life("police", "risk_screening", OPENED)
    values = [life.opened.model_dump_json(by_alias=True).encode(), b"{}", None, b"not json"]

    async def read_whole(kafka: Any, topic: str, take: Any) -> dict[Any, int]:
        for value in values:
            take(SimpleNamespace(value=value))
        return {}

    monkeypatch.setattr(monitor_cli, "read_whole", read_whole)
    events, unreadable = await monitor_cli.obligation_events(None)  # type: ignore[arg-type]
    assert (events, unreadable) == ([life.opened], 2)
