"""The obligations' state and clock, pure: the fold of the events, what is due at a moment (a
reminder, or the lapse; an obligation found overdue lapses at once), and what each moment writes:
the obligation's event and one alert per organisation it alerts, with what that one may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson

from gateway.obligation_state import Obligations
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import MeetingSignal, ObligationContent, ObligationEvent
from oncall.obligations import ObligationClock, alert_id_of

OPENED_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DUE = OPENED_AT + timedelta(hours=24)
REMIND = DUE - timedelta(hours=6)


def opened(**changes: Any) -> ObligationEvent:
    values: dict[str, Any] = {
        "obligation_id": uuid4(), "event": "opened", "at": OPENED_AT, "kind": "measure_extension",
        "owner": "om", "subject": "pseudonym-1", "opened_by": uuid4(), "opened_at": OPENED_AT,
        "due_at": DUE, "remind_at": REMIND, "remind": ["om", "police"],
        "met_by": [MeetingSignal.model_validate({"type": "measure_extended", "from": "om"})],
        "tell_on_lapse": ["police", "om"], "source": "001",
    }  # fmt: skip
    return ObligationEvent.model_validate({**values, **changes})


def then(first: ObligationEvent, event: str, at: datetime, **changes: Any) -> ObligationEvent:
    return first.model_copy(update={"event_id": uuid4(), "event": event, "at": at, **changes})


def test_the_fold_follows_an_obligation_through_its_life() -> None:
    book, first = Obligations(), opened()
    book.apply(first)
    (obligation,) = book.open_about("pseudonym-1")
    assert obligation.status == "open" and obligation.next_moment() == REMIND
    book.apply(then(first, "reminded", REMIND))
    assert obligation.next_moment() == DUE
    book.apply(then(first, "lapsed", DUE))
    assert obligation.status == "lapsed" and obligation.next_moment() is None
    assert book.open_about("pseudonym-1") == [obligation]  # lapsed, and still to meet (late)
    book.apply(then(first, "met", DUE + timedelta(hours=1), met_signal=uuid4()))
    assert obligation.status == "met" and book.open() == []
    assert book.by_id[first.obligation_id] is obligation  # the monitor keeps what is closed


def test_a_book_of_open_ones_forgets_what_closed_and_a_late_event_brings_nothing_back() -> None:
    book, first = Obligations(keep_closed=False), opened()
    book.apply(first)
    book.apply(then(first, "waived", REMIND, by="om desk", reason="the order was lifted by the court"))
    assert book.by_id == {} and book.open() == []
    assert book.apply(then(first, "lapsed", DUE)) is None  # written before it saw the waiver
    assert book.by_id == {}


def test_applying_the_same_events_again_changes_nothing() -> None:
    book, first = Obligations(), opened()
    escalated = then(first, "escalated", REMIND + timedelta(hours=1))
    for event in [first, then(first, "reminded", REMIND), escalated, escalated, first]:
        book.apply(event)
    obligation = book.by_id[first.obligation_id]
    assert obligation.reminded_at == REMIND and len(obligation.escalations) == 1


def test_what_is_due_a_reminder_before_the_due_time_and_then_the_lapse() -> None:
    clock, first = ObligationClock(), opened()
    clock.apply(first)
    assert clock.due(REMIND - timedelta(seconds=1)) == []
    assert [moment for _, moment in clock.due(REMIND)] == ["reminded"]
    assert clock.next_moment() == REMIND
    clock.apply(then(first, "reminded", REMIND))
    assert clock.due(DUE - timedelta(seconds=1)) == [] and clock.next_moment() == DUE
    assert [moment for _, moment in clock.due(DUE)] == ["lapsed"]
    clock.apply(then(first, "lapsed", DUE))
    assert clock.due(DUE + timedelta(days=30)) == [] and clock.next_moment() is None


def test_an_obligation_found_overdue_lapses_at_once_without_a_reminder() -> None:
    clock = ObligationClock()
    clock.apply(opened())
    assert [moment for _, moment in clock.due(DUE + timedelta(days=3))] == ["lapsed"]


def test_a_met_obligation_is_due_nothing() -> None:
    clock, first = ObligationClock(), opened()
    clock.apply(first)
    clock.apply(then(first, "met", OPENED_AT + timedelta(hours=1), met_signal=uuid4()))
    assert clock.due(DUE + timedelta(days=1)) == [] and clock.next_moment() is None


def test_a_reminder_alerts_each_organisation_to_remind_with_what_it_may_see() -> None:
    clock, first = ObligationClock(), opened()
    clock.apply(first)
    seen = ObligationContent(
        obligation_id=first.obligation_id, signal_type="measure_imposed", sender="om",
        content={"om": {"kind": "contact_ban", "ends_on": "2027-01-31"}, "police": {"kind": "contact_ban"}},
    )  # fmt: skip
    clock.take_content(str(first.obligation_id).encode(), seen.model_dump_json().encode())
    ((obligation, moment),) = clock.due(REMIND)
    change, *alerts = clock.events(obligation, moment, REMIND)
    assert (
        isinstance(change, ObligationEvent) and change.event == "reminded" and change.told == ["om", "police"]
    )
    assert all(isinstance(alert, AlertEvent) for alert in alerts)
    by_org = {alert.org: alert for alert in alerts if isinstance(alert, AlertEvent)}
    assert set(by_org) == {"om", "police"}
    assert by_org["om"].content == seen.content["om"] and by_org["police"].content == {"kind": "contact_ban"}
    assert {alert.priority for alert in by_org.values()} == {"p3"}
    assert by_org["om"].alert_id == alert_id_of(first.obligation_id, "reminded", "om")
    assert by_org["om"].reason.startswith("Reminder: measure extension by om is due 2026-12-08")
    again = clock.events(obligation, moment, REMIND + timedelta(seconds=5))
    assert [e.event_id for e in again] == [e.event_id for e in [change, *alerts]]  # written twice: once
    clock.take_content(str(first.obligation_id).encode(), None)  # removed once it is closed
    assert clock.content == {}


def test_a_lapse_alerts_the_owner_and_whom_to_tell_at_p2() -> None:
    clock, first = ObligationClock(), opened()
    clock.apply(first)
    change, *alerts = clock.events(clock.book.by_id[first.obligation_id], "lapsed", DUE)
    assert isinstance(change, ObligationEvent) and change.told == ["om", "police"]
    assert [(a.org, a.priority, a.content) for a in alerts if isinstance(a, AlertEvent)] == [
        ("om", "p2", {}),  # no content kept for it: the alert still says what lapsed
        ("police", "p2", {}),
    ]


def test_a_record_that_is_no_obligation_event_or_content_is_passed_over() -> None:
    class Message:
        def __init__(self, value: bytes) -> None:
            self.value, self.offset = value, 7

    book = Obligations()
    assert book.take(Message(b'{"not": "an event"}')) is None  # type: ignore[arg-type]
    assert book.take(Message(opened().model_dump_json().encode())) is not None  # type: ignore[arg-type]
    clock = ObligationClock()
    clock.take_content(b"not-a-uuid", None)
    clock.take_content(str(uuid4()).encode(), b"{}")
    assert clock.content == {}


def test_what_the_clock_writes_keeps_the_field_names_of_the_topic() -> None:
    clock, first = ObligationClock(), opened()
    clock.apply(first)
    change, *_ = clock.events(clock.book.by_id[first.obligation_id], "reminded", REMIND)
    written = orjson.loads(orjson.dumps(change.model_dump(mode="json", by_alias=True)))
    assert written["met_by"] == [{"type": "measure_extended", "from": "om", "where": {}}]
