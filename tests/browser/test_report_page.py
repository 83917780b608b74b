"""The exported report in headless Chromium: the 2022 plan (a store with attendance, and a
plan file) and the German example, at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from schedcore.cli import main
from schedcore.domain.programme_spec import Measure, Target
from schedcore.exports import read_plan_json
from schedcore.exports._counts import CoverageCounts as CoverageRow
from schedcore.exports.html import ReportFacts, write_plan_report
from schedcore.programmes.units_csv import load_units
from schedcore.reference import vietnam_2022
from tests.browser.browser import DESKTOP, PHONE, watched_page
from tests.browser.pages import check_loaded, check_search, check_sorting, visible_clusters

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GERMAN_UNITS = ROOT / "examples" / "data" / "states_example.csv"


def _hall_rows(plan: dict[str, Any], clusters: int) -> str:
    """Attendance for the first ``clusters`` sessions: one to three teams per unit in the hall,
    and one member through the online course."""
    lines = ["member,team,province,commune,activity,date"]
    for cluster in plan["clusters"][:clusters]:
        for n, code in enumerate(cluster["members"]):
            for team in range(1 + n % 3):
                lines.append(
                    f"m{code}{team},{code}-t{team},{code},{code}-c{team},hall,{cluster['date']}"
                )
            lines.append(f"c{code},{code}-t0,{code},{code}-c0,course,{cluster['date']}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def pages_2022(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The 2022 plan, planned into a store with attendance: its page from the store, and the
    page of the same plan from a plan file."""
    root = tmp_path_factory.mktemp("report_2022")
    store = f"sqlite:///{root / 'store.sqlite'}"
    quiet = ["--quiet"]
    assert main(["plan", "--time-limit", "10", "--apply", "--store", store, *quiet]) == 0
    assert (
        main(["export", "--format", "json", "--store", store, "--out", str(root / "plan.json")])
        == 0
    )
    plan = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    (root / "rows.csv").write_text(_hall_rows(plan, 4), encoding="utf-8")
    assert main(["record", str(root / "rows.csv"), "--store", store, *quiet]) == 0
    pages = {"store": root / "from_store.html", "file": root / "from_file.html"}
    assert main(["export", "--format", "html", "--store", store, "--out", str(pages["store"])]) == 0
    plan_file = ["--plan", str(root / "plan.json")]
    assert main(["export", "--format", "html", *plan_file, "--out", str(pages["file"])]) == 0
    yield pages


def test_the_2022_page_from_a_store_searches_filters_and_sorts(
    browser: Any, pages_2022: dict[str, Path]
) -> None:
    hue = vietnam_2022().by_name("Hue")
    with watched_page(browser, DESKTOP) as watched:
        url = pages_2022["store"].as_uri()
        page = watched.page
        page.goto(url)
        check_loaded(watched, url, clusters=10, units=63)
        watched.screenshot("report_2022_desktop")
        assert page.locator("#log-position").count() == 1
        cluster = int(
            page.locator(f"tr.unit[data-code='{hue.code}']").get_attribute("data-cluster")
        )
        check_search(page, "Hue", hue.name, cluster)
        page.fill("#search", "Hue")
        assert {
            row.get_attribute("data-code")
            for row in page.query_selector_all("#coverage-table tbody tr")
            if row.is_visible()
        } == {hue.code}
        watched.screenshot("report_2022_search_hue", full_page=False)
        page.click("#clear")
        # Other spellings: no accents, the English name, an alias, a decomposed (NFD) name.
        saigon = page.locator("tr.unit[data-code='79']").get_attribute("data-cluster")
        for query in ("ha noi", "Hồ Chí Minh", "Saigon", "Thua Thien-Hue"):
            page.fill("#search", query)
            assert len(visible_clusters(page)) == 1, query
        page.fill("#search", "Saigon")
        assert visible_clusters(page) == [saigon]
        page.fill("#search", "nowhere at all")
        assert visible_clusters(page) == []
        assert "No unit matches" in page.inner_text("#search-result")
        # One cluster: its card, its sessions highlighted, its units' coverage rows.
        page.click("#clear")
        page.select_option("#cluster-filter", "3")
        assert visible_clusters(page) == ["3"]
        clusters = {
            row.get_attribute("data-cluster")
            for row in page.query_selector_all("#coverage-table tbody tr")
            if row.is_visible()
        }
        assert clusters == {"3"}
        assert page.locator("a.session:not(.dim)").all_inner_texts()[0].startswith("Cluster 3 ")
        page.select_option("#cluster-filter", "")
        check_sorting(page)
        assert watched.console_errors() == []
        # Printed: the controls are left out, the content stays.
        assert page.locator("nav.controls").is_visible()
        page.emulate_media(media="print")
        assert not page.locator("nav.controls").is_visible()
        assert page.locator("#coverage-table").is_visible()
        watched.screenshot("report_2022_print")
    with watched_page(browser, PHONE) as watched:
        watched.page.goto(url)
        check_loaded(watched, url, clusters=10, units=63)
        watched.screenshot("report_2022_phone", full_page=False)
        # Nothing wider than the phone but the scrolling tables' own boxes.
        width = watched.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]


def test_the_2022_page_from_a_plan_file_has_no_coverage(
    browser: Any, pages_2022: dict[str, Path]
) -> None:
    with watched_page(browser, DESKTOP) as watched:
        url = pages_2022["file"].as_uri()
        watched.page.goto(url)
        check_loaded(watched, url, clusters=10, units=63)
        assert watched.page.locator("#coverage-table").count() == 0
        assert "made from a plan alone" in watched.page.inner_text("#coverage")
        hue = vietnam_2022().by_name("Hue")
        cluster = int(
            watched.page.locator(f"tr.unit[data-code='{hue.code}']").get_attribute("data-cluster")
        )
        check_search(watched.page, "hue", hue.name, cluster)
        # The page's script folds as the Python side does: every province, typed decomposed
        # (NFD) and in capitals, or by its English name, finds that province.
        for province in vietnam_2022():
            for query in (unicodedata.normalize("NFD", province.name).upper(), province.name_en):
                watched.page.fill("#search", query)
                found = watched.page.locator("tr.unit.match").evaluate_all(
                    "rows => rows.map(row => row.dataset.code)"
                )
                assert province.code in found, query
        assert watched.console_errors() == []


@pytest.fixture(scope="module")
def german_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German example planned by the CLI, its page made by the library from its units,
    with coverage against a target (some states trained, some not)."""
    root = tmp_path_factory.mktemp("report_de")
    plan_file = root / "de.json"
    command = ["plan", "--units", str(GERMAN_UNITS), "--clusters", "4", "--start", "2025-03-03"]
    assert main([*command, "--end", "2025-03-14", "--json", str(plan_file), "--quiet"]) == 0
    clusters = read_plan_json(plan_file)
    states = load_units(GERMAN_UNITS)
    units = {s.code: s for s in states}
    today = dt.date(2025, 3, 10)
    coverage = {
        s.code: CoverageRow(
            teams_total=s.demand,
            teams_trained=s.demand
            if any(c.date and c.date < today and s.code in c.members for c in clusters)
            else s.demand // 4,
        )
        for s in states
    }
    target = Target(Measure.TEAMS_TRAINED_IN_PERSON, 1.0, dt.date(2025, 3, 14))
    return write_plan_report(
        clusters,
        root / "de.html",
        units=units,
        coverage=coverage,
        targets=[target],
        facts=ReportFacts(
            programme="Schulung der Länder, März 2025", source="de.json", today=today
        ),
    )


def test_the_german_example_page(browser: Any, german_page: Path) -> None:
    url = german_page.as_uri()
    with watched_page(browser, DESKTOP) as watched:
        page = watched.page
        page.goto(url)
        check_loaded(watched, url, clusters=4, units=16)
        watched.screenshot("report_de_desktop")
        bw = page.locator("tr.unit[data-code='BW']").get_attribute("data-cluster")
        check_search(page, "wurttemberg", "Baden-Württemberg", int(bw))
        check_search(
            page,
            "THÜRINGEN",
            "Thüringen",
            int(page.locator("tr.unit[data-code='TH']").get_attribute("data-cluster")),
        )
        statuses = page.locator("#coverage-table tbody tr .status").all_inner_texts()
        assert any("met" in s for s in statuses) and any(
            "behind target" in s or "on track" in s for s in statuses
        )
        check_sorting(page)
    with watched_page(browser, PHONE) as watched:
        watched.page.goto(url)
        check_loaded(watched, url, clusters=4, units=16)
        watched.screenshot("report_de_phone", full_page=False)
        assert watched.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # On a phone the coverage rows are cards and the headings a row of sort buttons.
        watched.page.locator("#coverage-table tbody tr").first.scroll_into_view_if_needed()
        watched.screenshot("report_de_phone_coverage", full_page=False)
        check_sorting(watched.page)


@pytest.fixture(scope="module")
def mexico_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A programme of another country through the command only: planned from its programme
    file into a store, attendance recorded by names, the page exported from the store (no
    programme option after ``plan --apply``)."""
    root = tmp_path_factory.mktemp("report_mx")
    store = f"sqlite:///{root / 'mx.sqlite'}"
    programme = ROOT / "examples" / "mexico_2025" / "programme.toml"
    plan = ["plan", "--programme-file", str(programme), "--time-limit", "10", "--quiet"]
    assert main([*plan, "--apply", "--store", store, "--json", str(root / "plan.json")]) == 0
    document = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    cluster_of = {code: c["id"] for c in document["clusters"] for code in c["members"]}
    date_of = {code: c["date"] for c in document["clusters"] for code in c["members"]}
    rows = ["member,team,province,commune,activity,date"]
    rows.append(f"a,t1,Nuevo Leon,Monterrey,hall,{date_of['NLE']}")
    rows.append(f"b,t2,CDMX,Coyoacán,hall,{date_of['CMX']}")
    (root / "rows.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["record", str(root / "rows.csv"), "--store", store, "--quiet"]) == 0
    page = root / "mx.html"
    assert main(["export", "--format", "html", "--store", store, "--out", str(page)]) == 0
    return page, cluster_of


def test_a_programme_of_another_country_page(
    browser: Any, mexico_page: tuple[Path, dict[str, int]]
) -> None:
    page_path, cluster_of = mexico_page
    url = page_path.as_uri()
    with watched_page(browser, DESKTOP) as watched:
        page = watched.page
        page.goto(url)
        check_loaded(watched, url, clusters=6, units=32)
        watched.screenshot("report_mx_desktop")
        check_search(page, "nuevo leon", "Nuevo León", cluster_of["NLE"])
        check_search(page, "Mexico City", "Ciudad de México", cluster_of["CMX"])
        assert "Municipal digital skills, Mexico, November 2025" in page.inner_text("h1")
        check_sorting(page)
    with watched_page(browser, PHONE) as watched:
        watched.page.goto(url)
        check_loaded(watched, url, clusters=6, units=32)
        watched.screenshot("report_mx_phone", full_page=False)
        assert watched.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
