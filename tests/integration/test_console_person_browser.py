"""A person's page on the on-call console, end to end, in headless Chromium the size of a phone, on the
real Kafka and OPA: the shared fictional scenario (adapters/scenario.py) goes through the adapters as
each organisation's adapter sends it; the gateway routes it and raises its alerts; the on-call
service delivers them and serves the console, which asks the gateway's case timeline for a person's
page with the signed-in organisation's own token.

The police's on-call officer signs in, follows the ankle tag's alarm to the suspect's page, and sees
the prosecution service's behavioural order in force with its contact ban (on a day of the story:
the gateway's clock is set to the morning after the arrest). Probation's officer then follows its own
alarm to the same person: its page holds exactly what probation sent and received about him (its
signals topic, its inbox, its alerts, read here independently as `admin`), and none of what was
withheld from it. Every look is in the log of reads, by the person who signed in and by pseudonym.

The topics hold earlier runs' copies about the same fictional persons; the comparison is of this
run's signals only (a namespace of its own), as tests/scenario/test_case_timeline.py does."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4, uuid5

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from adapters.ingest import NAMESPACE
from adapters.scenario import Replayed, replay
from gateway.access import Identity, Role, TokenStore
from gateway.alerts.raising import alert_id_of
from gateway.involvements import MATCH_NOTICE
from gateway.pseudonyms import chain_pseudonym, pseudonym_of_bsn
from gateway.settings import Settings
from gateway.topics import ALERTS, AUDIT_READS, OBLIGATIONS, inbox_topic, signals_topic
from oncall.config import OnCallConfig
from oncall.service import OnCallService
from tests.fictional import BRAM
from tests.integration.console_page import (
    PERSON,
    PHONE_WIDTH,
    browser,
    click,
    css,
    page_width,
    signed_in,
    text,
    until,
)
from tests.integration.kafka_helpers import read_topic
from tests.integration.oncall_harness import eventually, oncall_running
from tests.integration.timeline_harness import TimelineGateway, audited, timeline_gateway
from tools.stack import Endpoints

STORY_DAY = datetime(2026, 4, 19, 9, 0, tzinfo=UTC)  # the morning after the arrest
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def desk_token(gateway: TimelineGateway, org: str, run: str) -> tuple[str, str]:
    """An on-call token of `org` in the gateway's tokens file: (its name, the token)."""
    path = gateway.settings.tokens_path()
    name = f"{org} on-call desk {run}"
    return name, TokenStore.load(path).issue(Identity(name=name, role=Role.ONCALL, org=org), path)


def signal_of(sent: list[Replayed], org: str, signal_type: str) -> str:
    """The id of the first signal of `signal_type` that `org` sent in the replay."""
    return next(
        signal_id
        for step in sent
        if step.step.org == org
        for signal_id, mapped in step.signals
        if mapped.signal.name == signal_type
    )


# What an organisation holds about Bram, read from the topics as they are, not through the gateway.


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _persons(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    found = [body[role] for role in ("suspect", "victim") if isinstance(body.get(role), dict)]
    return found + [c for c in body.get("children") or [] if isinstance(c, dict)]


def bram_keys(key: bytes) -> set[str]:
    """The pseudonyms Bram goes by: of his BSN, and of his name and birth date."""
    assert BRAM.bsn is not None
    return {pseudonym_of_bsn(BRAM.bsn, key), chain_pseudonym(BRAM.model_copy(update={"bsn": None}), key)}


def names_bram(body: Any, key: bytes, subject: str | None = None) -> bool:
    """Whether a body names Bram (by his BSN, or by his name and birth date beside no other BSN), or
    a delivery's subject is his chain pseudonym."""
    named = {
        "given_name": BRAM.given_name,
        "family_name": BRAM.family_name,
        "birth_date": str(BRAM.birth_date),
    }
    for person in _persons(body):
        if person.get("bsn") == BRAM.bsn:
            return True
        if all(person.get(k) == v for k, v in named.items()) and person.get("bsn") in (None, BRAM.bsn):
            return True
    return subject in bram_keys(key)


async def held(stack: Endpoints, org: str, run: set[str], key: bytes) -> dict[str, Any]:
    """Of this run's signals about Bram: the entry ids of what `org` sent and received, the alerts
    about those or naming him, and the obligations about him it owns or was told of, with their
    alerts; and every text it holds in any copy, of this run or an earlier one (its page shows
    those too)."""
    admin = stack.kafka("admin")
    ids: set[str] = set()
    texts: set[str] = set()
    about: set[str] = set()  # the signals it sent or received a copy of that name him
    for record in await read_topic(admin, signals_topic(org), timeout_s=60):
        signal_id = record["_headers"].get("ce_id")
        texts |= set(_strings({k: v for k, v in record.items() if not k.startswith("_")}))
        if signal_id in run and names_bram(record, key):
            ids.add(f"sent:{signal_id}")
            about.add(signal_id)
    for delivery in await read_topic(admin, inbox_topic(org), timeout_s=60):
        texts |= set(_strings(delivery.get("body")))
        this_run = delivery.get("signal_id") in run and "delivery_id" in delivery
        if this_run and names_bram(delivery["body"], key, delivery["chain_pseudonym"]):
            ids.add(f"received:{delivery['delivery_id']}")
            if delivery["signal_type"] != MATCH_NOTICE:
                about.add(delivery["signal_id"])
    obligations: dict[str, list[dict[str, Any]]] = {}
    for event in await read_topic(admin, OBLIGATIONS, timeout_s=60):
        if event.get("opened_by") in run:
            obligations.setdefault(event["obligation_id"], []).append(event)
    ours = {
        oid
        for oid, events in obligations.items()
        if (events[0]["owner"] == org or any(org in (e.get("told") or []) for e in events))
        and set(events[0].get("subject_keys") or [events[0]["subject"]]) & bram_keys(key)
    }
    ids |= {f"obligation:{oid}" for oid in ours}
    for event in await read_topic(admin, ALERTS, timeout_s=60):
        if event.get("kind") == "raised" and event.get("org") == org:
            texts |= set(_strings(event.get("content")))
            signal = event["signal_id"]
            if signal in run and (
                names_bram(event.get("content"), key) or signal in about or event.get("obligation_id") in ours
            ):
                ids.add(f"alert:{event['alert_id']}")
    return {"ids": ids, "texts": texts}


async def withheld_from(stack: Endpoints, org: str, run: set[str], holds: set[str]) -> set[str]:
    """Free text of this run's signals (as their senders sent them) that `org` holds in none of its
    copies, of any run: names, places, descriptions, phone numbers; not codes or dates."""
    sent: set[str] = set()
    for sender in ("police", "veiligthuis", "slachtofferhulp", "om", "3ro", "rvdk"):
        for record in await read_topic(stack.kafka("admin"), signals_topic(sender), timeout_s=60):
            if record["_headers"].get("ce_id") in run:
                sent |= set(_strings({k: v for k, v in record.items() if not k.startswith("_")}))
    free = {s for s in sent if len(s) >= 5 and not re.fullmatch(r"[a-z0-9_.-]+", s) and not ISO.match(s)}
    return {s for s in free if not any(s in mine for mine in holds)}


# What the page shows.


def shown_entries(driver: Chrome, run: set[str]) -> set[str]:
    """The ids of the items of this run's signals on the person's page."""
    found: list[tuple[str, str]] = driver.execute_script(
        "return [...document.querySelectorAll('#entries > li.entry')]"
        ".map((e) => [e.dataset.entryId, e.dataset.signalId])"
    )
    return {entry_id for entry_id, signal_id in found if signal_id in run}


def settled(service: OnCallService, run: set[str]) -> bool | None:
    """Whether the on-call service has marked each of this run's obligations that were due before
    now (the story is in the spring) lapsed, with its alerts, or seen it closed: nothing more comes
    of them while the pages are looked at."""
    now = datetime.now(UTC)
    ours = [o for o in service.obligations.book.by_id.values() if str(o.first.opened_by) in run]
    done = all(o.closed is not None or o.lapsed_at is not None or o.first.due_at > now for o in ours)
    return True if ours and done else None


async def open_from_alert(driver: Chrome, alert_id: str) -> None:
    """From the alert's card, by the person's name in its title, to their page."""
    card = f'#open-alerts > article.alert-card[data-alert-id="{alert_id}"]'
    await until(driver, css(card), 30.0)
    await click(driver, f"{card} h3.alert-title a.person-link")
    await until(driver, css("#person-view:not([hidden]) #person-body:not([hidden])"), 60.0)


async def reads_by(stack: Endpoints, reader: str, count: int) -> list[dict[str, Any]]:
    def mine(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [read for read in found if read.get("reader") == reader]

    async def look() -> list[dict[str, Any]]:
        return mine(await read_topic(stack.kafka("admin"), AUDIT_READS, timeout_s=30))

    found = await look()
    while len(found) < count:
        await asyncio.sleep(0.5)
        found = await look()
    return found


async def test_an_alert_leads_to_the_persons_page_with_the_measures_in_force_and_each_sees_only_its_own(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    run, work = uuid4().hex[:8], tmp_path
    async with timeline_gateway(settings, stack, work) as gateway:
        ours = gateway.settings.model_copy(update={"api_url": gateway.base})
        config = OnCallConfig.load().model_copy(update={"smtp": None})  # the console is the channel here
        async with oncall_running(ours, stack, config) as (service, base), browser() as driver:

            async def settle(step: Replayed) -> None:  # the partners become involved in the story's order
                await audited(stack, {signal_id for signal_id, _ in step.signals})

            namespace = uuid5(NAMESPACE, f"console-person-{run}")  # the gateway routes an id once
            sent = await replay(stack.kafka, work / "ledger", gateway.key, settle, namespace)
            signals = {signal_id for step in sent for signal_id, _ in step.signals}
            alarm = signal_of(sent, "3ro", "breach_of_conditions")  # the ankle tag, 18 April
            police_alert, probation_alert = (alert_id_of(UUID(alarm), org) for org in ("police", "3ro"))
            await eventually(
                lambda: True if {police_alert, probation_alert} <= set(service.book.alerts) else None,
                30.0, "the ankle tag's alerts at the on-call service",
            )  # fmt: skip
            await eventually(lambda: settled(service, signals), 30.0, "this run's overdue obligations lapsed")
            gateway.clock.at = STORY_DAY

            # The police: from the alarm to Bram's page, the behavioural order in force first.
            desk, token = desk_token(gateway, "police", run)
            await signed_in(driver, base, token)
            await open_from_alert(driver, str(police_alert))
            assert await text(driver, "#person-title") == "Bram Verhoef"
            assert "19 april 2026" in await text(driver, "#measures-day")
            order = '#measures > li.measure-card[data-kind="behavioural_order"][data-status="in_force"]'
            assert (await text(driver, f"{order} .measure-kind")) == "Gedragsaanwijzing"
            ban = await text(driver, f'{order} li.condition[data-kind="contact_ban"]')
            assert ban.startswith("Contactverbod: Geen contact met Lotte Dekker"), ban
            assert await page_width(driver) <= PHONE_WIDTH
            href = await asyncio.to_thread(lambda: driver.current_url)
            assert re.search(r"#person/p-[0-9a-f]{32}$", href) and "111222333" not in href, href

            police = await held(stack, "police", signals, gateway.key)
            assert shown_entries(driver, signals) == police["ids"] != set()

            reads = await reads_by(stack, f"{PERSON} ({desk})", 2)
            assert sorted(r["query"] for r in reads) == ["conditions", "timeline"]
            assert BRAM.bsn and {r["subject"] for r in reads} == {pseudonym_of_bsn(BRAM.bsn, gateway.key)}
            assert {r["org"] for r in reads} == {"police"}

            # A linked person opens by the id the police's timeline gave it: the victim.
            lotte = await until(
                driver, lambda d: d.find_element(By.XPATH, "//ul[@id='linked']//a[text()='Lotte Dekker']")
            )
            await asyncio.to_thread(lotte.click)
            await until(driver, lambda d: d.find_element(By.ID, "person-title").text == "Lotte Dekker")
            await until(driver, css("#person-body:not([hidden])"))
            assert "slachtoffer" in await text(driver, "#person-about")

            await click(driver, "#signout")
            await until(driver, css("#signin:not([hidden])"))

            # Probation: the same person from its own alarm, as probation knows him, and no more.
            desk, token = desk_token(gateway, "3ro", run)
            await signed_in(driver, base, token)
            await open_from_alert(driver, str(probation_alert))
            assert await text(driver, "#person-title") == "Bram Verhoef"
            probation = await held(stack, "3ro", signals, gateway.key)
            assert shown_entries(driver, signals) == probation["ids"] != set()
            assert probation["ids"] != police["ids"]
            page: str = await asyncio.to_thread(driver.execute_script, "return document.body.textContent")
            withheld = await withheld_from(stack, "3ro", signals, probation["texts"])
            assert withheld, "the scenario withholds nothing from probation: the check would look at nothing"
            assert sorted(s for s in withheld if s in page) == []
            reads = await reads_by(stack, f"{PERSON} ({desk})", 2)
            assert {r["org"] for r in reads} == {"3ro"}
