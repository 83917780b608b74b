"""The session calendar: a Gantt-style chart of who trains where on which working day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

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

    figure = new_figure(max(8.0, 0.8 * len(axis_days) + 2.0), max(3.4, 0.8 * len(row_names) + 1.6))
    axes = figure.add_subplot()
    row_index = {name: index for index, name in enumerate(row_names)}
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
            )
            host_name = directory.name(cluster.host)
            axes.text(
                column[day],
                bottom + height / 2,
                f"C{cluster.id}\n{wrap_name(host_name)}\n{len(cluster.members)} units",
                ha="center",
                va="center",
                fontsize=8.5 if len(stacked) == 1 else 6.5,
                color=text_colour(colour),
                linespacing=1.1,
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
    if undated:
        figure.text(
            0.01,
            0.005,
            f"Not shown, no date yet: cluster {', '.join(str(i) for i in undated)}",
            fontsize=8,
            color="0.3",
        )
    return figure
