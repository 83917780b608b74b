"""The HTML report without a browser: what the page holds, how units are judged and found,
what it refuses.  tests/browser opens the same page in Chromium."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedcore.cli import main
from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import MissingDependencyError, UnknownProvinceError
from schedcore.exports import Unit, unit_directory
from schedcore.exports._counts import CoverageCounts as CoverageRow
from schedcore.exports._report_model import ReportFacts, build_report, fold, spellings_of
from schedcore.exports.html import plan_report_html, report_pictures, write_plan_report
from schedcore.reference import calendar_2022, vietnam_2022
from tests.exports.plans import FakeCluster, plausible_2022_plan

MONDAY = dt.date(2025, 3, 3)
UNITS = {
    "A": Unit("A", "Ärzteburg", lat=50.0, lon=8.0, region="West"),
    "B": Unit("B", "Bach <am> See", lat=50.5, lon=8.5, region="West"),
    "C": Unit("C", "Cölln", lat=52.0, lon=13.0, region="East"),
}
PLAN = (
    FakeCluster(1, "A", ("A", "B"), MONDAY, "T1"),
    FakeCluster(2, "C", ("C",), MONDAY + dt.timedelta(days=3), "T1"),
)
TARGET = Target(Measure.TEAMS_TRAINED_IN_PERSON, 1.0, MONDAY + dt.timedelta(days=4))


def _finds(keys: str, query: str) -> bool:
    """What the page's script does: a folded query inside any folded spelling."""
    return bool(fold(query)) and any(fold(query) in key for key in keys.split())


def test_every_2022_province_is_found_by_its_names_without_accents() -> None:
    table = vietnam_2022()
    model = build_report(plausible_2022_plan(), unit_directory(), spellings=spellings_of(table))
    assert len(model.units) == 63 and len(model.clusters) == 10
    for unit in model.units:
        province = table.by_code(unit.code)
        plain = "".join(
            c for c in unicodedata.normalize("NFD", province.name) if not unicodedata.combining(c)
        )
        for query in (province.name, province.name_en, plain.upper(), unit.code):
            assert _finds(unit.keys, query), (unit.name, query)
    hue = [u.name for u in model.units if _finds(u.keys, "Hue")]
    assert hue == ["Thừa Thiên Huế"]
    assert [u.code for u in model.units if _finds(u.keys, "Saigon")] == ["79"]


@given(st.text(max_size=30))
def test_fold_is_plain_ascii_and_ignores_composition(text: str) -> None:
    folded = fold(text)
    assert re.fullmatch(r"[a-z0-9]*", folded)
    assert fold(folded) == folded
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def _lines(today: dt.date, trained: dict[str, int]) -> dict[str, tuple[str, float | None]]:
    coverage = {code: CoverageRow(teams_total=10, teams_trained=n) for code, n in trained.items()}
    model = build_report(
        PLAN,
        unit_directory(UNITS),
        coverage=coverage,
        targets=[TARGET],
        facts=ReportFacts(today=today),
    )
    assert model.coverage is not None
    return {line.code: (line.status, line.pace) for line in model.coverage}


def test_coverage_is_judged_by_session_and_deadline_behind_target_first() -> None:
    wednesday = MONDAY + dt.timedelta(days=2)
    lines = _lines(wednesday, {"A": 4, "B": 10, "C": 0})
    # A's session (Monday) is over with 4 of 10: behind; C trains on Thursday: on track.
    assert list(lines) == ["A", "C", "B"]
    assert lines["A"] == ("at_risk", 6 / 3)  # 6 teams missing over Wed, Thu, Fri
    assert lines["C"] == ("on_track", 10 / 3)
    assert lines["B"] == ("met", None)
    saturday = MONDAY + dt.timedelta(days=5)
    assert _lines(saturday, {"A": 4, "B": 10, "C": 0}) == {
        "A": ("missed", None),
        "C": ("missed", None),
        "B": ("met", None),
    }


def test_read_model_statuses_override_the_judged_ones() -> None:
    model = build_report(
        PLAN,
        unit_directory(UNITS),
        coverage={"C": CoverageRow(teams_total=10, teams_trained=0)},
        targets=[TARGET],
        facts=ReportFacts(today=MONDAY),
        statuses={"C": {Measure.TEAMS_TRAINED_IN_PERSON: "at_risk"}},
    )
    assert model.coverage is not None
    assert [line.status for line in model.coverage] == ["at_risk"]


def test_the_page_is_one_accessible_file_that_loads_nothing() -> None:
    page = plan_report_html(
        PLAN,
        units=UNITS,
        coverage={"A": CoverageRow(teams_total=10, teams_trained=4)},
        targets=[TARGET],
        facts=ReportFacts(programme="Probe", today=MONDAY, position=7),
    )
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:|//)""", page)
    assert re.findall(r"<link[^>]*>", page) == ['<link rel="icon" href="data:,">']  # no favicon
    assert "<script src" not in page and "@import" not in page
    assert "default-src 'none'" in page
    assert page.count("<img ") == 2 and page.count('src="data:image/svg+xml;base64,') == 2
    assert all(len(alt) > 40 for alt in re.findall(r'alt="([^"]*)"', page))
    assert len(re.findall(r"<th\b", page)) == len(re.findall(r"<th\b[^>]*\bscope=", page))
    assert "Bach &lt;am&gt; See" in page and "<am>" not in page
    assert 'id="log-position">7<' in page
    # A trains today: on track, in words and in a symbol, not in colour alone.
    assert '<span aria-hidden="true">▲</span> on track' in page


def test_pictures_drawn_once_are_reused_unchanged() -> None:
    pictures = report_pictures(PLAN, units=UNITS)
    assert pictures.session_calendar is not None
    first = plan_report_html(
        PLAN,
        units=UNITS,
        pictures=pictures,
        facts=ReportFacts(made_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC)),
    )
    again = plan_report_html(
        PLAN, units=UNITS, facts=ReportFacts(made_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    )
    assert first == again


def test_an_unknown_unit_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    bad = (FakeCluster(1, "A", ("A", "Z")),)
    out = tmp_path / "page.html"
    with pytest.raises(UnknownProvinceError, match="'Z'"):
        write_plan_report(bad, out, units=UNITS)
    assert not out.exists()


def test_without_jinja2_the_page_asks_for_the_html_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from schedcore.exports import html

    monkeypatch.setitem(sys.modules, "jinja2", None)
    html._environment.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match=r"schedcore\[html\]"):
            plan_report_html(PLAN, units=UNITS)
    finally:
        html._environment.cache_clear()


def _plan_file(tmp_path: Path, clusters: tuple[FakeCluster, ...]) -> Path:
    path = tmp_path / "plan.json"
    document = {
        "clusters": [
            {"id": c.id, "host": c.host, "members": list(c.members),
             "date": c.date.isoformat() if c.date else None, "trainer_team": c.trainer_team}
            for c in clusters
        ]
    }  # fmt: skip
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_cli_exports_the_2022_plan_as_a_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    plan = _plan_file(tmp_path, plausible_2022_plan())
    described = tmp_path / "described.json"
    command = ["export", "--format", "html", "--plan", str(plan), "--out", str(out)]
    assert main([*command, "--json", str(described)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="cluster"') == 10
    assert page.count('<tr class="unit"') == 63
    assert "Mon 12 Sep 2022 to Fri 30 Sep 2022" in page  # the 2022 calendar's window
    assert json.loads(described.read_text())["format"] == "html"


def test_cli_refuses_a_plan_with_an_unknown_province_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    plan = _plan_file(tmp_path, (FakeCluster(1, "01", ("01", "99"), calendar_2022().start),))
    assert main(["export", "--format", "html", "--plan", str(plan), "--out", str(out)]) == 2
    assert "99" in capsys.readouterr().err
    assert not out.exists()
