"""Delegate travel of the sessions in force: km from each seated province to its host, and
person-km (hall seats times km), as the planner counts it for the built-in units.

Distances are great-circle km between province capitals, rounded to whole km, from the
province table; a session with a province the table does not know (a user's own units) has
no travel figure, since its distances were the user's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from schedcore.domain.values import SessionStatus
from schedcore.planning.distances import great_circle_km
from schedcore.projections.calendar_view import SessionEntry
from schedcore.reference import ProvinceTable

__all__ = ["SessionTravel", "session_travel"]


@attrs.frozen
class SessionTravel:
    """A session's delegate travel: ``km`` from each seated province to the host, and the
    ``person_km`` of its hall seats (seats times km, summed)."""

    cluster: int
    km: Mapping[str, int]
    person_km: int


def session_travel(
    sessions: Iterable[SessionEntry], table: ProvinceTable
) -> dict[int, SessionTravel]:
    """The travel of every session not cancelled whose host and provinces ``table`` knows."""
    found: dict[int, SessionTravel] = {}
    for session in sessions:
        host = session.venue.province
        if session.status is SessionStatus.CANCELLED or host not in table:
            continue
        if any(code not in table for code in session.seats):
            continue
        to = table.by_code(host)
        km = {
            code: round(great_circle_km(p.lat, p.lon, to.lat, to.lon))
            for code in session.seats
            for p in (table.by_code(code),)
        }
        person_km = sum(seats * km[code] for code, seats in session.seats.items())
        found[session.cluster] = SessionTravel(session.cluster, km, person_km)
    return found
