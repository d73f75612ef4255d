"""The on-call console driven in headless Chromium the size of a phone, for the browser tests
(test_console_browser.py, test_console_partners_browser.py).

Selenium blocks, and the gateway and the on-call service run in the test's event loop: every
WebDriver call runs in a thread (`asyncio.to_thread`), so they keep working while the browser waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chromium

T = TypeVar("T")
PHONE_WIDTH = 390
APPEARS_WITHIN_S = 2.0  # an alert is on the signed-in page this soon after it was raised
PERSON = "Sanne de Boer"  # who signs in with the desk's token, unless a test names someone else


@asynccontextmanager
async def browser() -> AsyncIterator[Chrome]:
    """A phone-sized headless Chromium, started and quit in a thread."""
    manager = chromium(PHONE_WIDTH, 844)
    driver = await asyncio.to_thread(manager.__enter__)
    try:
        yield driver
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


async def until(driver: Chrome, found: Callable[[Chrome], T], timeout_s: float = 10.0) -> T:
    """What `found` gives once it is truthy, polling every 50 ms. An element missing, or gone
    because the page re-drew it (it re-draws a card whenever its alert changes), counts as not yet."""
    wait = WebDriverWait(
        driver, timeout_s, poll_frequency=0.05,
        ignored_exceptions=[NoSuchElementException, StaleElementReferenceException],
    )  # fmt: skip
    return await asyncio.to_thread(wait.until, found)


def css(selector: str) -> Callable[[Chrome], WebElement]:
    return lambda driver: driver.find_element(By.CSS_SELECTOR, selector)


def gone(selector: str) -> Callable[[Chrome], bool]:
    return lambda driver: not driver.find_elements(By.CSS_SELECTOR, selector)


async def text(driver: Chrome, selector: str) -> str:
    """The text of what `selector` finds, once it has some."""
    return await until(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).text)


async def click(driver: Chrome, selector: str) -> None:
    def clicked(d: Chrome) -> bool:
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True

    await until(driver, clicked)


async def sign_in(driver: Chrome, base: str, token: str, person: str = PERSON) -> None:
    """Signs in as `person`, with the (desk's) token."""
    await asyncio.to_thread(driver.get, f"{base}/console")
    field = await until(driver, css("#signin:not([hidden]) #token"))  # once the page has booted
    await asyncio.to_thread(driver.find_element(By.ID, "person").send_keys, person)
    await asyncio.to_thread(field.send_keys, token)
    await asyncio.to_thread(driver.find_element(By.CSS_SELECTOR, "#signin-form button[type=submit]").click)


async def signed_in(driver: Chrome, base: str, token: str, person: str = PERSON) -> None:
    """Signed in, with the live stream open: from here on, every alert of the organisation shows."""
    await sign_in(driver, base, token, person)
    await until(driver, css('#connection[data-state="live"]'))


async def unfolded(driver: Chrome, card: str) -> str:
    """The text of a card's details (what the alert may show, grouped and labelled), unfolded."""
    if not await asyncio.to_thread(
        driver.execute_script, f"return document.querySelector('{card} details').open"
    ):
        await click(driver, f"{card} summary")
    return await text(driver, f"{card} .more-body")


async def page_width(driver: Chrome) -> int:
    width: int = await asyncio.to_thread(driver.execute_script, "return document.documentElement.scrollWidth")
    return width


async def page_text(driver: Chrome) -> str:
    """All the page's text, what is folded away (a card's timeline, the history) included."""
    found: str = await asyncio.to_thread(driver.execute_script, "return document.body.textContent")
    return found
