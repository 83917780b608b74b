"""Distances between units: a user's matrix, else great-circle km, else Euclidean.

The solver works in whole numbers, so every distance is an integer: great-circle and Euclidean
distances are rounded to the nearest unit; a user's matrix (road km, travel minutes) is taken
as given.  Benchmarks that need another convention (the OR-Library instances truncate) pass
their own matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from schedcore.errors import InvalidInputError

if TYPE_CHECKING:
    from schedcore.planning.problem import Unit

__all__ = ["EARTH_RADIUS_KM", "distance_matrix", "euclidean", "great_circle_km"]

#: Mean Earth radius (IUGG), the usual choice for the haversine formula.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def euclidean(x1: float, y1: float, x2: float, y2: float) -> float:
    return math.hypot(x2 - x1, y2 - y1)


def distance_matrix(
    units: Sequence[Unit], given: Sequence[Sequence[int]] | None = None
) -> tuple[tuple[int, ...], ...]:
    """The integer distance matrix for ``units``: ``given`` checked, or computed."""
    n = len(units)
    if given is not None:
        if len(given) != n or any(len(row) != n for row in given):
            raise InvalidInputError(f"the distance matrix must be {n} x {n} (one row per unit)")
        for i, row in enumerate(given):
            if row[i] != 0:
                raise InvalidInputError(f"distance from {units[i].code} to itself must be 0")
            if any(value < 0 for value in row):
                raise InvalidInputError(f"negative distance in the row of {units[i].code}")
        return tuple(tuple(int(value) for value in row) for row in given)
    if all(u.lat is not None and u.lon is not None for u in units):
        return tuple(
            tuple(round(great_circle_km(a.lat, a.lon, b.lat, b.lon)) for b in units)  # type: ignore[arg-type]
            for a in units
        )
    if all(u.x is not None and u.y is not None for u in units):
        return tuple(
            tuple(round(euclidean(a.x, a.y, b.x, b.y)) for b in units)  # type: ignore[arg-type]
            for a in units
        )
    missing = next(u for u in units if (u.lat is None or u.lon is None) and u.x is None)
    raise InvalidInputError(
        f"unit {missing.code} has no coordinates: give every unit lat/lon (or every unit x/y), "
        "or a distance matrix"
    )
