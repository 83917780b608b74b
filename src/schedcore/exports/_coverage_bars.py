"""The coverage chart: what is behind target first, by region and by unit.

It reads the projections' :class:`~schedcore.projections.CoverageRow` (what
``Views.coverage("province")`` returns), by attribute only: the projections are not imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import InvalidInputError, UnknownProvinceError
from schedcore.exports._figures import Colour, cluster_colours, new_figure, wrap_name
from schedcore.exports._types import UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from schedcore.projections.coverage import CoverageRow

__all__ = ["Shortfall", "coverage_bars", "shortfalls"]

_MEASURE_LABELS = {
    Measure.TEAMS_TRAINED_IN_PERSON: "teams trained in person",
    Measure.MEMBERS_FOLLOWING_CHANNEL: "members following the channel",
    Measure.MEMBERS_ONLINE_COURSE: "members through the online course",
}
#: Each measure drawn, with the count of a row that measures it.
_COUNTS = (
    (Measure.TEAMS_TRAINED_IN_PERSON, "teams_trained"),
    (Measure.MEMBERS_FOLLOWING_CHANNEL, "members_channel"),
    (Measure.MEMBERS_ONLINE_COURSE, "members_course"),
)
#: What a row of each grouping is called in the summary line.
_NOUNS = {
    "province": "provinces",
    "region": "regions",
    "cluster": "clusters",
    "commune": "communes",
    "country": "countries",
}
#: The ``gid`` of the target marks, of the value written beside each bar, and of the summary.
TARGET_GID = "target"
VALUE_GID = "value"
SUMMARY_GID = "summary"
_TARGET_COLOUR = "firebrick"


@attrs.frozen
class Shortfall:
    """One unit's share of teams trained in person against its target."""

    key: str
    name: str
    share: float
    target: float

    @property
    def behind(self) -> float:
        """How far below the target the share is (0 when at or above it)."""
        return max(self.target - self.share, 0.0)


def shortfalls(
    rows: Iterable[CoverageRow], targets: Sequence[Target] = ()
) -> tuple[list[Shortfall], list[Shortfall]]:
    """The units behind target for teams trained in person, furthest behind first (ties by
    name), and those at or above it (in row order).

    The target is the one in ``targets`` for that measure, else the rows' own (their
    ``progress``), else 100%.  The share is teams trained over the larger of the expected and
    the enrolled teams, as the coverage report counts it.
    """
    rows = list(rows)
    target = _target_shares(rows, targets)[Measure.TEAMS_TRAINED_IN_PERSON]
    behind: list[Shortfall] = []
    done: list[Shortfall] = []
    for row in rows:
        value, population = _counted(row, "teams_trained")
        share = value / population if population else 0.0
        entry = Shortfall(row.key, row.name, share, target)
        (behind if share < target - 1e-9 else done).append(entry)
    behind.sort(key=lambda entry: (-entry.behind, entry.name, entry.key))
    return behind, done


def coverage_bars(
    rows: Iterable[CoverageRow],
    *,
    units: UnitSource | UnitDirectory | None = None,
    targets: Sequence[Target] = (),
    as_of: dt.date | None = None,
    title: str | None = None,
) -> Figure:
    """Coverage against targets: by region (top left) and the units behind (right).

    ``rows`` are the projections' coverage rows of one grouping (usually provinces:
    ``views.coverage("province")``).  The unit panel shows only the units behind their
    target for teams trained in person, furthest behind first, and sums up the rest in one
    line ("52 provinces at or above target").  The region panel shows every measure that has
    members counted; a row's region comes from ``units`` (a row whose key the units do not
    know counts under "all units").  Targets are those given, else the rows' own, else 100%;
    each bar carries its target as a short red mark, never across a label.  ``targets`` and
    ``as_of`` are written in the key with their deadlines.
    """
    rows = list(rows)
    if not rows:
        raise InvalidInputError("no coverage rows: there is nothing to draw")
    directory = unit_directory(units)
    target_shares = _target_shares(rows, targets)
    region_of = {row.key: _region(directory, row.key) for row in rows}
    regions = list(dict.fromkeys(region_of[row.key] for row in sorted(rows, key=_order)))
    region_colours = dict(zip(regions, cluster_colours(len(regions)), strict=True))
    measures = [
        (measure, count)
        for measure, count in _COUNTS
        if count == "teams_trained" or any(_counted(row, count)[1] for row in rows)
    ]
    behind, done = shortfalls(rows, targets)
    noun = _NOUNS.get(str(getattr(rows[0], "grouping", "")), "units")
    shares = [
        _counted(row, count)[0] / _counted(row, count)[1]
        for row in rows
        for _, count in measures
        if _counted(row, count)[1]
    ]
    x_max = 100 * max([1.0, *shares, *target_shares.values()]) + 30

    height = max(8.5, 0.24 * len(behind) + 3.0)
    region_height = min(0.3 * len(regions) * len(measures) + 1.2, 0.55 * height)
    figure = new_figure(14.0, height)
    grid = figure.add_gridspec(
        2, 2, width_ratios=(1, 1.25), height_ratios=(region_height, height - region_height)
    )
    by_region = figure.add_subplot(grid[0, 0])
    key = figure.add_subplot(grid[1, 0])
    by_unit = figure.add_subplot(grid[:, 1])

    measure_handles = _region_panel(by_region, regions, rows, region_of, measures, target_shares)
    _unit_panel(
        by_unit,
        behind,
        len(done),
        noun,
        target_shares[Measure.TEAMS_TRAINED_IN_PERSON],
        [region_colours[region_of[entry.key]] for entry in behind],
    )
    for axes in (by_region, by_unit):
        _value_axis(axes, x_max)

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    key.axis("off")
    target_handle = Line2D(
        [], [], color=_TARGET_COLOUR, marker="|", linestyle="", markersize=12, label="target"
    )
    measures_legend = key.legend(
        handles=[*measure_handles, target_handle],
        title="by region: share of",
        loc="upper left",
        fontsize=9,
        title_fontsize=9,
        alignment="left",
        frameon=False,
    )
    key.add_artist(measures_legend)
    if len(regions) > 1:
        key.legend(
            handles=[Patch(color=region_colours[r], label=r) for r in regions],
            title="by unit: region",
            loc="upper left",
            bbox_to_anchor=(0.55, 1.0),
            fontsize=9,
            title_fontsize=9,
            alignment="left",
            frameon=False,
        )
    note = _deadline_note(targets or _row_targets(rows), as_of)
    if note:
        # Under the legends, at the bottom of the key.
        key.text(
            0.0, 0.0, note, fontsize=9.5, va="bottom", linespacing=1.5, transform=key.transAxes
        )

    figure.suptitle(title or "Coverage against targets", x=0.01, ha="left", fontsize=13)
    return figure


def _order(row: CoverageRow) -> tuple[str, str]:
    return (row.key, row.name)


def _region(directory: UnitDirectory, key: str) -> str:
    try:
        return directory[key].region or "all units"
    except UnknownProvinceError:
        return "all units"


def _counted(row: CoverageRow, count: str) -> tuple[int, int]:
    """A measure's count and the population it is a share of, as the coverage report has it."""
    progress = getattr(row, "progress", {}).get(count)
    if progress is not None:
        return progress.value, progress.population
    if count == "teams_trained":
        return row.teams_trained, max(row.teams_expected or 0, row.teams_enrolled)
    return getattr(row, count), max(row.members_expected or 0, row.members_enrolled)


def _row_targets(rows: Sequence[CoverageRow]) -> list[Target]:
    found: dict[Measure, Target] = {}
    for row in rows:
        for progress in getattr(row, "progress", {}).values():
            if progress.target is not None:
                found.setdefault(progress.target.measure, progress.target)
    return [found[measure] for measure, _ in _COUNTS if measure in found]


def _target_shares(rows: Sequence[CoverageRow], targets: Sequence[Target]) -> dict[Measure, float]:
    given = {target.measure: target.share for target in (*_row_targets(rows), *targets)}
    return {measure: given.get(measure, 1.0) for measure, _ in _COUNTS}


def _region_panel(
    axes: Axes,
    regions: Sequence[str],
    rows: Sequence[CoverageRow],
    region_of: Mapping[str, str],
    measures: Sequence[tuple[Measure, str]],
    target_shares: Mapping[Measure, float],
) -> list[Any]:
    """Grouped bars, one group per region and one bar per measure; returns legend handles."""
    from matplotlib import colormaps

    palette = colormaps["Set2"]
    bar_height = 0.8 / len(measures)
    handles = []
    for index, (measure, count) in enumerate(measures):
        positions = [r - 0.4 + bar_height * (index + 0.5) for r in range(len(regions))]
        shares = []
        for region in regions:
            value = population = 0
            for row in rows:
                if region_of[row.key] == region:
                    part, whole = _counted(row, count)
                    value += part
                    population += whole
            shares.append(100 * value / population if population else 0.0)
        handles.append(
            axes.barh(
                positions,
                shares,
                height=bar_height * 0.92,
                color=palette(index),
                label=_MEASURE_LABELS[measure],
            )
        )
        target = 100 * target_shares[measure]
        for position, share in zip(positions, shares, strict=True):
            _target_mark(axes, target, position, bar_height * 0.92)
            _value(axes, share, target, position, f"{share:.0f}%", fontsize=8)
    axes.set_yticks(range(len(regions)), [wrap_name(region, 18) for region in regions])
    axes.set_ylim(len(regions) - 0.5, -0.5)
    axes.set_title("by region", loc="left", fontsize=11)
    return handles


def _unit_panel(
    axes: Axes,
    behind: Sequence[Shortfall],
    at_target: int,
    noun: str,
    target_share: float,
    colours: Sequence[Colour],
) -> None:
    """One bar per unit behind target (teams trained in person), furthest behind on top, and
    a line for the units at or above target."""
    target = 100 * target_share
    shares = [100 * entry.share for entry in behind]
    axes.barh(range(len(behind)), shares, height=0.75, color=list(colours))
    for position, entry in enumerate(behind):
        _target_mark(axes, target, position, 0.75)
        _value(
            axes,
            100 * entry.share,
            target,
            position,
            f"{100 * entry.share:.0f}%  ({100 * entry.behind:.0f} points short)",
            fontsize=7,
        )
    axes.set_yticks(range(len(behind)), [entry.name for entry in behind], fontsize=7.5)
    total = len(behind) + at_target
    if not behind:
        summary = f"All {total} {noun} at or above target ({target:.0f}%)"
    elif at_target:
        summary = f"{at_target} {noun} at or above target ({target:.0f}%), not shown"
    else:
        summary = f"No {noun[:-1] if noun.endswith('s') else noun} at or above target yet"
    # The summary is the panel's last line, under the bars.
    axes.set_ylim(len(behind) + 0.5, -0.5)
    axes.text(
        1,
        len(behind),
        summary,
        va="center",
        fontsize=9.5,
        fontstyle="italic",
        color="0.25",
        gid=SUMMARY_GID,
    )
    what = _MEASURE_LABELS[Measure.TEAMS_TRAINED_IN_PERSON]
    axes.set_title(
        f"{len(behind)} of {total} {noun} behind target: {what}, furthest behind first",
        loc="left",
        fontsize=11,
    )


def _target_mark(axes: Axes, target: float, position: float, height: float) -> None:
    """A short red mark across one bar at its target (not a line through the labels)."""
    axes.plot(
        [target, target],
        [position - height / 2 - 0.06, position + height / 2 + 0.06],
        color=_TARGET_COLOUR,
        linewidth=1.6,
        solid_capstyle="butt",
        zorder=4,
        gid=TARGET_GID,
    )


def _value(
    axes: Axes, share: float, target: float, position: float, text: str, *, fontsize: float
) -> None:
    """The bar's value, right of both the bar and its target mark."""
    axes.annotate(
        text,
        (max(share, target), position),
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=fontsize,
        gid=VALUE_GID,
    )


def _value_axis(axes: Axes, x_max: float) -> None:
    axes.set_xlim(0, x_max)
    axes.set_xlabel("% of total")
    axes.tick_params(axis="y", length=0)
    axes.grid(True, axis="x", color="0.92", linewidth=0.6)
    axes.set_axisbelow(True)


def _deadline_note(targets: Sequence[Target], as_of: dt.date | None) -> str:
    lines = []
    if as_of is not None:
        lines.append(f"Status on {as_of:%d %b %Y}.")
    for target in targets:
        label = _MEASURE_LABELS.get(target.measure, str(target.measure))
        late = " (passed)" if as_of is not None and as_of > target.deadline else ""
        lines.append(f"Target: {target.share:.0%} of {label} by {target.deadline:%d %b %Y}{late}")
    return "\n".join(lines)
