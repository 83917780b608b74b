"""Reservation aggregates: rules that span sessions, each guarded by one small aggregate.

A session lives in its own aggregate, so a rule about *several* sessions cannot be checked by
any one of them.  As :class:`~schedcore.domain.cluster.Placement` does for "one cluster per
province", each rule here has an aggregate keyed by what the rule is about, which every command
that could break the rule writes in the same transaction as the session.  Two writers racing
for the same day then collide on that aggregate (``ConcurrencyError``) instead of both winning.

* :class:`TrainerTeamDiary` (one per programme and trainer team): which cluster the team runs a
  session for on each day: ``trainer_one_session_a_day``.
* :class:`BridgeDay` (one per programme and day): how many commune bridge points each cluster
  connects that day, against the programme's daily capacity: ``bridge_capacity``.

Guards raise before any event is recorded, so a refused command leaves the aggregate as it was.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import bridge_day_id, trainer_team_diary_id
from schedcore.domain.rule_names import BRIDGE_CAPACITY, TRAINER_ONE_SESSION_A_DAY
from schedcore.domain.rules import check_actor, check_count, check_day, violation
from schedcore.errors import InvalidInputError

__all__ = ["BridgeDay", "TrainerTeamDiary"]


def _check_cluster(cluster: object) -> int:
    if type(cluster) is not int or cluster < 1:
        raise InvalidInputError(f"cluster numbers start at 1, got {cluster!r}")
    return cluster


class TrainerTeamDiary(Aggregate):
    """The days trainer team ``trainer_team`` runs a session, and for which cluster.

    ``reserve(day, cluster)`` is refused with ``trainer_one_session_a_day`` while another
    cluster holds the day; it is idempotent for the cluster holding it.  ``release`` frees a
    day the cluster holds, and does nothing (returns False) otherwise: it never frees another
    cluster's day.
    """

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, trainer_team: str) -> UUID:
        return trainer_team_diary_id(programme_id, trainer_team)

    @classmethod
    def open(cls, programme_id: UUID, trainer_team: str, *, actor: str) -> TrainerTeamDiary:
        check_actor(actor)
        if not isinstance(trainer_team, str) or not trainer_team.strip():
            raise InvalidInputError("a trainer team needs a name")
        return cls(programme_id=programme_id, trainer_team=trainer_team, actor=actor)

    @event("Opened")
    def __init__(self, programme_id: UUID, trainer_team: str, actor: str) -> None:
        self.programme_id = programme_id
        self.trainer_team = trainer_team
        self.days: dict[date, int] = {}

    # -- queries ---------------------------------------------------------------------------

    def holder(self, day: date) -> int | None:
        """The cluster whose session the team runs on ``day``, if any."""
        return self.days.get(day)

    # -- commands --------------------------------------------------------------------------

    def reserve(self, day: date, cluster: int, *, actor: str) -> bool:
        """Book the team for ``cluster``'s session on ``day``; False if it already is."""
        check_actor(actor)
        check_day(day, "a trainer team's day")
        _check_cluster(cluster)
        holder = self.days.get(day)
        if holder == cluster:
            return False
        if holder is not None:
            raise violation(
                TRAINER_ONE_SESSION_A_DAY,
                f"trainer team {self.trainer_team} already runs the session of cluster {holder} "
                f"on {day}; it cannot also run cluster {cluster}'s",
            )
        self._reserved(trainer_team=self.trainer_team, day=day, cluster=cluster, actor=actor)
        return True

    @event("Reserved")
    def _reserved(self, trainer_team: str, day: date, cluster: int, actor: str) -> None:
        self.days = dict(sorted({**self.days, day: cluster}.items()))

    def release(self, day: date, cluster: int, *, actor: str) -> bool:
        """Free ``day`` if ``cluster`` holds it; False (nothing recorded) otherwise."""
        check_actor(actor)
        check_day(day, "a trainer team's day")
        _check_cluster(cluster)
        if self.days.get(day) != cluster:
            return False
        self._released(trainer_team=self.trainer_team, day=day, cluster=cluster, actor=actor)
        return True

    @event("Released")
    def _released(self, trainer_team: str, day: date, cluster: int, actor: str) -> None:
        self.days = {d: c for d, c in self.days.items() if d != day}


class BridgeDay(Aggregate):
    """The commune bridge points connected on ``day``, counted per cluster.

    ``reserve(cluster, points, capacity=...)`` sets ``cluster``'s count for the day and is
    refused with ``bridge_capacity`` when it *raises* the day's total above ``capacity``
    (``None``: no cap).  Lowering a count is always allowed, so a day left over a cap that was
    lowered later can still be brought back under it.
    """

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(programme_id: UUID, day: date) -> UUID:
        return bridge_day_id(programme_id, day)

    @classmethod
    def open(cls, programme_id: UUID, day: date, *, actor: str) -> BridgeDay:
        check_actor(actor)
        check_day(day, "a bridge day")
        return cls(programme_id=programme_id, day=day, actor=actor)

    @event("Opened")
    def __init__(self, programme_id: UUID, day: date, actor: str) -> None:
        self.programme_id = programme_id
        self.day = day
        self.points: dict[int, int] = {}

    # -- queries ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Bridge points connected on the day, over every cluster."""
        return sum(self.points.values())

    def points_of(self, cluster: int) -> int:
        return self.points.get(cluster, 0)

    # -- commands --------------------------------------------------------------------------

    def reserve(self, cluster: int, points: int, *, capacity: int | None, actor: str) -> bool:
        """Set ``cluster``'s bridge points for the day; False if unchanged.  Zero releases."""
        check_actor(actor)
        _check_cluster(cluster)
        check_count(points, f"bridge points of cluster {cluster}")
        if capacity is not None:
            check_count(capacity, "the daily bridge capacity")
        current = self.points.get(cluster, 0)
        if points == current:
            return False
        total = self.total - current + points
        if capacity is not None and points > current and total > capacity:
            raise violation(
                BRIDGE_CAPACITY,
                f"{self.day}: cluster {cluster} would connect {points} bridge points, "
                f"{total} in all that day; the daily capacity is {capacity}",
            )
        if points == 0:
            self._released(day=self.day, cluster=cluster, actor=actor)
        else:
            self._reserved(day=self.day, cluster=cluster, points=points, actor=actor)
        return True

    @event("Reserved")
    def _reserved(self, day: date, cluster: int, points: int, actor: str) -> None:
        self.points = dict(sorted({**self.points, cluster: points}.items()))

    def release(self, cluster: int, *, actor: str) -> bool:
        """Drop ``cluster``'s bridge points from the day; False if it had none."""
        check_actor(actor)
        _check_cluster(cluster)
        if cluster not in self.points:
            return False
        self._released(day=self.day, cluster=cluster, actor=actor)
        return True

    @event("Released")
    def _released(self, day: date, cluster: int, actor: str) -> None:
        self.points = {c: n for c, n in self.points.items() if c != cluster}
