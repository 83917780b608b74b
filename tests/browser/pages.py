"""What every test of the report page checks in the browser, whatever made the page."""

from __future__ import annotations

from typing import Any

from tests.browser.browser import Watched


def visible_clusters(page: Any) -> list[str]:
    return [
        card.get_attribute("data-cluster")
        for card in page.query_selector_all("article.cluster")
        if card.is_visible()
    ]


def column_values(page: Any, column: int) -> list[str]:
    """The ``data-value`` of one column of the coverage table, rows in their shown order."""
    values: list[str] = page.eval_on_selector_all(
        "#coverage-table tbody tr",
        "(rows, column) => rows.map(row => row.cells[column].dataset.value)",
        column,
    )
    return values


def sort_by(page: Any, heading: str) -> str:
    """Click a coverage column heading; returns the heading's ``aria-sort`` afterwards."""
    button = page.locator("#coverage-table thead th button", has_text=heading)
    button.click()
    sort: str = button.locator("xpath=..").get_attribute("aria-sort")
    return sort


def check_loaded(watched: Watched, url: str, *, clusters: int, units: int) -> None:
    """Loaded from ``url`` alone: no console error, no other request; the counts shown."""
    page = watched.page
    assert watched.console_errors() == []
    assert watched.requests == [url], f"the page asked for more than itself: {watched.requests}"
    assert page.locator("article.cluster").count() == clusters
    assert page.locator("tr.unit").count() == units
    assert page.inner_text("#cluster-count") == str(clusters)
    assert page.inner_text("#unit-count") == str(units)
    # Accessible: one h1, headed sections, every picture described, every header cell scoped.
    assert page.locator("h1").count() == 1
    assert page.locator("h2").count() >= 5
    for image in page.query_selector_all("img"):
        assert len(image.get_attribute("alt") or "") > 40
    assert page.locator("th:not([scope])").count() == 0
    assert page.locator("label[for=search]").count() == 1


def check_search(page: Any, query: str, name: str, cluster: int) -> None:
    """Typing ``query`` shows ``name``'s cluster alone, with ``name`` marked in its roster."""
    page.fill("#search", query)
    assert visible_clusters(page) == [str(cluster)]
    assert name in page.inner_text("#search-result")
    marked = page.locator(f"article#cluster-{cluster} tr.match th")
    assert name in marked.all_inner_texts()
    page.click("#clear")
    assert (
        page.locator("article.cluster:visible").count() == page.locator("article.cluster").count()
    )


def check_sorting(page: Any) -> None:
    """Behind target first on arrival; each numeric and text column sorts both ways."""
    assert page.locator("#coverage-table tbody tr").count() > 0
    ranks = [float(v) for v in column_values(page, 8)]
    assert ranks == sorted(ranks)
    assert sort_by(page, "Share") == "ascending"
    shares = [float(v) for v in column_values(page, 4)]
    assert shares == sorted(shares) and shares[0] < shares[-1]
    assert sort_by(page, "Share") == "descending"
    assert [float(v) for v in column_values(page, 4)] == sorted(shares, reverse=True)
    assert sort_by(page, "Unit") == "ascending"
    names = column_values(page, 0)
    collated: list[str] = page.evaluate(
        "names => names.slice().sort((a, b) => a.localeCompare(b))", names
    )
    assert names == collated and names != sorted(names, reverse=True)
    assert page.locator("#coverage-table th[aria-sort=descending]").count() == 0
