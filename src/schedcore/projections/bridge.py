"""Bridge coverage: which communes' video bridge points joined which session.

Every in-person session is relayed to the communes of its provinces; the target is every
commune.  A commune counts as **connected** to a session when either

* a coordinator connected it (``connect_bridge_points``, the ``bridge_points`` table), or
* attendance was recorded at its bridge point for that session (members "at a bridge point"
  of that commune, counted by the coverage model): people cannot have followed a bridge
  that was not there.

So the bridge figures never contradict the attendance table: every commune with members at a
bridge point is a connected commune, and the members at bridge points per session add up to
the attendance table's bridge column.  Shares are against the programme's expected bridge
points (one per commune in 2022), or against the communes connected if more were (data
beyond the estimate never shows more than 100%): per session (the communes of its seated
provinces) and overall (a commune counts once, whatever the number of sessions it joined).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.catalogue import ProgrammeFacts
from schedcore.projections.coverage import bridge_attendance
from schedcore.projections.model import Column, Handler, HandlerModel, Table

__all__ = ["BridgeCoverage", "BridgeModel", "SessionBridge", "bridge_coverage", "connected_points"]

_POINTS = Table(
    "bridge_points",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("commune", nullable=False),
    ),
    ("programme", "cluster", "province", "commune"),
)


def _share(connected: int, expected: int) -> float:
    whole = max(connected, expected)
    return connected / whole if whole else 0.0


@attrs.frozen
class SessionBridge:
    """A session's bridge: communes connected against the communes of its provinces.

    ``connected`` counts the communes connected by a coordinator or with attendance recorded
    at their bridge point for this session; ``communes_attended`` the latter alone;
    ``members`` the members recorded at this session's bridge points.
    """

    cluster: int
    connected: int
    expected: int
    communes_attended: int = 0
    members: int = 0

    @property
    def share(self) -> float:
        """Connected bridge points over expected ones (or over those connected, if more;
        0.0 when none is expected)."""
        return _share(self.connected, self.expected)


@attrs.frozen
class BridgeCoverage:
    """Per session, per province (connected, expected) and overall; overall a commune
    counts once, whatever the number of sessions it joined."""

    sessions: tuple[SessionBridge, ...]
    provinces: Mapping[str, tuple[int, int]]
    connected: int
    expected: int
    communes_attended: int = 0
    members: int = 0

    @property
    def share(self) -> float:
        """Connected bridge points over expected ones (or over those connected, if more;
        0.0 when none is expected)."""
        return _share(self.connected, self.expected)


_COLUMNS = ("programme", "cluster", "province", "commune")


def _connected(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.upsert(
        tables["bridge_points"],
        _COLUMNS,
        _COLUMNS,
        [(key, e.cluster, point[0], point[1]) for point in e.points],
    )


def _disconnected(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.executemany(
        f"DELETE FROM {tables['bridge_points']} WHERE programme = ? AND cluster = ? "
        "AND province = ? AND commune = ?",
        [(key, e.cluster, point[0], point[1]) for point in e.points],
    )


_HANDLERS: dict[type, Handler] = {
    domain_events.SESSION_BRIDGE_POINTS_CONNECTED: _connected,
    domain_events.SESSION_BRIDGE_POINTS_DISCONNECTED: _disconnected,
}


class BridgeModel(HandlerModel):
    """The bridge points connected to each session."""

    name = "bridge"
    tables = (_POINTS,)

    def handlers(self) -> Mapping[type, Handler]:
        return _HANDLERS


def connected_points(database: Reader, programme: int, cluster: int) -> list[tuple[str, str]]:
    """The (province, commune) points a coordinator connected to a session ("which communes
    were on Tuesday's bridge"); :func:`bridge_coverage` also counts the communes with
    attendance recorded at their bridge point."""
    return [
        (r[0], r[1])
        for r in database.query(
            "SELECT province, commune FROM view_bridge_points WHERE programme = ? AND cluster = ? "
            "ORDER BY province, commune",
            (programme, cluster),
        )
    ]


def bridge_coverage(database: Reader, programme: ProgrammeFacts) -> BridgeCoverage:
    """Communes connected per session, per province and overall (see the module's text)."""
    key = programme.key
    expected = {code: unit.bridge_points for code, unit in programme.units.items()}
    attended = bridge_attendance(database, key)
    points: dict[int, set[tuple[str, str]]] = {}
    for cluster, province, commune in database.query(
        "SELECT cluster, province, commune FROM view_bridge_points WHERE programme = ?", (key,)
    ):
        points.setdefault(int(cluster), set()).add((province, commune))
    members: dict[int, int] = {}
    communes_attended: dict[int, int] = {}
    for (cluster, province, commune), count in attended.items():
        points.setdefault(cluster, set()).add((province, commune))
        members[cluster] = members.get(cluster, 0) + count
        communes_attended[cluster] = communes_attended.get(cluster, 0) + 1
    seated: dict[int, int] = {}
    for cluster, province in database.query(
        "SELECT cluster, province FROM view_session_seats WHERE programme = ?", (key,)
    ):
        seated[int(cluster)] = seated.get(int(cluster), 0) + expected.get(province, 0)
    every = set().union(*points.values()) if points else set()
    by_province: dict[str, int] = {}
    for province, _ in every:
        by_province[province] = by_province.get(province, 0) + 1
    clusters = sorted(set(seated) | set(points))
    return BridgeCoverage(
        sessions=tuple(
            SessionBridge(
                c,
                len(points.get(c, ())),
                seated.get(c, 0),
                communes_attended.get(c, 0),
                members.get(c, 0),
            )
            for c in clusters
        ),
        provinces={
            code: (by_province.get(code, 0), expected.get(code, 0))
            for code in sorted(set(expected) | set(by_province))
        },
        connected=len(every),
        expected=sum(expected.values()),
        communes_attended=len({(p, c) for _, p, c in attended}),
        members=sum(members.values()),
    )
