"""Every kind of page of the on-call console, at a phone's width (390 x 844) and a desktop's (1280 x
800), in headless Chromium, with a fictional night of alerts and obligations (tests/console_scene.py)
put straight into an on-call service's books (no Kafka needed): sign-in, the open list, a card
unfolded, the closing form, the due list with its reason form, the history, a person's page (the
measures in force, the persons linked, the timeline with an item unfolded), a linked person's page,
and the pages in English. The person pages come from the gateway's own timeline API over a read
model prepared from the scene's records (a stand-in for the one it reads from Kafka).

For each it takes a screenshot (into $KETENPOORT_SCREENSHOTS when set, else the test's own folder)
and checks what a person would see: nothing scrolls sideways, no label is cut (every label's
scrollWidth is at most its clientWidth, so none is broken inside a word or clipped), and the page
speaks Dutch (English when asked). On the phone, five collapsed alert cards fit the one screen."""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from starlette.applications import Starlette

from gateway.access import Identity, RequireRole, Role, TokenStore
from gateway.audit.reads import AuditReadLog
from gateway.kafka import KafkaConnection
from gateway.schemas.audit_read import AuditRead
from gateway.timeline.api import TimelineApi
from gateway.timeline.entries import ingest
from gateway.timeline.feed import TimelineFeed
from gateway.timeline.store import TimelineStore
from oncall.config import OnCallConfig
from oncall.console import Console
from oncall.person_pages import TimelineClient
from oncall.service import OnCallService
from tests import console_scene
from tests.browser import chromium

DESK, PERSON = "police duty desk", "Sanne de Boer"
SIZES = [(390, 844), (1280, 800)]
# What people read as a label: none may be cut.
LABELS = (
    "h1, h2, h3, h4, h5, dt, label, summary, button, .badge, .status-label, .countdown, .language, "
    ".connection, .contact-name, .back-link, .entry-kind, .condition-kind"
)
KEY = b"console-scene-timeline"  # the stand-in gateway's pseudonym key
NO_SIDEWAYS_SCROLL = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
CUT_LABELS = """
// Shown: laid out, and not folded away in a closed <details> (its summary is shown).
const folded = (e) => {
  const closed = e.closest('details:not([open])');
  return closed !== null && !(e.closest('summary') && e.closest('summary').parentElement === closed);
};
return [...document.querySelectorAll(arguments[0])]
  .filter((e) => e.offsetParent !== null && !folded(e) && e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className}: "${e.textContent.trim().slice(0, 40)}"`
    + ` ${e.scrollWidth} > ${e.clientWidth}`);
"""


class Recorder:
    """Stands in for the on-call service's transactional producer: takes every write."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def send(self, topic: str, value: bytes | None, key: bytes) -> None:
        return None


class SceneFeed(TimelineFeed):
    """The gateway's read model of the night, built from the scene's records (in the server's own
    thread, as SQLite wants) instead of read from Kafka."""

    def __init__(self, folder: Path, now: datetime) -> None:
        super().__init__(KafkaConnection(bootstrap="127.0.0.1:9"), folder, KEY, "scene")
        self.folder, self.now, self.store = folder, now, None

    @asynccontextmanager
    async def current(self) -> AsyncIterator[TimelineStore]:
        if self.store is None:
            self.store = TimelineStore(self.folder / "scene.sqlite", KEY)
            offsets = itertools.count()
            for record in console_scene.timeline(KEY, self.now):
                self.store.add(ingest(record, KEY), (record.topic, 0, next(offsets)))
            self.store.commit({})
        yield self.store


class Reads(AuditReadLog):
    """Stands in for the log of reads: keeps each read, as recorded before it is answered."""

    def __init__(self) -> None:
        super().__init__(KafkaConnection(bootstrap="127.0.0.1:9"))
        self.recorded: list[AuditRead] = []

    async def record(self, read: AuditRead) -> None:
        self.recorded.append(read)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """An ASGI app over HTTP on loopback, in a thread of its own; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def console_served(tmp_path: Path) -> Iterator[tuple[str, str, Reads]]:
    """The console over HTTP with the night in its books, and a gateway's timeline API over the
    night's records behind it: (base URL, the desk's token, the reads the gateway recorded)."""
    now = datetime.now(UTC)
    service = OnCallService(KafkaConnection(bootstrap="127.0.0.1:9"), OnCallConfig.load())
    service._producer = Recorder()  # type: ignore[assignment]
    console_scene.apply(service, now)
    tokens = tmp_path / "tokens.json"
    token = TokenStore.load(tokens).issue(Identity(name=DESK, role=Role.ONCALL, org="police"), tokens)
    reads = Reads()
    timeline = TimelineApi(SceneFeed(tmp_path, now), KEY, reads)
    gateway = RequireRole(timeline, tokens, frozenset({Role.ADAPTER, Role.ONCALL}))
    with serving(gateway) as gateway_url:
        console = Console(service, tokens, timeline=TimelineClient(gateway_url))
        with serving(Starlette(routes=console.routes())) as base:
            yield base, token, reads


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KETENPOORT_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait(driver: Chrome, script: str, timeout_s: float = 10.0) -> Any:
    """What `script` returns once it is truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := driver.execute_script(script):
            return found
        time.sleep(0.05)
    raise AssertionError(f"not so within {timeout_s} s: {script}")


def click(driver: Chrome, selector: str) -> None:
    driver.execute_script("document.querySelector(arguments[0]).click()", selector)


def looked_at(driver: Chrome, shots: Path, name: str, *words: str) -> None:
    """A screenshot of the page as it is, and what a person sees checked."""
    time.sleep(0.15)  # a frame for the layout
    driver.save_screenshot(str(shots / f"{name}.png"))
    assert driver.execute_script(NO_SIDEWAYS_SCROLL), f"{name}: the page scrolls sideways"
    assert driver.execute_script(CUT_LABELS, LABELS) == [], f"{name}: labels cut"
    shown = driver.execute_script("return document.body.innerText")
    missing = [word for word in words if word not in shown]
    assert not missing, f"{name}: {missing} not on the page"


def sign_in(driver: Chrome, token: str) -> None:
    wait(driver, "return !document.getElementById('signin').hidden")
    driver.find_element(By.ID, "person").send_keys(PERSON)
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click()
    wait(driver, "return document.querySelectorAll('#open-alerts > article').length === 5")
    wait(driver, "return document.querySelector('#due-list').dataset.loaded === 'true'")


def person_page(driver: Chrome) -> None:
    """Until a person's page is drawn, from the top."""
    wait(driver, "return !document.getElementById('person-body').hidden")
    driver.execute_script("window.scrollTo(0, 0)")


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}px" for w, _ in SIZES])
def test_every_page_kind_reads_in_dutch_without_a_cut_label_or_sideways_scroll(
    width: int, height: int, tmp_path: Path, shots: Path
) -> None:
    with console_served(tmp_path) as (base, token, reads), chromium(width, height) as driver:
        driver.get(f"{base}/console")
        wait(driver, "return !document.getElementById('signin').hidden")
        looked_at(driver, shots, f"signin-{width}", "Aanmelden", "Uw naam", "Pikettoken", "English")

        sign_in(driver, token)
        looked_at(
            driver, shots, f"alerts-{width}",
            "Openstaande alarmen", "Bevestigen", "escaleert over", "Overtreding: contactverbod",
            "Geen reactie van eerste piket", "Bevestigd door police duty desk", "P3 · herinnering", "Te doen",
        )  # fmt: skip
        cards = driver.find_elements(By.CSS_SELECTOR, "#open-alerts > article")
        order = [card.get_attribute("data-status") for card in cards]
        assert order == ["open"] * 4 + ["acknowledged"], order  # nobody took these: first
        if width < 600:
            fifth = cards[4].rect
            assert fifth["y"] + fifth["height"] <= height, f"the fifth card ends at {fifth}"

        # A card unfolded: its details grouped, each field by its label, nothing empty.
        escalated = "#open-alerts > article.escalated"
        click(driver, f"{escalated} summary")
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", escalated)
        looked_at(
            driver, shots, f"details-{width}",
            "Personen", "Verdachte", "Voornaam", "Maatregel", "Gebeurtenis", "Contact", "enkelband",
            "Toelichting", "Verloop", "geëscaleerd",
        )  # fmt: skip
        details = driver.find_element(By.CSS_SELECTOR, f"{escalated} .more-body").text
        for code in ("contact_ban", "ankle_tag", "conditions.1", "breach_time", "given_name", "null"):
            assert code not in details, code
        assert driver.find_element(By.CSS_SELECTOR, f"{escalated} a.contact-name").get_attribute("href") == (
            "tel:+31305550142"
        )

        # Closing asks its note in the page.
        click(driver, "#open-alerts > article.status-acknowledged button.close")
        wait(driver, "return document.activeElement.name === 'note'")
        driver.execute_script("document.querySelector('.close-form').scrollIntoView()")
        looked_at(driver, shots, f"close-{width}", "Wat is er gedaan?", "Afsluiten", "Annuleren")

        # The due list, a reason form open.
        click(driver, '#due-list > li.due-card button[data-action="waive"]')
        wait(driver, "return document.activeElement.name === 'reason'")
        driver.execute_script("document.querySelector('#due-title').scrollIntoView()")
        looked_at(
            driver, shots, f"due-{width}",
            "Te doen", "Risicoscreening (SASH)", "Veiligheidscheck vóór de vrijlating", "Verlopen", "Te laat",
            "Waarom vervalt het?", "zonder namen of zaakgegevens",
        )  # fmt: skip

        # The history, unfolded.
        click(driver, "#history > li summary")
        driver.execute_script("document.querySelector('#history-title').scrollIntoView()")
        looked_at(driver, shots, f"history-{width}", "Afgehandeld", "afgesloten", "Eenheid langs geweest")

        # Every card and every due row names its person by a link to their page.
        assert driver.execute_script(
            "return [...document.querySelectorAll('#open-alerts > article')]"
            ".every((card) => card.querySelector('h3.alert-title a.person-link'))"
        )
        assert driver.execute_script(
            "return [...document.querySelectorAll('#due-list > li')]"
            ".every((row) => row.querySelector('a.due-person'))"
        )

        # The suspect's page, from the escalated alert: the measures in force first.
        click(driver, f"{escalated} h3 a.person-link")
        person_page(driver)
        assert driver.execute_script("return location.hash").startswith("#person/p-")
        assert [r.reader for r in reads.recorded][-2:] == [f"{PERSON} ({DESK})"] * 2
        looked_at(
            driver, shots, f"person-{width}",
            "Bram Verhoef", "verdachte", "Maatregelen van kracht", "Van kracht", "Gedragsaanwijzing",
            "Contactverbod", "Gebiedsverbod", "Openbaar Ministerie", "1 verlopen of beëindigd",
            "Gekoppelde personen", "Sanne Vermeulen", "Tijdlijn", "leesregister",
        )  # fmt: skip
        in_force = driver.find_elements(By.CSS_SELECTOR, "#measures > li.measure-card")
        assert [m.get_attribute("data-status") for m in in_force] == ["in_force"]

        # Its timeline, newest first, the OM's order unfolded as the police received it.
        order = "#entries > li.entry[data-kind='received'][data-signal-id='{}']".format(
            console_scene._id("order")
        )
        click(driver, f"{order} summary")
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", order)
        looked_at(
            driver, shots, f"person-timeline-{width}",
            "Ontvangen van Openbaar Ministerie", "Maatregel opgelegd: gedragsaanwijzing", "Grondslag",
            "Wet justitiële en strafvorderlijke gegevens", "Voorwaarden", "contactverbod",
        )  # fmt: skip
        kinds = driver.execute_script(
            "return [...document.querySelectorAll('#entries > li')].map((e) => e.dataset.kind)"
        )
        assert set(kinds) == {"sent", "received", "alert", "obligation"} and kinds[-1] == "sent", kinds
        shown = driver.execute_script("return document.body.innerText")
        for word in ("Verstuurd", "Alarm", "Ketenverplichting", "Verlopen"):
            assert word in shown, word

        # A linked person's page: the victim, whom the police know by name and birth date only.
        click(driver, "#linked > li:nth-child(2) a.person-link")  # the child first, then her
        wait(driver, "return document.getElementById('person-title').textContent === 'Sanne Vermeulen'")
        person_page(driver)
        looked_at(
            driver, shots, f"linked-{width}",
            "Sanne Vermeulen", "slachtoffer", "Gevonden op naam en geboortedatum", "Bram Verhoef",
        )  # fmt: skip

        # Back to the lists, still there.
        click(driver, ".back-link")
        wait(driver, "return !document.getElementById('alert-view').hidden")
        assert driver.execute_script("return document.getElementById('person-view').hidden")

        # And in English, on asking.
        driver.get(f"{base}/console?lang=en")
        wait(driver, "return document.querySelectorAll('#open-alerts > article').length === 5")
        looked_at(
            driver, shots, f"alerts-en-{width}",
            "Open alerts", "Acknowledge", "escalates in", "Breach: contact ban",
            "No response from the primary",
        )  # fmt: skip
        click(driver, "#open-alerts > article.escalated h3 a.person-link")
        person_page(driver)
        looked_at(
            driver, shots, f"person-en-{width}",
            "Measures in force", "In force", "Behavioural order", "Contact ban", "Linked persons", "Timeline",
        )  # fmt: skip
