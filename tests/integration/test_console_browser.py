"""The on-call console end to end, in headless Chromium the size of a phone, on the real Kafka and
OPA: an alert raised by a signal appears on the signed-in page within 2 s, can be acknowledged there,
and the acknowledgement stops its escalation. A wrong token gets an error, not the alerts. What the
organisation must still do in the chain is in its due list, with the person as it may see him; its
reminder comes as a P3 alert; waiving it there, with a reason, takes it off the list, closes the
reminder and is recorded on `chain.obligations`. The page is in Dutch; who acknowledges or waives is
the person who signed in, with the desk's token (test_console_screens.py looks at every page kind at
phone and desktop width).

The browser is driven as console_page.py says: every WebDriver call in a thread, so that the gateway
and the on-call service, in this test's event loop, keep working while the browser waits."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from gateway.alerts.raising import alert_id_of
from gateway.kafka import ensure_topics
from gateway.obligations import obligation_id_of
from gateway.settings import Settings
from oncall import i18n
from oncall.obligations import alert_id_of as reminder_id_of
from tests.integration.console_page import (
    APPEARS_WITHIN_S,
    PERSON,
    PHONE_WIDTH,
    browser,
    click,
    css,
    gone,
    page_width,
    sign_in,
    text,
    until,
)
from tests.integration.oncall_harness import (
    Alerting,
    Mailbox,
    MovableClock,
    WebhookReceiver,
    eventually,
    known,
    oncall_running,
    oncall_token,
    quick_config,
)
from tests.integration.test_obligation_console import send_report, settled, someone
from tools.stack import Endpoints

P1_S = 4  # long enough to click in time, short enough to wait out twice
NAME = "police duty desk"


def _shown(driver: Chrome, element_id: str) -> bool:
    return bool(driver.find_element(By.ID, element_id).is_displayed())


async def test_an_alert_appears_within_2_s_and_acknowledging_it_stops_the_escalation(
    alerting: Alerting,
) -> None:
    config = alerting.config(p1_s=P1_S)
    async with alerting.running(config) as (service, base), browser() as driver:
        await sign_in(driver, base, alerting.token("police", NAME))
        await until(driver, css('#connection[data-state="live"]'))  # the live stream is open
        assert await text(driver, "#user-name") == NAME
        assert await text(driver, "#person-name") == PERSON

        t0 = time.monotonic()
        signal_id = await alerting.breach()
        alert_id = alert_id_of(signal_id, "police")
        card = f'#open-alerts > article.alert-card[data-alert-id="{alert_id}"]'
        await until(driver, css(card))
        took = time.monotonic() - t0
        assert took <= APPEARS_WITHIN_S, f"the alert appeared {took:.2f} s after the signal was sent"

        alert = service.book.alerts[alert_id]
        assert await text(driver, f"{card} .badge") == "P1"
        # The title names what, who and where, in Dutch; the policy's reason, translated, is folded.
        title = await text(driver, f"{card} h3.alert-title")
        suspect = alert.content.get("suspect") or {}
        assert title.startswith("Overtreding: ") and suspect.get("family_name", "") in title, title
        why = await asyncio.to_thread(
            driver.execute_script, f"return document.querySelector('{card} .why').textContent"
        )
        assert alert.reason and why == i18n.reason(alert.reason, "nl") != alert.reason
        assert await page_width(driver) <= PHONE_WIDTH  # no sideways scrolling on a phone

        # Delivered to the primary on call, the card counts down to the escalation: take it then.
        assert (await text(driver, f"{card} .countdown")).startswith("escaleert over 0:0")
        await click(driver, f"{card} button.acknowledge")
        said = await text(driver, f'{card}[data-status="acknowledged"] .acknowledged-by')
        assert said.startswith(f"Bevestigd door {PERSON} ({NAME})"), said
        assert await page_width(driver) <= PHONE_WIDTH

        await asyncio.sleep(P1_S * 2.5)  # twice the deadline, and a little more
        kinds = [e.kind for e in alert.events]
        assert "escalated" not in kinds, [(e.kind, e.tier, e.at.time()) for e in alert.events]
        assert kinds == ["raised", "delivered", "acknowledged"]
        assert [e.by for e in alert.events if e.kind == "acknowledged"] == [f"{PERSON} ({NAME})"]
        assert len(alerting.mailbox.about(alert_id)) == 1 and len(alerting.webhook.about(alert_id)) == 1
        # And the page still shows it taken.
        status = await until(
            driver, lambda d: d.find_element(By.CSS_SELECTOR, card).get_attribute("data-status")
        )
        assert status == "acknowledged"


async def test_a_wrong_token_gets_an_error_and_no_alerts(
    oncall_settings: Settings, stack: Endpoints, channels: tuple[Mailbox, WebhookReceiver]
) -> None:
    mailbox, webhook = channels
    oncall_token(oncall_settings, "police", NAME)  # a token file with a real token in it
    await ensure_topics(stack.kafka("admin"))  # the service needs its topic, even with no gateway
    async with (
        oncall_running(oncall_settings, stack, quick_config(mailbox, webhook)) as (_, base),
        browser() as driver,
    ):
        await sign_in(driver, base, "not-a-token-anybody-was-given")
        error = await until(driver, lambda d: d.find_element(By.ID, "signin-error").text)
        assert error == "Dit token is niet bekend."
        assert not await asyncio.to_thread(_shown, driver, "alert-view")
        assert await asyncio.to_thread(_shown, driver, "signin")


async def test_the_due_list_shows_the_risk_screening_and_waiving_it_there_records_why(
    alerting: Alerting,
) -> None:
    suspect = someone()
    signal_id = await send_report(alerting, suspect)
    screening = obligation_id_of(signal_id, "risk_screening")
    assessment = obligation_id_of(signal_id, "safety_assessment")  # Veilig Thuis's, not the police's
    clock = MovableClock()
    async with alerting.running(alerting.config(), clock=clock) as (service, base), browser() as driver:
        await known(service, screening, assessment)
        await sign_in(driver, base, alerting.token("police", NAME))
        await until(driver, css('#connection[data-state="live"]'))

        row = f'#due-list > li.due-card[data-obligation-id="{screening}"]'
        await until(driver, css(row))
        assert await text(driver, f"{row} .due-kind") == "Risicoscreening (SASH)"
        born = suspect.birth_date.isoformat() if suspect.birth_date else ""
        person = f"{suspect.given_name} {suspect.family_name} (verdachte, geboren {born})"
        assert await text(driver, f"{row} .due-person") == person
        assert await text(driver, f"{row} .due-relative") == "over 23 uur"  # 24 h, less the seconds gone
        assert "Risicotaxatie van Politie" in await text(driver, row)
        assert await text(driver, f"{row} .status-label") == "Open"
        others = await asyncio.to_thread(
            driver.find_elements, By.CSS_SELECTOR, f'[data-obligation-id="{assessment}"]'
        )
        assert not others

        # Its reminder time: a P3 alert, below the breaches, and the row says it was reminded.
        remind_at = service.obligations.book.by_id[screening].first.remind_at
        clock.move_to(remind_at + timedelta(minutes=1))
        reminder_id = reminder_id_of(screening, "reminded", "police")
        reminder = f'#open-alerts > article.alert-card.priority-p3[data-alert-id="{reminder_id}"]'
        await until(driver, css(reminder))
        assert await text(driver, f"{reminder} .badge") == "P3 · herinnering"
        await until(driver, css(f'{row}[data-status="reminded"]'))

        # Waive it: the form asks why, refuses nothing said, then records it.
        await click(driver, f'{row} button[data-action="waive"]')
        field = await until(driver, css(f"{row} form.reason-form input[name=reason]"))
        focused = await asyncio.to_thread(driver.execute_script, "return document.activeElement.name")
        assert focused == "reason"
        assert "zonder namen of zaakgegevens" in await text(driver, f"{row} form.reason-form .hint")
        assert await page_width(driver) <= PHONE_WIDTH
        await click(driver, f"{row} form.reason-form button[type=submit]")
        assert await text(driver, f"{row} form.reason-form .error") == "Zeg in één regel waarom."
        reason = "screened already by the neighbouring unit, outside the chain's signals"
        field = await until(driver, css(f"{row} form.reason-form input[name=reason]"))
        await asyncio.to_thread(field.send_keys, reason)
        await click(driver, f"{row} form.reason-form button[type=submit]")
        await until(driver, gone(row))
        await until(driver, gone(reminder))  # its reminder is closed with it

        event = await settled(alerting, screening, "waived")
        assert (event["by"], event["reason"]) == (f"{PERSON} ({NAME})", reason)
        reminded = service.book.alerts[reminder_id]
        await eventually(lambda: reminded.closed_at, 10.0, "the reminder closed")
        # And it stays gone at the next fetch.
        await asyncio.to_thread(driver.refresh)
        await until(driver, css('#connection[data-state="live"]'))
        await until(driver, css('#due-list[data-loaded="true"]'))
        assert not await asyncio.to_thread(driver.find_elements, By.CSS_SELECTOR, row)
