"""The session calendar writes every host's name whole, or as a code it spells out, inside
the session's bar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from schedcore.exports import Unit, session_calendar
from schedcore.exports._figures import unwrap_name, wrap_name
from schedcore.exports._session_calendar import BAR_GID, LABEL_GID
from schedcore.reference import calendar_2022, vietnam_2022
from tests.exports.plans import FakeCluster, plausible_2022_plan
from tests.exports.test_map_labels import german_example


def cells(figure: Figure) -> list[tuple[str, Any, Any]]:
    """(text, text box, bar box) of every session, as drawn."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = figure.axes[0]
    texts = [text for text in axes.texts if text.get_gid() == LABEL_GID]
    bars = [bar for bar in axes.collections if bar.get_gid() == BAR_GID]
    assert len(texts) == len(bars)
    return [
        (
            text.get_text(),
            text.get_window_extent(renderer),
            bar.get_paths()[0].get_extents(axes.transData),
        )
        for text, bar in zip(texts, bars, strict=True)
    ]


def abbreviations(figure: Figure) -> dict[str, str]:
    """The codes the note under the chart spells out."""
    note = figure.get_supxlabel()
    if not note.startswith("Abbreviated: "):
        return {}
    spelt = note.removeprefix("Abbreviated: ").split("; ")[0]
    return dict(pair.split(" = ", 1) for pair in spelt.split(", "))


def assert_names_fit(figure: Figure, names: dict[str, str]) -> int:
    """Every text names its host whole or by a spelt-out code, inside its bar; returns how
    many names were abbreviated."""
    key = abbreviations(figure)
    for text, box, bar in cells(figure):
        assert bar.x0 <= box.x0 and box.x1 <= bar.x1, text
        assert bar.y0 <= box.y0 and box.y1 <= bar.y1, text
        lines = text.split("\n")
        if len(lines) > 1:
            name = unwrap_name("\n".join(lines[1:-1]))
            assert name in names.values() or key.get(name) == names[name], text
    return len(key)


def test_the_german_example_writes_nordrhein_westfalen_whole() -> None:
    plan, units = german_example()
    figure = session_calendar(plan, units=units)
    assert assert_names_fit(figure, {c: u.name for c, u in units.items()}) == 0
    texts = [text for text, _, _ in cells(figure)]
    assert "C2\nNordrhein-\nWestfalen\n4 units" in texts


def test_the_2022_calendar_writes_every_host_whole() -> None:
    figure = session_calendar(plausible_2022_plan(), calendar=calendar_2022())
    names = {p.code: p.name for p in vietnam_2022()}
    assert assert_names_fit(figure, names) == 0


def test_a_name_too_long_for_any_cell_is_abbreviated_and_spelt_out() -> None:
    long_name = "Gemeinschaftsdigitalisierungsfortbildungsbezirk"
    units = {"GX": Unit("GX", long_name, lat=50.0, lon=10.0)}
    units.update({f"U{i}": Unit(f"U{i}", f"Ort {i}", lat=50.0, lon=10.0) for i in range(2, 25)})
    start = dt.date(2025, 3, 3)
    plan = [FakeCluster(1, "GX", ("GX",), start, "T1")] + [
        FakeCluster(i, f"U{i}", (f"U{i}",), start + dt.timedelta(days=i), "T1")
        for i in range(2, 25)
    ]
    figure = session_calendar(plan, units=units)
    assert abbreviations(figure) == {"GX": long_name}
    assert assert_names_fit(figure, {c: u.name for c, u in units.items()}) == 1


def test_sessions_stacked_in_one_cell_still_fit() -> None:
    day = dt.date(2025, 3, 3)
    names = ["Mecklenburg-Vorpommern", "Baden-Württemberg", "Schleswig-Holstein", "Sachsen"]
    units = {f"U{i}": Unit(f"U{i}", name, lat=50.0, lon=10.0) for i, name in enumerate(names)}
    plan = [FakeCluster(i + 1, f"U{i}", (f"U{i}",), day, "T1") for i in range(len(names))]
    figure = session_calendar(plan, units=units)
    assert_names_fit(figure, {code: unit.name for code, unit in units.items()})


@pytest.mark.parametrize(
    ("name", "wrapped"),
    [
        ("Nordrhein-Westfalen", "Nordrhein-\nWestfalen"),
        ("Bà Rịa - Vũng Tàu", "Bà Rịa -\nVũng Tàu"),
        ("Thừa Thiên Huế", "Thừa\nThiên Huế"),
        ("Berlin", "Berlin"),
    ],
)
def test_names_wrap_at_spaces_and_after_hyphens(name: str, wrapped: str) -> None:
    assert wrap_name(name) == wrapped


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from("aBcđ -"), min_size=0, max_size=30))
def test_a_wrapped_name_unwraps_to_itself(name: str) -> None:
    name = " ".join(name.split())  # names have single spaces and no spaces at the ends
    assert unwrap_name(wrap_name(name)) == name
