"""The pictures: valid PNGs of a useful size, drawn from plans and coverage of any shape."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from PIL import Image

from schedcore.errors import InvalidInputError
from schedcore.exports import (
    CoverageRow,
    cluster_map,
    coverage_bars,
    save_png,
    session_calendar,
    write_plan_pictures,
)
from schedcore.reference import calendar_2022, programme_2022, vietnam_2022
from tests.exports.plans import FakeCluster, plausible_2022_plan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_a_real_png(path: Path, *, min_width: int, min_height: int) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 20_000, "a picture of a plan is not a few bytes"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert width >= min_width and height >= min_height
    assert colours is not None and len(colours) > 50, "the picture is not blank"


@pytest.fixture(scope="module")
def pictures_2022(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pictures")
    written = write_plan_pictures(plausible_2022_plan(), folder, calendar=calendar_2022())
    return {path.name: path for path in written}


def test_the_2022_plan_gives_a_cluster_map_png(pictures_2022: dict[str, Path]) -> None:
    assert_a_real_png(pictures_2022["cluster_map.png"], min_width=900, min_height=900)


def test_the_2022_plan_gives_a_session_calendar_png(pictures_2022: dict[str, Path]) -> None:
    assert_a_real_png(pictures_2022["session_calendar.png"], min_width=1000, min_height=300)


@pytest.fixture(scope="module")
def map_2022() -> Figure:
    return cluster_map(plausible_2022_plan())


def test_the_2022_map_enlarges_its_two_crowded_deltas(map_2022: Figure) -> None:
    titles = [axes.get_title(loc="left") for axes in map_2022.axes]
    insets = [title for title in titles if title.startswith(("A: around", "B: around"))]
    assert len(insets) == 2


def test_every_2022_unit_is_labelled_once(map_2022: Figure) -> None:
    labels = [text.get_text() for axes in map_2022.axes for text in axes.texts]
    names = [province.name for province in vietnam_2022()]
    assert sorted(label for label in labels if label in names) == sorted(names)


def test_a_small_plan_of_ones_own_units_is_mapped_without_insets() -> None:
    units = {"N": ("North", 12.0, 100.0), "C": ("Centre", 11.0, 100.4), "S": ("South", 10.0, 100.2)}
    figure = cluster_map(
        [FakeCluster(1, "C", ("C", "N")), FakeCluster(2, "S", ("S",))], units=units
    )
    assert len(figure.axes) == 2  # the map and its legend


def test_an_empty_plan_has_no_map() -> None:
    with pytest.raises(InvalidInputError, match="no clusters"):
        cluster_map([])


def test_the_calendar_has_a_row_per_trainer_team() -> None:
    figure = session_calendar(plausible_2022_plan(), calendar=calendar_2022())
    rows = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert rows == ["Team North", "Team South"]


def test_the_calendar_has_a_column_per_working_day() -> None:
    figure = session_calendar(plausible_2022_plan(), calendar=calendar_2022())
    assert len(figure.axes[0].get_xticks()) == 15


def test_without_trainer_teams_the_calendar_has_a_row_per_cluster() -> None:
    day = dt.date(2022, 9, 13)
    plan = [FakeCluster(1, "01", ("01",), day), FakeCluster(2, "79", ("79",), day)]
    rows = [label.get_text() for label in session_calendar(plan).axes[0].get_yticklabels()]
    assert rows == ["cluster 1", "cluster 2"]


def test_a_session_on_a_weekend_is_shown_not_hidden() -> None:
    saturday = dt.date(2022, 9, 17)
    plan = [
        FakeCluster(1, "01", ("01",), dt.date(2022, 9, 16)),
        FakeCluster(2, "79", ("79",), saturday),
    ]
    labels = [label.get_text() for label in session_calendar(plan).axes[0].get_xticklabels()]
    assert labels == ["Fri\n16 Sep", "Sat\n17 Sep"]


def test_an_undated_plan_has_no_calendar() -> None:
    with pytest.raises(InvalidInputError, match="no cluster of the plan has a date"):
        session_calendar(plausible_2022_plan(dated=False))


def test_an_undated_plan_writes_only_the_map(tmp_path: Path) -> None:
    written = write_plan_pictures([FakeCluster(1, "01", ("01", "26"))], tmp_path)
    assert [path.name for path in written] == ["cluster_map.png"]


def test_bad_input_writes_no_picture(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        write_plan_pictures([FakeCluster(1, "02", ("01",))], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def coverage_2022() -> dict[str, CoverageRow]:
    programme = programme_2022()
    rng = random.Random(7)
    rows = {}
    for code, teams in programme.teams.items():
        members = programme.members[code]
        rows[code] = CoverageRow(
            teams_total=teams,
            teams_trained=round(teams * rng.uniform(0.5, 1.05)),
            members_total=members,
            members_channel=round(members * rng.uniform(0.4, 1.0)),
            members_course=round(members * rng.uniform(0.1, 0.6)),
        )
    return rows


def test_coverage_of_2022_gives_a_png(tmp_path: Path) -> None:
    figure = coverage_bars(
        coverage_2022(), targets=programme_2022().targets, as_of=dt.date(2022, 9, 25)
    )
    path = save_png(figure, tmp_path / "coverage.png")
    assert_a_real_png(path, min_width=1200, min_height=800)


def test_coverage_has_a_bar_group_per_region_and_a_bar_per_province() -> None:
    by_region, _, by_unit = coverage_bars(coverage_2022()).axes
    assert len(by_region.get_yticklabels()) == 6
    assert len(by_unit.patches) == 63


def test_coverage_notes_the_deadlines_and_the_date() -> None:
    figure = coverage_bars(
        coverage_2022(), targets=programme_2022().targets, as_of=dt.date(2022, 10, 3)
    )
    texts = "\n".join(text.get_text() for axes in figure.axes for text in axes.texts)
    assert "Status on 03 Oct 2022." in texts
    assert "teams trained in person by 30 Sep 2022 (passed)" in texts
    assert "online course by 30 Nov 2022" in texts


def test_coverage_draws_the_100_percent_target_line() -> None:
    by_region, _, by_unit = coverage_bars(coverage_2022()).axes
    for axes in (by_region, by_unit):
        assert any(list(line.get_xdata()) == [100, 100] for line in axes.get_lines())


def test_coverage_without_rows_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no coverage rows"):
        coverage_bars({})


def test_pictures_are_figures_that_callers_can_adjust() -> None:
    assert isinstance(cluster_map([FakeCluster(1, "01", ("01", "26"))]), Figure)
