"""Session calendar: every cluster's session with its day, venue, capacities and seats.

Answers "what trains on Tuesday", "when does cluster 3 train", "where does Hà Giang go".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from schedcore.domain.values import SessionStatus, Venue
from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.model import Column, Handler, HandlerModel, Table

__all__ = ["CalendarModel", "SessionEntry", "sessions"]

_SESSIONS = Table(
    "sessions",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("day", nullable=False),
        Column("venue_province", nullable=False),
        Column("venue_name", nullable=False),
        Column("hall_capacity", "INTEGER", nullable=False),
        Column("bridge_capacity", "INTEGER", nullable=False),
        Column("status", nullable=False),
        Column("note"),
    ),
    ("programme", "cluster"),
)
_SEATS = Table(
    "session_seats",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("seats", "INTEGER", nullable=False),
    ),
    ("programme", "cluster", "province"),
)


@attrs.frozen
class SessionEntry:
    """A session as the calendar shows it; ``seats`` are the hall seats of each province."""

    cluster: int
    day: date
    status: SessionStatus
    venue: Venue
    hall_capacity: int
    bridge_capacity: int
    seats: Mapping[str, int]
    host: str | None
    trainer_team: str | None
    note: str | None = None

    @property
    def provinces(self) -> tuple[str, ...]:
        """The codes of the provinces with seats in the session."""
        return tuple(self.seats)


def _update(
    cursor: Cursor, tables: Mapping[str, str], key: int, e: Any, sets: str, params: Sequence[Any]
) -> None:
    cursor.execute(
        f"UPDATE {tables['sessions']} SET {sets} WHERE programme = ? AND cluster = ?",
        (*params, key, e.cluster),
    )


def _scheduled(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"INSERT INTO {tables['sessions']} (programme, cluster, day, venue_province, venue_name, "
        "hall_capacity, bridge_capacity, status, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            e.cluster,
            e.day.isoformat(),
            e.venue.province,
            e.venue.name,
            e.hall_capacity,
            e.bridge_capacity,
            str(SessionStatus.SCHEDULED),
            e.override_reason,
        ),
    )
    cursor.executemany(
        f"INSERT INTO {tables['session_seats']} (programme, cluster, province, seats) "
        "VALUES (?, ?, ?, ?)",
        [(key, e.cluster, province, n) for province, n in e.seats.items()],
    )


def _allotted(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.upsert(
        tables["session_seats"],
        ("programme", "cluster", "province", "seats"),
        ("programme", "cluster", "province"),
        [(key, e.cluster, e.province, e.seats)],
        {"seats": "excluded.seats"},
    )


def _released(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"DELETE FROM {tables['session_seats']} "
        "WHERE programme = ? AND cluster = ? AND province = ?",
        (key, e.cluster, e.province),
    )


_HANDLERS: dict[type, Handler] = {
    domain_events.SESSION_SCHEDULED: _scheduled,
    domain_events.SESSION_RESCHEDULED: lambda c, t, k, e: _update(
        c, t, k, e, "day = ?, note = ?", (e.day.isoformat(), e.override_reason)
    ),
    domain_events.SESSION_VENUE_CHANGED: lambda c, t, k, e: _update(
        c, t, k, e, "venue_province = ?, venue_name = ?", (e.venue.province, e.venue.name)
    ),
    domain_events.SESSION_CAPACITY_CHANGED: lambda c, t, k, e: _update(
        c, t, k, e, "hall_capacity = ?, bridge_capacity = ?", (e.hall_capacity, e.bridge_capacity)
    ),
    domain_events.SESSION_SEATS_ALLOTTED: _allotted,
    domain_events.SESSION_SEATS_RELEASED: _released,
    domain_events.SESSION_CANCELLED: lambda c, t, k, e: _update(
        c, t, k, e, "status = ?, note = ?", (str(SessionStatus.CANCELLED), e.reason)
    ),
    domain_events.SESSION_REINSTATED: lambda c, t, k, e: _update(
        c,
        t,
        k,
        e,
        "status = ?, day = ?, note = ?",
        (str(SessionStatus.SCHEDULED), e.day.isoformat(), e.override_reason),
    ),
    domain_events.SESSION_HELD: lambda c, t, k, e: _update(
        c, t, k, e, "status = ?", (str(SessionStatus.HELD),)
    ),
}


class CalendarModel(HandlerModel):
    """Sessions: day, venue, capacities, status, and each province's seats."""

    name = "calendar"
    tables = (_SESSIONS, _SEATS)

    def handlers(self) -> Mapping[type, Handler]:
        return _HANDLERS


def sessions(
    database: Reader,
    programme: int,
    *,
    day: date | None = None,
    cluster: int | None = None,
    province: str | None = None,
    include_cancelled: bool = True,
) -> list[SessionEntry]:
    """Sessions by day then cluster; filter by ``day``, ``cluster`` or a seated ``province``."""
    where = ["s.programme = ?"]
    params: list[Any] = [programme]
    if day is not None:
        where.append("s.day = ?")
        params.append(day.isoformat())
    if cluster is not None:
        where.append("s.cluster = ?")
        params.append(cluster)
    if province is not None:
        where.append(
            "EXISTS (SELECT 1 FROM view_session_seats p WHERE p.programme = s.programme "
            "AND p.cluster = s.cluster AND p.province = ?)"
        )
        params.append(province)
    if not include_cancelled:
        where.append("s.status <> ?")
        params.append(str(SessionStatus.CANCELLED))
    rows = database.query(
        "SELECT s.cluster, s.day, s.status, s.venue_province, s.venue_name, s.hall_capacity, "
        "s.bridge_capacity, s.note, c.host, c.trainer_team FROM view_sessions s "
        "LEFT JOIN view_clusters c ON c.programme = s.programme AND c.cluster = s.cluster "
        f"WHERE {' AND '.join(where)} ORDER BY s.day, s.cluster",
        params,
    )
    seats: dict[int, dict[str, int]] = {}
    for number, seated, count in database.query(
        "SELECT cluster, province, seats FROM view_session_seats WHERE programme = ? "
        "ORDER BY cluster, province",
        (programme,),
    ):
        seats.setdefault(int(number), {})[seated] = int(count)
    return [
        SessionEntry(
            cluster=int(r[0]),
            day=date.fromisoformat(r[1]),
            status=SessionStatus(r[2]),
            venue=Venue(r[3], r[4]),
            hall_capacity=int(r[5]),
            bridge_capacity=int(r[6]),
            seats=seats.get(int(r[0]), {}),
            host=r[8],
            trainer_team=r[9],
            note=r[7],
        )
        for r in rows
    ]
