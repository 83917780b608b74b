"""The cluster map: unit capitals coloured by cluster, hosts starred, crowded areas zoomed.

Capitals of a delta sit a few tens of kilometres apart while a country spans a thousand, so
one scale cannot label both.  The map finds up to two crowded areas and draws each again,
enlarged, beside the map (letters A and B mark them); their units are labelled there only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from schedcore.errors import InvalidInputError
from schedcore.exports._figures import Colour, cluster_colours, new_figure, short_date
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["cluster_map"]

_MAP_HEIGHT = 11.0
_SIDE_WIDTH = 4.6
_MAX_INSETS = 2
_INSET_SCALE = 1.2
#: adjustText rounds: bounded for speed and so the same plan always gives the same picture.
_LABEL_ITERATIONS = 200
#: Marker areas in points squared (matplotlib's ``s``).
_DOT_SIZE = 46
_STAR_SIZE = 330


@attrs.frozen
class _Window:
    """A lon/lat rectangle of the map."""

    west: float
    east: float
    south: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def cluster_map(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    title: str | None = None,
) -> Figure:
    """Unit capitals by latitude and longitude, coloured by cluster, hosts starred.

    Lines join each member to its host, every unit is labelled with its name (moved apart by
    adjustText when installed), and up to two crowded areas are repeated enlarged beside the
    map.  No base map is drawn (nothing is downloaded); longitude is scaled by cos(latitude)
    so that distances look right.
    """
    directory = unit_directory(units)
    ordered = check_clusters(clusters, directory)
    if not ordered:
        raise InvalidInputError("the plan has no clusters: there is nothing to draw")
    colours = cluster_colours(len(ordered))
    places = {
        code: (directory[code].lon, directory[code].lat) for c in ordered for code in c.members
    }
    lons = [lon for lon, _ in places.values()]
    lats = [lat for _, lat in places.values()]
    x_scale = max(math.cos(math.radians((min(lats) + max(lats)) / 2)), 0.2)
    span_x = max((max(lons) - min(lons)) * x_scale, 0.5)
    span_y = max(max(lats) - min(lats), 0.5)
    # Labels sit right of their marker: leave more room on the east.
    whole = _Window(
        min(lons) - 0.05 * span_x / x_scale - 0.15,
        max(lons) + 0.12 * span_x / x_scale + 0.3,
        min(lats) - 0.03 * span_y - 0.15,
        max(lats) + 0.03 * span_y + 0.15,
    )
    windows = _crowded_windows(places, x_scale)

    shape = (whole.east - whole.west) * x_scale / (whole.north - whole.south)
    map_width = min(max(_MAP_HEIGHT * shape, 4.5), 16.0)
    figure = new_figure(map_width + _SIDE_WIDTH, _MAP_HEIGHT + 1.0)
    legend_share = 0.3 if windows else 1.0
    grid = figure.add_gridspec(
        1 + len(windows),
        2,
        width_ratios=(map_width, _SIDE_WIDTH),
        height_ratios=(legend_share, *[(1 - legend_share) / len(windows)] * len(windows))
        if windows
        else (1,),
    )
    main = figure.add_subplot(grid[:, 0])
    hidden = {
        code for code, (lon, lat) in places.items() if any(w.contains(lon, lat) for w in windows)
    }
    _draw(main, ordered, colours, directory)
    _frame(main, whole, x_scale)
    main.set_xlabel("longitude (°E)")
    main.set_ylabel("latitude (°N)")
    main.set_title(
        title or f"{len(places)} units in {len(ordered)} clusters", fontsize=13, loc="left"
    )

    insets: list[tuple[Axes, set[str], _Window]] = []
    letters = []
    for index, window in enumerate(windows):
        letter = "AB"[index]
        inset = figure.add_subplot(grid[1 + index, 1])
        inside = {code for code, (lon, lat) in places.items() if window.contains(lon, lat)}
        _draw(inset, ordered, colours, directory, marker_scale=_INSET_SCALE)
        _frame(inset, window, x_scale)
        inset.tick_params(labelsize=7)
        centre = min(
            inside,
            key=lambda code: math.hypot(
                places[code][0] - (window.west + window.east) / 2,
                places[code][1] - (window.south + window.north) / 2,
            ),
        )
        inset.set_title(f"{letter}: around {directory.name(centre)}", fontsize=10, loc="left")
        letters.append(_mark(main, window, letter))
        insets.append((inset, inside, window))

    legend_axes = figure.add_subplot(grid[0, 1])
    legend_axes.axis("off")
    legend_axes.legend(
        handles=_legend_handles(ordered, colours, directory),
        title="cluster: host (units, date)",
        loc="upper left",
        fontsize=9,
        title_fontsize=9,
        alignment="left",
        frameon=False,
    )

    # Labels are placed in display units, so the layout must be final first: lay out once,
    # then freeze it (later draws, adjustText's and the PNG's, would only repeat the work).
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
    _label(main, ordered, directory, labelled=set(places) - hidden, window=whole, avoid=letters)
    for inset, inside, window in insets:
        _label(
            inset,
            ordered,
            directory,
            labelled=inside,
            window=window,
            marker_scale=_INSET_SCALE,
        )
    return figure


def _crowded_windows(places: dict[str, tuple[float, float]], x_scale: float) -> list[_Window]:
    """Up to two small areas whose units sit too close together to label at the map's scale.

    A unit is crowded when three or more others lie within 3.5% of the map's larger side; linked
    crowded units form an area, which is kept when it holds at least six units and is small
    enough (a side under 40% of the map's) to be worth enlarging.
    """
    scaled = {code: (lon * x_scale, lat) for code, (lon, lat) in places.items()}
    xs = [x for x, _ in scaled.values()]
    ys = [y for _, y in scaled.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    radius = 0.035 * span
    near = {
        code: {
            other
            for other, (ox, oy) in scaled.items()
            if other != code and math.hypot(ox - x, oy - y) <= radius
        }
        for code, (x, y) in scaled.items()
    }
    crowded = {code for code, others in near.items() if len(others) >= 3}
    areas: list[set[str]] = []
    unvisited = set(crowded)
    while unvisited:
        start = min(unvisited)
        area, frontier = {start}, [start]
        unvisited.discard(start)
        while frontier:
            for other in near[frontier.pop()] & unvisited:
                unvisited.discard(other)
                area.add(other)
                frontier.append(other)
        areas.append(area | set().union(*(near[code] for code in area)))
    windows: list[_Window] = []
    for area in sorted(areas, key=lambda a: (-len(a), min(a))):
        if len(area) < 6 or len(windows) == _MAX_INSETS:
            break
        ax = [scaled[code][0] for code in area]
        ay = [scaled[code][1] for code in area]
        if max(max(ax) - min(ax), max(ay) - min(ay)) > 0.4 * span:
            continue
        pad = 0.45 * radius
        south, north = min(ay) - pad, max(ay) + pad
        west = min(ax) - pad
        # Labels sit right of their marker: room east of every unit that falls inside.
        east = max(
            x for x, y in scaled.values() if west <= x <= max(ax) + 3 * pad and south <= y <= north
        )
        windows.append(_Window(west / x_scale, (east + 3 * pad) / x_scale, south, north))
    return sorted(windows, key=lambda w: -w.north)


def _draw(
    axes: Axes,
    ordered: Sequence[ClusterLike],
    colours: Sequence[Colour],
    directory: UnitDirectory,
    *,
    marker_scale: float = 1.0,
) -> None:
    """Lines from members to hosts, member dots, host stars."""
    for cluster, colour in zip(ordered, colours, strict=True):
        host = directory[cluster.host]
        others = [directory[code] for code in cluster.members if code != cluster.host]
        for unit in others:
            axes.plot(
                [unit.lon, host.lon],
                [unit.lat, host.lat],
                color=colour,
                linewidth=1.1,
                alpha=0.55,
                zorder=1,
            )
        axes.scatter(
            [unit.lon for unit in others],
            [unit.lat for unit in others],
            s=_DOT_SIZE * marker_scale,
            color=[colour],
            edgecolors="white",
            linewidths=0.8,
            zorder=3,
        )
        axes.scatter(
            [host.lon],
            [host.lat],
            s=_STAR_SIZE * marker_scale,
            marker="*",
            color=[colour],
            edgecolors="black",
            linewidths=0.9,
            zorder=4,
        )


def _frame(axes: Axes, window: _Window, x_scale: float) -> None:
    axes.set_xlim(window.west, window.east)
    axes.set_ylim(window.south, window.north)
    axes.set_aspect(1 / x_scale)
    axes.grid(True, color="0.9", linewidth=0.6)
    axes.set_axisbelow(True)


def _mark(axes: Axes, window: _Window, letter: str) -> Any:
    """Outline an enlarged area on the main map; returns the letter's text."""
    from matplotlib.patches import Rectangle

    axes.add_patch(
        Rectangle(
            (window.west, window.south),
            window.east - window.west,
            window.north - window.south,
            fill=False,
            edgecolor="0.35",
            linestyle="--",
            linewidth=1,
            zorder=2,
        )
    )
    return axes.text(
        window.west,
        (window.south + window.north) / 2,
        f"{letter} ",
        fontsize=12,
        fontweight="bold",
        color="0.3",
        va="center",
        ha="right",
        zorder=6,
    )


def _legend_handles(
    ordered: Sequence[ClusterLike], colours: Sequence[Colour], directory: UnitDirectory
) -> list[Any]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    for cluster, colour in zip(ordered, colours, strict=True):
        when = f", {short_date(cluster.date)}" if cluster.date else ""
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                color=colour,
                label=f"{cluster.id}: {directory.name(cluster.host)} "
                f"({len(cluster.members)}{when})",
            )
        )
    handles.append(
        Line2D(
            [],
            [],
            marker="*",
            linestyle="",
            markersize=14,
            markerfacecolor="white",
            markeredgecolor="black",
            label="host (bold label)",
        )
    )
    return handles


def _label(
    axes: Axes,
    ordered: Sequence[ClusterLike],
    directory: UnitDirectory,
    *,
    labelled: set[str],
    window: _Window,
    marker_scale: float = 1.0,
    avoid: Sequence[Any] = (),
) -> None:
    """Name the ``labelled`` units beside their markers, then move labels off each other.

    Call once the layout is final (:func:`cluster_map` draws the figure first): labels start
    just right of their marker, and every marker in view (and the ``avoid`` artists) is an
    obstacle measured in display units.  adjustText, when installed, moves the labels and
    draws a thin leader to any label it moved far.
    """
    from matplotlib.transforms import Bbox

    to_pixels = axes.figure.dpi / 72
    to_data = axes.transData.inverted()
    texts: list[Any] = []
    obstacles = [artist.get_window_extent() for artist in avoid]
    xs: list[float] = []
    ys: list[float] = []
    for cluster in ordered:
        for code in cluster.members:
            unit = directory[code]
            if not window.contains(unit.lon, unit.lat):
                continue
            size = (_STAR_SIZE if code == cluster.host else _DOT_SIZE) * marker_scale
            radius = math.sqrt(size) / 2 * to_pixels
            x, y = axes.transData.transform((unit.lon, unit.lat))
            obstacles.append(Bbox.from_extents(x - radius, y - radius, x + radius, y + radius))
            xs.append(unit.lon)
            ys.append(unit.lat)
            if code in labelled:
                start_x, start_y = to_data.transform((x + radius + 2 * to_pixels, y))
                texts.append(
                    axes.text(
                        start_x,
                        start_y,
                        unit.name,
                        fontsize=8,
                        fontweight="bold" if code == cluster.host else "normal",
                        ha="left",
                        va="center",
                        zorder=5,
                        in_layout=False,
                    )
                )
    if not texts:
        return
    try:
        from adjustText import adjust_text
    except ImportError:  # pragma: no cover - labels stay where they are, maybe overlapping
        return
    adjust_text(
        texts,
        x=xs,
        y=ys,
        objects=obstacles,
        ax=axes,
        iter_lim=_LABEL_ITERATIONS,
        force_static=(0.2, 0.4),
        prevent_crossings=False,
        arrowprops={"arrowstyle": "-", "color": "0.45", "linewidth": 0.5},
    )
