"""Headless Chromium for the page tests: Debian's browser driven by Playwright, never a
downloaded one.  A page is opened with every console message, page error and request recorded,
and its screenshots go to ``build/screenshots`` (look at them: they are the test's output).

Without the browser or Playwright the tests skip with the reason, except under ``CI=true``,
where they fail: ``make test`` installs both (see the Makefile's ``browser`` step).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
#: Chromium's own switches that keep it from calling home while the tests watch the network.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    """``$SCHEDCORE_CHROMIUM``, else Debian's ``/usr/bin/chromium`` or one on the PATH."""
    for candidate in (os.environ.get("SCHEDCORE_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def unavailable(reason: str) -> None:
    message = f"browser tests need Debian's chromium and Playwright: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(message)


@attrs.define
class Watched:
    """A page and what it did: console messages, uncaught errors, requests."""

    page: Any
    console: list[tuple[str, str]] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)
    requests: list[str] = attrs.field(factory=list)

    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.errors

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000, f"{path} looks empty"
        return path


@contextmanager
def launched() -> Iterator[Any]:
    """A running headless Chromium (the system's)."""
    executable = chromium_path()
    if executable is None:
        unavailable("no chromium found (apt-get install chromium, or set $SCHEDCORE_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(ARGS))
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(
    browser: Any, viewport: Mapping[str, int], headers: Mapping[str, str] | None = None
) -> Iterator[Watched]:
    """A fresh page of its own context (no cache, no storage), recording what it does."""
    context = browser.new_context(
        viewport=dict(viewport), extra_http_headers=dict(headers or {}), service_workers="block"
    )
    try:
        page = context.new_page()
        watched = Watched(page)
        page.on("console", lambda message: watched.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: watched.errors.append(str(error)))
        page.on("request", lambda request: watched.requests.append(request.url))
        yield watched
    finally:
        context.close()
