"""Headless Chromium for the dashboard tests: Debian's `chromium` (apt; `make
test` installs it) driven by playwright, never a browser playwright downloads.

`visit` opens one HTML file at one window width and records what a reader's
browser would do with it: every request the page makes, console errors and
uncaught exceptions, and how wide the page is."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DESKTOP = (1280, 900)
PHONE = (390, 844)  # an iPhone 12-15 in CSS pixels


@contextmanager
def chromium() -> Iterator:
    """A headless browser for the block; fails the test with the way out when
    the system browser is missing."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it as root, "
            "else run `sudo apt-get install -y chromium`"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """One page load: the page (still open until the visit ends) and what it did."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def scroll_width(self) -> int:
        return self.page.evaluate("document.scrollingElement.scrollWidth")


@contextmanager
def visit(browser, path: Path, size: tuple[int, int] = DESKTOP) -> Iterator[Visit]:
    """Open `path` (a file:// URL) in a fresh context of `size` (CSS pixels)."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    seen = Visit(page)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console",
        lambda message: seen.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        yield seen
    finally:
        context.close()
