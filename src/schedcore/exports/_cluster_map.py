"""The cluster map: unit capitals coloured by cluster, hosts starred, crowded areas zoomed.

Capitals of a delta sit a few tens of kilometres apart while a country spans a thousand, so
one scale cannot label both.  The map finds up to two crowded areas and draws each again,
enlarged, beside the map (letters A and B mark them); their units are labelled there only.
Given a country, its outline (Natural Earth, shipped with schedcore) is drawn under it all.
Labels are placed by ``_placement``, clear of each other, of the markers
and of the enlarged areas' outlines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from schedcore.errors import InvalidInputError
from schedcore.exports._figures import Colour, cluster_colours, new_figure, short_date
from schedcore.exports._placement import Box, Label, Segment, place_labels
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory
from schedcore.reference.outlines import Ring, country_outline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["cluster_map"]

_MAP_HEIGHT = 11.0
_SIDE_WIDTH = 4.6
_MAX_INSETS = 2
_INSET_SCALE = 1.2
#: The ``gid`` of every unit's name on the map, and of the outline of an enlarged area.
LABEL_GID = "unit-label"
INSET_GID = "enlarged-area"
OUTLINE_GID = "country-outline"
_LAND = "#f4f1e8"
_COAST = "0.6"
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
    country: str | None = None,
) -> Figure:
    """Unit capitals by latitude and longitude, coloured by cluster, hosts starred.

    Lines join each member to its host, every unit is labelled with its name (placed clear
    of other labels, markers and the enlarged areas' outlines), and up to two crowded areas
    are repeated enlarged beside the map.  ``country`` (an ISO 3166-1 alpha-3 code such as
    ``"VNM"``) draws that country's outline under the clusters, from the small Natural Earth
    copy schedcore ships (``schedcore.reference.outlines.country_outline``); without it,
    or for a code that copy does not know, no outline is drawn.  Nothing is downloaded.
    Longitude is scaled by cos(latitude) so that distances look right; units given on a plane
    (x/y in km) are drawn on equal axes in km.
    """
    if country is not None and not isinstance(country, str):
        raise InvalidInputError(f"country must be an ISO 3166-1 alpha-3 code, got {country!r}")
    directory = unit_directory(units)
    ordered = check_clusters(clusters, directory)
    if not ordered:
        raise InvalidInputError("the plan has no clusters: there is nothing to draw")
    colours = cluster_colours(len(ordered))
    members = [directory[code] for c in ordered for code in c.members]
    unplaced = sorted(place.label for place in members if not place.located)
    if unplaced:
        raise InvalidInputError(
            f"the map needs every unit's lat/lon or x/y; {', '.join(unplaced[:5])} have neither"
        )
    # Units on a plane (x/y in km) have no place on a country's outline.
    planar = any(place.planar for place in members)
    places = {
        code: (directory[code].lon, directory[code].lat) for c in ordered for code in c.members
    }
    lons = [lon for lon, _ in places.values()]
    lats = [lat for _, lat in places.values()]
    # Degrees of longitude shrink with cos(latitude); kilometres on a plane do not.
    x_scale = 1.0 if planar else max(math.cos(math.radians((min(lats) + max(lats)) / 2)), 0.2)
    span_x = max((max(lons) - min(lons)) * x_scale, 0.5)
    span_y = max(max(lats) - min(lats), 0.5)
    # Labels sit right of their marker: leave more room on the east.
    whole = _Window(
        min(lons) - 0.05 * span_x / x_scale - 0.15,
        max(lons) + 0.12 * span_x / x_scale + 0.3,
        min(lats) - 0.03 * span_y - 0.15,
        max(lats) + 0.03 * span_y + 0.15,
    )
    rings = _rings_near(country_outline(country) if country and not planar else None, whole)
    whole = _around(whole, rings)
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
    _draw_outline(main, rings)
    _draw(main, ordered, colours, directory)
    _frame(main, whole, x_scale)
    main.set_xlabel("x (km)" if planar else "longitude (°E)")
    main.set_ylabel("y (km)" if planar else "latitude (°N)")
    main.set_title(
        title or f"{len(places)} units in {len(ordered)} clusters", fontsize=13, loc="left"
    )

    insets: list[tuple[Axes, set[str], _Window]] = []
    letters = []
    areas = []
    for index, window in enumerate(windows):
        letter = "AB"[index]
        inset = figure.add_subplot(grid[1 + index, 1])
        inside = {code for code, (lon, lat) in places.items() if window.contains(lon, lat)}
        _draw_outline(inset, rings)
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
        outline, letter_text = _mark(main, window, letter)
        areas.append(outline)
        letters.append(letter_text)
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
    # then freeze it (a later draw, the PNG's, would only repeat the work and could move the
    # frames the labels were fitted into).
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
    _label(
        main,
        ordered,
        directory,
        labelled=set(places) - hidden,
        window=whole,
        keep_out=[*areas, *letters],
        rings=rings,
    )
    for inset, inside, window in insets:
        _label(
            inset,
            ordered,
            directory,
            labelled=inside,
            window=window,
            marker_scale=_INSET_SCALE,
            rings=rings,
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


def _rings_near(rings: Sequence[Ring] | None, window: _Window) -> list[Ring]:
    """The rings of an outline that come within a degree of the units' window."""
    near = []
    for ring in rings or ():
        lons = [lon for lon, _ in ring]
        lats = [lat for _, lat in ring]
        if (
            min(lons) <= window.east + 1
            and max(lons) >= window.west - 1
            and min(lats) <= window.north + 1
            and max(lats) >= window.south - 1
        ):
            near.append(ring)
    return near


def _around(window: _Window, rings: Sequence[Ring]) -> _Window:
    """``window`` grown to show the whole of ``rings`` too, with a small margin."""
    if not rings:
        return window
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    return _Window(
        min(window.west, min(lons) - 0.1),
        max(window.east, max(lons) + 0.1),
        min(window.south, min(lats) - 0.1),
        max(window.north, max(lats) + 0.1),
    )


def _draw_outline(axes: Axes, rings: Sequence[Ring]) -> None:
    """The country's land in a pale fill, its coast and borders in grey, under everything."""
    if not rings:
        return
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as DrawnPath

    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for ring in rings:
        vertices.extend([*ring, ring[0]])
        move, line, close = int(DrawnPath.MOVETO), int(DrawnPath.LINETO), int(DrawnPath.CLOSEPOLY)
        codes.extend([move, *[line] * (len(ring) - 1), close])
    axes.add_patch(
        PathPatch(
            DrawnPath(vertices, codes),
            facecolor=_LAND,
            edgecolor=_COAST,
            linewidth=0.7,
            zorder=0,
            gid=OUTLINE_GID,
        )
    )


def _frame(axes: Axes, window: _Window, x_scale: float) -> None:
    axes.set_xlim(window.west, window.east)
    axes.set_ylim(window.south, window.north)
    axes.set_aspect(1 / x_scale)
    axes.grid(True, color="0.9", linewidth=0.6)
    axes.set_axisbelow(True)


def _mark(axes: Axes, window: _Window, letter: str) -> tuple[Any, Any]:
    """Outline an enlarged area on the main map; returns the outline and the letter's text."""
    from matplotlib.patches import Rectangle

    outline = axes.add_patch(
        Rectangle(
            (window.west, window.south),
            window.east - window.west,
            window.north - window.south,
            fill=False,
            edgecolor="0.35",
            linestyle="--",
            linewidth=1,
            zorder=2,
            gid=INSET_GID,
        )
    )
    return outline, axes.text(
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
    keep_out: Sequence[Any] = (),
    rings: Sequence[Ring] = (),
) -> None:
    """Name the ``labelled`` units beside their markers, clear of each other and of obstacles.

    Call once the layout is final (:func:`cluster_map` draws the figure first): every marker
    in view and the ``keep_out`` artists (an enlarged area's outline and letter) are measured
    in display units, and :func:`~schedcore.exports._placement.place_labels` picks each
    label's box; a label set apart from its marker gets a thin leader.
    """
    from matplotlib.patheffects import withStroke

    halo = [withStroke(linewidth=2.2, foreground="white", alpha=0.8)]
    renderer = axes.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    to_pixels = axes.figure.dpi / 72
    to_data = axes.transData.inverted()
    frame = axes.get_window_extent(renderer)
    texts: list[Any] = []
    wanted: list[Label] = []
    markers: list[Box] = []
    for cluster in ordered:
        for code in cluster.members:
            unit = directory[code]
            if not window.contains(unit.lon, unit.lat):
                continue
            size = (_STAR_SIZE if code == cluster.host else _DOT_SIZE) * marker_scale
            radius = math.sqrt(size) / 2 * to_pixels
            x, y = axes.transData.transform((unit.lon, unit.lat))
            markers.append(Box(x - radius, y - radius, x + radius, y + radius))
            if code not in labelled:
                continue
            text = axes.text(
                unit.lon,
                unit.lat,
                unit.name,
                fontsize=8,
                fontweight="bold" if code == cluster.host else "normal",
                ha="center",
                va="center",
                zorder=5,
                in_layout=False,
                gid=LABEL_GID,
                path_effects=halo,
            )
            extent = text.get_window_extent(renderer)
            texts.append(text)
            wanted.append(Label(x, y, radius, extent.width + 2, extent.height + 1))
    if not texts:
        return
    lines: list[Segment] = []
    for cluster in ordered:
        host = directory[cluster.host]
        end = _pixels(axes, host.lon, host.lat)
        for code in cluster.members:
            if code != cluster.host:
                unit = directory[code]
                lines.append((_pixels(axes, unit.lon, unit.lat), end))
    placements = place_labels(
        wanted,
        frame=Box(frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2),
        markers=markers,
        keep_out=[_box(artist.get_window_extent(renderer)).grown(2) for artist in keep_out],
        lines=lines,
        faint_lines=_coast(axes, rings),
        gap=1.5 * to_pixels,
    )
    for text, label, placed in zip(texts, wanted, placements, strict=True):
        text.set_position(to_data.transform(placed.box.centre))
        if placed.leader:
            near = (
                min(max(label.x, placed.box.x0), placed.box.x1),
                min(max(label.y, placed.box.y0), placed.box.y1),
            )
            reach = math.hypot(near[0] - label.x, near[1] - label.y)
            if reach > label.radius:
                ratio = label.radius / reach
                start = (
                    label.x + (near[0] - label.x) * ratio,
                    label.y + (near[1] - label.y) * ratio,
                )
                (x0, y0), (x1, y1) = to_data.transform([start, near])
                axes.plot([x0, x1], [y0, y1], color="0.45", linewidth=0.5, zorder=5)


def _pixels(axes: Axes, lon: float, lat: float) -> tuple[float, float]:
    x, y = axes.transData.transform((lon, lat))
    return (float(x), float(y))


def _coast(axes: Axes, rings: Sequence[Ring]) -> list[Segment]:
    """The outline's edges in pixels, those in view only."""
    frame = axes.get_window_extent()
    segments: list[Segment] = []
    for ring in rings:
        points = axes.transData.transform(ring)
        for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
            if (
                max(x0, x1) >= frame.x0
                and min(x0, x1) <= frame.x1
                and max(y0, y1) >= frame.y0
                and min(y0, y1) <= frame.y1
            ):
                segments.append(((float(x0), float(y0)), (float(x1), float(y1))))
    return segments


def _box(extent: Any) -> Box:
    return Box(extent.x0, extent.y0, extent.x1, extent.y1)
