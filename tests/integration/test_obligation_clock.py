"""The chain obligations' clock end to end, on the real Kafka and OPA, with the on-call service's
time moved through weeks in seconds (docs/obligations.md).

For every kind of obligation, two cases: one the owner never meets, and one its signal meets at
once. The first is reminded (a p3 alert to each organisation to remind, carrying what it may see)
before its due time, its reminder escalates like any alert, and at its due time it lapses (a p2
alert to the owner and each organisation to tell); the second is never reminded. Halfway the
on-call service is restarted: it rebuilds every obligation from the topic and reminds nobody twice.
What is asserted is read back from `chain.obligations` and `alerts.oncall`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import SecretStr

from gateway.schemas import Signal
from gateway.schemas.persons import Person
from gateway.settings import Settings
from gateway.topics import ALERTS, OBLIGATIONS
from oncall.obligations import alert_id_of
from oncall.service import OnCallService
from tests.integration.kafka_helpers import read_topic, send_once
from tests.integration.oncall_harness import Alerting, MovableClock, eventually
from tools.contracts.examples import example


@dataclass(frozen=True)
class Case:
    """A kind of obligation: the signal that opens it, and the signal that meets it (naming the
    person as `meets_as`: the obligation is about the opening signal's suspect, else its victim)."""

    kind: str
    opens: tuple[str, str, dict[str, Any]]  # signal type, sender, changes to the example
    meets: tuple[str, str, dict[str, Any]]
    meets_as: str = "suspect"


def cases(now: datetime) -> list[Case]:
    today = now.date()
    return [
        Case("risk_screening", ("new_report", "police", {}), ("risk_assessment", "police", {})),
        Case("safety_assessment", ("new_report", "police", {}), ("safety_assessment", "veiligthuis", {})),
        Case(
            "safety_check_before_release",
            ("release_from_custody", "om", {"release_time": now + timedelta(days=2)}),
            ("safety_assessment", "veiligthuis", {}),
        ),
        Case(
            "measure_extension",
            ("measure_imposed", "om", {"starts_on": today, "ends_on": today + timedelta(days=40)}),
            ("measure_extended", "om", {}),
        ),
        Case("re_screening", ("breach_of_conditions", "3ro", {}), ("risk_assessment", "police", {})),
        Case(
            "decision_after_arrest",
            ("arrest", "police", {"arrested_at": now}),
            ("prosecution_decision", "om", {}),
        ),
        *(
            Case(
                f"follow_up_{months}_months",
                ("involvement_closed", "veiligthuis", {"since": today - timedelta(days=60), "until": today}),
                ("safety_assessment", "veiligthuis", {"follow_up_months": months}),
                meets_as="victim",
            )
            for months in (3, 12, 18)
        ),
    ]


def person(n: int) -> Person:
    """A fictional person of this test's own."""
    return Person(given_name="Test", family_name=f"Klokpersoon{n}", birth_date=date(1980, 1, 1 + n))


def signal(name: str, changes: dict[str, Any], who: Person, role: str | None = None) -> Signal:
    loaded = example(name).signal
    role = role or ("suspect" if getattr(loaded, "suspect", None) is not None else "victim")
    return loaded.model_copy(update={**changes, role: who})


@dataclass
class Sent:
    case: Case
    unmet: UUID  # the opening signal of the obligation nobody meets
    met: UUID  # the opening signal of the one met at once
    meeting: UUID


async def test_every_kind_is_reminded_escalated_and_lapses_unless_met_and_nobody_twice_after_a_restart(
    alerting: Alerting, settings: Settings
) -> None:
    key = f"clock-{uuid4()}"
    alerting.settings = alerting.settings.model_copy(update={"pseudonym_key": SecretStr(key)})
    clock = MovableClock()
    config = alerting.config(p1_s=60, p2_s=60).model_copy(
        update={"deadlines_s": {"p1": 60, "p2": 60, "p3": 1}}  # a reminder escalates after a second
    )
    stack, now = alerting.stack, datetime.now(UTC)
    openings: list[tuple[Case, UUID, UUID]] = []
    for n, case in enumerate(cases(now)):
        opening, sender, changes = case.opens
        unmet = await send_once(stack, sender, signal(opening, changes, person(2 * n)), key.encode())
        met = await send_once(stack, sender, signal(opening, changes, person(2 * n + 1)), key.encode())
        openings.append((case, unmet, met))
    opened_by = {str(signal_id) for _, unmet, met in openings for signal_id in (unmet, met)}

    def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [event for event in found if event.get("opened_by") in opened_by]

    def obligation(found: list[dict[str, Any]], opened: UUID, kind: str) -> list[dict[str, Any]]:
        return [e for e in ours(found) if e["opened_by"] == str(opened) and e["kind"] == kind]

    def all_opened(found: list[dict[str, Any]]) -> bool:
        return all(obligation(found, met, case.kind) for case, _, met in openings)

    await read_topic(stack.kafka("admin"), OBLIGATIONS, until=all_opened, timeout_s=30)
    # Only now the meeting signals: they come from other organisations' topics, so they could
    # otherwise be routed before the signal that opens what they meet.
    sent: list[Sent] = []
    for n, (case, unmet, met) in enumerate(openings):
        meeting, meeter, changes = case.meets
        who = person(2 * n + 1)
        meets = await send_once(stack, meeter, signal(meeting, changes, who, case.meets_as), key.encode())
        sent.append(Sent(case, unmet, met, meets))

    def met_all(found: list[dict[str, Any]]) -> bool:
        return all(any(e["event"] == "met" for e in obligation(found, s.met, s.case.kind)) for s in sent)

    events = await read_topic(stack.kafka("admin"), OBLIGATIONS, until=met_all, timeout_s=30)
    opened = {s.case.kind: obligation(events, s.unmet, s.case.kind)[0] for s in sent}
    moments = sorted(
        (datetime.fromisoformat(opened[kind][field]), kind, field)
        for kind in opened
        for field in ("remind_at", "due_at")
    )

    async def reaches(service: OnCallService, kind: str, field: str) -> None:
        wanted = "reminded_at" if field == "remind_at" else "lapsed_at"

        def done() -> bool | None:
            found = service.obligations.book.by_id.get(UUID(opened[kind]["obligation_id"]))
            return True if found is not None and getattr(found, wanted) is not None else None

        await eventually(done, 20.0, f"{kind} {wanted}")

    half = len(moments) // 2
    async with alerting.running(config, clock=clock, close_before=now) as (service, _):
        await waive_the_others(service, opened_by)
        for moment, kind, field in moments[:half]:
            clock.move_to(moment + timedelta(seconds=1))
            await reaches(service, kind, field)
    # Down while the next moment passes; restarted, it finds that one due and handles it at once,
    # and every other obligation and timer comes back from the topic.
    clock.move_to(moments[half][0] + timedelta(seconds=1))
    async with alerting.running(config, clock=clock, close_before=now) as (service, _):
        for moment, kind, field in moments[half:]:
            clock.move_to(moment + timedelta(seconds=1))
            await reaches(service, kind, field)
        clock.move_to(moments[-1][0] + timedelta(days=1))

        def escalated() -> bool | None:
            book = service.obligations.book.by_id
            return all(book[UUID(o["obligation_id"])].escalations for o in opened.values()) or None

        await eventually(escalated, 30.0, "an escalation of every unacknowledged reminder")
        await asyncio.sleep(1.0)  # time for any second reminder to show

    events = await read_topic(stack.kafka("admin"), OBLIGATIONS)
    alerts = await read_topic(stack.kafka("admin"), ALERTS)
    for s in sent:
        first = opened[s.case.kind]
        trail = [e["event"] for e in obligation(events, s.unmet, s.case.kind)]
        counted = Counter(trail)
        assert counted["opened"] == 1 and counted["reminded"] == 1 and counted["lapsed"] == 1, (
            s.case.kind,
            trail,
        )
        assert trail.index("reminded") < trail.index("lapsed"), (s.case.kind, trail)
        assert counted["escalated"] >= 1, (s.case.kind, trail)  # the unacknowledged reminder
        reminded = next(e for e in obligation(events, s.unmet, s.case.kind) if e["event"] == "reminded")
        lapsed = next(e for e in obligation(events, s.unmet, s.case.kind) if e["event"] == "lapsed")
        assert datetime.fromisoformat(reminded["at"]) < datetime.fromisoformat(first["due_at"])
        assert reminded["told"] == first["remind"]
        assert lapsed["told"] == sorted({first["owner"], *first["tell_on_lapse"]})
        obligation_id = UUID(first["obligation_id"])
        for org in reminded["told"]:
            raised = _raised(alerts, alert_id_of(obligation_id, "reminded", org))
            assert raised["priority"] == "p3" and raised["org"] == org
            assert raised["obligation_id"] == str(obligation_id)
            if org == first["owner"] and raised["sender"] == org:
                assert raised["content"], "the owner's own signal is in its reminder"
        for org in lapsed["told"]:
            assert _raised(alerts, alert_id_of(obligation_id, "lapsed", org))["priority"] == "p2"
        # The one met at once: met by the meeting signal, and never reminded, escalated or lapsed.
        met_trail = obligation(events, s.met, s.case.kind)
        assert [e["event"] for e in met_trail] == ["opened", "met"], (s.case.kind, met_trail)
        assert met_trail[1]["met_signal"] == str(s.meeting)


async def waive_the_others(service: OnCallService, ours: set[str]) -> None:
    """Waive what earlier tests on this stack left open, so that only this test's obligations run
    on the moved clock (their alerts close with them)."""
    for obligation in service.obligations.book.open():
        if str(obligation.first.opened_by) not in ours:
            first = obligation.first
            await service.settle_obligation(
                first.obligation_id, first.owner, "test set-up", "waived", "earlier test"
            )


def _raised(alerts: list[dict[str, Any]], alert_id: UUID) -> dict[str, Any]:
    found = [a for a in alerts if a.get("alert_id") == str(alert_id) and a["kind"] == "raised"]
    assert len(found) == 1, f"alert {alert_id} raised {len(found)} times"
    return found[0]
