"""An alert's life without Kafka: escalation on a missed deadline, none after acknowledgement,
rosters across midnight, and every timer rebuilt from the events alone (a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.schemas.alert import AlertEvent
from oncall.lifecycle import AlertBook, OnCall, Roster, Shift

KINDS = ("raised", "delivered", "escalated", "acknowledged", "closed")
RAISED_AT = datetime(2026, 4, 18, 20, 47, tzinfo=UTC)  # Saturday 22:47 in Rotterdam


def person(name: str) -> OnCall:
    return OnCall(name=name, phone="+31 10 555 0199")


ROSTER = Roster(
    org="3ro",
    shifts=(
        Shift(days=frozenset(range(5)), start=time(8), end=time(18), primary=person("day primary"),
              secondary=person("day secondary"), duty_officer=person("day duty")),
        Shift(days=frozenset(range(7)), start=time(18), end=time(8), primary=person("night primary"),
              secondary=person("night secondary"), duty_officer=person("night duty")),
        Shift(days=frozenset({5, 6}), start=time(8), end=time(18), primary=person("weekend primary"),
              secondary=person("weekend secondary"), duty_officer=person("weekend duty")),
    ),
)  # fmt: skip


def raised(priority: str = "p1") -> AlertEvent:
    return AlertEvent.model_validate(
        {"alert_id": uuid4(), "kind": "raised", "at": RAISED_AT, "org": "3ro", "priority": priority,
         "signal_id": uuid4(), "tier": "primary", "signal_type": "breach_of_conditions", "sender": "3ro"}
    )  # fmt: skip


def delivered(
    alert: AlertEvent, at: datetime, tier: str = "primary", person: str = "night primary"
) -> AlertEvent:
    return alert.model_copy(
        update={"event_id": uuid4(), "kind": "delivered", "at": at, "tier": tier, "person": person,
                "channels": ["console"]}
    )  # fmt: skip


def book_with(*alerts: AlertEvent) -> AlertBook:
    """Alerts raised and delivered to the primary at RAISED_AT."""
    book = AlertBook()
    for alert in alerts:
        book.apply(alert)
        book.apply(delivered(alert, RAISED_AT))
    return book


def test_the_roster_finds_who_is_on_call_also_past_midnight() -> None:
    assert ROSTER.on_call(RAISED_AT).primary.name == "night primary"
    monday_7 = datetime(2026, 4, 20, 5, 0, tzinfo=UTC)  # 07:00 local, the night shift from Sunday
    assert ROSTER.on_call(monday_7).primary.name == "night primary"
    assert ROSTER.on_call(monday_7 + timedelta(hours=2)).primary.name == "day primary"


def test_a_roster_with_a_gap_is_refused_when_it_is_read() -> None:
    with pytest.raises(ValueError, match="om has nobody at Mon 00:00"):
        Roster(org="om", shifts=ROSTER.shifts[:1])
    day = ROSTER.shifts[0]
    all_day = day.model_copy(update={"days": frozenset(range(7)), "start": time(6), "end": time(6)})
    assert Roster(org="om", shifts=(all_day,)).on_call(RAISED_AT) == all_day


def test_the_deadline_runs_from_the_delivery_not_before() -> None:
    book = AlertBook()
    alert = raised("p1")
    book.apply(alert)
    assert [a.alert_id for a in book.undelivered()] == [alert.alert_id]
    assert book.escalations(RAISED_AT + timedelta(hours=1), {"3ro": ROSTER}) == []
    late = RAISED_AT + timedelta(minutes=30)  # the service was down: the primary gets it now
    book.apply(delivered(alert, late))
    assert book.undelivered() == []
    assert book.next_due() == late + timedelta(minutes=5)


def test_an_unacknowledged_alert_escalates_to_the_secondary_then_the_duty_officer() -> None:
    book = book_with(alert := raised("p1"))
    assert book.escalations(RAISED_AT + timedelta(minutes=4), {"3ro": ROSTER}) == []
    (first,) = book.escalations(RAISED_AT + timedelta(minutes=5), {"3ro": ROSTER})
    assert (first.tier, first.person) == ("secondary", "night secondary")
    book.apply(first)
    assert book.escalations(first.at + timedelta(minutes=10), {"3ro": ROSTER}) == []  # not delivered yet
    book.apply(delivered(alert, first.at, "secondary", "night secondary"))
    (second,) = book.escalations(first.at + timedelta(minutes=5), {"3ro": ROSTER})
    assert (second.tier, second.person) == ("duty_officer", "night duty")
    book.apply(second)
    book.apply(delivered(alert, second.at, "duty_officer", "night duty"))
    (reminder,) = book.escalations(second.at + timedelta(minutes=5), {"3ro": ROSTER})
    assert reminder.tier == "duty_officer"
    book.apply(reminder)
    assert [a.alert_id for a in book.undelivered()] == [alert.alert_id]  # the reminder is delivered too


def test_a_lower_priority_waits_longer_and_deadlines_are_configurable() -> None:
    book = book_with(raised("p2"))
    assert book.escalations(RAISED_AT + timedelta(minutes=14), {"3ro": ROSTER}) == []
    assert book.next_due() == RAISED_AT + timedelta(minutes=15)
    quick = AlertBook(deadlines={"p1": timedelta(seconds=2), "p2": timedelta(seconds=4)})
    quick.apply(alert := raised("p2"))
    quick.apply(delivered(alert, RAISED_AT))
    assert quick.next_due() == RAISED_AT + timedelta(seconds=4)


def test_an_acknowledged_or_closed_alert_never_escalates() -> None:
    for kind in ("acknowledged", "closed"):
        book = book_with(alert := raised())
        book.apply(
            alert.model_copy(
                update={
                    "event_id": uuid4(),
                    "kind": kind,
                    "at": RAISED_AT + timedelta(minutes=2),
                    "by": "S. Kuiper",
                }
            )
        )
        assert book.escalations(RAISED_AT + timedelta(hours=1), {"3ro": ROSTER}) == []
        assert book.next_due() is None
        assert book.alerts[alert.alert_id].status == kind


def test_an_event_applied_twice_or_a_signal_raised_twice_changes_nothing() -> None:
    book = book_with(alert := raised())
    (escalation,) = book.escalations(RAISED_AT + timedelta(minutes=5), {"3ro": ROSTER})
    assert book.apply(escalation) is not None
    assert book.apply(escalation) is None  # its echo from the topic
    assert book.apply(alert.model_copy(update={"event_id": uuid4()})) is None  # raised again
    state = book.alerts[alert.alert_id]
    assert (state.tier, len(state.events)) == ("secondary", 3)


def test_a_restart_rebuilds_every_timer_from_the_events() -> None:
    alerts = [raised(), raised("p2")]
    events = [e for a in alerts for e in (a, delivered(a, RAISED_AT))]
    live = AlertBook()
    for event in events:
        live.apply(event)
    escalation = live.escalations(RAISED_AT + timedelta(minutes=5), {"3ro": ROSTER})
    for event in escalation:
        live.apply(event)
    events += escalation
    rebuilt = AlertBook()
    for event in (AlertEvent.model_validate_json(e.model_dump_json()) for e in events):  # as read back
        rebuilt.apply(event)
    assert [a.alert_id for a in rebuilt.undelivered()] == [a.alert_id for a in live.undelivered()]
    later = RAISED_AT + timedelta(minutes=20)
    assert rebuilt.next_due() == live.next_due() == RAISED_AT + timedelta(minutes=15)
    assert [e.tier for e in rebuilt.escalations(later, {"3ro": ROSTER})] == [
        e.tier for e in live.escalations(later, {"3ro": ROSTER})
    ]


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(KINDS), st.integers(0, 600)), max_size=40))
def test_what_the_book_keeps_track_of_is_what_its_alerts_say(steps: list[tuple[int, str, int]]) -> None:
    """The book's running account of undelivered alerts and due times equals asking every alert."""
    book = AlertBook()
    alerts = [raised() for _ in range(4)]
    at = RAISED_AT
    for which, kind, seconds in steps:
        at += timedelta(seconds=seconds)
        alert = alerts[which]
        state = book.alerts.get(alert.alert_id)
        tier = state.tier if state is not None else "primary"
        book.apply(alert.model_copy(update={"event_id": uuid4(), "kind": kind, "at": at, "tier": tier}))
        everyone = list(book.alerts.values())
        waiting = {a.alert_id for a in everyone if a.open and not a.delivered}
        assert {a.alert_id for a in book.undelivered()} == waiting
        assert book.next_due() == min((d for a in everyone if (d := a.due(book.deadlines))), default=None)
        due_now = {a.alert_id for a in everyone if (d := a.due(book.deadlines)) is not None and d <= at}
        assert {e.alert_id for e in book.escalations(at, {"3ro": ROSTER})} == due_now
