"""Where to put each label of a map so that none overlaps another, a marker or a no-go area.

Pure geometry in display units (pixels), no matplotlib: the map measures its labels and
markers, asks :func:`place_labels`, and moves the texts to the boxes returned.

Each label tries boxes around its marker: touching it on eight sides first, then the same
sides further out (the map then draws a thin leader).  A box is *blocked* when it leaves the
frame or overlaps another label, a marker or a no-go area (an enlarged area's outline); among
the free boxes a label takes the one that crosses the fewest lines and sits nearest.  Labels
are placed most-constrained first, then each is placed again against all the others until
nothing changes (a few rounds).  The result depends on the input only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Box", "Label", "Placement", "Segment", "place_labels"]

#: A straight line from one point to another, in pixels.
Segment = tuple[tuple[float, float], tuple[float, float]]

#: Cost of one blocked overlap: more than any number of crossings and distances.
_BLOCKED = 1_000_000.0
_CROSSING = 60.0
_FAINT_CROSSING = 12.0
#: Side preference, in the order tried: right, left, above, below, then the corners.
_SIDES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
_ROUNDS = 6


@attrs.frozen
class Box:
    """An axis-aligned rectangle in pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def within(self, other: Box) -> bool:
        return (
            other.x0 <= self.x0
            and self.x1 <= other.x1
            and other.y0 <= self.y0
            and self.y1 <= other.y1
        )

    def crosses(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the segment from ``start`` to ``end`` passes through the box."""
        return _clip(self, start, end)

    def grown(self, margin: float) -> Box:
        return Box(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


@attrs.frozen
class Label:
    """A label to place: its marker's centre and radius, and the size of its text."""

    x: float
    y: float
    radius: float
    width: float
    height: float


@attrs.frozen
class Placement:
    """Where a label went: its box, whether it needs a leader to its marker, and whether it
    is blocked (no free box was found; :func:`place_labels` then keeps the least bad)."""

    box: Box
    leader: bool
    blocked: bool


def place_labels(
    labels: Sequence[Label],
    *,
    frame: Box,
    markers: Sequence[Box] = (),
    keep_out: Sequence[Box] = (),
    lines: Sequence[Segment] = (),
    faint_lines: Sequence[Segment] = (),
    gap: float = 2.0,
    steps: Sequence[float] = (0.0, 6.0, 14.0, 26.0, 42.0, 64.0),
) -> list[Placement]:
    """Boxes for ``labels`` inside ``frame`` clear of each other, ``markers`` and ``keep_out``.

    ``lines`` (segments in pixels) are avoided where a free box allows, and ``faint_lines``
    (a coast, say) less firmly; ``gap`` is the space between a marker and its label,
    ``steps`` the extra distances tried beyond it.
    """
    candidates = [_candidates(label, gap, steps) for label in labels]
    strong = _segments(lines)
    faint = _segments(faint_lines)
    fixed = []
    for label, options in zip(labels, candidates, strict=True):
        # Lines from the label's own marker are crossed next to it anyway: they count less.
        own = _touching(strong, label)
        boxes = [box for box, _ in options]
        crossed = _CROSSING * _crossings(boxes, strong[~own]) + _FAINT_CROSSING * (
            _crossings(boxes, faint) + _crossings(boxes, strong[own])
        )
        fixed.append(
            [
                _fixed_cost(box, frame, markers, keep_out)
                + float(crossed[rank])
                + rank * 1.0
                + distance * 3.0
                for rank, (box, distance) in enumerate(options)
            ]
        )
    free = [sum(cost < _BLOCKED for cost in costs) for costs in fixed]
    order = sorted(range(len(labels)), key=lambda i: (free[i], i))
    chosen: dict[int, int] = {}
    for index in order:
        chosen[index] = _best(index, candidates, fixed, chosen)
    for _ in range(_ROUNDS):
        changed = False
        for index in order:
            best = _best(index, candidates, fixed, chosen)
            if best != chosen[index]:
                chosen[index] = best
                changed = True
        if not changed:
            break
    placements = []
    for index in range(len(labels)):
        box, distance = candidates[index][chosen[index]]
        rest = [candidates[j][k][0] for j, k in chosen.items() if j != index]
        blocked = fixed[index][chosen[index]] >= _BLOCKED or any(box.overlaps(o) for o in rest)
        placements.append(Placement(box, distance > 0, blocked))
    return placements


def _candidates(label: Label, gap: float, steps: Sequence[float]) -> list[tuple[Box, float]]:
    options = []
    for step in steps:
        reach = label.radius + gap + step
        for dx, dy in _SIDES:
            # The box's nearest edge (or corner) touches the circle of radius ``reach``.
            diagonal = 1 / math.sqrt(2) if dx and dy else 1.0
            cx = label.x + dx * (reach * diagonal + label.width / 2)
            cy = label.y + dy * (reach * diagonal + label.height / 2)
            half_width, half_height = label.width / 2, label.height / 2
            box = Box(cx - half_width, cy - half_height, cx + half_width, cy + half_height)
            options.append((box, step))
    return options


def _fixed_cost(
    box: Box,
    frame: Box,
    markers: Sequence[Box],
    keep_out: Sequence[Box],
) -> float:
    """What a box costs whatever the other labels do."""
    cost = 0.0
    if not box.within(frame):
        cost += _BLOCKED
    cost += _BLOCKED * sum(box.overlaps(marker) for marker in markers)
    cost += _BLOCKED * sum(box.overlaps(area) for area in keep_out)
    return cost


def _best(
    index: int,
    candidates: Sequence[Sequence[tuple[Box, float]]],
    fixed: Sequence[Sequence[float]],
    chosen: dict[int, int],
) -> int:
    others = [candidates[j][k][0] for j, k in chosen.items() if j != index]
    best, best_cost = 0, math.inf
    for option, (box, _) in enumerate(candidates[index]):
        cost = fixed[index][option]
        if cost >= best_cost:
            continue
        cost += _BLOCKED * sum(box.overlaps(other) for other in others)
        if cost < best_cost:
            best, best_cost = option, cost
    return best


def _segments(lines: Sequence[Segment]) -> npt.NDArray[np.float64]:
    """Segments as rows ``x0, y0, x1, y1``."""
    import numpy as np  # numpy comes with matplotlib; imported when a picture is drawn

    return np.array([(*start, *end) for start, end in lines], dtype=float).reshape(-1, 4)


def _touching(segments: npt.NDArray[np.float64], label: Label) -> npt.NDArray[np.bool_]:
    """Which segments start or end at the label's marker."""
    import numpy as np

    x0, y0, x1, y1 = segments.T
    start = (np.abs(x0 - label.x) < 0.5) & (np.abs(y0 - label.y) < 0.5)
    end = (np.abs(x1 - label.x) < 0.5) & (np.abs(y1 - label.y) < 0.5)
    return np.asarray(start | end)


def _crossings(boxes: Sequence[Box], segments: npt.NDArray[np.float64]) -> npt.NDArray[np.int_]:
    """How many ``segments`` pass through each of ``boxes`` (Liang-Barsky, all at once)."""
    import numpy as np

    if not len(segments) or not boxes:
        return np.zeros(len(boxes), dtype=int)
    edges = np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=float)[:, None, :]
    x0, y0, x1, y1 = (segments[:, i][None, :] for i in range(4))
    dx, dy = x1 - x0, y1 - y0
    shape = (len(boxes), len(segments))
    low = np.zeros(shape)
    high = np.ones(shape)
    inside = np.ones(shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in (
            (-dx, x0 - edges[..., 0]),
            (dx, edges[..., 2] - x0),
            (-dy, y0 - edges[..., 1]),
            (dy, edges[..., 3] - y0),
        ):
            p = np.broadcast_to(p, shape)
            parallel = p == 0
            inside &= ~(parallel & (q <= 0))
            t = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            low = np.where(~parallel & (p < 0), np.maximum(low, t), low)
            high = np.where(~parallel & (p > 0), np.minimum(high, t), high)
    return np.asarray(np.count_nonzero(inside & (low < high), axis=1), dtype=int)


def _clip(box: Box, start: tuple[float, float], end: tuple[float, float]) -> bool:
    """Liang-Barsky: whether any part of the segment lies strictly inside the box."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x0 - box.x0),
        (dx, box.x1 - x0),
        (-dy, y0 - box.y0),
        (dy, box.y1 - y0),
    ):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True
