"""The example service's live dashboard in headless Chromium: uvicorn on 127.0.0.1 over
PostgreSQL, attendance recorded through the service, new counts shown without a restart."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.browser.browser import DESKTOP, PHONE, ROOT, watched_page
from tests.browser.pages import check_loaded, visible_clusters
from tests.conftest import PostgresTarget

sys.path.insert(0, str(ROOT / "examples"))
from service.loadgen import bearer, serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = secrets.token_urlsafe(48)
PLANNER = bearer(SECRET, "minh", "planner")
HANOI = bearer(SECRET, "an-01", "province_coordinator", "01")
PLAN = {
    "clusters": [
        {
            "id": 1,
            "host": "01",
            "members": ["01", "26"],
            "date": "2022-09-12",
            "trainer_team": "T1",
        },
        {
            "id": 2,
            "host": "46",
            "members": ["46", "48"],
            "date": "2022-09-13",
            "trainer_team": "T2",
        },
    ]
}
TEAMS_IN_HANOI = "tr[data-code='01'][data-measure='teams_trained_in_person'] .reached"


@pytest.fixture(scope="module")
def service(postgres: PostgresTarget) -> Iterator[httpx.Client]:
    import psycopg

    schema = f"{postgres.schema}_dashboard"
    env = {
        "SCHEDCORE_STORE": f"{postgres.url}?{urlencode({'schema': schema})}",
        "SCHEDCORE_SERVICE_SECRET": SECRET,
    }
    try:
        with (
            serve("service.app:create_app", env) as url,
            httpx.Client(base_url=url, timeout=60) as client,
        ):
            assert client.post("/programme", headers=PLANNER).status_code == 201
            assert client.post("/plan/apply", json=PLAN, headers=PLANNER).status_code == 200
            yield client
    finally:
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _text_after_reloads(page: Any, selector: str, wanted: str, timeout: float = 30) -> str:
    """The text at ``selector`` once it reads ``wanted`` (the page reloads itself meanwhile)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = page.locator(selector).inner_text(timeout=2000)
        except Exception:  # the page is between two loads
            text = ""
        if text == wanted:
            return text
        time.sleep(0.3)
    return text


def test_the_dashboard_needs_a_token(service: httpx.Client) -> None:
    response = service.get("/dashboard")
    assert response.status_code == 401
    assert response.json()["error"] == "AuthenticationError"


def test_the_dashboard_shows_attendance_as_it_is_recorded(
    browser: Any, service: httpx.Client
) -> None:
    url = f"{service.base_url}/dashboard?refresh=2"
    with watched_page(browser, DESKTOP, headers=PLANNER) as watched:
        page = watched.page
        response = page.goto(url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        check_loaded(watched, url, clusters=2, units=4)
        assert page.locator(TEAMS_IN_HANOI).inner_text() == "0"
        before = int(page.inner_text("#log-position"))
        page.fill("#search", "Hue")
        assert visible_clusters(page) == ["2"]

        rows = [
            {"member": f"01-M{n}", "team": f"01-T{n % 2}", "province": "01", "commune": "01-C1",
             "activity": "hall", "date": "2022-09-12"}
            for n in range(3)
        ]  # fmt: skip
        assert service.post("/attendance", json={"rows": rows}, headers=HANOI).status_code == 200

        # No new page is opened and the server is not restarted: the page reloads itself.
        assert _text_after_reloads(page, TEAMS_IN_HANOI, "2") == "2"
        assert int(page.inner_text("#log-position")) > before
        # The reader's search survives the reloads.
        assert page.input_value("#search") == "Hue"
        assert visible_clusters(page) == ["2"]
        assert watched.console_errors() == []
        assert set(watched.requests) == {url} and len(watched.requests) >= 2
        page.fill("#search", "")
        watched.screenshot("dashboard_desktop")
    with watched_page(browser, PHONE, headers=PLANNER) as watched:
        watched.page.goto(url)
        check_loaded(watched, url, clusters=2, units=4)
        assert watched.page.locator(TEAMS_IN_HANOI).inner_text() == "2"
        watched.screenshot("dashboard_phone", full_page=False)
