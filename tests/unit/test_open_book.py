"""The gateway's book of open obligations (gateway/open_book.py), pure: each held compactly and
given back exactly as it was opened, looked up by person and meeting signal or kind, forgotten
once closed (a late event brings nothing back), and forgotten past the horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from aiokafka import ConsumerRecord

from gateway.open_book import OpenBook, hold
from gateway.schemas.obligation import MeetingSignal, ObligationEvent

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def opened(**changes: Any) -> ObligationEvent:
    values: dict[str, Any] = {
        "obligation_id": uuid4(), "event": "opened", "at": NOW, "kind": "risk_screening",
        "owner": "police", "subject": "pseudonym-1", "subject_keys": ["pseudonym-1", "pseudonym-1b"],
        "opened_by": uuid4(), "opened_at": NOW, "due_at": NOW + DAY, "remind_at": NOW + DAY / 2,
        "remind": ["police"], "tell_on_lapse": ["police", "veiligthuis"], "source": "route map, step 2",
        "met_by": [
            MeetingSignal.model_validate({"type": "risk_assessment", "from": "police"}),
            MeetingSignal.model_validate(
                {"type": "case_conference", "from": "veiligthuis", "where": {"conference_id": "c-1"},
                 "item": {"field": "tasks", "where": {"task_id": "t-2", "done": True}}}
            ),
        ],
    }  # fmt: skip
    return ObligationEvent.model_validate({**values, **changes})


def then(first: ObligationEvent, event: str, **changes: Any) -> ObligationEvent:
    return first.model_copy(update={"event_id": uuid4(), "event": event, "at": NOW + DAY / 4, **changes})


def test_an_obligation_is_given_back_exactly_as_it_was_held() -> None:
    for first in (
        opened(),
        opened(item="c-1/t-2", subject_keys=[]),
        then(opened(), "reminded", told=["police"]),  # the first event the book saw
    ):
        held = hold(first)
        assert held.event() == first
        assert held.event().model_dump_json(by_alias=True) == first.model_dump_json(by_alias=True)
        assert (held.kind, held.owner, held.item, held.due_at) == (
            first.kind,
            first.owner,
            first.item,
            first.due_at,
        )
        assert held.keys == tuple(first.subject_keys or [first.subject])


def test_what_obligations_opened_alike_share_is_held_once() -> None:
    a, b = hold(opened()), hold(opened(subject="pseudonym-2", subject_keys=["pseudonym-2"]))
    assert a.terms is b.terms
    assert len(b.packed) < len(opened().model_dump_json()) / 2
    other = hold(opened(owner="veiligthuis"))
    assert other.terms is not a.terms and other.owner == "veiligthuis"


def test_the_book_finds_an_obligation_by_person_and_meeting_signal_or_by_kind() -> None:
    book, first = OpenBook(clock=lambda: NOW), opened()
    book.apply(first)
    book.apply(first)  # its echo: held once
    assert len(book) == 1
    for key in ("pseudonym-1", "pseudonym-1b"):
        assert list(book.index.meeting_about([key], "risk_assessment", "police")) == [first.obligation_id]
        assert list(book.index.meeting_about([key], "case_conference", "veiligthuis")) == [
            first.obligation_id
        ]
        assert list(book.index.of_kind([key], "risk_screening")) == [first.obligation_id]
    assert book.index.meeting_about(["pseudonym-1"], "risk_assessment", "veiligthuis") == {}
    assert book.index.meeting_about(["pseudonym-2"], "risk_assessment", "police") == {}
    assert book.index.of_kind(["pseudonym-1"], "safety_assessment") == {}


def test_a_closed_obligation_is_forgotten_and_a_late_event_brings_nothing_back() -> None:
    book = OpenBook(clock=lambda: NOW)
    for closing in ("met", "done_elsewhere", "waived"):
        first = opened()
        book.apply(first)
        book.apply(then(first, "reminded", told=["police"]))
        assert len(book) == 1
        book.apply(then(first, closing))
        assert len(book) == 0 and book.index.meeting == {} and book.index.kind == {}
        book.apply(then(first, "lapsed", told=["police"]))  # written before its writer saw the close
        book.add(hold(first))  # or this gateway's own, committed after another's close was read
        assert len(book) == 0 and book.index.kind == {}


def test_a_lapsed_obligation_stays_to_be_met_until_the_horizon() -> None:
    now = [NOW]
    book = OpenBook(clock=lambda: now[0], horizon=timedelta(days=30))
    first = opened()
    book.apply(first)
    book.apply(then(first, "lapsed", told=["police"]))
    now[0] = NOW + 30 * DAY  # lapsed 29 days ago: still to meet (late)
    book.apply(opened())
    assert first.obligation_id in book.held
    now[0] = NOW + 32 * DAY  # past the horizon: forgotten at the next sweep
    book.apply(opened())
    assert first.obligation_id not in book.held
    assert book.index.of_kind(["pseudonym-1"], "risk_screening").keys().isdisjoint({first.obligation_id})
    book.apply(then(first, "escalated", told=["om"]))  # an event about it brings nothing back
    assert first.obligation_id not in book.held


def test_the_ids_of_closed_obligations_are_forgotten_past_the_horizon() -> None:
    now = [NOW]
    book = OpenBook(clock=lambda: now[0], horizon=timedelta(days=30))
    first = opened()
    book.apply(first)
    book.apply(then(first, "met"))
    assert book._closed
    now[0] = NOW + 40 * DAY
    book.apply(opened(due_at=now[0] + DAY))
    assert all(first.obligation_id not in ids for ids in book._closed.values())


def test_a_record_that_is_no_obligation_event_is_passed_over() -> None:
    book = OpenBook(clock=lambda: NOW)
    first = opened()
    for value in (b'{"not": "an event"}', b"", first.model_dump_json(by_alias=True).encode()):
        book.take(ConsumerRecord("chain.obligations", 0, 7, 0, 0, b"k", value, None, 0, 0, []))
    assert list(book.held) == [first.obligation_id]
