"""The coverage chart: shares of teams and members reached, by region and by unit, vs 100%."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import InvalidInputError
from schedcore.exports._figures import Colour, cluster_colours, new_figure, wrap_name
from schedcore.exports._types import CoverageRow, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["coverage_bars"]

_MEASURE_LABELS = {
    Measure.TEAMS_TRAINED_IN_PERSON: "teams trained in person",
    Measure.MEMBERS_FOLLOWING_CHANNEL: "members following the channel",
    Measure.MEMBERS_ONLINE_COURSE: "members through the online course",
}


def coverage_bars(
    rows: Mapping[str, CoverageRow],
    *,
    units: UnitSource | UnitDirectory | None = None,
    targets: Sequence[Target] = (),
    as_of: dt.date | None = None,
    title: str | None = None,
) -> Figure:
    """Coverage against the 100% target line: by region (top left) and by unit (right).

    ``rows`` maps unit codes to their counts.  Regions come from the units (a unit without a
    region counts under "all units").  The region panel shows every measure that has totals;
    the unit panel shows teams trained in person.  ``targets`` (e.g. a programme's) and
    ``as_of`` are written in the key with their deadlines.
    """
    if not rows:
        raise InvalidInputError("no coverage rows: there is nothing to draw")
    directory = unit_directory(units)
    region_rows: dict[str, CoverageRow] = {}
    region_of: dict[str, str] = {}
    for code in sorted(rows):
        region = directory[code].region or "all units"
        region_of[code] = region
        row = rows[code]
        region_rows[region] = region_rows[region] + row if region in region_rows else row
    regions = list(region_rows)
    region_colours = dict(zip(regions, cluster_colours(len(regions)), strict=True))

    measures: list[tuple[Measure, str]] = [(Measure.TEAMS_TRAINED_IN_PERSON, "teams_share")]
    if any(row.members_total for row in rows.values()):
        measures += [
            (Measure.MEMBERS_FOLLOWING_CHANNEL, "channel_share"),
            (Measure.MEMBERS_ONLINE_COURSE, "course_share"),
        ]
    codes = sorted(rows, key=lambda code: (regions.index(region_of[code]), code))
    all_shares = [getattr(row, attribute) for row in rows.values() for _, attribute in measures]
    x_max = max(112.0, 100 * max(all_shares) + 14)

    height = max(7.0, 0.2 * len(rows) + 2.0)
    region_height = min(0.3 * len(regions) * len(measures) + 1.2, 0.6 * height)
    figure = new_figure(14.0, height)
    grid = figure.add_gridspec(
        2, 2, width_ratios=(1, 1.25), height_ratios=(region_height, height - region_height)
    )
    by_region = figure.add_subplot(grid[0, 0])
    key = figure.add_subplot(grid[1, 0])
    by_unit = figure.add_subplot(grid[:, 1])

    measure_handles = _region_panel(by_region, regions, region_rows, measures)
    _unit_panel(by_unit, codes, rows, directory, [region_colours[region_of[c]] for c in codes])
    for axes in (by_region, by_unit):
        _target_line(axes, x_max)

    from matplotlib.patches import Patch

    key.axis("off")
    measures_legend = key.legend(
        handles=measure_handles,
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
    note = _deadline_note(targets, as_of)
    if note:
        key.text(0.0, 0.74, note, fontsize=9.5, va="top", linespacing=1.5, transform=key.transAxes)

    figure.suptitle(title or "Coverage against targets", x=0.01, ha="left", fontsize=13)
    return figure


def _region_panel(
    axes: Axes,
    regions: Sequence[str],
    region_rows: Mapping[str, CoverageRow],
    measures: Sequence[tuple[Measure, str]],
) -> list[Any]:
    """Grouped bars, one group per region and one bar per measure; returns legend handles."""
    from matplotlib import colormaps

    palette = colormaps["Set2"]
    bar_height = 0.8 / len(measures)
    handles = []
    for index, (measure, attribute) in enumerate(measures):
        positions = [r - 0.4 + bar_height * (index + 0.5) for r in range(len(regions))]
        shares = [100 * getattr(region_rows[region], attribute) for region in regions]
        handles.append(
            axes.barh(
                positions,
                shares,
                height=bar_height * 0.92,
                color=palette(index),
                label=_MEASURE_LABELS[measure],
            )
        )
        for position, share in zip(positions, shares, strict=True):
            axes.text(share + 1, position, f"{share:.0f}%", va="center", fontsize=8)
    axes.set_yticks(range(len(regions)), [wrap_name(region, 18) for region in regions])
    axes.set_ylim(len(regions) - 0.5, -0.5)
    axes.set_title("by region", loc="left", fontsize=11)
    return handles


def _unit_panel(
    axes: Axes,
    codes: Sequence[str],
    rows: Mapping[str, CoverageRow],
    directory: UnitDirectory,
    colours: Sequence[Colour],
) -> None:
    """One bar per unit (teams trained in person), grouped by region, in code order."""
    shares = [100 * rows[code].teams_share for code in codes]
    axes.barh(range(len(codes)), shares, height=0.75, color=list(colours))
    for position, share in enumerate(shares):
        axes.text(share + 1, position, f"{share:.0f}%", va="center", fontsize=6.5)
    axes.set_yticks(range(len(codes)), [directory.name(code) for code in codes], fontsize=7)
    axes.set_ylim(len(codes) - 0.5, -0.5)
    axes.set_title(
        f"by unit: {_MEASURE_LABELS[Measure.TEAMS_TRAINED_IN_PERSON]}", loc="left", fontsize=11
    )


def _target_line(axes: Axes, x_max: float) -> None:
    axes.axvline(100, color="firebrick", linestyle="--", linewidth=1.2, zorder=4)
    axes.text(
        100,
        1.0,
        " target 100%",
        color="firebrick",
        fontsize=8,
        va="bottom",
        transform=axes.get_xaxis_transform(),
    )
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
