"""Chain obligations, pure: due times from each kind of clock (Dutch working days skip weekends and
public holidays), and the step opening what a signal opens and recording met what it meets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from gateway.consequences import Decided
from gateway.decision_cache import DecisionCache
from gateway.decisions import Rule
from gateway.obligations import (
    Clock,
    KeepObligations,
    ObligationBook,
    ObligationSpec,
    add_working_days,
    due_at,
)
from gateway.pipeline import Accepted, identify
from gateway.schemas import new_envelope
from tools.contracts.examples import example

KEY = b"test"
LOCAL_NOON = datetime(2026, 12, 23, 11, 0, tzinfo=UTC)  # a Wednesday, noon in Amsterdam


def accepted(name: str, sender: str | None = None, **changes: Any) -> Accepted:
    case = example(name)
    signal = case.signal.model_copy(update=changes)
    envelope = new_envelope(org=sender or case.sender, signal=name, version=signal.version, id=uuid4())
    outcome = identify(envelope, signal, key=KEY)
    assert isinstance(outcome, Accepted)
    return outcome


def test_working_days_skip_weekends_and_dutch_public_holidays() -> None:
    # Wed 23 Dec 2026 + 5 working days: Thu 24, (Christmas 25, 26, weekend 27), Mon 28, Tue 29,
    # Wed 30, Thu 31 → the fifth is Thu 31 Dec; New Year's Day is skipped after it.
    due = add_working_days(LOCAL_NOON, 5)
    assert due == datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)  # the end of that day in Amsterdam
    assert add_working_days(LOCAL_NOON, 6).astimezone(UTC).date() == date(2027, 1, 4)


def test_each_clock_gives_its_due_time() -> None:
    report = accepted("new_report")
    assert due_at(Clock(hours=24), report, LOCAL_NOON) == LOCAL_NOON + timedelta(hours=24)
    release = accepted("release_from_custody")
    due = due_at(Clock(before_field="release_time"), release, LOCAL_NOON)
    assert due == datetime.fromisoformat(release.body["release_time"]).astimezone(UTC)
    measure = accepted("measure_imposed", ends_on=date(2027, 3, 1))
    assert due_at(Clock(before_field="ends_on"), measure, LOCAL_NOON) == datetime(
        2027, 2, 28, 23, 0, tzinfo=UTC
    )
    open_ended = accepted("measure_imposed", ends_on=None)
    assert due_at(Clock(before_field="ends_on"), open_ended, LOCAL_NOON) is None


class Policy:
    """Answers the obligations rule with a fixed specification per kind."""

    def __init__(self, opened: dict[str, dict[str, Any]]) -> None:
        self.opened = opened

    async def ask(self, rule: Rule[Any], asked: dict[str, Any]) -> tuple[str, Any]:
        return "r1", rule.read(self.opened, asked)


SCREENING = {
    "owner": "police",
    "clock": {"hours": 24},
    "remind_before_hours": 6,
    "met_by": [{"type": "risk_assessment", "from": "police"}],
    "tell_on_lapse": ["police"],
    "source": "route map",
}


async def route(step: KeepObligations, signal: Accepted) -> list[dict[str, Any]]:
    step.begin()
    effects = await step(Decided(signal, {}, "r1", {}, LOCAL_NOON))
    step.committed()
    return [json.loads(record.value) for record in effects.records]


async def test_a_report_opens_a_screening_that_a_later_screening_meets() -> None:
    book = ObligationBook()
    report = accepted("new_report", sender="police")
    opened = await route(
        KeepObligations(book, cast(DecisionCache, Policy({"risk_screening": SCREENING}))), report
    )
    assert [(e["event"], e["kind"], e["owner"]) for e in opened] == [("opened", "risk_screening", "police")]
    assert opened[0]["due_at"] == (LOCAL_NOON + timedelta(hours=24)).isoformat().replace("+00:00", "Z")
    assert len(book.open) == 1
    screening = accepted("risk_assessment", sender="police", suspect=report.signal.suspect)
    met = await route(KeepObligations(book, cast(DecisionCache, Policy({}))), screening)
    assert [(e["event"], e["kind"], e["met_signal"]) for e in met] == [
        ("met", "risk_screening", str(screening.envelope.id))
    ]
    assert book.open == {}


async def test_a_signal_from_another_sender_or_about_someone_else_meets_nothing() -> None:
    book = ObligationBook()
    report = accepted("new_report", sender="police")
    await route(KeepObligations(book, cast(DecisionCache, Policy({"risk_screening": SCREENING}))), report)
    assert report.signal.suspect is not None
    someone_else = report.signal.suspect.model_copy(update={"bsn": None, "family_name": "Anderszins"})
    others = [
        accepted("risk_assessment", sender="veiligthuis", suspect=report.signal.suspect),
        accepted("risk_assessment", sender="police", suspect=someone_else),
    ]
    for other in others:
        assert await route(KeepObligations(book, cast(DecisionCache, Policy({}))), other) == []
    assert len(book.open) == 1


async def test_what_a_batch_changes_holds_only_once_it_is_committed() -> None:
    book = ObligationBook()
    step = KeepObligations(book, cast(DecisionCache, Policy({"risk_screening": SCREENING})))
    step.begin()
    await step(Decided(accepted("new_report", sender="police"), {}, "r1", {}, LOCAL_NOON))
    assert book.open == {}
    step.begin()  # the batch is tried again
    assert book.open == {}
    assert isinstance(ObligationSpec.model_validate(SCREENING).clock, Clock)
