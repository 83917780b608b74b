"""Delegate travel of the sessions in force: km from each seated province to its host, and
person-km (hall seats times km), as the planner counts it for the built-in units.

Distances are those the planner computes from the programme's units table: great-circle km
between units with lat/lon, planar km between units with x/y, rounded to whole km.  A session
with a unit the table does not place (no coordinates: the programme planned with a distance
matrix of its own) has no travel figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from schedcore.domain.units import Unit, UnitTable
from schedcore.domain.values import SessionStatus
from schedcore.planning.distances import euclidean, great_circle_km
from schedcore.projections.calendar_view import SessionEntry

__all__ = ["SessionTravel", "session_travel"]


@attrs.frozen
class SessionTravel:
    """A session's delegate travel: ``km`` from each seated province to the host, and the
    ``person_km`` of its hall seats (seats times km, summed)."""

    cluster: int
    km: Mapping[str, int]
    person_km: int


def _km(a: Unit, b: Unit) -> int | None:
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        return round(great_circle_km(a.lat, a.lon, b.lat, b.lon))
    if a.x is not None and a.y is not None and b.x is not None and b.y is not None:
        return round(euclidean(a.x, a.y, b.x, b.y))
    return None


def session_travel(sessions: Iterable[SessionEntry], table: UnitTable) -> dict[int, SessionTravel]:
    """The travel of every session not cancelled whose host and units ``table`` places."""
    found: dict[int, SessionTravel] = {}
    for session in sessions:
        host = table.get(session.venue.province)
        if session.status is SessionStatus.CANCELLED or host is None:
            continue
        km: dict[str, int] = {}
        for code in session.seats:
            unit = table.get(code)
            distance = _km(unit, host) if unit is not None else None
            if distance is None:
                break
            km[code] = distance
        else:
            person_km = sum(seats * km[code] for code, seats in session.seats.items())
            found[session.cluster] = SessionTravel(session.cluster, km, person_km)
    return found
