"""Without a browser the page tests skip outside CI and fail under CI=true: never silently."""

from __future__ import annotations

import pytest

from tests.browser import browser


def test_a_missing_browser_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    failed = pytest.raises(pytest.fail.Exception, match="CI=true: browser tests must run")
    with failed, browser.launched():
        pass


def test_a_missing_browser_skips_with_its_reason_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    skipped = pytest.raises(pytest.skip.Exception, match="apt-get install chromium")
    with skipped, browser.launched():
        pass


def test_the_browser_is_debians_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDCORE_CHROMIUM", "/nonexistent/chromium")
    found = browser.chromium_path()
    assert found is None or found.endswith("chromium")
    assert found != "/nonexistent/chromium"
