"""The fictional scenario of adapters/scenario.py through the adapters, the real broker and OPA, then
each organisation's timeline of each of the case's persons over the gateway's HTTP API: exactly what
that organisation sent and received, as its signals topic, its inbox, its alerts and the obligations
it owns or was told of hold them (read here independently, as `admin`), and nothing it was not
granted.

The topics hold earlier runs' signals about the same fictional persons too: the timeline shows them,
as it would show an earlier case about the same person, and the expectations are read from the whole
topics alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4, uuid5

import pytest

from adapters.ingest import NAMESPACE
from adapters.scenario import Replayed, replay
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import Record
from gateway.pipeline import Rejected, validate
from gateway.pseudonyms import chain_pseudonym, pseudonym_of_bsn
from gateway.redact import redact
from gateway.schemas import Person
from gateway.schemas.persons import check_bsn
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.topics import ALERTS, AUDIT_READS, OBLIGATIONS, inbox_topic, signals_topic
from tests.fictional import BRAM, LOTTE, NOOR
from tests.integration.kafka_helpers import read_topic
from tests.integration.timeline_harness import TimelineGateway, audited, timeline_gateway
from tools.stack import Endpoints

DAT_NOTICE = {"involved_organisation", "since", "contact"}
# Who is asked about, and how: each person by BSN, and the victim and the suspect also by name and
# birth date (as probation, which has no BSN of hers, and victim support ask).
LOOKUPS = [
    (BRAM, "bsn"),
    (LOTTE, "bsn"),
    (NOOR, "bsn"),
    (LOTTE, "name_birth_date"),
    (BRAM, "name_birth_date"),
]


@dataclass
class Case:
    gateway: TimelineGateway
    signals: dict[str, tuple[str, str]]  # this run's signal ids → (sender, signal type)
    topics: dict[str, list[dict[str, Any]]]  # every record of the topics the timeline reads

    @property
    def key(self) -> bytes:
        return self.gateway.key


@pytest.fixture(scope="module")
async def case(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Case]:
    work = tmp_path_factory.mktemp("timeline")
    async with timeline_gateway(settings, stack, work) as gateway:

        async def settle(step: Replayed) -> None:  # the partners become involved in the story's order
            await audited(stack, {signal_id for signal_id, _ in step.signals})

        namespace = uuid5(NAMESPACE, f"timeline-{uuid4()}")  # the gateway routes an id once
        sent = await replay(stack.kafka, work / "ledger", gateway.key, settle, namespace)
        signals = {
            signal_id: (step.step.org, mapped.signal.name)
            for step in sent
            for signal_id, mapped in step.signals
        }
        names = [
            *(inbox_topic(org) for org in RECIPIENTS), *(signals_topic(org) for org in ORGANISATIONS),
            ALERTS, OBLIGATIONS,
        ]  # fmt: skip
        topics = {name: await read_topic(stack.kafka("admin"), name, timeout_s=60) for name in names}
        yield Case(gateway, signals, topics)


# What each organisation holds, read from the topics as they are, not through the read model.


@dataclass(frozen=True)
class Held:
    """One thing an organisation sent or received, by the id of its entry in the timeline."""

    id: str
    kind: str  # sent, received, match_notice, alert
    body: Any
    signal_id: str
    subject: str | None = None  # the chain pseudonym a delivery carries
    obligation_id: str | None = None


def held_by(case: Case, org: str) -> dict[str, Held]:
    """What `org` sent (the first copy of each signal the gateway takes), what it received, and the
    alerts raised for it."""
    held: dict[str, Held] = {}
    for record in case.topics.get(signals_topic(org), []):
        entry_id = f"sent:{record['_headers'].get('ce_id')}"
        if entry_id not in held and taken(signals_topic(org), record):
            held[entry_id] = Held(entry_id, "sent", content(record), entry_id.removeprefix("sent:"))
    for record in case.topics[inbox_topic(org)]:
        if "delivery_id" in record:  # not a receipt for a refused signal
            entry_id = f"received:{record['delivery_id']}"
            kind = "match_notice" if record["signal_type"] == MATCH_NOTICE else "received"
            subject = record["chain_pseudonym"]
            held[entry_id] = Held(entry_id, kind, record["body"], record["signal_id"], subject)
    for event in case.topics[ALERTS]:
        if event.get("kind") == "raised" and event.get("org") == org:
            entry_id = f"alert:{event['alert_id']}"
            oid = event.get("obligation_id")
            held[entry_id] = Held(entry_id, "alert", event.get("content"), event["signal_id"], None, oid)
    return held


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def taken(topic: str, record: dict[str, Any]) -> bool:
    """Whether the gateway takes this signal at all: the contract's own check, on the value and the
    headers as sent (a header that is no UTF-8, shown here with a backslash, was refused)."""
    value, headers = record["_raw"]
    return not isinstance(validate(Record(topic, None, value, headers)), Rejected)


def persons_in(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    found = [body[role] for role in ("suspect", "victim") if isinstance(body.get(role), dict)]
    return found + [child for child in body.get("children") or [] if isinstance(child, dict)]


def keys_of(person: dict[str, Any], key: bytes) -> set[str]:
    """The pseudonyms a person, as received, goes by: of the BSN, and of name and birth date."""
    keys: set[str] = set()
    if isinstance(person.get("bsn"), str):
        keys.add(pseudonym_of_bsn(check_bsn(person["bsn"]), key))
    if all(isinstance(person.get(name), str) for name in ("given_name", "family_name", "birth_date")):
        named = Person(given_name=person["given_name"], family_name=person["family_name"],
                       birth_date=person["birth_date"])  # fmt: skip
        keys.add(chain_pseudonym(named, key))
    return keys


def bsn_key(person: dict[str, Any], key: bytes) -> str | None:
    bsn = person.get("bsn")
    return pseudonym_of_bsn(check_bsn(bsn), key) if isinstance(bsn, str) else None


def asked_about(person: Person, by: str, key: bytes) -> tuple[dict[str, str], str]:
    """What the organisation sends to ask about the person, and the pseudonym that stands for."""
    if by == "bsn":
        assert person.bsn is not None
        return {"bsn": person.bsn}, pseudonym_of_bsn(person.bsn, key)
    named = person.model_copy(update={"bsn": None})
    asked = named.model_dump(mode="json", include={"given_name", "family_name", "birth_date"})
    return asked, chain_pseudonym(named, key)


def expected(case: Case, org: str, asked: str) -> set[str]:
    """The entries of `org`'s timeline of the person with pseudonym `asked`: everything it holds that
    names them (by the keys its own copies tie to `asked`; a copy naming them beside another BSN
    names a namesake), the alerts about those signals, and the obligations about the person it owns
    or was told of, with their alerts."""
    key, held = case.key, held_by(case, org)
    seen = [keys_of(person, key) for item in held.values() for person in persons_in(item.body)]
    keys = {asked}.union(*(person for person in seen if asked in person))

    def names_them(item: Held) -> bool:
        named = [p for p in persons_in(item.body) if keys_of(p, key) & keys]
        return item.subject in keys or any(bsn_key(p, key) in (None, *keys) for p in named)

    found = {item.id for item in held.values() if item.kind != "alert" and names_them(item)}
    signals = {held[entry].signal_id for entry in found if held[entry].kind in ("sent", "received")}
    alerts = [item for item in held.values() if item.kind == "alert"]
    found |= {item.id for item in alerts if names_them(item) or item.signal_id in signals}
    events: dict[str, list[dict[str, Any]]] = {}
    for event in case.topics[OBLIGATIONS]:
        if "obligation_id" in event:
            events.setdefault(event["obligation_id"], []).append(event)
    for oid, about in events.items():
        first = about[0]
        concerned = first["owner"] == org or any(org in (event.get("told") or []) for event in about)
        if concerned and set(first.get("subject_keys") or [first["subject"]]) & keys:
            found |= {f"obligation:{oid}", *(i.id for i in alerts if i.obligation_id == oid)}
    return found


# The timelines.


@pytest.mark.parametrize("org", RECIPIENTS)
async def test_each_organisations_timeline_is_what_it_sent_and_received(case: Case, org: str) -> None:
    held, found = held_by(case, org), set()
    for person, by in LOOKUPS:
        asked, pseudonym = asked_about(person, by, case.key)
        shown = await case.gateway.ask(org, "/timeline", asked)
        found |= {entry["signal_id"] for entry in shown["entries"]}
        ids = [entry["id"] for entry in shown["entries"]]
        assert len(ids) == len(set(ids)), f"{org}: an entry twice"
        assert set(ids) == expected(case, org, pseudonym), f"{org}, {person.given_name} by {by}"
        moments = [datetime.fromisoformat(entry["at"]) for entry in shown["entries"]]
        assert moments == sorted(moments), f"{org}: not in time order"
        for entry in shown["entries"]:
            assert {"id", "kind", "at", "signal_id", "signal_type", "from", "body", "persons"} <= set(entry)
            if entry["kind"] != "obligation":  # the rest exactly as sent or received
                assert entry["body"] == held[entry["id"]].body, f"{org}: {entry['id']}"
    # Not vacuous: everything of this run the organisation sent or received is in its timelines.
    ours = {sid for sid, (sender, _) in case.signals.items() if sender == org}
    theirs = {i.signal_id for i in held.values() if i.kind == "received" and i.signal_id in case.signals}
    assert ours | theirs <= found


@pytest.mark.parametrize("org", RECIPIENTS)
async def test_no_entry_holds_a_field_the_organisation_was_not_granted(case: Case, org: str) -> None:
    inbox = {f"received:{r['delivery_id']}": r for r in case.topics[inbox_topic(org)] if "delivery_id" in r}
    for person, _ in LOOKUPS[:3]:
        for entry in (await case.gateway.ask(org, "/timeline", {"bsn": person.bsn}))["entries"]:
            if entry["kind"] not in ("received", "match_notice"):
                continue
            copy, delivery = inbox[entry["id"]], entry["delivery"]
            assert (delivery["fields"], delivery["level"]) == (copy["fields"], copy["level"])
            if copy["level"] == "fields":
                assert redact(entry["body"], copy["fields"]) == entry["body"], f"{org}: {entry['id']}"
            elif entry["kind"] == "received" and copy["level"] == "dat":
                assert set(entry["body"]) == DAT_NOTICE
            elif entry["kind"] == "match_notice":
                assert set(entry["body"]) == {"persons"}


async def test_the_police_open_the_victims_and_the_childs_timelines_from_his(case: Case) -> None:
    """However each of the case's copies names her (with her BSN, or, where it came from a partner
    without it, by name and birth date), she is one person to the police, and so is the child."""
    police = await case.gateway.ask("police", "/timeline", {"bsn": BRAM.bsn})
    ours = [entry for entry in police["entries"] if entry["signal_id"] in case.signals]
    linked = {(person["role"], person["person"]) for entry in ours for person in entry["persons"]}
    by_role = {role: [pid for r, pid in linked if r == role] for role in ("victim", "child")}
    assert [len(ids) for ids in by_role.values()] == [1, 1], linked
    names = {person["person"]: person["given_name"] for person in police["linked"]}
    for role, person in (("victim", LOTTE), ("child", NOOR)):
        (pid,) = by_role[role]
        assert names[pid] == person.given_name and person.bsn is not None
        opened = await case.gateway.ask("police", "/timeline", {"person": pid})
        by_bsn = pseudonym_of_bsn(person.bsn, case.key)
        assert {e["id"] for e in opened["entries"]} == expected(case, "police", by_bsn)


async def test_probation_opens_her_timeline_by_name_and_never_the_childs(case: Case) -> None:
    """3RO receives the victim's name and birth date, never her BSN, and of the children only the
    birth date: from the case's copies in Bram's timeline, Lotte can be opened, Noor cannot. (Other
    tests' signals on the same topics may tell 3RO more of them: only this run's copies count.)"""
    probation = await case.gateway.ask("3ro", "/timeline", {"bsn": BRAM.bsn})
    ours = [entry for entry in probation["entries"] if entry["signal_id"] in case.signals]
    linked = {(person["role"], person["person"]) for entry in ours for person in entry["persons"]}
    assert {role for role, _ in linked} == {"victim"}, linked  # never the child
    ((_, lotte),) = linked
    assert all("bsn" not in person for person in probation["linked"])
    opened = await case.gateway.ask("3ro", "/timeline", {"person": lotte})
    # The id stands for her name and birth date, or for the one BSN 3RO's own copies give that name.
    _, by_name = asked_about(LOTTE, "name_birth_date", case.key)
    named = [p for item in held_by(case, "3ro").values() for p in persons_in(item.body)]
    bsns = {bsn_key(p, case.key) for p in named if by_name in keys_of(p, case.key)} - {None}
    stands_for = next(iter(bsns)) if len(bsns) == 1 else by_name
    assert {e["id"] for e in opened["entries"]} == expected(case, "3ro", str(stands_for))
    assert {e["match"] for e in opened["entries"] if e["signal_id"] in case.signals} == {"name_birth_date"}
    async with case.gateway.client("police") as http:  # 3RO's id for her is nothing to the police
        assert (await http.post("/timeline", json={"person": lotte})).status_code == 404


async def test_the_police_see_the_behavioural_order_in_force_with_its_conditions(case: Case) -> None:
    imposed = next(sid for sid, signal in case.signals.items() if signal == ("om", "measure_imposed"))
    case.gateway.clock.at = datetime(2026, 4, 22, 9, 0, tzinfo=UTC)  # the day after his release
    try:
        shown = await case.gateway.ask("police", "/timeline/conditions", {"bsn": BRAM.bsn})
    finally:
        case.gateway.clock.at = None
    assert shown["today"] == "2026-04-22"
    (measure,) = [m for m in shown["measures"] if m["measure"] == imposed]
    (copy,) = [
        r
        for r in case.topics["inbox.police"]
        if (r.get("signal_id"), r.get("signal_type")) == (imposed, "measure_imposed")
    ]
    assert (measure["kind"], measure["imposed_by"], measure["as"]) == ("behavioural_order", "om", ["suspect"])
    conditions = copy["body"]["conditions"]
    assert measure["conditions"] == [{**c, "ends_on": c.get("ends_on"), "lapsed": False} for c in conditions]
    assert measure["contact"] == copy["body"]["contact"] and measure["area"]
    later = {kind for _, kind in case.signals.values()} & {"measure_extended", "measure_ended"}
    if not later:  # the scenario as it stands: nothing extends or ends it
        assert (measure["status"], measure["ends_on"]) == ("in_force", copy["body"]["ends_on"])


async def test_every_read_is_in_the_log_of_reads_by_pseudonym(case: Case, stack: Endpoints) -> None:
    await case.gateway.ask("veiligthuis", "/timeline", {"bsn": LOTTE.bsn})
    await case.gateway.ask("veiligthuis", "/timeline/conditions", {"bsn": LOTTE.bsn})
    readers = {name: org for org, name in case.gateway.names.items()}
    logged = await read_topic(stack.kafka("admin"), AUDIT_READS, timeout_s=30)
    reads = [read for read in logged if read.get("reader") in readers]
    assert {"timeline", "conditions"} <= {read["query"] for read in reads}
    for read in reads:
        assert read["org"] == readers[read["reader"]] and read["channel"] == "api"
        assert read["subject"].startswith("kp-")
    text = str(reads)
    assert not any(person.bsn in text for person in (BRAM, LOTTE, NOOR) if person.bsn)
