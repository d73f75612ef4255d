"""Chain obligations, pure: due times from each kind of clock (Dutch working days skip weekends and
public holidays), and the step opening what a signal opens and recording met what it meets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import pytest
from pydantic import ValidationError

from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.decisions import Rule
from gateway.informing import Informers, KeepInforming
from gateway.obligations import (
    Clock,
    KeepObligations,
    ObligationSpec,
    add_months,
    add_working_days,
    due_at,
)
from gateway.open_book import OpenBook
from gateway.pipeline import Accepted, identify
from gateway.schemas import ContactPerson, new_envelope
from gateway.schemas.case_conference import CaseTask, ConferenceStatus
from gateway.schemas.risk_assessment import RiskLevel
from gateway.topics import OBLIGATION_CONTENT, OBLIGATIONS
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
    assert due_at(Clock(hours=24), report.body, LOCAL_NOON) == LOCAL_NOON + timedelta(hours=24)
    release = accepted("release_from_custody")
    due = due_at(Clock(before_field="release_time"), release.body, LOCAL_NOON)
    assert due == datetime.fromisoformat(release.body["release_time"]).astimezone(UTC)
    measure = accepted("measure_imposed", ends_on=date(2027, 3, 1))
    assert due_at(Clock(before_field="ends_on"), measure.body, LOCAL_NOON) == datetime(
        2027, 2, 28, 23, 0, tzinfo=UTC
    )
    open_ended = accepted("measure_imposed", ends_on=None)
    assert due_at(Clock(before_field="ends_on"), open_ended.body, LOCAL_NOON) is None
    closed = accepted("involvement_closed", until=date(2026, 8, 31))
    # Three months from 31 August: the end of 30 November in Amsterdam.
    assert due_at(Clock(months=3, from_field="until"), closed.body, LOCAL_NOON) == datetime(
        2026, 11, 30, 22, 59, 59, tzinfo=UTC
    )
    assert add_months(datetime(2026, 1, 31, 12, tzinfo=UTC), 1).date() == date(2026, 2, 28)
    assert due_at(Clock(hours=9, from_field="no_such_field"), release.body, LOCAL_NOON) is None


def test_a_clock_has_one_rule() -> None:
    for wrong in ({}, {"hours": 1, "working_days": 2}, {"before_field": "ends_on", "from_field": "since"}):
        with pytest.raises(ValidationError):
            Clock.model_validate(wrong)


class Policy:
    """Answers the obligations rule with a fixed specification per kind."""

    def __init__(self, opened: dict[str, dict[str, Any]]) -> None:
        self.opened = opened

    async def ask(self, rule: Rule[Any], asked: dict[str, Any]) -> tuple[str, Any]:
        return "r1", rule.read(self.opened, asked)


def book_at_noon() -> OpenBook:
    return OpenBook(clock=lambda: LOCAL_NOON)


def keep(book: OpenBook, opened: dict[str, dict[str, Any]], **options: Any) -> KeepObligations:
    """The step, with the policy answering `opened`."""
    return KeepObligations(book, cast(DecisionCache, Policy(opened)), KEY, **options)


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
    return [json.loads(record.value or b"") for record in effects.records if record.topic == OBLIGATIONS]


async def test_a_report_opens_a_screening_that_a_later_screening_meets() -> None:
    book = book_at_noon()
    report = accepted("new_report", sender="police")
    opened = await route(keep(book, {"risk_screening": SCREENING}), report)
    assert [(e["event"], e["kind"], e["owner"]) for e in opened] == [("opened", "risk_screening", "police")]
    assert opened[0]["due_at"] == (LOCAL_NOON + timedelta(hours=24)).isoformat().replace("+00:00", "Z")
    assert len(book.open()) == 1
    screening = accepted("risk_assessment", sender="police", suspect=report.signal.suspect)
    met = await route(keep(book, {}), screening)
    assert [(e["event"], e["kind"], e["met_signal"]) for e in met] == [
        ("met", "risk_screening", str(screening.envelope.id))
    ]
    assert book.open() == []


async def test_a_signal_from_another_sender_or_about_someone_else_meets_nothing() -> None:
    book = book_at_noon()
    report = accepted("new_report", sender="police")
    await route(keep(book, {"risk_screening": SCREENING}), report)
    assert report.signal.suspect is not None
    someone_else = report.signal.suspect.model_copy(update={"bsn": None, "family_name": "Anderszins"})
    others = [
        accepted("risk_assessment", sender="veiligthuis", suspect=report.signal.suspect),
        accepted("risk_assessment", sender="police", suspect=someone_else),
    ]
    for other in others:
        assert await route(keep(book, {}), other) == []
    assert len(book.open()) == 1


async def test_what_a_batch_changes_holds_only_once_it_is_committed() -> None:
    book = book_at_noon()
    step = keep(book, {"risk_screening": SCREENING})
    step.begin()
    await step(Decided(accepted("new_report", sender="police"), {}, "r1", {}, LOCAL_NOON))
    assert book.open() == []
    step.begin()  # the batch is tried again
    assert book.open() == []
    assert isinstance(ObligationSpec.model_validate(SCREENING).clock, Clock)


async def test_an_opened_obligation_keeps_what_each_organisation_may_see_until_it_is_met() -> None:
    book = book_at_noon()
    report = accepted("new_report", sender="police")
    assessment = {**SCREENING, "owner": "veiligthuis", "tell_on_lapse": ["veiligthuis", "police"]}
    step = keep(book, {"safety_assessment": assessment})
    step.begin()
    opened = await step(Decided(report, {}, "r1", {}, LOCAL_NOON))  # VT was granted nothing here
    step.committed()
    content = [json.loads(r.value or b"") for r in opened.records if r.topic == OBLIGATION_CONTENT]
    assert [c["sender"] for c in content] == ["police"]
    assert content[0]["content"] == {"police": report.body}  # the sender sees its own; VT nothing
    assert content[0]["owner_contact"] is None  # VT's contact: the index does not know it here
    assessed = accepted("risk_assessment", sender="police", suspect=report.signal.suspect)
    meeting = keep(book, {})
    meeting.begin()
    met = await meeting(Decided(assessed, {}, "r1", {}, LOCAL_NOON))
    removed = [r for r in met.records if r.topic == OBLIGATION_CONTENT]
    assert [(r.key, r.value) for r in removed] == [(content[0]["obligation_id"].encode(), None)]


async def test_a_meeting_signal_must_say_what_its_conditions_ask() -> None:
    book = book_at_noon()
    report = accepted("new_report", sender="police")
    high_only = {
        **SCREENING,
        "met_by": [{"type": "risk_assessment", "from": "police", "where": {"risk_level": "hoog"}}],
    }
    await route(keep(book, {"risk_screening": high_only}), report)
    suspect = report.signal.suspect
    low = accepted("risk_assessment", sender="police", suspect=suspect, risk_level=RiskLevel.LOW)
    meeting = keep(book, {})
    assert await route(meeting, low) == []
    high = accepted("risk_assessment", sender="police", suspect=suspect, risk_level=RiskLevel.HIGH)
    assert [e["event"] for e in await route(meeting, high)] == ["met"]


async def test_whom_to_call_at_the_owner_is_the_owners_own_contact_or_the_indexs() -> None:
    report = accepted("new_report", sender="police")
    spec = {"risk_screening": SCREENING, "safety_assessment": {**SCREENING, "owner": "veiligthuis"}}
    vt = ContactPerson(role="casushouder", name="J. de Vries", phone="+31 30 000 0000")
    index = {(report.pseudonym, "veiligthuis"): vt}
    step = keep(book_at_noon(), spec, contact_of=lambda p, org: index.get((p, org)))
    step.begin()
    effects = await step(Decided(report, {}, "r1", {}, LOCAL_NOON))
    kept = [json.loads(r.value or b"") for r in effects.records if r.topic == OBLIGATION_CONTENT]
    contacts = [c["owner_contact"] for c in kept]
    assert sorted(c["name"] for c in contacts) == sorted([report.body["contact"]["name"], vt.name])


WARNED = {
    "owner": "om",
    "owner_agreed": "release",
    "about_person": "victim",
    "clock": {"before_field": "release_time"},
    "remind_before_hours": 12,
    "met_by": [{"type": "victim_informed", "from": "$owner", "where": {"about": "release"}}],
    "tell_on_lapse": ["$owner", "police"],
    "source": "001",
}


async def test_victim_warned_goes_to_the_agreed_informer_else_the_default_and_is_about_the_victim() -> None:
    release = accepted("release_from_custody", sender="om")
    victim = next(p for role, p in release.persons if role == "victim")
    agreed = {(victim, "release"): "slachtofferhulp"}
    policy = cast(DecisionCache, Policy({"victim_warned_release": WARNED}))
    for informer, owner in (
        ((lambda v, a: agreed.get((v, a))), "slachtofferhulp"),
        ((lambda v, a: None), "om"),
    ):
        (event,) = await route(KeepObligations(book_at_noon(), policy, KEY, informer=informer), release)
        assert event["owner"] == owner and event["subject"] == victim != release.pseudonym
        assert victim in event["subject_keys"] and len(event["subject_keys"]) == 2  # by BSN, by name
        assert event["met_by"] == [{"type": "victim_informed", "from": owner, "where": {"about": "release"}}]
        assert event["tell_on_lapse"] == [owner, "police"] and event["remind"] == [owner]


async def test_the_informing_step_records_each_agreement_and_the_batch_sees_its_own() -> None:
    agreement = accepted("victim_informing_agreed", sender="om")
    victim = next(p for role, p in agreement.persons if role == "victim")
    informers = Informers()
    step = KeepInforming(informers)
    step.begin()
    effects = await step(Decided(agreement, {}, "r1", {}, LOCAL_NOON))
    assert [r.key for r in effects.records] == [
        f"{victim}/{about}".encode() for about in ("release", "measure", "decision")
    ]
    assert (
        step.informer(victim, "release") == "slachtofferhulp"
        and informers.informer(victim, "release") is None
    )
    step.committed()
    assert informers.informer(victim, "measure") == "police"
    assert await step(Decided(accepted("new_report"), {}, "r1", {}, LOCAL_NOON)) == Effects()


async def test_a_signal_naming_the_person_by_name_meets_what_a_signal_with_the_bsn_opened() -> None:
    book = book_at_noon()
    report = accepted("new_report", sender="police")
    await route(keep(book, {"risk_screening": SCREENING}), report)
    assert report.signal.suspect is not None and report.signal.suspect.bsn is not None
    by_name = report.signal.suspect.model_copy(update={"bsn": None})
    screening = accepted("risk_assessment", sender="police", suspect=by_name)
    assert screening.pseudonym != report.pseudonym
    assert [e["event"] for e in await route(keep(book, {}), screening)] == ["met"]


# The case conference's plan: one obligation per open task, of the partner that owns it.

TASK = json.loads(
    (Path(__file__).parents[2] / "gateway/policies/ketenpoort/config/obligations.json").read_text()
)["obligations"]["case_conference_task"]


def plan(status: str = "held", **tasks: str) -> Accepted:
    """The example conference with these tasks' statuses (task id: status); the others as they are."""
    listed = [{**task, "status": tasks.get(task["task_id"], task.get("status", "open"))}
              for task in example("case_conference").data["tasks"]]  # fmt: skip
    listed_tasks = [CaseTask.model_validate(task) for task in listed]
    return accepted("case_conference", status=ConferenceStatus(status), tasks=listed_tasks)


async def test_each_open_task_of_a_partner_becomes_an_obligation_of_its_owner_due_by_its_day() -> None:
    book = book_at_noon()
    opened = await route(keep(book, {"case_conference_task": TASK}), plan())
    # taak-3 is done already; taak-4 is the municipality's, outside the chain
    assert sorted((e["item"], e["owner"]) for e in opened) == [
        ("ZVH-RR-2026-0412/taak-1", "police"),
        ("ZVH-RR-2026-0412/taak-2", "3ro"),
    ]
    police = next(e for e in opened if e["owner"] == "police")
    assert police["due_at"] == "2026-11-21T22:59:59Z"  # the end of 21 November in Amsterdam
    assert police["tell_on_lapse"] == ["police", "zvh"] and police["remind"] == ["police"]
    assert police["met_by"][0] == {
        "type": "case_conference",
        "from": "zvh",
        "where": {"conference_id": "ZVH-RR-2026-0412"},
        "item": {"field": "tasks", "where": {"status": "done", "task_id": "taak-1"}},
    }


async def test_the_plan_sent_again_opens_nothing_new_and_a_task_done_or_cancelled_closes_its_own() -> None:
    book = book_at_noon()
    await route(keep(book, {"case_conference_task": TASK}), plan())
    again = await route(keep(book, {"case_conference_task": TASK}), plan("plan_updated"))
    assert again == []
    done = await route(keep(book, {"case_conference_task": TASK}), plan("plan_updated", **{"taak-1": "done"}))
    assert [(e["event"], e["item"]) for e in done] == [("met", "ZVH-RR-2026-0412/taak-1")]
    assert [o.item for o in book.open()] == ["ZVH-RR-2026-0412/taak-2"]
    cancelled = await route(keep(book, {}), plan("plan_updated", **{"taak-1": "done", "taak-2": "cancelled"}))
    assert [(e["event"], e["item"]) for e in cancelled] == [("met", "ZVH-RR-2026-0412/taak-2")]
    assert book.open() == []


async def test_a_task_of_another_conference_or_listed_open_meets_nothing() -> None:
    book = book_at_noon()
    await route(keep(book, {"case_conference_task": TASK}), plan())
    done = plan("plan_updated", **{"taak-1": "done"}).signal
    elsewhere = accepted("case_conference", conference_id="ZVH-RR-2026-0999", tasks=done.tasks)
    assert await route(keep(book, {}), elsewhere) == []
    assert len(book.open()) == 2


HIGH_RISK = json.loads(
    (Path(__file__).parents[2] / "gateway/policies/ketenpoort/config/obligations.json").read_text()
)["obligations"]["case_conference_high_risk"]


async def test_a_second_hoog_score_while_the_case_waits_for_the_conference_opens_no_second_week() -> None:
    book = book_at_noon()
    police = accepted("risk_assessment", sender="police")
    opened = await route(keep(book, {"case_conference_high_risk": HIGH_RISK}), police)
    assert [(e["kind"], e["owner"]) for e in opened] == [("case_conference_high_risk", "zvh")]
    probation = accepted("risk_assessment", sender="3ro", suspect=police.signal.suspect)
    assert await route(keep(book, {"case_conference_high_risk": HIGH_RISK}), probation) == []
    held = accepted("case_conference", suspect=police.signal.suspect, victim=police.signal.victim)
    assert [e["event"] for e in await route(keep(book, {}), held)] == ["met"]
    again = await route(keep(book, {"case_conference_high_risk": HIGH_RISK}), probation)
    assert [e["event"] for e in again] == ["opened"]  # after the conference, a new rise brings it back
