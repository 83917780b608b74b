"""Distances between units: a user's matrix, else great-circle km, else Euclidean.

The solver works in whole numbers, so every distance is an integer: great-circle and Euclidean
distances are rounded to the nearest unit; a user's matrix (road km, travel minutes) is taken
as given.  Benchmarks that need another convention (the OR-Library instances truncate) pass
their own matrix.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

from schedcore.errors import InvalidInputError

if TYPE_CHECKING:
    from schedcore.planning.problem import Unit

__all__ = [
    "EARTH_RADIUS_KM",
    "MAX_DISTANCE",
    "check_distances",
    "distance_matrix",
    "euclidean",
    "great_circle_km",
]

#: Mean Earth radius (IUGG), the usual choice for the haversine formula.
EARTH_RADIUS_KM = 6371.0088
#: No distance is longer than this (km or minutes): a bigger one is a typo, and would overflow
#: the solver's integer arithmetic once multiplied by delegates.
MAX_DISTANCE = 1_000_000


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def euclidean(x1: float, y1: float, x2: float, y2: float) -> float:
    return math.hypot(x2 - x1, y2 - y1)


class DistanceMatrix(tuple[tuple[int, ...], ...]):
    """A matrix already checked (whole numbers in range, square, zero on the diagonal,
    symmetric): a problem built from another's matrix, or from a part of it, is not checked
    again (checking 9 million entries of a 3,038-unit matrix took about 10 s)."""

    __slots__ = ()

    def part(self, rows: Sequence[int]) -> DistanceMatrix:
        """The matrix of the units at positions ``rows`` (in that order): checked too."""
        return DistanceMatrix(tuple(tuple(self[a][b] for b in rows) for a in rows))


def check_distances(rows: Sequence[Sequence[float]]) -> tuple[tuple[int, ...], ...]:
    """A user's matrix as whole numbers: every entry a finite number from 0 to
    :data:`MAX_DISTANCE` (NaN, infinity, a negative or absurd distance, text: refused)."""
    if isinstance(rows, DistanceMatrix):
        return rows
    checked = []
    try:
        for i, row in enumerate(rows):
            values: list[int] = []
            for k, value in enumerate(row):
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise InvalidInputError(f"distance [{i}][{k}] is not a number: {value!r}")
                if not (math.isfinite(value) and 0 <= value <= MAX_DISTANCE):
                    raise InvalidInputError(
                        f"distance [{i}][{k}] must be a finite number from 0 to "
                        f"{MAX_DISTANCE:,}, got {value!r}"
                    )
                values.append(int(value))
            checked.append(tuple(values))
    except TypeError:
        raise InvalidInputError("the distance matrix must be a sequence of rows") from None
    return tuple(checked)


def distance_matrix(
    units: Sequence[Unit], given: Sequence[Sequence[int]] | None = None
) -> tuple[tuple[int, ...], ...]:
    """The integer distance matrix for ``units``: ``given`` checked, or computed.

    A given matrix must be square (one row and one column per unit), zero on the diagonal and
    symmetric: the model counts one direction of each trip (a delegate's way to the host, a
    trainer team's hop), so travel that differs by direction would be counted half-way.
    Symmetrise such a matrix first (e.g. the mean or the larger of both directions).
    """
    n = len(units)
    if isinstance(given, DistanceMatrix) and len(given) == n and all(len(r) == n for r in given):
        return given
    if given is not None:
        given = check_distances(given)
        if len(given) != n or any(len(row) != n for row in given):
            raise InvalidInputError(f"the distance matrix must be {n} x {n} (one row per unit)")
        for i, row in enumerate(given):
            if row[i] != 0:
                raise InvalidInputError(f"distance from {units[i].code} to itself must be 0")
            for k in range(i + 1, n):
                if row[k] != given[k][i]:
                    raise InvalidInputError(
                        f"the distance matrix is not symmetric: {units[i].code} to "
                        f"{units[k].code} is {row[k]}, back is {given[k][i]}; travel is "
                        "counted one way, so give one distance for both (e.g. their mean)"
                    )
        return DistanceMatrix(given)
    if all(u.lat is not None and u.lon is not None for u in units):
        return DistanceMatrix(
            tuple(round(great_circle_km(a.lat, a.lon, b.lat, b.lon)) for b in units)  # type: ignore[arg-type]
            for a in units
        )
    if all(u.x is not None and u.y is not None for u in units):
        return DistanceMatrix(
            tuple(round(euclidean(a.x, a.y, b.x, b.y)) for b in units)  # type: ignore[arg-type]
            for a in units
        )
    missing = next(u for u in units if (u.lat is None or u.lon is None) and u.x is None)
    raise InvalidInputError(
        f"unit {missing.code} has no coordinates: give every unit lat/lon (or every unit x/y), "
        "or a distance matrix"
    )
