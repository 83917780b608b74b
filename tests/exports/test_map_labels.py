"""The cluster map: a country's outline under the clusters, and labels that cross nothing.

Label checks read the drawn figure: every unit name's box as the renderer measures it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from schedcore.errors import InvalidInputError
from schedcore.exports import Unit, cluster_map, write_plan_pictures
from schedcore.exports._cluster_map import INSET_GID, LABEL_GID, OUTLINE_GID
from schedcore.exports._placement import Box, Label, place_labels
from schedcore.planning import load_units
from schedcore.reference import vietnam_2022
from tests.exports.plans import FakeCluster, plausible_2022_plan

STATES = Path(__file__).parents[2] / "examples" / "data" / "states_example.csv"


def german_example() -> tuple[list[FakeCluster], dict[str, Unit]]:
    """The plan ``schedcore plan --units examples/data/states_example.csv --clusters 4
    --start 2025-03-03 --end 2025-03-14`` gives."""
    units = {u.code: u for u in load_units(STATES)}
    day = dt.date(2025, 3, 3)
    plan = [
        FakeCluster(1, "BY", ("BW", "BY"), day, "T1"),
        FakeCluster(2, "NW", ("HE", "NW", "RP", "SL"), day + dt.timedelta(1), "T2"),
        FakeCluster(3, "NI", ("HB", "HH", "MV", "NI", "SH", "TH"), day + dt.timedelta(4), "T2"),
        FakeCluster(4, "BE", ("BB", "BE", "SN", "ST"), day + dt.timedelta(9), "T2"),
    ]
    return plan, units


@pytest.fixture(scope="module")
def map_2022() -> Figure:
    return cluster_map(plausible_2022_plan(), country="VNM")


@pytest.fixture(scope="module")
def map_germany() -> Figure:
    plan, units = german_example()
    return cluster_map(plan, units=units, country="DEU")


def drawn_labels(figure: Figure) -> list[tuple[Any, Any]]:
    """(axes, box) of every unit name, as drawn."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    return [
        (axes, text.get_window_extent(renderer))
        for axes in figure.axes
        for text in axes.texts
        if text.get_gid() == LABEL_GID
    ]


@pytest.mark.parametrize("picture", ["map_2022", "map_germany"])
def test_no_two_labels_overlap(picture: str, request: pytest.FixtureRequest) -> None:
    labels = drawn_labels(request.getfixturevalue(picture))
    assert len(labels) >= 16
    for (_, first), (_, second) in itertools.combinations(labels, 2):
        assert not first.overlaps(second)


@pytest.mark.parametrize("picture", ["map_2022", "map_germany"])
def test_every_label_stays_inside_its_map(picture: str, request: pytest.FixtureRequest) -> None:
    for axes, box in drawn_labels(request.getfixturevalue(picture)):
        frame = axes.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1


def test_no_label_crosses_an_enlarged_area(map_2022: Figure) -> None:
    labels = drawn_labels(map_2022)
    main = map_2022.axes[0]
    areas = [patch.get_window_extent() for patch in main.patches if patch.get_gid() == INSET_GID]
    assert len(areas) == 2
    for axes, box in labels:
        if axes is main:
            assert not any(box.overlaps(area) for area in areas)


def test_every_label_is_a_unit_name_drawn_once(map_2022: Figure) -> None:
    names = sorted(
        text.get_text()
        for axes in map_2022.axes
        for text in axes.texts
        if text.get_gid() == LABEL_GID
    )
    assert names == sorted(province.name for province in vietnam_2022())


def outline_of(axes: Any) -> list[Any]:
    return [patch for patch in axes.patches if patch.get_gid() == OUTLINE_GID]


def test_the_2022_map_and_its_insets_show_vietnam(map_2022: Figure) -> None:
    main, *_ = map_2022.axes
    titled = [axes for axes in map_2022.axes if axes.get_title(loc="left")[:2] in ("A:", "B:")]
    for axes in [main, *titled]:
        assert len(outline_of(axes)) == 1
    # The mainland reaches Cà Mau cape and Lũng Cú, beyond the capitals: the map shows it.
    south, north = main.get_ylim()
    assert south < 8.7 and north > 23.3


def test_without_a_country_no_outline_is_drawn() -> None:
    figure = cluster_map(plausible_2022_plan())
    assert not any(outline_of(axes) for axes in figure.axes)


def test_an_unknown_country_draws_no_outline_and_no_error() -> None:
    figure = cluster_map(plausible_2022_plan(), country="XYZ")
    assert not any(outline_of(axes) for axes in figure.axes)


def test_a_country_that_is_not_a_code_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="alpha-3"):
        cluster_map(plausible_2022_plan(), country=704)  # type: ignore[arg-type]


def test_write_plan_pictures_passes_the_country_on(tmp_path: Path) -> None:
    plan, units = german_example()
    with_outline = write_plan_pictures(plan, tmp_path / "de", units=units, country="DEU")
    without = write_plan_pictures(plan, tmp_path / "none", units=units)
    # The pale land fill makes the picture with an outline clearly different and larger.
    assert with_outline[0].name == without[0].name == "cluster_map.png"
    assert with_outline[0].read_bytes() != without[0].read_bytes()


# -- the placement itself -----------------------------------------------------------------


labels_st = st.lists(
    st.builds(
        Label,
        x=st.floats(50, 450),
        y=st.floats(50, 450),
        radius=st.floats(2, 8),
        width=st.floats(20, 70),
        height=st.floats(8, 14),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(labels_st)
def test_placed_labels_that_are_not_blocked_overlap_nothing(labels: list[Label]) -> None:
    frame = Box(0, 0, 500, 500)
    markers = [Box(a.x - a.radius, a.y - a.radius, a.x + a.radius, a.y + a.radius) for a in labels]
    placed = place_labels(labels, frame=frame, markers=markers)
    assert len(placed) == len(labels)
    free = [p for p in placed if not p.blocked]
    for first, second in itertools.combinations(free, 2):
        assert not first.box.overlaps(second.box)
    for placement in free:
        assert placement.box.within(frame)
        assert not any(placement.box.overlaps(marker) for marker in markers)


def test_a_label_goes_where_no_line_crosses_it() -> None:
    label = Label(100, 100, 3, 40, 10)
    # A line leaving the marker to the right: the label goes left instead.
    placed = place_labels([label], frame=Box(0, 0, 200, 200), lines=[((120, 80), (120, 120))])
    assert placed[0].box.x1 <= label.x
    assert not placed[0].box.crosses((120, 80), (120, 120))


def test_a_label_keeps_out_of_an_area() -> None:
    label = Label(100, 100, 3, 40, 10)
    area = Box(103, 60, 190, 140)
    placed = place_labels([label], frame=Box(0, 0, 200, 200), keep_out=[area])
    assert not placed[0].box.overlaps(area)
    assert not placed[0].blocked


def test_a_label_with_no_room_is_reported_blocked() -> None:
    label = Label(10, 10, 3, 80, 10)
    placed = place_labels([label], frame=Box(0, 0, 20, 20))
    assert placed[0].blocked


def test_units_on_a_plane_are_drawn_on_equal_axes_in_km_without_an_outline() -> None:
    """x/y are kilometres, not degrees: no cos(latitude) squeeze, no country outline, km axes
    (the template of ``schedcore init`` is such a programme)."""
    units = {
        "A": Unit("A", "Alpha", x=0, y=0),
        "B": Unit("B", "Beta", x=10, y=180),
        "C": Unit("C", "Gamma", x=190, y=20),
    }
    plan = [FakeCluster(1, "A", ("A", "C")), FakeCluster(2, "B", ("B",))]
    figure = cluster_map(plan, units=units, country="VNM")
    main = figure.axes[0]
    assert main.get_aspect() == 1.0
    assert (main.get_xlabel(), main.get_ylabel()) == ("x (km)", "y (km)")
    assert not [a for a in main.get_children() if a.get_gid() == OUTLINE_GID]
