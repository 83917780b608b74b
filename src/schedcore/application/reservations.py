"""Keep the reservation aggregates in step with every command that moves a session.

Two rules span aggregates: a trainer team runs at most one session a day
(:class:`~schedcore.domain.reservations.TrainerTeamDiary`, one per team) and the commune bridge
points connected on one day stay within the programme's daily cap
(:class:`~schedcore.domain.reservations.BridgeDay`, one per day).  Rather than asking each
command to remember them, the pipeline compares, for every cluster whose session or cluster
aggregate a command loaded, its *footprint* (day, trainer team, bridge points) before and after
the decision, and releases and reserves the difference in the same transaction.  A reservation
that would break a rule raises before anything is written.

Stores written before these aggregates existed have sessions but no reservations: a diary or
bridge day opened for the first time is seeded from the sessions already in force.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import attrs

from schedcore.domain.cluster import Cluster
from schedcore.domain.ids import bridge_day_id, cluster_id, session_id, trainer_team_diary_id
from schedcore.domain.reservations import BridgeDay, TrainerTeamDiary
from schedcore.domain.session import Session
from schedcore.domain.values import SessionStatus

if TYPE_CHECKING:
    from schedcore.application.pipeline import UnitOfWork

__all__ = ["Footprint", "Reservations", "footprint", "reconcile"]


@attrs.frozen
class Footprint:
    """What one cluster's session holds: a day (None: no session, or cancelled), the trainer
    team on it, and the bridge points it connects that day."""

    day: date | None = None
    team: str | None = None
    points: int = 0


def footprint(session: Session | None, cluster: Cluster | None) -> Footprint:
    if session is None or session.status is SessionStatus.CANCELLED:
        return Footprint()
    team = None if cluster is None or cluster.dissolved else cluster.trainer_team
    return Footprint(session.day, team, len(session.bridge_points))


def reconcile(work: UnitOfWork) -> int:
    """Release what the command's clusters held before, then reserve what they hold now;
    returns how many events that takes."""
    changes: dict[int, tuple[Footprint, Footprint]] = {}
    for number in sorted(work.touched_clusters()):
        before = work.footprint_before(number)
        after = footprint(_session(work, number), _cluster(work, number))
        if before != after:
            changes[number] = (before, after)
    if not changes:
        return 0
    book = Reservations(work, set(changes))
    # Releases first (a plan may hand a day from one cluster to another), then reservations;
    # the team's day and the day's bridge points move only where they changed.
    for number, (before, after) in changes.items():
        if before.day is not None:
            if before.team is not None and (before.day, before.team) != (after.day, after.team):
                diary = book.diary(before.team, create=False)
                if diary is not None:
                    diary.release(before.day, number, actor=work.actor)
            if before.points and before.day != after.day:
                day = book.bridge_day(before.day, create=False)
                if day is not None:
                    day.release(number, actor=work.actor)
    cap = work.programme.daily_bridge_capacity
    for number, (before, after) in changes.items():
        if after.day is not None:
            if after.team is not None and (before.day, before.team) != (after.day, after.team):
                diary = book.diary(after.team)
                assert diary is not None
                diary.reserve(after.day, number, actor=work.actor)
            if (before.day, before.points) != (after.day, after.points):
                day = book.bridge_day(after.day, create=bool(after.points))
                if day is not None:
                    day.reserve(number, after.points, capacity=cap, actor=work.actor)
    return book.events()


def _session(work: UnitOfWork, number: int) -> Session | None:
    return work.current(Session, session_id(work.programme_id, number))


def _cluster(work: UnitOfWork, number: int) -> Cluster | None:
    return work.current(Cluster, cluster_id(work.programme_id, number))


class Reservations:
    """The diaries and bridge days a command changes, opened (and seeded) when missing.

    ``changing`` are the clusters whose footprints the command itself moves: the others are
    read as committed to seed what is opened.
    """

    def __init__(self, work: UnitOfWork, changing: set[int]) -> None:
        self.work = work
        self.changing = changing
        self._others: dict[int, Footprint] | None = None

    def diary(self, team: str, *, create: bool = True) -> TrainerTeamDiary | None:
        """The team's diary; a missing one is opened (``create``) or there is nothing to
        release in it."""
        work = self.work
        found = work.find(TrainerTeamDiary, trainer_team_diary_id(work.programme_id, team))
        if found is None and create:
            found = work.add(TrainerTeamDiary.open(work.programme_id, team, actor=work.actor))
            for number, held in self.others().items():
                if held.day is not None and held.team == team:
                    found.reserve(held.day, number, actor=work.actor)
        return found

    def bridge_day(self, day: date, *, create: bool = True) -> BridgeDay | None:
        work = self.work
        found = work.find(BridgeDay, bridge_day_id(work.programme_id, day))
        if found is None and create:
            found = work.add(BridgeDay.open(work.programme_id, day, actor=work.actor))
            for number, held in self.others().items():
                if held.day == day and held.points:
                    found.reserve(number, held.points, capacity=None, actor=work.actor)
        return found

    def events(self) -> int:
        """How many events the reservations this command changes will record."""
        return sum(
            len(found.pending_events)
            for found in self.work.changed()
            if isinstance(found, BridgeDay | TrainerTeamDiary)
        )

    def others(self) -> dict[int, Footprint]:
        """The footprints of the programme's other clusters, as committed (read, so their
        versions are checked when the command saves)."""
        if self._others is None:
            work = self.work
            self._others = {
                number: footprint(_session(work, number), _cluster(work, number))
                for number in work.programme.clusters
                if number not in self.changing
            }
        return self._others
