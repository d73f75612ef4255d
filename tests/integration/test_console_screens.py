"""Every kind of page of the on-call console, at a phone's width (390 x 844) and a desktop's (1280 x
800), in headless Chromium, with a fictional night of alerts and obligations (tests/console_scene.py)
put straight into an on-call service's books (no Kafka needed): sign-in, the open list, a card
unfolded, the closing form, the due list with its reason form, the history, and the page in English.

For each it takes a screenshot (into $KETENPOORT_SCREENSHOTS when set, else the test's own folder)
and checks what a person would see: nothing scrolls sideways, no label is cut (every label's
scrollWidth is at most its clientWidth, so none is broken inside a word or clipped), and the page
speaks Dutch (English when asked). On the phone, five collapsed alert cards fit the one screen."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from starlette.applications import Starlette

from gateway.access import Identity, Role, TokenStore
from gateway.kafka import KafkaConnection
from oncall.config import OnCallConfig
from oncall.console import Console
from oncall.service import OnCallService
from tests import console_scene
from tests.browser import chromium

DESK, PERSON = "police duty desk", "Sanne de Boer"
SIZES = [(390, 844), (1280, 800)]
# What people read as a label: none may be cut.
LABELS = (
    "h1, h2, h3, h4, h5, dt, label, summary, button, .badge, .status-label, .countdown, .language, "
    ".connection, .contact-name"
)
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


@contextmanager
def console_served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The console over HTTP with the night in its books: (base URL, the desk's token)."""
    service = OnCallService(KafkaConnection(bootstrap="127.0.0.1:9"), OnCallConfig.load())
    service._producer = Recorder()  # type: ignore[assignment]
    console_scene.apply(service)
    tokens = tmp_path / "tokens.json"
    token = TokenStore.load(tokens).issue(Identity(name=DESK, role=Role.ONCALL, org="police"), tokens)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = Starlette(routes=Console(service, tokens).routes())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(10)


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


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}px" for w, _ in SIZES])
def test_every_page_kind_reads_in_dutch_without_a_cut_label_or_sideways_scroll(
    width: int, height: int, tmp_path: Path, shots: Path
) -> None:
    with console_served(tmp_path) as (base, token), chromium(width, height) as driver:
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

        # And in English, on asking.
        driver.get(f"{base}/console?lang=en")
        wait(driver, "return document.querySelectorAll('#open-alerts > article').length === 5")
        looked_at(
            driver, shots, f"alerts-en-{width}",
            "Open alerts", "Acknowledge", "escalates in", "Breach: contact ban",
            "No response from the primary",
        )  # fmt: skip
