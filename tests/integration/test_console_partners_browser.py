"""The on-call console of the chain's newest partners, victim support (`slachtofferhulp`) and the
Child Protection Board (`rvdk`), in headless Chromium the size of a phone, on the real Kafka and OPA.

What the policies grant each of them on call:

- No signal alerts victim support: the alert rules name it in none of their rules (alerts.json; the
  police warn the victim, docs/policies.md), not even of a breach it reported itself. What it is
  granted is the reminder of an obligation it owns: warning the victim before a release, once the
  prosecution service's decision named it as the partner that tells her (`victim_warned_release`,
  obligations.json). That reminder is on its console within 2 s of the on-call service raising it
  and is acknowledged there, as `alerts.oncall` records; its registration that it told her closes it.
- No signal alerts the Board either. Where children are involved and it already works with the
  family (its own child_protection signal), it receives a breach, at `normal` urgency, without an
  alert (breach_of_conditions.rego: the police and Veilig Thuis act now, the Board through its
  inquiry and the court).
- A partner not alerted sees nothing of the alert the others got: the person's name is nowhere in
  its page, while the police's console, signed in beside the Board's, shows it with his name.

Every record is one of the organisations' own samples, or written in the same native format, read,
mapped and sent as its adapter does (adapter_records.py). The persons of the breaches get a family
name of the run's own, so that no alert an earlier run left in a console's history can pass for
this run's, or hide it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
from selenium.webdriver import Chrome

from gateway.alerts.raising import alert_id_of
from gateway.obligations import obligation_id_of
from gateway.topics import ALERTS, SIGNAL_IDS
from oncall.lifecycle import Alert
from oncall.obligations import alert_id_of as reminder_id_of
from oncall.service import OnCallService
from tests.integration.adapter_records import sample, send_export
from tests.integration.console_page import (
    APPEARS_WITHIN_S,
    PERSON,
    PHONE_WIDTH,
    browser,
    click,
    css,
    gone,
    page_text,
    page_width,
    signed_in,
    text,
    unfolded,
    until,
)
from tests.integration.kafka_helpers import read_topic
from tests.integration.oncall_harness import Alerting, MovableClock, alerts_of, eventually, known
from tests.integration.test_first_slice import delivery_of

VICTIM_SUPPORT_DESK = "victim support duty desk"
BOARD_DESK = "child protection board on call"
POLICE_DESK = "police duty desk, beside the board"
# A breach of severity high alerts these four, whoever sent it (alerts.json).
ALERTED_OF_A_BREACH = {"police", "om", "3ro", "veiligthuis"}

Sample = tuple[str, str, dict[str, Any]]  # organisation, sample export, the fields naming the record
# The prosecution service's decision: victim support tells the victim (Sanne Vermeulen) of a release.
DECISION: Sample = ("om", "decision-informing.json", {"parketnummer": "10/731410-26", "gebeurtenisnummer": 4})
# Victim support's registration that it told a victim of a release.
TOLD_HER: Sample = ("slachtofferhulp", "slachtoffer-geinformeerd.json", {"registratienummer": 3})
# The breach a victim (Fatima El Amrani) reported to victim support: Kevin de Wit called her.
REPORTED_BREACH: Sample = ("slachtofferhulp", "melding-overtreding.json", {"registratienummer": 5})
# The shared fictional case: the Board's inquiry into Noor Dekker, whose father Bram Verhoef is then
# arrested for breaking his behavioural order (the police's record: an arrest and a breach).
INQUIRY: Sample = ("rvdk", "scenario.json", {"zaaknummer": "RVDK-2026-017001", "mutatienummer": 1})
ARREST_FOR_A_BREACH: Sample = (
    "police", "scenario.json", {"registratienummer": "PL1700-26004512", "mutatienummer": 1},
)  # fmt: skip
FAMILY_NAMES = ("achternaam", "geslachtsnaam")


def sample_record(case: Sample) -> dict[str, Any]:
    """The record of the organisation's sample that these fields name."""
    org, name, fields = case
    loaded = orjson.loads(sample(org, name))
    [record] = [r for r in (loaded if isinstance(loaded, list) else [loaded]) if fields.items() <= r.items()]
    return dict(record)


def of_this_run(value: Any, tag: str) -> Any:
    """The record with every person's family name made the run's own (`Verhoef-1a2b3c`)."""
    if isinstance(value, list):
        return [of_this_run(item, tag) for item in value]
    if isinstance(value, dict):
        return {
            key: f"{item}-{tag}" if key in FAMILY_NAMES else of_this_run(item, tag)
            for key, item in value.items()
        }
    return value


def export(record: dict[str, Any]) -> bytes:
    """An export of one record, as the organisation's system writes it."""
    return orjson.dumps([record])


def planned_release(decision: dict[str, Any], release_time: datetime) -> dict[str, Any]:
    """The prosecution service's next record on the decision's case: the suspect's release, planned."""
    case = {key: decision[key] for key in ("parketnummer", "verdachte", "slachtoffer", "behandelaar")}
    release = {
        "soort": "SCHORSING_VOORLOPIGE_HECHTENIS",
        "status": "GEPLAND",
        "tijdstip": release_time.isoformat(),
        "voorwaarden": [{"soort": "CONTACTVERBOD", "omschrijving": "Geen contact met het slachtoffer."}],
    }
    return {
        **case,
        "gebeurtenisnummer": decision["gebeurtenisnummer"] + 1,
        "soort": "INVRIJHEIDSTELLING",
        "tijdstip": datetime.now(UTC).isoformat(),
        "invrijheidstelling": release,
    }


def told_her(decision: dict[str, Any], release_id: UUID) -> dict[str, Any]:
    """Victim support's registration that it told the decision's victim of the release."""
    now = datetime.now(UTC).isoformat()

    def person(native: dict[str, Any]) -> dict[str, Any]:
        return {key: native[key] for key in ("voornamen", "geboortedatum")} | {
            "achternaam": native["geslachtsnaam"]
        }

    return sample_record(TOLD_HER) | {
        "dossiernummer": "SHN-2026-007311",
        "client": person(decision["slachtoffer"]),
        "verdachte": person(decision["verdachte"]),
        "registratietijdstip": now,
        "geinformeerd_op": now,
        "ketenpoort_signaal_id": str(release_id),
    }


def raised_at(service: OnCallService, alert_id: UUID) -> list[float]:
    """Filled with the moment (time.monotonic()) the service raises the alert, once it does."""
    moments: list[float] = []

    def raised(alert: Alert) -> None:
        if alert.alert_id == alert_id and not moments:
            moments.append(time.monotonic())

    service.subscribe(raised)
    return moments


async def routed(alerting: Alerting, signal_id: UUID) -> None:
    """Once the gateway has committed the signal's routing, and with it the involvements it shows."""

    def seen(found: list[dict[str, Any]]) -> bool:
        return any(item.get("signal_id") == str(signal_id) for item in found)

    assert seen(await read_topic(alerting.stack.kafka("admin"), SIGNAL_IDS, until=seen)), signal_id


async def alert_events(alerting: Alerting, *signal_ids: UUID) -> list[dict[str, Any]]:
    """Every event on `alerts.oncall` about these signals, read back to the topic's end as `admin`."""
    wanted = {str(signal_id) for signal_id in signal_ids}
    return [
        e for e in await read_topic(alerting.stack.kafka("admin"), ALERTS) if e.get("signal_id") in wanted
    ]


def of_kind(events: list[dict[str, Any]], kind: str, **where: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind and all(e.get(k) == v for k, v in where.items())]


async def shows_none_of(driver: Chrome, *names: str) -> None:
    """None of these names anywhere in the page, folded away or not."""
    shown = await page_text(driver)
    found = [name for name in names if name in shown]
    assert not found, f"{', '.join(found)} on the page"


async def test_victim_support_sees_its_reminder_to_warn_the_victim_and_nothing_of_a_breach(
    alerting: Alerting,
) -> None:
    namespace, tag = uuid4(), uuid4().hex[:6]
    decision = sample_record(DECISION)
    breach = of_this_run(sample_record(REPORTED_BREACH), tag)
    # Released in 12 h 10 min, reminded 12 h before: the clock moves ten minutes, too little for an
    # alert of the breach to escalate.
    release_time = datetime.now(UTC) + timedelta(hours=12, minutes=10)
    clock = MovableClock()
    config = alerting.config(p1_s=3600, p2_s=3600)
    async with alerting.running(config, clock=clock) as (service, base), browser() as driver:
        await signed_in(driver, base, alerting.token("slachtofferhulp", VICTIM_SUPPORT_DESK))
        assert await text(driver, "#user-name") == VICTIM_SUPPORT_DESK
        assert await text(driver, "#org-name") == "Slachtofferhulp Nederland"

        # The victim reports a breach to victim support: the four are alerted, victim support is not.
        breach_id = (await send_export(alerting, "slachtofferhulp", export(breach), namespace))[
            "breach_of_conditions"
        ]
        # The prosecution service's decision names victim support to tell her of a release; the release.
        await send_export(alerting, "om", export(decision), namespace)
        sent = await send_export(alerting, "om", export(planned_release(decision, release_time)), namespace)
        release_id = sent["release_from_custody"]
        assert set(await alerts_of(service, breach_id, len(ALERTED_OF_A_BREACH))) == ALERTED_OF_A_BREACH

        warn = obligation_id_of(release_id, "victim_warned_release")
        await known(service, warn)
        obligation = service.obligations.book.by_id[warn].first
        assert (obligation.owner, obligation.remind) == ("slachtofferhulp", ["slachtofferhulp"])
        assert abs(obligation.due_at - release_time) < timedelta(seconds=1)  # before the release

        # Its reminder time: on the console within 2 s of the service raising it.
        reminder_id = reminder_id_of(warn, "reminded", "slachtofferhulp")
        raised = raised_at(service, reminder_id)
        clock.move_to(obligation.remind_at + timedelta(seconds=1))
        card = f'#open-alerts > article.alert-card.priority-p3[data-alert-id="{reminder_id}"]'
        await until(driver, css(card))
        assert raised, "a card for an alert the service did not raise"
        took = time.monotonic() - raised[0]
        assert took <= APPEARS_WITHIN_S, f"the reminder appeared {took:.2f} s after the service raised it"
        assert await text(driver, f"{card} .badge") == "P3 · herinnering"
        title = await text(driver, f"{card} h3.alert-title")
        assert title.startswith("Herinnering: Slachtoffer waarschuwen vóór de vrijlating"), title
        # What victim support may see of the release: the victim, and when he is released.
        shared = await unfolded(driver, card)
        assert decision["slachtoffer"]["geslachtsnaam"] in shared and "Tijdstip vrijlating" in shared, shared
        assert await page_width(driver) <= PHONE_WIDTH

        # Acknowledged there: recorded on the topic, by the person signed in with the desk's token.
        await click(driver, f"{card} button.acknowledge")
        said = await text(driver, f'{card}[data-status="acknowledged"] .acknowledged-by')
        who = f"{PERSON} ({VICTIM_SUPPORT_DESK})"
        assert said.startswith(f"Bevestigd door {who}"), said
        events = await alert_events(alerting, breach_id, release_id)
        taken = of_kind(events, "acknowledged", alert_id=str(reminder_id))
        assert [(e["org"], e["by"]) for e in taken] == [("slachtofferhulp", who)]
        assert service.book.alerts[reminder_id].acknowledged_by == who

        # The breach, raised for the others before the reminder, is nowhere on victim support's page.
        assert {e["org"] for e in of_kind(events, "raised", signal_id=str(breach_id))} == ALERTED_OF_A_BREACH
        await shows_none_of(driver, breach["verdachte"]["achternaam"], breach["client"]["achternaam"])

        # Victim support registers that it told her: the obligation is met, and its reminder closes.
        await send_export(alerting, "slachtofferhulp", export(told_her(decision, release_id)), namespace)
        await until(driver, gone(card))
        await eventually(lambda: service.book.alerts[reminder_id].closed_at, 10.0, "the reminder closed")


async def test_the_board_receives_a_breach_without_an_alert_and_its_console_shows_nothing_of_it(
    alerting: Alerting,
) -> None:
    namespace, tag = uuid4(), uuid4().hex[:6]
    inquiry, arrest = (
        of_this_run(sample_record(INQUIRY), tag),
        of_this_run(sample_record(ARREST_FOR_A_BREACH), tag),
    )
    father, mother = arrest["verdachte"]["achternaam"], arrest["slachtoffer"]["achternaam"]
    async with (
        alerting.running(alerting.config(p1_s=3600)) as (service, base),
        browser() as board,
        browser() as police,
    ):
        await signed_in(board, base, alerting.token("rvdk", BOARD_DESK))
        await signed_in(police, base, alerting.token("police", POLICE_DESK))
        assert await text(board, "#org-name") == "Raad voor de Kinderbescherming"

        # The Board's inquiry into Noor puts it in the index for her and her parents ...
        await routed(
            alerting, (await send_export(alerting, "rvdk", export(inquiry), namespace))["child_protection"]
        )
        # ... so that it receives her father's breach, children being involved.
        sent = await send_export(alerting, "police", export(arrest), namespace)
        breach_id = sent["breach_of_conditions"]
        assert set(await alerts_of(service, breach_id, len(ALERTED_OF_A_BREACH))) == ALERTED_OF_A_BREACH

        # The police's console shows the alert, with his name ...
        card = f'#open-alerts > article.alert-card[data-alert-id="{alert_id_of(breach_id, "police")}"]'
        await until(police, css(card))
        assert father in await unfolded(police, card)

        # ... the Board received the breach, at normal urgency, and is alerted of neither signal ...
        delivery = await delivery_of(alerting.stack, "rvdk", breach_id)
        assert delivery is not None, "the Board did not receive the breach"
        assert (delivery["level"], delivery["urgency"]) == ("fields", "normal")
        assert delivery["body"]["suspect"]["family_name"] == father
        events = await alert_events(alerting, *sent.values())
        assert {e["org"] for e in of_kind(events, "raised")} == ALERTED_OF_A_BREACH  # the arrest: the OM
        assert not [a for a in service.alerts("rvdk") if a.signal_id in sent.values()]

        # ... and its console, signed in all along beside the police's, shows nothing of it.
        await until(board, css("#open-empty:not([hidden])"))
        await shows_none_of(board, father, mother)
