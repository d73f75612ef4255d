"""The fictional scenario of adapters/scenario.py through all four adapters and the real stack:
what each organisation's system ends up holding, and what it never receives.

Each organisation's system is a file drop fed by its adapter's inbox delivery, logged in as that
organisation, so what lands in its folder is what the broker let it read and the policies let it
have. The gaps DOMAIN.md names are the assertions: probation learns of the breach and gets the
SASH score, the prosecutor learns of the arrest at once, the police and victim support learn of the
release at once, with its conditions.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from uuid import uuid4, uuid5

import pytest
from jsonschema import Draft202012Validator
from pydantic import SecretStr

from adapters.delivery import Deliverer, FileDrop, InboxDelivery
from adapters.ingest import NAMESPACE
from adapters.scenario import Replayed, replay
from gateway.schemas.envelope import DATASCHEMA_RE
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.topics import AUDIT, inbox_topic, signals_topic
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.test_first_slice import running_gateway
from tools.contracts.jsonschema import schema_path
from tools.stack import Endpoints

Holding = dict[str, list[dict[str, Any]]]  # organisation → the deliveries its system holds


@pytest.fixture(scope="module")
async def holdings(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Holding, dict[str, str]]]:
    """Replay the scenario; yield what each system holds, and the sender of each signal id."""
    work = tmp_path_factory.mktemp("scenario")
    run = uuid4().hex[:8]
    # A pseudonym key of this run's own: the persons are new to the involvement index, as in a
    # first run on a fresh stack, however often the scenario ran on this one before.
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"scenario-{run}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    senders: dict[str, str] = {}
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
        held = await _settled(work)
    assert not (work / "dead").exists(), "a delivery became a dead letter"
    yield held, senders


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
    },
    "om": {
        *((kind, "3ro") for kind in ("involvement_opened", "contact_assigned")),
        ("involvement_match", "ketenpoort"),
        ("risk_assessment", "police"),
        ("safety_assessment", "veiligthuis"),
        ("breach_of_conditions", "3ro"),
        ("breach_of_conditions", "police"),
        ("arrest", "police"),
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
    },
    "slachtofferhulp": {("arrest", "police"), ("release_from_custody", "om")},
}


def test_each_system_holds_exactly_what_the_policies_grant_it(
    holdings: tuple[Holding, dict[str, str]],
) -> None:
    held, _ = holdings
    assert {org: kinds(held, org) for org in RECIPIENTS} == EXPECTED
    for org in RECIPIENTS:
        copies = [item for item in held[org] if item["signal_type"] != "involvement_match"]
        assert len(copies) == len(EXPECTED[org] - {("involvement_match", "ketenpoort")}), (
            f"{org} holds a copy twice"
        )


def test_probation_gets_the_sash_score_and_the_arrest_at_once(
    holdings: tuple[Holding, dict[str, str]],
) -> None:
    held, _ = holdings
    risk = copy(held, "3ro", "risk_assessment", "police")
    assert risk["body"]["risk_level"] == "hoog" and risk["body"]["victim_fears_for_life"] is True
    assert risk["urgency"] == "immediate"
    breach = copy(held, "3ro", "breach_of_conditions", "police")
    assert breach["urgency"] == "immediate" and breach["body"]["measure"] == "behavioural_order"
    for org in ("om", "veiligthuis", "police"):
        assert copy(held, org, "breach_of_conditions", "3ro")["urgency"] == "immediate", org


def test_the_arrest_reaches_the_prosecutor_at_once_with_the_time_its_9_hours_run_from(
    holdings: tuple[Holding, dict[str, str]],
) -> None:
    held, _ = holdings
    arrest = copy(held, "om", "arrest", "police")
    assert arrest["urgency"] == "immediate" and arrest["purpose"] == "prosecution"
    assert arrest["body"]["arrested_at"] == "2026-04-18T23:10:00+02:00"
    assert arrest["body"]["measure"] == "behavioural_order" and arrest["body"]["held_at"]
    for org in ("veiligthuis", "3ro", "slachtofferhulp"):  # those protecting the victim, at once
        assert copy(held, org, "arrest", "police")["urgency"] == "immediate", org
    assert "held_at" not in copy(held, "veiligthuis", "arrest", "police")["body"]


def test_the_release_reaches_police_victim_support_vt_and_probation_at_once_with_its_conditions(
    holdings: tuple[Holding, dict[str, str]],
) -> None:
    held, _ = holdings
    for org in ("police", "slachtofferhulp", "veiligthuis", "3ro"):
        release = copy(held, org, "release_from_custody", "om")
        assert release["urgency"] == "immediate", org
        assert {c["kind"] for c in release["body"]["conditions"]} >= {"contact_ban", "area_ban"}, org


def test_what_each_system_never_receives(holdings: tuple[Holding, dict[str, str]]) -> None:
    held, senders = holdings
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


def notices(held: Holding, org: str) -> list[dict[str, Any]]:
    return [item for item in held[org] if item["signal_type"] == "involvement_match"]


def test_probation_learns_who_else_is_involved_and_whom_to_call(
    holdings: tuple[Holding, dict[str, str]],
) -> None:
    """When 3RO starts supervising Bram, it learns that the police, the OM and Veilig Thuis are
    involved with him, with their contacts; with Lotte only by name and birth date, as its export
    has no BSN of hers: a weaker match, and marked so."""
    held, _ = holdings
    persons = [person for notice in notices(held, "3ro") for person in notice["body"]["persons"]]
    suspect = next(p for p in persons if p["person_role"] == "suspect")
    assert suspect["match"] == "bsn"
    assert {i["organisation"] for i in suspect["involved"]} == {"police", "om", "veiligthuis"}
    assert all(i["contact"]["phone"] for i in suspect["involved"])
    victim = next(p for p in persons if p["person_role"] == "victim")
    assert victim["match"] == "name_birth_date"
    for org in ("police", "om", "veiligthuis"):  # and each of them learns of 3RO
        named = {
            i["organisation"] for n in notices(held, org) for p in n["body"]["persons"] for i in p["involved"]
        }
        assert "3ro" in named, org


def test_a_match_notice_holds_no_content(holdings: tuple[Holding, dict[str, str]]) -> None:
    held, _ = holdings
    for org in RECIPIENTS:
        for notice in notices(held, org):
            assert notice["level"] == "dat" and notice["fields"] == [] and set(notice["body"]) == {"persons"}
            for person in notice["body"]["persons"]:
                assert set(person) == {"person_role", "match", "involved"}
                for involvement in person["involved"]:
                    assert set(involvement) == {"organisation", "role", "since", "closed_on", "contact"}
            assert "111222333" not in str(notice) and "Verhoef" not in str(notice)


async def test_every_record_of_the_case_is_what_its_dataschema_says(
    holdings: tuple[Holding, dict[str, str]], stack: Endpoints
) -> None:
    """Each signal on `signals.<org>` and each delivery and notice in every inbox names an existing
    JSON Schema in `ce_dataschema` (and the same type in `ce_type`), and its value validates
    against it, as a partner validating by `ce_dataschema` would check."""
    _, senders = holdings
    admin = stack.kafka("admin")
    checked: Counter[str] = Counter()
    topics = [*(signals_topic(org) for org in ORGANISATIONS), *(inbox_topic(org) for org in RECIPIENTS)]
    for topic in topics:
        for item in await read_topic(admin, topic, timeout_s=30):
            headers = item.pop("_headers")
            item.pop("_key")
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
