"""A real browser for end-to-end tests: headless Chromium from Debian's packages, driven by Selenium.

The browser and its driver come from apt (`chromium`, `chromium-driver`; `scripts/ensure-browser`,
which `make test` runs first), never from the network at test time: Selenium Manager is bypassed by
giving chromedriver's path, and told to stay offline should anything reach it. Chromium and its
chromedriver are the same Debian build, so their versions always match.

Missing binaries are an error, not a skip: a skipped test is a failed test here."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Where Debian puts them, for when /usr/bin is not on PATH.
FALLBACKS = {"chromium": "/usr/bin/chromium", "chromedriver": "/usr/bin/chromedriver"}

# What Chromium needs to run headless as root in a container.
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the sandbox refuses to run as root
    "--disable-dev-shm-usage",  # a container's /dev/shm can be too small; use /tmp instead
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
)


def _binary(name: str) -> str:
    path = shutil.which(name) or FALLBACKS[name]
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{name} is not installed: run scripts/ensure-browser (`make test` does)")
    return path


@contextmanager
def chromium(width: int = 390, height: int = 844) -> Iterator[webdriver.Chrome]:
    """A headless Chromium the size of a phone (an iPhone 12-15 by default), with a fresh profile that
    is thrown away afterwards, so no test sees another's cookies or storage. The driver quits at the end."""
    browser, driver_path = _binary("chromium"), _binary("chromedriver")
    os.environ.setdefault("SE_OFFLINE", "true")
    with tempfile.TemporaryDirectory(prefix="ketenpoort-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--window-size={width},{height}")
        # Headless Chromium will not make a window narrower than 500 px, and its window includes the
        # browser's own bars: emulating the phone's screen is what gives the page exactly width x height.
        metrics = {"width": width, "height": height, "pixelRatio": 3.0, "mobile": True, "touch": True}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        try:
            yield driver
        finally:
            driver.quit()
