"""The pictures: valid PNGs of a useful size, drawn from plans and coverage of any shape."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from PIL import Image

from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import InvalidInputError
from schedcore.exports import (
    cluster_map,
    coverage_bars,
    save_png,
    session_calendar,
    write_plan_pictures,
)
from schedcore.exports._coverage_bars import SUMMARY_GID, TARGET_GID, VALUE_GID, shortfalls
from schedcore.projections import CoverageRow, Grouping, Progress, progress
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


def coverage_row(
    key: str,
    name: str,
    teams: int,
    trained: int,
    *,
    members: int = 0,
    channel: int = 0,
    course: int = 0,
    targets: tuple[Target, ...] = (),
) -> CoverageRow:
    """A province's row as ``Views.coverage("province")`` gives it."""
    by_measure = {target.measure: target for target in targets}
    start, today = dt.date(2022, 9, 12), dt.date(2022, 9, 25)

    def judged(value: int, population: int, measure: Measure) -> Progress:
        return progress(value, population, by_measure.get(measure), start=start, today=today)

    return CoverageRow(
        grouping=Grouping.PROVINCE,
        key=key,
        name=name,
        teams_expected=teams,
        members_expected=members,
        teams_enrolled=teams,
        members_enrolled=members,
        teams_trained=trained,
        members_hall=0,
        members_bridge=0,
        members_absent=0,
        members_course=course,
        members_channel=channel,
        progress={
            "teams_trained": judged(trained, teams, Measure.TEAMS_TRAINED_IN_PERSON),
            "members_course": judged(course, members, Measure.MEMBERS_ONLINE_COURSE),
            "members_channel": judged(channel, members, Measure.MEMBERS_FOLLOWING_CHANNEL),
        },
    )


def coverage_2022(behind: int = 11) -> list[CoverageRow]:
    """The 63 provinces: ``behind`` of them (chosen at random) short of their teams, the rest
    with every team trained."""
    programme = programme_2022()
    table = vietnam_2022()
    rng = random.Random(7)
    short = set(rng.sample(sorted(programme.teams), behind))
    rows = []
    for code, teams in programme.teams.items():
        members = programme.members[code]
        trained = round(teams * rng.uniform(0.3, 0.95)) if code in short else teams
        rows.append(
            coverage_row(
                code,
                table.by_code(code).name,
                teams,
                trained,
                members=members,
                channel=round(members * rng.uniform(0.4, 1.0)),
                course=round(members * rng.uniform(0.1, 0.6)),
                targets=programme.targets,
            )
        )
    return rows


def test_coverage_of_2022_gives_a_png(tmp_path: Path) -> None:
    figure = coverage_bars(
        coverage_2022(), targets=programme_2022().targets, as_of=dt.date(2022, 9, 25)
    )
    path = save_png(figure, tmp_path / "coverage.png")
    assert_a_real_png(path, min_width=1200, min_height=800)


def test_coverage_has_a_bar_group_per_region_and_a_bar_per_province_behind() -> None:
    by_region, _, by_unit = coverage_bars(coverage_2022(behind=11)).axes
    assert len(by_region.get_yticklabels()) == 6
    assert len(by_unit.patches) == 11


def test_the_provinces_furthest_behind_come_first() -> None:
    table = vietnam_2022()
    rows = [
        coverage_row("01", table.by_code("01").name, 100, 100),
        coverage_row("02", table.by_code("02").name, 100, 90),
        coverage_row("04", table.by_code("04").name, 100, 40),
        coverage_row("06", table.by_code("06").name, 200, 190),
        coverage_row("08", table.by_code("08").name, 100, 75),
        coverage_row("10", table.by_code("10").name, 50, 50),
    ]
    by_unit = coverage_bars(rows).axes[2]
    names = [label.get_text() for label in by_unit.get_yticklabels()]
    assert names == [table.by_code(code).name for code in ("04", "08", "02", "06")]
    assert [round(bar.get_width()) for bar in by_unit.patches] == [40, 75, 90, 95]


def test_the_provinces_at_target_are_summed_up_in_one_line() -> None:
    by_unit = coverage_bars(coverage_2022(behind=11)).axes[2]
    summaries = [text.get_text() for text in by_unit.texts if text.get_gid() == SUMMARY_GID]
    assert summaries == ["52 provinces at or above target (100%), not shown"]
    assert by_unit.get_title(loc="left").startswith("11 of 63 provinces behind target")


def test_when_every_province_is_at_target_the_panel_says_so() -> None:
    by_unit = coverage_bars(coverage_2022(behind=0)).axes[2]
    assert len(by_unit.patches) == 0
    summaries = [text.get_text() for text in by_unit.texts if text.get_gid() == SUMMARY_GID]
    assert summaries == ["All 63 provinces at or above target (100%)"]


def test_the_rows_own_target_decides_who_is_behind() -> None:
    at_80 = (Target(Measure.TEAMS_TRAINED_IN_PERSON, 0.8, dt.date(2022, 9, 30)),)
    rows = [
        coverage_row("A", "Above", 100, 85, targets=at_80),
        coverage_row("B", "Below", 100, 70, targets=at_80),
    ]
    by_unit = coverage_bars(rows, units={"A": ("Above", 10.0, 100.0), "B": ("B", 11.0, 100.0)})
    names = [label.get_text() for label in by_unit.axes[2].get_yticklabels()]
    assert names == ["Below"]
    behind, at_target = shortfalls(rows)
    assert [(entry.key, round(entry.behind, 2)) for entry in behind] == [("B", 0.1)]
    assert [entry.key for entry in at_target] == ["A"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 600)), min_size=1, max_size=30).map(
        lambda pairs: [(teams, min(trained, teams)) for teams, trained in pairs]
    ),
    st.sampled_from([0.5, 0.8, 1.0]),
)
def test_shortfalls_split_every_unit_once_furthest_behind_first(
    counts: list[tuple[int, int]], share: float
) -> None:
    target = (Target(Measure.TEAMS_TRAINED_IN_PERSON, share, dt.date(2022, 9, 30)),)
    rows = [coverage_row(f"U{i}", f"unit {i}", t, d) for i, (t, d) in enumerate(counts)]
    behind, at_target = shortfalls(rows, target)
    assert sorted(e.key for e in behind + at_target) == sorted(r.key for r in rows)
    assert all(entry.share < share for entry in behind)
    assert all(entry.share >= share - 1e-9 for entry in at_target)
    gaps = [entry.behind for entry in behind]
    assert gaps == sorted(gaps, reverse=True)


def test_no_value_is_struck_by_a_target_mark() -> None:
    figure = coverage_bars(coverage_2022(behind=20), targets=programme_2022().targets)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    checked = 0
    for axes in figure.axes:
        marks = [line.get_window_extent(renderer) for line in axes.lines]
        marks = [
            m for m, line in zip(marks, axes.lines, strict=True) if line.get_gid() == TARGET_GID
        ]
        for text in axes.texts:
            if text.get_gid() != VALUE_GID:
                continue
            box = text.get_window_extent(renderer)
            assert not any(box.overlaps(mark) for mark in marks), text.get_text()
            checked += 1
    assert checked == 6 * 3 + 20


def test_coverage_notes_the_deadlines_and_the_date() -> None:
    figure = coverage_bars(
        coverage_2022(), targets=programme_2022().targets, as_of=dt.date(2022, 10, 3)
    )
    texts = "\n".join(text.get_text() for axes in figure.axes for text in axes.texts)
    assert "Status on 03 Oct 2022." in texts
    assert "teams trained in person by 30 Sep 2022 (passed)" in texts
    assert "online course by 30 Nov 2022" in texts


def test_coverage_without_rows_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no coverage rows"):
        coverage_bars([])


def test_pictures_are_figures_that_callers_can_adjust() -> None:
    assert isinstance(cluster_map([FakeCluster(1, "01", ("01", "26"))]), Figure)
