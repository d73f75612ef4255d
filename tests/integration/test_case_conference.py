"""The safety house's case conference end to end, on the real Kafka and OPA (docs/obligations.md,
docs/policies.md "The safety house"): the police's SASH score of hoog puts the case on the
conference within a week; the safety house's process director takes the case on, the conference
is held with a plan, and each open task of it becomes an obligation of the partner that owns it;
the plan goes to the partners at the table; a plan update marking a task done meets exactly that
task's obligation; and the safety house's involvement brings it together with the partners already
working with the family.

Every record is an export as the organisations' systems write it (the shared scenario's, the safety
house's with today's dates), read, mapped and sent by the organisation's own adapter (`Ingest`:
every header a real adapter sets, content-type included), logged in as that organisation. What
came of it is read from Kafka: chain.obligations, the inboxes, the audit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from adapters.ingest import Ingest, planned
from adapters.registry import adapter
from adapters.scenario import scenario_file
from gateway.involvements import MATCH_NOTICE
from gateway.settings import Settings
from gateway.topics import AUDIT, OBLIGATIONS, inbox_topic
from tests.integration.kafka_helpers import read_topic
from tests.integration.test_first_slice import running_gateway
from tools.stack import Endpoints

LOCAL = ZoneInfo("Europe/Amsterdam")
CONFERENCE = "ZVH-RR-2026-0412"  # the safety house's case number in the scenario
AT_THE_TABLE = ("police", "veiligthuis", "om", "3ro")  # besides the safety house itself
DUE_IN_DAYS = {1: 3, 2: 7, 3: 7, 4: 0, 5: 14}  # per taaknummer: its uiterlijk, from today
BRAM = "111222333"


@dataclass
class Case:
    """What the organisations sent (signal id by name: "<step>:<part>") and what came out."""

    today: date
    sent: dict[str, str] = field(default_factory=dict)
    routed: dict[str, datetime] = field(default_factory=dict)  # when each step was sent
    obligations: list[dict[str, Any]] = field(default_factory=list)
    inboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def events(self, kind: str, **where: str) -> list[dict[str, Any]]:
        return [
            e for e in self.obligations if e["kind"] == kind and all(e.get(k) == v for k, v in where.items())
        ]

    def copies(self, org: str, step: str) -> list[dict[str, Any]]:
        """What `org`'s inbox holds of the signal sent as `step` (not a match notice)."""
        signal_id = self.sent[step]
        return [
            i
            for i in self.inboxes[org]
            if i.get("signal_id") == signal_id and i.get("signal_type") != MATCH_NOTICE
        ]


def scenario_records(org: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(scenario_file(org).read_bytes())
    return records


def safety_house_export(today: date) -> list[dict[str, Any]]:
    """The safety house's scenario records as its system exports them today: the case taken on and
    the conference held today, each task due some days from now."""
    records = scenario_records("zvh")
    now = datetime.now(LOCAL).replace(microsecond=0).isoformat()
    for record in records:
        record |= {"tijdstip": now, "startdatum": today.isoformat()}
        if "overleg" in record:
            record["overleg"] = {**record["overleg"], "datum": today.isoformat()}
        for task in record.get("plan", []):
            task["uiterlijk"] = (today + timedelta(days=DUE_IN_DAYS[task["taaknummer"]])).isoformat()
    return records


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=LOCAL).astimezone(UTC)


@pytest.fixture(scope="module")
async def case(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Case]:
    """The case, step by step, each handled by the gateway before the next is sent."""
    # A pseudonym key of its own: the persons are new to the index and to the obligations, and ids
    # of its own: the gateway routes an id once, also across runs on this stack.
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"case-conference-{uuid4()}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    namespace, ledger = uuid4(), tmp_path_factory.mktemp("case-conference")
    today = datetime.now(LOCAL).date()
    found = Case(today)
    zvh = safety_house_export(today)

    async def send(step: str, org: str, records: list[dict[str, Any]]) -> None:
        raw = json.dumps(records).encode()
        found.routed[step] = datetime.now(UTC)
        async with Ingest(adapter(org), stack.kafka(org), ledger, key, namespace) as ingest:
            summary = await ingest.ingest(raw, step)
        assert not summary.rejected, summary.as_json()
        ids = {
            f"{step}:{mapped.part}": signal_id
            for signal_id, mapped in planned(adapter(org), adapter(org).read(raw), namespace)
        }
        assert len(ids) == summary.sent
        found.sent |= ids
        await audited(stack, set(ids.values()))

    async with running_gateway(settings, stack, stack.opa_url):
        await send("sash", "police", scenario_records("police")[:1])  # the report, its SASH: hoog
        await send("inquiry", "rvdk", scenario_records("rvdk")[:1])  # the Board, working with Noor
        await send("assigned", "zvh", zvh[:1])  # the process director takes the case on
        await send("scheduled", "zvh", zvh[1:2])  # on the actieoverleg's agenda
        await send("held", "zvh", zvh[2:3])  # the conference's plan
        await send("updated", "zvh", zvh[3:4])  # the police's task done

    ours = set(found.sent.values())
    found.obligations = [
        e
        for e in await read_topic(stack.kafka("admin"), OBLIGATIONS, timeout_s=30)
        if e.get("opened_by") in ours or e.get("met_signal") in ours
    ]
    for org in (*AT_THE_TABLE, "zvh", "rvdk", "slachtofferhulp"):
        items = await read_topic(stack.kafka("admin"), inbox_topic(org), timeout_s=30)
        found.inboxes[org] = [i for i in items if i.get("signal_id") in ours]
    yield found


async def audited(stack: Endpoints, signal_ids: set[str], timeout_s: float = 30.0) -> None:
    """Until the gateway has decided on every one of these signals: each leaves audit records, in the
    transaction that holds everything else it caused."""

    def done(items: list[dict[str, Any]]) -> bool:
        return signal_ids <= {item.get("signal_id") for item in items}

    items = await read_topic(stack.kafka("admin"), AUDIT, until=done, timeout_s=timeout_s)
    assert done(items), f"the gateway did not handle {signal_ids - {i.get('signal_id') for i in items}}"


async def test_a_hoog_score_brings_the_case_on_the_conference_within_a_week_and_the_held_conference_meets_it(
    case: Case,
) -> None:
    (opened,) = case.events("case_conference_high_risk", event="opened")
    assert opened["opened_by"] == case.sent["sash:risk"] and opened["owner"] == "zvh"
    due = datetime.fromisoformat(opened["due_at"])
    assert case.routed["sash"] + timedelta(hours=168) <= due <= case.routed["inquiry"] + timedelta(hours=168)
    assert set(opened["remind"]) == {"zvh", "police"}
    # The score itself reaches the safety house, for its agenda: not urgently, never an address.
    (score,) = case.copies("zvh", "sash:risk")
    assert (score["body"]["risk_level"], score["urgency"]) == ("hoog", "normal")
    assert "address" not in score["body"]["suspect"] and "address" not in score["body"]["victim"]
    # Scheduling it is not holding it; the conference held with the case meets it.
    (met,) = case.events("case_conference_high_risk", event="met")
    assert met["obligation_id"] == opened["obligation_id"]
    assert met["met_signal"] == case.sent["held:conference"]


async def test_each_open_task_of_the_plan_is_an_obligation_of_its_owner_and_the_plan_goes_to_the_table(
    case: Case,
) -> None:
    held = case.sent["held:conference"]
    opened = case.events("case_conference_task", event="opened", opened_by=held)
    by_item = {e["item"]: e for e in opened}
    # The police's, probation's and Veilig Thuis's tasks; not the OM's (done at the conference), not
    # the municipality's (outside the chain: the plan keeps it, the chain cannot remind it).
    assert {item: e["owner"] for item, e in by_item.items()} == {
        f"{CONFERENCE}/taak-1": "police",
        f"{CONFERENCE}/taak-2": "3ro",
        f"{CONFERENCE}/taak-3": "veiligthuis",
    }
    for n, event in ((1, by_item[f"{CONFERENCE}/taak-1"]), (3, by_item[f"{CONFERENCE}/taak-3"])):
        due_on = (case.today + timedelta(days=DUE_IN_DAYS[n])).isoformat()
        assert datetime.fromisoformat(event["due_at"]) == end_of(due_on)  # by the end of its day
        assert event["tell_on_lapse"] == [event["owner"], "zvh"]  # and the process director
        assert [m["from"] for m in event["met_by"]] == ["zvh", "zvh"]
    assert not case.events("case_conference_task", opened_by=case.sent["scheduled:conference"])
    # The plan sent again opens nothing new for the tasks still open.
    assert not case.events("case_conference_task", event="opened", opened_by=case.sent["updated:conference"])

    # Every partner at the table receives the plan whole, with whom to call at the safety house.
    for org in AT_THE_TABLE:
        (plan,) = case.copies(org, "held:conference")
        assert plan["level"] == "fields" and plan["legal_basis"] == "avg-6-1-e-zvh-covenant", org
        body = plan["body"]
        assert [t["task_id"] for t in body["tasks"]] == [f"taak-{n}" for n in range(1, 6)], org
        assert body["status"] == "held" and body["risk_level"] == "hoog", org
        assert body["contact"]["name"] == "T. Willems" and body["contact"]["role"] == "procesregisseur"
    assert "bsn" not in case.copies("3ro", "held:conference")[0]["body"]["victim"]  # as probation sees her
    assert not case.copies("zvh", "held:conference")  # its own signal
    # The Board works with the family but is not at the table: at most that the safety house is
    # involved. Victim support, not at the table and not involved: nothing.
    for item in case.copies("rvdk", "held:conference"):
        assert item["level"] == "dat" and set(item["body"]) == {"involved_organisation", "since", "contact"}
    assert all("tasks" not in item["body"] for item in case.copies("rvdk", "held:conference"))
    assert not case.copies("slachtofferhulp", "held:conference")


async def test_the_plan_update_with_a_task_done_meets_exactly_that_tasks_obligation(case: Case) -> None:
    updated = case.sent["updated:conference"]
    met = [e for e in case.obligations if e["event"] == "met" and e["met_signal"] == updated]
    assert [(e["kind"], e["item"], e["owner"]) for e in met] == [
        ("case_conference_task", f"{CONFERENCE}/taak-1", "police")
    ]
    held = case.sent["held:conference"]
    (taak_1,) = case.events("case_conference_task", event="opened", item=f"{CONFERENCE}/taak-1")
    assert taak_1["opened_by"] == held and met[0]["obligation_id"] == taak_1["obligation_id"]
    still_open = {
        e["item"]
        for e in case.events("case_conference_task", opened_by=held)
        if not any(
            m["obligation_id"] == e["obligation_id"] for m in case.events("case_conference_task", event="met")
        )
    }
    assert still_open == {f"{CONFERENCE}/taak-2", f"{CONFERENCE}/taak-3"}
    # The update reaches the table too: the police learn their task is recorded done.
    (update,) = case.copies("police", "updated:conference")
    assert {t["task_id"]: t["status"] for t in update["body"]["tasks"]}["taak-1"] == "done"


async def test_the_safety_houses_involvement_brings_it_together_with_the_partners_on_the_case(
    case: Case,
) -> None:
    opening = case.sent["assigned:involvement"]
    notices = [
        i
        for i in case.inboxes["police"]
        if i.get("signal_type") == MATCH_NOTICE and i["signal_id"] == opening
    ]
    (notice,) = notices
    named = {
        (i["organisation"], i["role"], i["contact"]["name"])
        for person in notice["body"]["persons"]
        for i in person["involved"]
    }
    assert ("zvh", "process_direction", "T. Willems") in named
    assert notice["level"] == "dat" and notice["fields"] == []
    assert BRAM not in str(notice) and "Verhoef" not in str(notice)
    # and the safety house learns whom to call at the police and the Board
    (to_zvh,) = [
        i for i in case.inboxes["zvh"] if i.get("signal_type") == MATCH_NOTICE and i["signal_id"] == opening
    ]
    assert {i["organisation"] for p in to_zvh["body"]["persons"] for i in p["involved"]} == {"police", "rvdk"}
    # The process director is whom to call from now on, for the partners on the case.
    (assigned,) = case.copies("police", "assigned:contact")
    assert (assigned["body"]["role"], assigned["body"]["contact"]["name"]) == (
        "process_director",
        "T. Willems",
    )
