"""The monitor of the chain obligations (docs/obligations.md, "The monitor"): per organisation and
kind, how many were opened, met on time, met late, lapsed, done elsewhere, waived and are still
open, and the median time to meet them, as counts only.

Pure: the events of `chain.obligations` and the time now in, rows out, and the renderers. Whoever
reads the topic (`ketenpoort monitor`, a test) hands the events over; nothing here names a person
or an obligation, so no report can.
"""

from __future__ import annotations

import csv
import html
import io
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from gateway.obligation_state import Obligation, Obligations
from gateway.schemas.obligation import ObligationEvent

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
Outcome = Literal["met_on_time", "met_late", "lapsed", "done_elsewhere", "waived", "still_open"]
OUTCOMES: tuple[Outcome, ...] = (
    "met_on_time",
    "met_late",
    "lapsed",
    "done_elsewhere",
    "waived",
    "still_open",
)
COLUMNS = ("owner", "kind", "opened", *OUTCOMES, "median_hours_to_meet")
HEADINGS = (
    "owner", "kind", "opened", "met on time", "met late", "lapsed (not met)", "done elsewhere", "waived",
    "still open", "median hours to meet",
)  # fmt: skip
TOTAL = "total"


class Month(NamedTuple):
    """A calendar month in Amsterdam: the cohort of obligations opened in it."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM`, or a ValueError that says what to give instead."""
        found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text.strip())
        if found is None:
            raise ValueError(f"--month {text!r} is not a month: give it as YYYY-MM, e.g. 2026-12")
        return cls(int(found[1]), int(found[2]))

    def holds(self, moment: datetime) -> bool:
        local = moment.astimezone(AMSTERDAM)
        return (local.year, local.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def outcome(obligation: Obligation, now: datetime) -> Outcome:
    """What became of one obligation, as its events say now. Met after lapsing is met late: the
    owner did act. Past its due time and not closed is lapsed, whether or not the on-call service
    has marked it yet, so the figures do not wait on its clock."""
    closed = obligation.closed
    if closed is not None:
        if closed.event == "met":
            return "met_on_time" if closed.at <= obligation.first.due_at else "met_late"
        return "done_elsewhere" if closed.event == "done_elsewhere" else "waived"
    if obligation.lapsed_at is not None or obligation.overdue(now):
        return "lapsed"
    return "still_open"


def hours_to_meet(obligation: Obligation) -> float | None:
    closed = obligation.closed
    if closed is None or closed.event != "met":
        return None
    return (closed.at - obligation.opened_at).total_seconds() / 3600


@dataclass
class Row:
    """One line of the monitor: an owner's obligations of one kind (or the totals)."""

    owner: str
    kind: str
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    hours: list[float] = field(default_factory=list)  # to meet, of those met

    @property
    def opened(self) -> int:
        return sum(self.counts.values())

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    def add(self, obligation: Obligation, now: datetime) -> None:
        self.counts[outcome(obligation, now)] += 1
        hours = hours_to_meet(obligation)
        if hours is not None:
            self.hours.append(hours)

    def cells(self) -> dict[str, str]:
        median = self.median_hours
        return {
            "owner": self.owner,
            "kind": self.kind,
            "opened": str(self.opened),
            **{name: str(self.counts[name]) for name in OUTCOMES},
            "median_hours_to_meet": "" if median is None else f"{median:.1f}",
        }


@dataclass(frozen=True)
class Report:
    month: Month | None
    now: datetime
    rows: list[Row]  # by owner, then kind
    total: Row

    def cohort(self) -> str:
        if self.month is None:
            return "every obligation on chain.obligations"
        return f"the obligations opened in {self.month} (Europe/Amsterdam)"


def report(events: Iterable[ObligationEvent], *, month: Month | None, now: datetime) -> Report:
    """The monitor over these events: the cohort (those opened in `month`, or all), each with its
    outcome as the events have it at `now`."""
    book = Obligations(keep_closed=True)
    for event in events:
        book.apply(event)
    rows: dict[tuple[str, str], Row] = {}
    total = Row(TOTAL, "")
    for obligation in book.by_id.values():
        if month is not None and not month.holds(obligation.opened_at):
            continue
        first = obligation.first
        rows.setdefault((first.owner, first.kind), Row(first.owner, first.kind)).add(obligation, now)
        total.add(obligation, now)
    return Report(month, now, [rows[key] for key in sorted(rows)], total)


def render_csv(monitor: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.cells() for row in [*monitor.rows, monitor.total])
    return out.getvalue()


def _intro(monitor: Report) -> str:
    return (
        f"Cohort: {monitor.cohort()}, with the outcome each has on the topic at "
        f"{monitor.now.astimezone(AMSTERDAM):%Y-%m-%d %H:%M} (Europe/Amsterdam). Counts only. Past its "
        "due time and not closed counts as lapsed; met after its due time (lapsed or not) as met late; "
        "the median is over those met, from opened to met."
    )


def render_markdown(monitor: Report) -> str:
    lines = [
        "# Chain obligations: monitor",
        "",
        "<!-- Generated by `ketenpoort monitor --format md` from chain.obligations. -->",
        "",
        _intro(monitor),
        "",
        "| " + " | ".join(HEADINGS) + " |",
        "|---|---|" + "---:|" * (len(HEADINGS) - 2),
    ]
    for row in [*monitor.rows, monitor.total]:
        cells = row.cells()
        cells["median_hours_to_meet"] = cells["median_hours_to_meet"] or "-"
        if row is monitor.total:
            cells = {name: f"**{value}**" if value else "" for name, value in cells.items()}
        lines.append("| " + " | ".join(cells[name] for name in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def render_html(monitor: Report) -> str:
    head = "".join(f"<th>{html.escape(heading)}</th>" for heading in HEADINGS)
    body = "".join(
        f"<tr{' class=total' if row is monitor.total else ''}>"
        + "".join(f"<td>{html.escape(value)}</td>" for value in row.cells().values())
        + "</tr>"
        for row in [*monitor.rows, monitor.total]
    )
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Ketenpoort obligations monitor</title>'
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:2px 6px;font-size:13px}td{text-align:right}td:nth-child(-n+2){text-align:left}"
        ".total td{font-weight:bold}</style>"
        f"<h1>Chain obligations: monitor</h1><p>{html.escape(_intro(monitor))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></html>\n"
    )


RENDERERS = {"csv": render_csv, "md": render_markdown, "html": render_html}
