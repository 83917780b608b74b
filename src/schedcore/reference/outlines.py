"""Country outlines for maps: Natural Earth's admin-0 countries, simplified and shipped small.

``data/country_outlines.json`` holds the rings of every country Natural Earth draws at its
1:10m scale, simplified to about 1.5 km and rounded to 0.01° (see ``data/SOURCES.md``;
Natural Earth is in the public domain).  Good enough to show where a country's coast and
borders are behind a plan's markers; not a survey.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

__all__ = ["Ring", "country_codes", "country_outline"]

#: One closed line of an outline: (longitude, latitude) points in degrees, the last point
#: joining back to the first.  An island or a mainland is a ring; so is a hole (a country
#: enclosed by another, like Lesotho in South Africa), which winds the other way.
Ring = tuple[tuple[float, float], ...]

_SCALE = 100


def country_outline(iso3: str) -> tuple[Ring, ...] | None:
    """The outline of the country with ISO 3166-1 alpha-3 code ``iso3`` (any case).

    Returns the country's rings (mainland, islands, holes), or ``None`` for a code that is
    not known.  Islands smaller than about 15 km² are left out.
    """
    return _outlines().get(iso3.strip().upper()) if isinstance(iso3, str) else None


def country_codes() -> frozenset[str]:
    """Every code :func:`country_outline` knows."""
    return frozenset(_outlines())


@functools.cache
def _outlines() -> dict[str, tuple[Ring, ...]]:
    text = resources.files("schedcore.reference").joinpath("data/country_outlines.json")
    encoded: dict[str, list[list[int]]] = json.loads(text.read_text(encoding="ascii"))
    return {code: tuple(_decode(ring) for ring in rings) for code, rings in encoded.items()}


def _decode(steps: list[int]) -> Ring:
    """First point, then steps from each point to the next, in hundredths of a degree."""
    points = []
    lon = lat = 0
    for index in range(0, len(steps), 2):
        lon += steps[index]
        lat += steps[index + 1]
        points.append((lon / _SCALE, lat / _SCALE))
    return tuple(points)
