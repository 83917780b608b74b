"""Bridge coverage: which communes' video bridge points are connected to which session.

Every in-person session is relayed to the communes of its provinces; the target is every
commune.  Shares are against the programme's expected bridge points (one per commune in 2022):
per session (the communes of its seated provinces) and overall (a commune counts once, whatever
the number of sessions it joined).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.catalogue import ProgrammeFacts
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


@attrs.frozen
class SessionBridge:
    """A session's bridge: communes connected against the communes of its provinces."""

    cluster: int
    connected: int
    expected: int

    @property
    def share(self) -> float:
        """Connected bridge points over expected ones (0.0 when none is expected)."""
        return self.connected / self.expected if self.expected else 0.0


@attrs.frozen
class BridgeCoverage:
    """Per session, per province and overall."""

    sessions: tuple[SessionBridge, ...]
    provinces: Mapping[str, tuple[int, int]]
    connected: int
    expected: int

    @property
    def share(self) -> float:
        """Connected bridge points over expected ones (0.0 when none is expected)."""
        return self.connected / self.expected if self.expected else 0.0


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
    """The (province, commune) points connected to a session ("which communes were on
    Tuesday's bridge")."""
    return [
        (r[0], r[1])
        for r in database.query(
            "SELECT province, commune FROM view_bridge_points WHERE programme = ? AND cluster = ? "
            "ORDER BY province, commune",
            (programme, cluster),
        )
    ]


def bridge_coverage(database: Reader, programme: ProgrammeFacts) -> BridgeCoverage:
    key = programme.key
    expected = {code: unit.bridge_points for code, unit in programme.units.items()}
    per_session = {
        int(r[0]): int(r[1])
        for r in database.query(
            "SELECT cluster, COUNT(*) FROM view_bridge_points WHERE programme = ? GROUP BY cluster",
            (key,),
        )
    }
    seated: dict[int, int] = {}
    for cluster, province in database.query(
        "SELECT cluster, province FROM view_session_seats WHERE programme = ?", (key,)
    ):
        seated[int(cluster)] = seated.get(int(cluster), 0) + expected.get(province, 0)
    clusters = sorted(set(seated) | set(per_session))
    by_province = {
        r[0]: int(r[1])
        for r in database.query(
            "SELECT province, COUNT(DISTINCT commune) FROM view_bridge_points "
            "WHERE programme = ? GROUP BY province",
            (key,),
        )
    }
    return BridgeCoverage(
        sessions=tuple(SessionBridge(c, per_session.get(c, 0), seated.get(c, 0)) for c in clusters),
        provinces={code: (by_province.get(code, 0), expected[code]) for code in sorted(expected)},
        connected=sum(by_province.values()),
        expected=sum(expected.values()),
    )
