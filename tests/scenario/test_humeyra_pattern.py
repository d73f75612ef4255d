"""The fictional scenario of adapters/scenario.py through every organisation's adapter and the
real stack: what each organisation's system ends up holding, and what it never receives.

Each organisation's system is a file drop fed by its adapter's inbox delivery, logged in as that
organisation, so what lands in its folder is what the broker let it read and the policies let it
have. The gaps DOMAIN.md names are the assertions: probation learns of the breach and gets the
SASH score, the prosecutor learns of the arrest at once, the police and victim support learn of the
release at once, with its conditions; a breach the victim reports reaches the partners as an ankle
tag's would; the partner agreed to warn her of the release (victim support) owns that obligation,
and its registration that it told her meets it, as `chain.obligations` records.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from uuid import uuid4, uuid5

import pytest
from jsonschema import Draft202012Validator
from pydantic import SecretStr

from adapters.delivery import Deliverer, FileDrop, InboxDelivery
from adapters.ingest import NAMESPACE
from adapters.scenario import Replayed, replay
from gateway.schemas.envelope import DATASCHEMA_RE
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.topics import AUDIT, OBLIGATIONS, inbox_topic, signals_topic
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.test_first_slice import running_gateway
from tools.contracts.jsonschema import schema_path
from tools.stack import Endpoints

Holding = dict[str, list[dict[str, Any]]]  # organisation → the deliveries its system holds


class Case(NamedTuple):
    """The replayed scenario: what each system holds, and each signal id's sender and type."""

    held: Holding
    senders: dict[str, str]
    types: dict[str, str]

    def signal_id(self, sender: str, signal_type: str) -> str:
        (found,) = [i for i, s in self.senders.items() if s == sender and self.types[i] == signal_type]
        return found


@pytest.fixture(scope="module")
async def holdings(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Case]:
    """Replay the scenario; yield what each system holds, and the sender and type of each signal."""
    work = tmp_path_factory.mktemp("scenario")
    run = uuid4().hex[:8]
    # A pseudonym key of this run's own: the persons are new to the involvement index, as in a
    # first run on a fresh stack, however often the scenario ran on this one before.
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"scenario-{run}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    senders: dict[str, str] = {}
    types: dict[str, str] = {}
    async with AsyncExitStack() as stack_:
        await stack_.enter_async_context(running_gateway(settings, stack, stack.opa_url))
        for org in RECIPIENTS:  # each system starts reading now: earlier runs' items are not its case
            group = f"{org}.scenario-{run}"
            await skip_history(stack.kafka("admin"), group, [inbox_topic(org)])
            delivery = InboxDelivery(
                org, stack.kafka(org), Deliverer(FileDrop(work / org), work / "dead" / org), group
            )
            await delivery.start()
            stack_.push_async_callback(delivery.stop)

        # Each step handled before the next: the partners become involved in the scenario's order.
        async def settle(step: Replayed) -> None:
            await _audited(stack, {signal_id for signal_id, _ in step.signals})

        # Signal ids of the run's own too: the gateway routes an id once, also across runs.
        namespace = uuid5(NAMESPACE, f"scenario-{run}")
        for sent in await replay(stack.kafka, work / "ledger", key, settle, namespace):
            assert not sent.summary.rejected, sent.summary.as_json()
            senders.update((signal_id, sent.step.org) for signal_id, _ in sent.signals)
            types.update((signal_id, mapped.signal.name) for signal_id, mapped in sent.signals)
        held = await _settled(work)
    assert not (work / "dead").exists(), "a delivery became a dead letter"
    yield Case(held, senders, types)


async def _audited(stack: Endpoints, signal_ids: set[str], timeout_s: float = 30.0) -> None:
    """Until the gateway has decided on every one of these signals: each leaves audit records, also
    where nobody is granted anything."""

    def done(found: list[dict[str, Any]]) -> bool:
        return signal_ids <= {item.get("signal_id") for item in found}

    found = await read_topic(stack.kafka("admin"), AUDIT, until=done, timeout_s=timeout_s)
    assert done(found), f"the gateway did not handle {len(signal_ids)} signals within {timeout_s:.0f} s"


async def _settled(work: Path, timeout_s: float = 60.0) -> Holding:
    """Poll the folders until every system holds at least what it should, then until nothing new
    arrived for two seconds, so that anything it should not hold has had time to arrive too."""
    deadline, last, quiet_since = time.monotonic() + timeout_s, -1, time.monotonic()
    held: Holding = {}
    while time.monotonic() < deadline:
        held = {
            org: [json.loads(p.read_text()) for p in sorted((work / org).glob("*.json"))]
            for org in RECIPIENTS
        }
        count = sum(len(items) for items in held.values())
        if count != last:
            last, quiet_since = count, time.monotonic()
        complete = all(kinds(held, org) >= EXPECTED[org] for org in RECIPIENTS)
        if complete and time.monotonic() - quiet_since > 2.0:
            break
        await asyncio.sleep(0.25)
    return held  # the assertions say what is missing


def kinds(held: Holding, org: str) -> set[tuple[str, str]]:
    return {(item["signal_type"], item["sender"]) for item in held[org]}


def copy(held: Holding, org: str, signal_type: str, sender: str) -> dict[str, Any]:
    (found,) = [i for i in held[org] if i["signal_type"] == signal_type and i["sender"] == sender]
    return found


# What each system holds at the end: (signal type, sender). Veilig Thuis's involvement and contact
# signals reach nobody: it is the first to know the family. 3RO's reach the partners involved by
# then, and each partner gets match notices ("ketenpoort") as others become involved.
VICTIM_SUPPORT = "slachtofferhulp"
# Victim support's signals: her needs (on her consent, to the partners she named), the breach she
# reported, and that she was told of the release.
HER_NEEDS = ("protection_needs", VICTIM_SUPPORT)
HER_BREACH = ("breach_of_conditions", VICTIM_SUPPORT)
TOLD = ("victim_informed", VICTIM_SUPPORT)
AGREED = ("victim_informing_agreed", "om")  # victim support tells her of the release
INQUIRY = ("child_protection", "rvdk")  # the Board's inquiry into Noor
CONFERENCE = ("case_conference", "zvh")  # scheduled, held with its plan, the plan updated
DIRECTION = (("involvement_opened", "zvh"), ("contact_assigned", "zvh"))  # the process director
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "police": {
        *((kind, "3ro") for kind in ("involvement_opened", "contact_assigned")),
        ("involvement_match", "ketenpoort"),
        ("new_report", "veiligthuis"),
        ("safety_assessment", "veiligthuis"),
        ("measure_imposed", "om"),
        ("breach_of_conditions", "3ro"),
        ("prosecution_decision", "om"),
        ("release_from_custody", "om"),
        *(HER_NEEDS, HER_BREACH, TOLD, AGREED, INQUIRY, CONFERENCE, *DIRECTION),
    },
    "veiligthuis": {
        *((kind, "3ro") for kind in ("involvement_opened", "contact_assigned")),
        ("involvement_match", "ketenpoort"),
        ("new_report", "police"),
        ("risk_assessment", "police"),
        ("measure_imposed", "om"),
        ("breach_of_conditions", "3ro"),
        ("breach_of_conditions", "police"),
        ("arrest", "police"),
        ("prosecution_decision", "om"),
        ("release_from_custody", "om"),
        *(HER_NEEDS, HER_BREACH, TOLD, AGREED, INQUIRY, CONFERENCE, *DIRECTION),
    },
    "om": {
        *((kind, "3ro") for kind in ("involvement_opened", "contact_assigned")),
        ("involvement_match", "ketenpoort"),
        ("risk_assessment", "police"),
        ("safety_assessment", "veiligthuis"),
        ("breach_of_conditions", "3ro"),
        ("breach_of_conditions", "police"),
        ("arrest", "police"),
        *(HER_NEEDS, HER_BREACH, TOLD, INQUIRY, CONFERENCE),
    },
    "3ro": {
        ("involvement_match", "ketenpoort"),
        ("risk_assessment", "police"),
        ("safety_assessment", "veiligthuis"),
        ("measure_imposed", "om"),
        ("breach_of_conditions", "police"),
        ("arrest", "police"),
        ("prosecution_decision", "om"),
        ("release_from_custody", "om"),
        *(HER_BREACH, TOLD, AGREED),  # the last two only as dat-informatie
        CONFERENCE,
    },
    # Victim support: the arrest and the release at once, the agreement that it tells her of the
    # release, and who else is involved with her.
    VICTIM_SUPPORT: {
        ("involvement_match", "ketenpoort"),
        ("arrest", "police"),
        ("release_from_custody", "om"),
        AGREED,
    },
    # The Child Protection Board, from its inquiry into Noor on: what the case's partners send about
    # her family, and who else is involved; victim support's and probation's signals, and the
    # agreement on informing her mother, only as dat-informatie.
    "rvdk": {
        ("involvement_match", "ketenpoort"),
        ("arrest", "police"),
        ("breach_of_conditions", "police"),
        ("prosecution_decision", "om"),
        ("release_from_custody", "om"),
        ("breach_of_conditions", "3ro"),
        *(HER_BREACH, TOLD, AGREED),
        CONFERENCE,  # not at the table: that the safety house directs the case
    },
    # The safety house: the hoog score to put the case on the actieoverleg, and, once it directs the
    # case, the breaches, the arrest, the measure, the decision and the release; who else is involved.
    "zvh": {
        ("involvement_match", "ketenpoort"),
        ("risk_assessment", "police"),
        ("arrest", "police"),
        ("breach_of_conditions", "police"),
        ("measure_imposed", "om"),
        ("prosecution_decision", "om"),
        ("release_from_custody", "om"),
        ("victim_informing_agreed", "om"),
        ("breach_of_conditions", "3ro"),
        ("involvement_opened", "3ro"),
        ("contact_assigned", "3ro"),
        *(HER_BREACH, TOLD, INQUIRY),
    },
}


def test_each_system_holds_exactly_what_the_policies_grant_it(
    holdings: Case,
) -> None:
    held = holdings.held
    assert {org: kinds(held, org) for org in RECIPIENTS} == EXPECTED
    for org in RECIPIENTS:
        copies = [item["signal_id"] for item in held[org] if item["signal_type"] != "involvement_match"]
        assert len(copies) == len(set(copies)), f"{org} holds a copy twice"


def test_probation_gets_the_sash_score_and_the_arrest_at_once(
    holdings: Case,
) -> None:
    held = holdings.held
    risk = copy(held, "3ro", "risk_assessment", "police")
    assert risk["body"]["risk_level"] == "hoog" and risk["body"]["victim_fears_for_life"] is True
    assert risk["urgency"] == "immediate"
    breach = copy(held, "3ro", "breach_of_conditions", "police")
    assert breach["urgency"] == "immediate" and breach["body"]["measure"] == "behavioural_order"
    for org in ("om", "veiligthuis", "police"):
        assert copy(held, org, "breach_of_conditions", "3ro")["urgency"] == "immediate", org


def test_the_arrest_reaches_the_prosecutor_at_once_with_the_time_its_9_hours_run_from(
    holdings: Case,
) -> None:
    held = holdings.held
    arrest = copy(held, "om", "arrest", "police")
    assert arrest["urgency"] == "immediate" and arrest["purpose"] == "prosecution"
    assert arrest["body"]["arrested_at"] == "2026-04-18T23:10:00+02:00"
    assert arrest["body"]["measure"] == "behavioural_order" and arrest["body"]["held_at"]
    for org in ("veiligthuis", "3ro", "slachtofferhulp"):  # those protecting the victim, at once
        assert copy(held, org, "arrest", "police")["urgency"] == "immediate", org
    assert "held_at" not in copy(held, "veiligthuis", "arrest", "police")["body"]


def test_the_release_reaches_police_victim_support_vt_and_probation_at_once_with_its_conditions(
    holdings: Case,
) -> None:
    held = holdings.held
    for org in ("police", "slachtofferhulp", "veiligthuis", "3ro"):
        release = copy(held, org, "release_from_custody", "om")
        assert release["urgency"] == "immediate", org
        assert {c["kind"] for c in release["body"]["conditions"]} >= {"contact_ban", "area_ban"}, org


def test_what_each_system_never_receives(holdings: Case) -> None:
    held, senders = holdings.held, holdings.senders
    for org in RECIPIENTS:
        for item in held[org]:
            if item["signal_type"] == "involvement_match":
                continue  # the gateway's own notice: see test_a_match_notice_holds_no_content
            assert item["sender"] != org and senders[item["signal_id"]] == item["sender"]
            if item["level"] == "dat":  # only that the sender is involved, and whom to call
                assert set(item["body"]) == {"involved_organisation", "since", "contact"}, item["signal_type"]
                continue
            granted = {field.split(".")[0] for field in item["fields"]}
            assert set(item["body"]) <= granted, f"{org}: {item['signal_type']} holds ungranted fields"
    for item in held["3ro"]:  # probation: never the victim's BSN, never the children's names
        assert "bsn" not in item["body"].get("victim", {}), item["signal_type"]
        assert all(set(child) <= {"birth_date"} for child in item["body"].get("children", [])), item[
            "signal_type"
        ]
    for org, sender in (("veiligthuis", "police"), ("police", "veiligthuis")):
        assert "description" not in copy(held, org, "new_report", sender)["body"]  # the free text stays home
    release = copy(held, "slachtofferhulp", "release_from_custody", "om")
    assert "bsn" not in release["body"]["suspect"] and "known_risk_level" not in release["body"]
    arrest = copy(held, "slachtofferhulp", "arrest", "police")
    assert "bsn" not in arrest["body"]["suspect"] and "held_at" not in arrest["body"]


def test_what_victim_support_sends_reaches_the_partners_she_agreed_to_and_those_protecting_her(
    holdings: Case,
) -> None:
    held = holdings.held
    for org in ("police", "om"):  # her needs, at once: she fears for her safety
        needs = copy(held, org, *HER_NEEDS)
        assert needs["urgency"] == "immediate" and "informed_before_release" in needs["body"]["needs"], org
    assert "address" not in copy(held, "om", *HER_NEEDS)["body"]["victim"]
    for org in ("om", "police", "3ro", "veiligthuis"):  # the breach she reported, as an ankle tag's
        breach = copy(held, org, *HER_BREACH)
        assert breach["urgency"] == "immediate", org
        assert (breach["body"]["detected_by"], breach["body"]["measure"]) == ("victim_report", "contact_ban")
    for org in ("police", "om"):  # that she was told of the release, at once
        told = copy(held, org, *TOLD)
        assert told["urgency"] == "immediate" and told["body"]["about"] == "release", org
        assert told["body"]["informed_at"] == "2026-04-21T15:10:00+02:00", org


def test_victim_support_learns_it_is_to_tell_her_of_the_release(holdings: Case) -> None:
    agreed = copy(holdings.held, VICTIM_SUPPORT, *AGREED)
    assert agreed["body"]["agreements"] == [{"about": "release", "informer": VICTIM_SUPPORT}]
    release = copy(holdings.held, VICTIM_SUPPORT, "release_from_custody", "om")
    assert release["body"]["release_time"] == "2026-04-21T16:00:00+02:00"  # after she was told, 15:10


def test_the_board_gets_what_concerns_noors_family_from_its_inquiry_on(holdings: Case) -> None:
    """Not the measure of March, before its inquiry; the arrest, the breach and the release after it,
    with the children; of the victim's own contacts with victim support only that it is involved."""
    held = holdings.held
    for item in held["rvdk"]:
        if item["signal_type"] == "involvement_match" or item["level"] == "dat":
            continue
        assert item["body"]["children"], item["signal_type"]
    assert ("measure_imposed", "om") not in kinds(held, "rvdk")
    for kind in (HER_BREACH, TOLD, AGREED):
        assert copy(held, "rvdk", *kind)["level"] == "dat", kind
    for org in ("police", "om", "veiligthuis"):  # and they learn of the inquiry
        inquiry = copy(held, org, *INQUIRY)
        assert inquiry["body"]["kind"] == "inquiry" and inquiry["body"]["children"], org


async def test_victim_supports_registration_meets_the_warning_it_owns(
    holdings: Case, stack: Endpoints
) -> None:
    """The OM's release opens "victim warned" for the partner agreed with its decision, victim support,
    due before the release; victim support's registration that it told her meets it. Victim
    support's breach report opens a new risk screening for the police. Read from `chain.obligations`."""
    release = holdings.signal_id("om", "release_from_custody")
    told = holdings.signal_id(VICTIM_SUPPORT, "victim_informed")
    breach = holdings.signal_id(VICTIM_SUPPORT, "breach_of_conditions")

    def both(found: list[dict[str, Any]]) -> bool:  # events of other obligations lie on other partitions
        met = any(e.get("event") == "met" and e.get("met_signal") == told for e in found)
        return met and any(e.get("opened_by") == breach and e.get("event") == "opened" for e in found)

    events = await read_topic(stack.kafka("admin"), OBLIGATIONS, until=both, timeout_s=30)
    warned = [e for e in events if e.get("opened_by") == release and e.get("kind") == "victim_warned_release"]
    (opened,) = [e for e in warned if e["event"] == "opened"]
    assert opened["owner"] == VICTIM_SUPPORT
    assert datetime.fromisoformat(opened["due_at"]) == datetime(2026, 4, 21, 14, 0, tzinfo=UTC)  # 16:00 CEST
    assert [e["met_signal"] for e in warned if e["event"] == "met"] == [told]
    (screening,) = [e for e in events if e.get("opened_by") == breach and e["event"] == "opened"]
    assert (screening["kind"], screening["owner"]) == ("re_screening", "police")


def notices(held: Holding, org: str) -> list[dict[str, Any]]:
    return [item for item in held[org] if item["signal_type"] == "involvement_match"]


def test_probation_learns_who_else_is_involved_and_whom_to_call(
    holdings: Case,
) -> None:
    """When 3RO starts supervising Bram, it learns that the police, the OM, Veilig Thuis and the
    safety house are involved with him, with their contacts; with Lotte only by name and birth
    date, as its export has no BSN of hers: a weaker match, and marked so (victim support, which
    keeps no BSN, among them). The Board, involved after it, is named to 3RO when its inquiry starts."""
    held = holdings.held
    started = [n for n in notices(held, "3ro") if holdings.senders.get(n["signal_id"]) == "3ro"]
    persons = [person for notice in started for person in notice["body"]["persons"]]

    def involved(role: str, match: str) -> set[str]:
        (person,) = [p for p in persons if (p["person_role"], p["match"]) == (role, match)]
        assert all(i["contact"]["phone"] for i in person["involved"])
        return {i["organisation"] for i in person["involved"]}

    assert involved("suspect", "bsn") == {"police", "om", "veiligthuis", "zvh"}
    assert involved("victim", "name_birth_date") == {"police", "om", "veiligthuis", VICTIM_SUPPORT, "zvh"}
    assert not any(p["person_role"] == "victim" and p["match"] == "bsn" for p in persons)
    inquiry = holdings.signal_id("rvdk", "child_protection")
    [later] = [n for n in notices(held, "3ro") if n["signal_id"] == inquiry]
    assert {i["organisation"] for p in later["body"]["persons"] for i in p["involved"]} == {"rvdk"}
    for org in ("police", "om", "veiligthuis"):  # and each of them learns of 3RO
        named = {
            i["organisation"] for n in notices(held, org) for p in n["body"]["persons"] for i in p["involved"]
        }
        assert "3ro" in named, org


def test_a_match_notice_holds_no_content(holdings: Case) -> None:
    held = holdings.held
    for org in RECIPIENTS:
        for notice in notices(held, org):
            assert notice["level"] == "dat" and notice["fields"] == [] and set(notice["body"]) == {"persons"}
            for person in notice["body"]["persons"]:
                assert set(person) == {"person_role", "match", "involved"}
                for involvement in person["involved"]:
                    assert set(involvement) == {"organisation", "role", "since", "closed_on", "contact"}
            assert "111222333" not in str(notice) and "Verhoef" not in str(notice)


async def test_every_record_of_the_case_is_what_its_dataschema_says(holdings: Case, stack: Endpoints) -> None:
    """Each signal on `signals.<org>` and each delivery and notice in every inbox names an existing
    JSON Schema in `ce_dataschema` (and the same type in `ce_type`), and its value validates
    against it, as a partner validating by `ce_dataschema` would check."""
    senders = holdings.senders
    admin = stack.kafka("admin")
    checked: Counter[str] = Counter()
    topics = [*(signals_topic(org) for org in ORGANISATIONS), *(inbox_topic(org) for org in RECIPIENTS)]
    for topic in topics:
        for item in await read_topic(admin, topic, timeout_s=30):
            headers = item.pop("_headers")
            item.pop("_key")
            item.pop("_raw")
            if item.get("signal_id", headers.get("ce_id")) not in senders:
                continue  # another run's, or another test's
            schema = DATASCHEMA_RE.match(headers["ce_dataschema"])
            assert schema is not None, headers
            assert headers["ce_type"] == f"nl.ketenpoort.{schema['signal']}.v{schema['major']}", headers
            path = schema_path(schema["signal"], schema["version"])
            assert path.exists(), f"{topic}: {headers['ce_dataschema']} names no schema"
            Draft202012Validator(json.loads(path.read_text())).validate(item)
            checked[schema["signal"]] += 1
    assert checked["delivery"] > 0 and len(checked) >= 5, checked
