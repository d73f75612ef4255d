"""An alert's life without Kafka: escalation on a missed deadline, none after acknowledgement,
rosters across midnight, and every timer rebuilt from the events alone (a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest

from gateway.alerts.lifecycle import AlertBook, AlertEvent, OnCall, Roster, Shift

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
         "signal_id": uuid4(), "tier": "primary", "person": "night primary"}
    )  # fmt: skip


def test_the_roster_finds_who_is_on_call_also_past_midnight() -> None:
    assert ROSTER.on_call(RAISED_AT).primary.name == "night primary"
    monday_7 = datetime(2026, 4, 20, 5, 0, tzinfo=UTC)  # 07:00 local, the night shift from Sunday
    assert ROSTER.on_call(monday_7).primary.name == "night primary"
    assert ROSTER.on_call(monday_7 + timedelta(hours=2)).primary.name == "day primary"
    gap = Roster(org="om", shifts=ROSTER.shifts[:1])
    with pytest.raises(LookupError, match="om has nobody at Sat 22:47"):
        gap.on_call(RAISED_AT)


def test_an_unacknowledged_alert_escalates_to_the_secondary_then_the_duty_officer() -> None:
    book = AlertBook()
    book.apply(raised("p1"))
    assert book.escalations(RAISED_AT + timedelta(minutes=4), {"3ro": ROSTER}) == []
    (first,) = book.escalations(RAISED_AT + timedelta(minutes=5), {"3ro": ROSTER})
    assert (first.tier, first.person) == ("secondary", "night secondary")
    book.apply(first)
    (second,) = book.escalations(first.at + timedelta(minutes=5), {"3ro": ROSTER})
    assert (second.tier, second.person) == ("duty_officer", "night duty")
    book.apply(second)
    (reminder,) = book.escalations(second.at + timedelta(minutes=5), {"3ro": ROSTER})
    assert reminder.tier == "duty_officer"


def test_a_lower_priority_waits_longer() -> None:
    book = AlertBook()
    book.apply(raised("p2"))
    assert book.escalations(RAISED_AT + timedelta(minutes=14), {"3ro": ROSTER}) == []
    assert book.next_due() == RAISED_AT + timedelta(minutes=15)


def test_an_acknowledged_or_closed_alert_never_escalates() -> None:
    for kind in ("acknowledged", "closed"):
        book = AlertBook()
        alert = raised()
        book.apply(alert)
        book.apply(
            alert.model_copy(update={"kind": kind, "at": RAISED_AT + timedelta(minutes=2), "by": "S. Kuiper"})
        )
        assert book.escalations(RAISED_AT + timedelta(hours=1), {"3ro": ROSTER}) == []
        assert book.next_due() is None


def test_a_restart_rebuilds_every_timer_from_the_events() -> None:
    live = AlertBook()
    events = [raised(), raised("p2")]
    for event in events:
        live.apply(event)
    escalation = live.escalations(RAISED_AT + timedelta(minutes=5), {"3ro": ROSTER})
    for event in escalation:
        live.apply(event)
    events += escalation
    rebuilt = AlertBook()
    for event in (AlertEvent.model_validate_json(e.model_dump_json()) for e in events):  # as read back
        rebuilt.apply(event)
    later = RAISED_AT + timedelta(minutes=10)
    assert rebuilt.next_due() == live.next_due()
    assert [e.tier for e in rebuilt.escalations(later, {"3ro": ROSTER})] == [
        e.tier for e in live.escalations(later, {"3ro": ROSTER})
    ]
