"""The demo's tables, from values alone (tools/demo_view.py): which signal opened and met each
obligation, and per organisation what it got and which obligations it takes part in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from rich.console import Console
from rich.table import Table

from gateway.schemas.obligation import MeetingSignal, ObligationEvent
from tools.demo_view import Origin, Sent, obligations_table, part_in_obligations, parts_table, received_by

RELEASE, TOLD, BREACH = (str(uuid4()) for _ in range(3))
SENT = Sent(
    originals={BREACH: {}, RELEASE: {}, TOLD: {}},  # in the order they were sent
    origins={
        BREACH: Origin(7, "slachtofferhulp", "breach_of_conditions"),
        RELEASE: Origin(10, "om", "release_from_custody"),
        TOLD: Origin(11, "slachtofferhulp", "victim_informed"),
    },
    lines=[],
)
AT = datetime(2026, 4, 21, 12, 0, tzinfo=UTC)


def opened(kind: str, owner: str, opened_by: str) -> ObligationEvent:
    return ObligationEvent(
        obligation_id=uuid4(),
        event="opened",
        at=AT,
        kind=kind,
        owner=owner,
        subject="pseudonym",
        opened_by=UUID(opened_by),
        due_at=AT,
        remind_at=AT,
        met_by=[MeetingSignal(type="victim_informed", from_=owner)],
        tell_on_lapse=[owner],
        source="test",
    )


WARNED = opened("victim_warned_release", "slachtofferhulp", RELEASE)
EVENTS = [
    WARNED,
    opened("re_screening", "police", BREACH),
    WARNED.model_copy(update={"event": "met", "met_signal": UUID(TOLD)}),
]


def text(table: Table) -> str:
    console = Console(width=300, record=True)
    console.print(table)
    return console.export_text()


def test_each_obligation_names_the_signal_that_opened_it_and_the_one_that_met_it() -> None:
    shown = text(obligations_table(EVENTS, SENT.origins))
    assert "release_from_custody from om (step 10)" in shown
    assert "met by victim_informed from slachtofferhulp (step 11)" in shown
    assert "open: needs victim_informed from police" in shown


def test_an_organisation_s_obligations_are_those_it_owns_then_those_its_signals_opened() -> None:
    assert part_in_obligations("slachtofferhulp", EVENTS, SENT).splitlines() == [
        "owns victim_warned_release: met by victim_informed from slachtofferhulp (step 11)",
        "opened re_screening for police: open: needs victim_informed from police",
    ]
    assert part_in_obligations("om", EVENTS, SENT) == (
        "opened victim_warned_release for slachtofferhulp: "
        "met by victim_informed from slachtofferhulp (step 11)"
    )
    assert part_in_obligations("rvdk", EVENTS, SENT) == "-"


def delivery(org: str, signal_id: str, sender: str, signal_type: str, level: str) -> dict[str, Any]:
    return {
        "_inbox": f"inbox.{org}",
        "delivery_id": str(uuid4()),
        "signal_id": signal_id,
        "sender": sender,
        "signal_type": signal_type,
        "level": level,
    }


def test_what_an_organisation_got_is_content_then_dat_informatie_then_notices_in_the_story_s_order() -> None:
    received = [
        delivery("rvdk", TOLD, "slachtofferhulp", "victim_informed", "dat"),
        {"_inbox": "inbox.rvdk", "signal_id": TOLD, "signal_type": "involvement_match"},
        delivery("rvdk", RELEASE, "om", "release_from_custody", "fields"),
        delivery("rvdk", BREACH, "slachtofferhulp", "breach_of_conditions", "dat"),
        {"_inbox": "inbox.rvdk", "signal_id": RELEASE, "signal_type": "involvement_match"},
        delivery("police", RELEASE, "om", "release_from_custody", "fields"),
    ]
    assert received_by("rvdk", received, SENT).splitlines() == [
        "content: release_from_custody from om (step 10)",
        "only that its sender is involved: breach_of_conditions from slachtofferhulp (step 7), "
        "victim_informed from slachtofferhulp (step 11)",
        "match notices: 2",
    ]
    assert received_by("3ro", received, SENT) == "nothing"
    shown = text(parts_table(SENT, received, EVENTS))
    assert "7: breach_of_conditions" in shown and "11: victim_informed" in shown
