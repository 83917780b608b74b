"""The session calendar: a Gantt-style chart of who trains where on which working day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from schedcore.calendar import WorkingCalendar
from schedcore.errors import InvalidInputError
from schedcore.exports._figures import (
    cluster_colours,
    new_figure,
    short_date,
    text_colour,
    wrap_name,
)
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["session_calendar"]

_UNASSIGNED_TEAM = "no trainer team"
#: The ``gid`` of each session's bar and of the text written on it.
BAR_GID = "session-bar"
LABEL_GID = "session-label"
_FONT = 8.5
_STACKED_FONT = 6.5
_MIN_FONT = 5.5
#: Room kept between a session's text and its bar's edges, in points.
_PADDING = 2.0
#: A day's column is widened to fit the longest host name, up to this width in inches, and
#: the days together up to ``_MAX_DAYS_WIDTH`` (then a name that does not fit is abbreviated).
_MAX_COLUMN = 1.8
_MAX_DAYS_WIDTH = 22.0


@attrs.frozen
class _Cell:
    """A session's text, its bar (in data units: left, bottom, right, top), what it names."""

    text: Any
    bar: tuple[float, float, float, float]
    cluster: ClusterLike
    name: str
    font: float

    def lines(self, name: str | None) -> str:
        count = len(self.cluster.members)
        units = f"{count} unit" if count == 1 else f"{count} units"
        if name is None:
            return f"C{self.cluster.id}"
        return f"C{self.cluster.id}\n{wrap_name(name)}\n{units}"


def _column_width(
    figure: Figure, cells: Mapping[Any, list[ClusterLike]], directory: Any, days: int
) -> float:
    """Inches per day so the widest host name (wrapped) fits at the full font size."""
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    font = FontProperties(size=_FONT)
    widest = 0.0
    for stacked in cells.values():
        for cluster in stacked:
            for line in wrap_name(directory.name(cluster.host)).split("\n"):
                width, _, _ = renderer.get_text_width_height_descent(line, font, ismath=False)
                widest = max(widest, width / figure.dpi)
    needed = (widest + 2 * _PADDING / 72) / 0.92 + 0.05
    return max(0.8, min(needed, _MAX_COLUMN, _MAX_DAYS_WIDTH / days))


def _note(figure: Figure, note: str) -> None:
    """A grey line under the chart (kept in the layout)."""
    if note:
        figure.supxlabel(note, x=0.01, ha="left", fontsize=8, color="0.3")


def _fit(figure: Figure, cells: list[_Cell]) -> dict[str, str]:
    """Write each session's text at the largest size that fits its bar (down to
    ``_MIN_FONT``); a name that never fits becomes its unit code, and a text that still does
    not fit keeps only the cluster number.  Returns the codes used, with their names."""
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    pad = _PADDING * figure.dpi / 72
    short: dict[str, str] = {}
    for cell in cells:
        axes = cell.text.axes
        (x0, y0), (x1, y1) = axes.transData.transform(
            [(cell.bar[0], cell.bar[1]), (cell.bar[2], cell.bar[3])]
        )
        left, right = sorted((x0, x1))
        low, high = sorted((y0, y1))
        for name in (cell.name, cell.cluster.host, None):
            cell.text.set_text(cell.lines(name))
            size = cell.font
            while True:
                cell.text.set_fontsize(size)
                box = cell.text.get_window_extent(renderer)
                fits = (
                    box.x0 >= left + pad
                    and box.x1 <= right - pad
                    and box.y0 >= low + pad / 2
                    and box.y1 <= high - pad / 2
                )
                if fits or size <= _MIN_FONT:
                    break
                size = max(_MIN_FONT, size - 0.5)
            if fits:
                if name == cell.cluster.host and name != cell.name:
                    short[name] = cell.name
                break
        else:
            cell.text.set_text("")
    return short


def session_calendar(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    title: str | None = None,
) -> Figure:
    """A Gantt-style chart: working days across, one row per trainer team, a bar per session.

    Rows are clusters instead when no cluster has a trainer team.  The days are the
    ``calendar``'s working days (default: Monday to Friday between the first and last
    session); a session on another day is added to the axis rather than hidden.
    """
    directory = unit_directory(units)
    ordered = check_clusters(clusters, directory)
    colours = dict(zip((c.id for c in ordered), cluster_colours(len(ordered)), strict=True))
    sessions = [(cluster, cluster.date) for cluster in ordered if cluster.date is not None]
    if not sessions:
        raise InvalidInputError("no cluster of the plan has a date: there is no session to draw")
    undated = [cluster.id for cluster in ordered if cluster.date is None]

    first = min(day for _, day in sessions)
    last = max(day for _, day in sessions)
    if calendar is not None:
        days = set(calendar.working_days())
    else:
        days = {
            first + dt.timedelta(days=i)
            for i in range((last - first).days + 1)
            if (first + dt.timedelta(days=i)).weekday() < 5
        }
    days.update(day for _, day in sessions)
    axis_days = sorted(days)
    column = {day: index for index, day in enumerate(axis_days)}

    by_team = any(cluster.trainer_team for cluster, _ in sessions)
    if by_team:
        row_names = sorted({c.trainer_team for c, _ in sessions if c.trainer_team})
        if any(not c.trainer_team for c, _ in sessions):
            row_names.append(_UNASSIGNED_TEAM)
    else:
        row_names = [f"cluster {c.id}" for c, _ in sessions]

    def row_of(cluster: ClusterLike) -> str:
        if by_team:
            return cluster.trainer_team or _UNASSIGNED_TEAM
        return f"cluster {cluster.id}"

    cells: dict[tuple[str, dt.date], list[ClusterLike]] = defaultdict(list)
    for cluster, day in sessions:
        cells[(row_of(cluster), day)].append(cluster)

    # Rows grow with the sessions stacked in one cell (two teams' clusters on one day).
    stack = max(len(stacked) for stacked in cells.values())
    row_height = 0.8 * max(1.0, 0.55 * stack)
    figure = new_figure(8.0, max(3.4, row_height * len(row_names) + 1.6))
    figure.set_size_inches(
        max(8.0, _column_width(figure, cells, directory, len(axis_days)) * len(axis_days) + 2.0),
        figure.get_size_inches()[1],
    )
    axes = figure.add_subplot()
    row_index = {name: index for index, name in enumerate(row_names)}
    drawn: list[_Cell] = []
    for (row, day), stacked in cells.items():
        height = 0.8 / len(stacked)
        for position, cluster in enumerate(stacked):
            bottom = row_index[row] - 0.4 + position * height
            colour = colours[cluster.id]
            axes.broken_barh(
                [(column[day] - 0.46, 0.92)],
                (bottom, height),
                facecolors=[colour],
                edgecolors="white",
                linewidth=1,
                gid=BAR_GID,
            )
            text = axes.text(
                column[day],
                bottom + height / 2,
                "",
                ha="center",
                va="center",
                color=text_colour(colour),
                linespacing=1.1,
                gid=LABEL_GID,
                in_layout=False,
            )
            drawn.append(
                _Cell(
                    text,
                    (column[day] - 0.46, bottom, column[day] + 0.46, bottom + height),
                    cluster,
                    directory.name(cluster.host),
                    _FONT if len(stacked) == 1 else _STACKED_FONT,
                )
            )

    axes.set_xlim(-0.6, len(axis_days) - 0.4)
    axes.set_ylim(len(row_names) - 0.5, -0.5)
    axes.set_yticks(range(len(row_names)), row_names)
    axes.set_xticks(
        range(len(axis_days)), [f"{day:%a}\n{short_date(day)}" for day in axis_days], fontsize=8
    )
    for index in range(1, len(axis_days)):
        gap = (axis_days[index] - axis_days[index - 1]).days
        if gap > 1:
            axes.axvline(index - 0.5, color="0.55", linestyle=":", linewidth=1)
    axes.tick_params(axis="y", length=0)
    axes.grid(True, axis="x", color="0.93", linewidth=0.6)
    axes.set_axisbelow(True)
    summary = (
        f"{len(sessions)} sessions on {len(axis_days)} working days, "
        f"{short_date(axis_days[0])} to {short_date(axis_days[-1])} {axis_days[-1].year}"
    )
    axes.set_title(title or f"Session calendar: {summary}", fontsize=12, loc="left")
    if title:
        axes.set_title(summary, fontsize=9, loc="right", color="0.35")
    undated_note = (
        f"Not shown, no date yet: cluster {', '.join(str(i) for i in undated)}" if undated else ""
    )
    _note(figure, undated_note)
    # Names are fitted to their cells once the layout is final; a name that cannot fit at the
    # smallest size is written as its unit code, and the codes are spelt out below the chart
    # (which moves the layout, so the names are fitted again).
    short = _fit(figure, drawn)
    if short:
        spelt = ", ".join(f"{code} = {name}" for code, name in sorted(short.items()))
        key = f"Abbreviated: {spelt}"
        _note(figure, "; ".join(note for note in (key, undated_note) if note))
        short = _fit(figure, drawn)
    figure.set_layout_engine("none")
    return figure
