"""What ``apply_plan`` accepts, and the rules a plan must keep as a whole.

Any object with the attributes of :class:`PlannedClusterLike` will do (the planner's
``PlannedCluster`` is one); the domain does not import the planner.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Protocol

from schedcore.domain.rules import violation
from schedcore.errors import InvalidInputError

__all__ = ["PlannedClusterLike", "check_plan"]


class PlannedClusterLike(Protocol):
    """One cluster of a plan: its number, host (a member), members, date and trainer team."""

    @property
    def id(self) -> int: ...

    @property
    def host(self) -> str: ...

    @property
    def members(self) -> Sequence[str]: ...

    @property
    def date(self) -> datetime.date | None: ...

    @property
    def trainer_team(self) -> str | None: ...


def check_plan(clusters: Iterable[PlannedClusterLike]) -> list[PlannedClusterLike]:
    """Rules that span clusters: unique numbers, a province in one cluster, a host among its
    members, a trainer team at one session a day.  Returns the clusters sorted by number."""
    plan = sorted(clusters, key=lambda c: c.id)
    placed: dict[str, int] = {}
    busy: dict[tuple[str, datetime.date], int] = {}
    numbers: set[int] = set()
    for cluster in plan:
        if not isinstance(cluster.id, int) or cluster.id < 1:
            raise InvalidInputError(f"cluster numbers start at 1, got {cluster.id!r}")
        if cluster.id in numbers:
            raise violation("cluster_number_unique", f"cluster {cluster.id} appears twice")
        numbers.add(cluster.id)
        if not cluster.members:
            raise violation("cluster_has_members", f"cluster {cluster.id} has no members")
        for province in cluster.members:
            if province in placed and placed[province] != cluster.id:
                raise violation(
                    "province_in_one_cluster",
                    f"province {province} is in clusters {placed[province]} and {cluster.id}",
                )
            placed[province] = cluster.id
        if cluster.host not in cluster.members:
            raise violation(
                "host_is_member",
                f"cluster {cluster.id}: host {cluster.host} is not one of its members",
            )
        if cluster.trainer_team and cluster.date is not None:
            slot = (cluster.trainer_team, cluster.date)
            if slot in busy:
                raise violation(
                    "trainer_team_one_session_a_day",
                    f"trainer team {cluster.trainer_team} is at clusters {busy[slot]} and "
                    f"{cluster.id} on {cluster.date}",
                )
            busy[slot] = cluster.id
    return plan
