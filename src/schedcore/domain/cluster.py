"""The Cluster aggregate: which provinces train together, who hosts, which trainer team.

A cluster is found by its programme and number (deterministic id).  "A province belongs to
exactly one cluster" spans clusters, so it is guarded by the :class:`Placement` aggregate of the
province, saved in the same transaction as the cluster's events.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import cluster_id, placement_id
from schedcore.domain.rule_names import (
    CLUSTER_ACTIVE,
    CLUSTER_DISSOLVED,
    DISSOLVE_EMPTY_CLUSTER,
    HOST_IS_MEMBER,
    MOVE_ELSEWHERE,
    PROVINCE_IN_CLUSTER,
    PROVINCE_IN_ONE_CLUSTER,
)
from schedcore.domain.rules import check_actor, check_reason, violation
from schedcore.errors import InvalidInputError

__all__ = ["Cluster", "Placement"]


class Cluster(Aggregate):
    """Cluster ``number`` of a programme: members, host, trainer team."""

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, number: int) -> UUID:
        return cluster_id(programme_id, number)

    @classmethod
    def form(cls, programme_id: UUID, number: int, *, actor: str) -> Cluster:
        check_actor(actor)
        if not isinstance(number, int) or number < 1:
            raise InvalidInputError(f"cluster numbers start at 1, got {number!r}")
        return cls(programme_id=programme_id, number=number, actor=actor)

    @event("Formed")
    def __init__(self, programme_id: UUID, number: int, actor: str) -> None:
        self.programme_id = programme_id
        self.number = number
        self.members: tuple[str, ...] = ()
        self.host: str | None = None
        self.trainer_team: str | None = None
        self.dissolved = False

    # -- guards ----------------------------------------------------------------------------

    def check_active(self) -> None:
        if self.dissolved:
            raise violation(CLUSTER_ACTIVE, f"cluster {self.number} is dissolved")

    def check_member(self, province: str) -> None:
        if province not in self.members:
            raise violation(
                PROVINCE_IN_CLUSTER, f"province {province} is not in cluster {self.number}"
            )

    def check_not_member(self, province: str) -> None:
        if province in self.members:
            raise violation(
                PROVINCE_IN_ONE_CLUSTER,
                f"province {province} is already in cluster {self.number}",
            )

    def check_may_leave(self, province: str) -> None:
        self.check_member(province)
        if province == self.host and len(self.members) > 1:
            raise violation(
                HOST_IS_MEMBER,
                f"province {province} hosts cluster {self.number}: choose another host first",
            )

    # -- commands --------------------------------------------------------------------------

    def reform(self, *, actor: str) -> None:
        check_actor(actor)
        if not self.dissolved:
            raise violation(CLUSTER_DISSOLVED, f"cluster {self.number} is not dissolved")
        self._reformed(cluster=self.number, actor=actor)

    @event("Reformed")
    def _reformed(self, cluster: int, actor: str) -> None:
        self.dissolved = False

    def assign_province(self, province: str, *, actor: str) -> None:
        check_actor(actor)
        self.check_active()
        self.check_not_member(province)
        self._province_assigned(province=province, cluster=self.number, actor=actor)

    @event("ProvinceAssigned")
    def _province_assigned(self, province: str, cluster: int, actor: str) -> None:
        self.members = tuple(sorted((*self.members, province)))

    def move_in(self, province: str, *, from_cluster: int, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "moving a province")
        self.check_active()
        self.check_not_member(province)
        self._province_moved_in(
            province=province,
            cluster=self.number,
            from_cluster=from_cluster,
            reason=reason,
            actor=actor,
        )

    @event("ProvinceMovedIn")
    def _province_moved_in(
        self, province: str, cluster: int, from_cluster: int, reason: str, actor: str
    ) -> None:
        self.members = tuple(sorted((*self.members, province)))

    def move_out(self, province: str, *, to_cluster: int, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "moving a province")
        if to_cluster == self.number:
            raise violation(MOVE_ELSEWHERE, f"province {province} is already in {to_cluster}")
        self.check_may_leave(province)
        self._province_moved_out(
            province=province,
            cluster=self.number,
            to_cluster=to_cluster,
            reason=reason,
            actor=actor,
        )

    @event("ProvinceMovedOut")
    def _province_moved_out(
        self, province: str, cluster: int, to_cluster: int, reason: str, actor: str
    ) -> None:
        self._remove(province)

    def withdraw_province(self, province: str, *, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "withdrawing a province")
        self.check_may_leave(province)
        self._province_withdrawn(province=province, cluster=self.number, reason=reason, actor=actor)

    @event("ProvinceWithdrawn")
    def _province_withdrawn(self, province: str, cluster: int, reason: str, actor: str) -> None:
        self._remove(province)

    def _remove(self, province: str) -> None:
        self.members = tuple(m for m in self.members if m != province)
        if self.host == province:  # only when it was the last member (see check_may_leave)
            self.host = None

    def set_host(self, province: str, *, actor: str) -> bool:
        """Make ``province`` (a member) the host; returns False if it already is."""
        check_actor(actor)
        self.check_active()
        if province not in self.members:
            raise violation(
                HOST_IS_MEMBER,
                f"province {province} cannot host cluster {self.number}: it is not a member",
            )
        if province == self.host:
            return False
        if self.host is None:
            self._host_set(cluster=self.number, host=province, actor=actor)
        else:
            self._host_changed(
                cluster=self.number, previous_host=self.host, host=province, actor=actor
            )
        return True

    @event("HostSet")
    def _host_set(self, cluster: int, host: str, actor: str) -> None:
        self.host = host

    @event("HostChanged")
    def _host_changed(self, cluster: int, previous_host: str, host: str, actor: str) -> None:
        self.host = host

    def assign_trainer_team(self, trainer_team: str, *, actor: str) -> bool:
        check_actor(actor)
        self.check_active()
        if not isinstance(trainer_team, str) or not trainer_team.strip():
            raise InvalidInputError("a trainer team needs a name")
        if trainer_team == self.trainer_team:
            return False
        self._trainer_team_assigned(cluster=self.number, trainer_team=trainer_team, actor=actor)
        return True

    @event("TrainerTeamAssigned")
    def _trainer_team_assigned(self, cluster: int, trainer_team: str, actor: str) -> None:
        self.trainer_team = trainer_team

    def dissolve(self, *, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "dissolving a cluster")
        self.check_active()
        if self.members:
            raise violation(
                DISSOLVE_EMPTY_CLUSTER,
                f"cluster {self.number} still has {len(self.members)} provinces: move them first",
            )
        self._dissolved(cluster=self.number, reason=reason, actor=actor)

    @event("Dissolved")
    def _dissolved(self, cluster: int, reason: str, actor: str) -> None:
        self.dissolved = True
        self.host = None
        self.trainer_team = None


class Placement(Aggregate):
    """Which cluster a province is in: the guard of "one cluster at a time".

    Every change of a province's cluster writes its placement too, so two planners putting the
    same province into two clusters at once collide here (one gets ``ConcurrencyError``).
    Attendance reads it to find a province's session without scanning clusters.
    """

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, province: str) -> UUID:
        return placement_id(programme_id, province)

    @classmethod
    def assign(cls, programme_id: UUID, province: str, cluster: int, *, actor: str) -> Placement:
        check_actor(actor)
        return cls(programme_id=programme_id, province=province, cluster=cluster, actor=actor)

    @event("Assigned")
    def __init__(self, programme_id: UUID, province: str, cluster: int, actor: str) -> None:
        self.programme_id = programme_id
        self.province = province
        self.cluster: int | None = cluster

    def reassign(self, cluster: int, *, actor: str) -> None:
        check_actor(actor)
        if self.cluster is not None:
            raise violation(
                PROVINCE_IN_ONE_CLUSTER,
                f"province {self.province} is already in cluster {self.cluster}",
            )
        self._reassigned(province=self.province, cluster=cluster, actor=actor)

    @event("Reassigned")
    def _reassigned(self, province: str, cluster: int, actor: str) -> None:
        self.cluster = cluster

    def move(self, to_cluster: int, *, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "moving a province")
        if self.cluster is None:
            raise violation(
                PROVINCE_IN_CLUSTER, f"province {self.province} is in no cluster to move from"
            )
        self._moved(
            province=self.province,
            from_cluster=self.cluster,
            to_cluster=to_cluster,
            reason=reason,
            actor=actor,
        )

    @event("Moved")
    def _moved(
        self, province: str, from_cluster: int, to_cluster: int, reason: str, actor: str
    ) -> None:
        self.cluster = to_cluster

    def withdraw(self, *, reason: str, actor: str) -> None:
        check_actor(actor)
        check_reason(reason, "withdrawing a province")
        if self.cluster is None:
            raise violation(PROVINCE_IN_CLUSTER, f"province {self.province} is in no cluster")
        self._withdrawn(province=self.province, cluster=self.cluster, reason=reason, actor=actor)

    @event("Withdrawn")
    def _withdrawn(self, province: str, cluster: int, reason: str, actor: str) -> None:
        self.cluster = None
