"""Cluster roster: which provinces train together, who hosts, which trainer team, which day.

The model keeps the clusters and their members; the query joins the session calendar for the
day, so "which provinces are in cluster 3 and when do they train" is one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from schedcore.domain.values import SessionStatus
from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.model import Column, Handler, HandlerModel, Table

__all__ = ["ClusterRoster", "RosterModel", "roster"]

_CLUSTERS = Table(
    "clusters",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("host"),
        Column("trainer_team"),
        Column("dissolved", "INTEGER", nullable=False),
    ),
    ("programme", "cluster"),
)
_CLUSTER_MEMBERS = Table(
    "cluster_members",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("province", nullable=False),
    ),
    ("programme", "cluster", "province"),
)


@attrs.frozen
class ClusterRoster:
    """A cluster as coordinators see it.  ``date`` is its session's day (``None`` when it has
    no session, or its session is cancelled); ``status`` says which."""

    id: int
    host: str | None
    members: tuple[str, ...]
    date: date | None
    trainer_team: str | None
    status: str
    venue: str | None = None


def _update(
    cursor: Cursor,
    tables: Mapping[str, str],
    key: int,
    cluster: int,
    sets: str,
    params: Sequence[Any] = (),
) -> None:
    cursor.execute(
        f"UPDATE {tables['clusters']} SET {sets} WHERE programme = ? AND cluster = ?",
        (*params, key, cluster),
    )


def _formed(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"INSERT INTO {tables['clusters']} (programme, cluster, host, trainer_team, dissolved) "
        "VALUES (?, ?, NULL, NULL, 0)",
        (key, e.number),
    )


def _joined(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"INSERT INTO {tables['cluster_members']} (programme, cluster, province) VALUES (?, ?, ?)",
        (key, e.cluster, e.province),
    )


def _left(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"DELETE FROM {tables['cluster_members']} "
        "WHERE programme = ? AND cluster = ? AND province = ?",
        (key, e.cluster, e.province),
    )
    # the last member leaving takes the host with it (as the aggregate does)
    cursor.execute(
        f"UPDATE {tables['clusters']} SET host = NULL "
        "WHERE programme = ? AND cluster = ? AND host = ?",
        (key, e.cluster, e.province),
    )


_HANDLERS: dict[type, Handler] = {
    domain_events.CLUSTER_FORMED: _formed,
    domain_events.CLUSTER_REFORMED: lambda c, t, k, e: _update(c, t, k, e.cluster, "dissolved = 0"),
    domain_events.CLUSTER_PROVINCE_ASSIGNED: _joined,
    domain_events.CLUSTER_PROVINCE_MOVED_IN: _joined,
    domain_events.CLUSTER_PROVINCE_MOVED_OUT: _left,
    domain_events.CLUSTER_PROVINCE_WITHDRAWN: _left,
    domain_events.CLUSTER_HOST_SET: lambda c, t, k, e: _update(
        c, t, k, e.cluster, "host = ?", (e.host,)
    ),
    domain_events.CLUSTER_HOST_CHANGED: lambda c, t, k, e: _update(
        c, t, k, e.cluster, "host = ?", (e.host,)
    ),
    domain_events.CLUSTER_TRAINER_TEAM_ASSIGNED: lambda c, t, k, e: _update(
        c, t, k, e.cluster, "trainer_team = ?", (e.trainer_team,)
    ),
    domain_events.CLUSTER_DISSOLVED: lambda c, t, k, e: _update(
        c, t, k, e.cluster, "dissolved = 1, host = NULL, trainer_team = NULL"
    ),
}


class RosterModel(HandlerModel):
    """Clusters: members, host, trainer team, dissolved or not."""

    name = "roster"
    tables = (_CLUSTERS, _CLUSTER_MEMBERS)

    def handlers(self) -> Mapping[type, Handler]:
        return _HANDLERS


def roster(
    database: Reader, programme: int, *, include_dissolved: bool = False
) -> list[ClusterRoster]:
    """The clusters of a programme by number, with members, host, day and trainer team."""
    members: dict[int, list[str]] = {}
    for cluster, province in database.query(
        "SELECT cluster, province FROM view_cluster_members WHERE programme = ? "
        "ORDER BY cluster, province",
        (programme,),
    ):
        members.setdefault(int(cluster), []).append(province)
    result = []
    for (
        cluster,
        host,
        trainer,
        dissolved,
        day,
        status,
        venue_province,
        venue_name,
    ) in database.query(
        "SELECT c.cluster, c.host, c.trainer_team, c.dissolved, s.day, s.status, "
        "s.venue_province, s.venue_name FROM view_clusters c "
        "LEFT JOIN view_sessions s ON s.programme = c.programme AND s.cluster = c.cluster "
        "WHERE c.programme = ? ORDER BY c.cluster",
        (programme,),
    ):
        if dissolved and not include_dissolved:
            continue
        state = "dissolved" if dissolved else (status or "unscheduled")
        in_force = status in (SessionStatus.SCHEDULED, SessionStatus.HELD)
        result.append(
            ClusterRoster(
                id=int(cluster),
                host=host,
                members=tuple(members.get(int(cluster), ())),
                date=date.fromisoformat(day) if day and in_force else None,
                trainer_team=trainer,
                status=state,
                venue=(
                    (f"{venue_name} ({venue_province})" if venue_name else venue_province)
                    if venue_province
                    else None
                ),
            )
        )
    return result
