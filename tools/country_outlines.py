"""Rebuild ``src/schedcore/reference/data/country_outlines.json`` from a Natural Earth shapefile.

Natural Earth (naturalearthdata.com) is in the public domain.  Usage, with pyshp importable
(it is needed here only, not by schedcore)::

    python tools/country_outlines.py ne_10m_admin_0_countries.shp out.json

Each country's rings are simplified (Douglas-Peucker, ``TOLERANCE`` degrees), rounded to
hundredths of a degree, and rings enclosing less than ``MIN_AREA`` square degrees are dropped.
The JSON maps an ISO 3166-1 alpha-3 code to a list of rings, each a flat list of integers in
hundredths of a degree: the first point ``lon0, lat0``, then each next point as its step from
the one before (``dlon1, dlat1, ...``), which halves the file.  Holes wind the other way.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import defaultdict
from typing import Any

import numpy as np

TOLERANCE = 0.015
MIN_AREA = 0.0015
_SCALE = 100


def main(source: str, target: str) -> int:
    import shapefile  # pyshp

    reader = shapefile.Reader(source)
    rings: dict[str, list[list[int]]] = defaultdict(list)
    for shape_record in reader.iterShapeRecords():
        code = _code(shape_record.record.as_dict())
        shape = shape_record.shape
        bounds = [*shape.parts, len(shape.points)]
        for start, stop in itertools.pairwise(bounds):
            ring = np.asarray(shape.points[start:stop], dtype=float)
            if abs(_area(ring)) < MIN_AREA:
                continue
            kept = np.round(_simplify_ring(ring) * _SCALE).astype(int)
            kept = kept[np.r_[True, np.any(np.diff(kept, axis=0) != 0, axis=1)]]
            if len(kept) >= 4:
                steps = np.vstack([kept[:1], np.diff(kept, axis=0)])
                rings[code].append(steps.ravel().tolist())
    payload = {code: rings[code] for code in sorted(rings)}
    with open(target, "w", encoding="ascii") as handle:
        json.dump(payload, handle, separators=(",", ":"))
        handle.write("\n")
    return 0


def _code(record: dict[str, Any]) -> str:
    """ISO alpha-3 when Natural Earth has one (also the 'EH' column for France and Norway),
    else Natural Earth's own ADM0_A3 (e.g. KOS)."""
    for column in ("ISO_A3", "ISO_A3_EH", "ADM0_A3"):
        value = str(record.get(column, "-99"))
        if value != "-99":
            return value
    raise ValueError(f"no code for {record.get('NAME')}")


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def _simplify_ring(ring: np.ndarray) -> np.ndarray:
    """Douglas-Peucker on a closed ring: split at the point farthest from the first one."""
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    first = _simplify(ring[: far + 1])
    second = _simplify(ring[far:])
    return np.vstack([first, second[1:]])


def _simplify(line: np.ndarray) -> np.ndarray:
    keep = np.zeros(len(line), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        low, high = stack.pop()
        if high - low < 2:
            continue
        start, end = line[low], line[high]
        segment = end - start
        length = float(np.hypot(*segment))
        middle = line[low + 1 : high] - start
        if length == 0:
            distances = np.hypot(middle[:, 0], middle[:, 1])
        else:
            distances = np.abs(segment[0] * middle[:, 1] - segment[1] * middle[:, 0]) / length
        index = int(np.argmax(distances))
        if distances[index] > TOLERANCE:
            split = low + 1 + index
            keep[split] = True
            stack.extend([(low, split), (split, high)])
    return line[keep]


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
