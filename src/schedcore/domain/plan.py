"""What ``apply_plan`` accepts, and the rules a plan must keep as a whole.

Any object with the attributes of :class:`PlannedClusterLike` will do (the planner's
``PlannedCluster`` is one); the domain does not import the planner.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from eventsourcing.domain import Aggregate

from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.programme import Programme
from schedcore.domain.receipt import AppliedPlan
from schedcore.domain.rule_names import (
    CLUSTER_HAS_MEMBERS,
    CLUSTER_NUMBER_UNIQUE,
    HOST_IS_MEMBER,
    PROVINCE_IN_ONE_CLUSTER,
    TRAINER_ONE_SESSION_A_DAY,
)
from schedcore.domain.rules import check_day, violation
from schedcore.domain.session import Session
from schedcore.domain.values import SessionStatus, Venue
from schedcore.errors import InvalidInputError

__all__ = ["PlanApplier", "PlannedClusterLike", "check_plan"]


class PlannedClusterLike(Protocol):
    """One cluster of a plan: its number, host (a member), members, date and trainer team."""

    @property
    def id(self) -> int:
        """The cluster's number."""

    @property
    def host(self) -> str:
        """The code of the unit whose hall hosts the session."""

    @property
    def members(self) -> Sequence[str]:
        """The codes of the cluster's units, the host among them."""

    @property
    def date(self) -> datetime.date | None:
        """The session's day, or ``None`` when not yet dated."""

    @property
    def trainer_team(self) -> str | None:
        """The trainer team that runs the session, or ``None``."""


def check_plan(clusters: Iterable[PlannedClusterLike]) -> list[PlannedClusterLike]:
    """Rules that span clusters: unique numbers, a province in one cluster, a host among its
    members, a trainer team at one session a day.  Returns the clusters sorted by number."""
    if isinstance(clusters, str | bytes) or not isinstance(clusters, Iterable):
        raise InvalidInputError(
            f"a plan is a list of planned clusters, not {type(clusters).__name__}"
        )
    given = list(clusters)
    for index, cluster in enumerate(given, start=1):
        _check_planned_shape(cluster, index)
    plan = sorted(given, key=lambda c: c.id)
    placed: dict[str, int] = {}
    busy: dict[tuple[str, datetime.date], int] = {}
    numbers: set[int] = set()
    for cluster in plan:
        if not isinstance(cluster.id, int) or cluster.id < 1:
            raise InvalidInputError(f"cluster numbers start at 1, got {cluster.id!r}")
        if cluster.id in numbers:
            raise violation(CLUSTER_NUMBER_UNIQUE, f"cluster {cluster.id} appears twice")
        numbers.add(cluster.id)
        if not cluster.members:
            raise violation(CLUSTER_HAS_MEMBERS, f"cluster {cluster.id} has no members")
        for province in cluster.members:
            if province in placed and placed[province] != cluster.id:
                raise violation(
                    PROVINCE_IN_ONE_CLUSTER,
                    f"province {province} is in clusters {placed[province]} and {cluster.id}",
                )
            placed[province] = cluster.id
        if cluster.host not in cluster.members:
            raise violation(
                HOST_IS_MEMBER,
                f"cluster {cluster.id}: host {cluster.host} is not one of its members",
            )
        if cluster.trainer_team and cluster.date is not None:
            slot = (cluster.trainer_team, cluster.date)
            if slot in busy:
                raise violation(
                    TRAINER_ONE_SESSION_A_DAY,
                    f"trainer team {cluster.trainer_team} is at clusters {busy[slot]} and "
                    f"{cluster.id} on {cluster.date}",
                )
            busy[slot] = cluster.id
    return plan


def _check_planned_shape(cluster: Any, index: int) -> None:
    """Attributes of the right kinds, so a wrong object is an input error, not a traceback."""
    missing = [
        name
        for name in ("id", "host", "members", "date", "trainer_team")
        if not hasattr(cluster, name)
    ]
    if missing:
        raise InvalidInputError(
            f"planned cluster {index} ({type(cluster).__name__}) has no {', '.join(missing)}"
        )
    members = cluster.members
    if isinstance(members, str) or not isinstance(members, Iterable):
        raise InvalidInputError(
            f"planned cluster {index}: members must be a list of unit codes, not {members!r}"
        )
    if not isinstance(cluster.host, str) or not all(isinstance(m, str) for m in members):
        raise InvalidInputError(f"planned cluster {index}: host and members are unit codes")
    if cluster.date is not None:
        check_day(cluster.date, f"the date of planned cluster {index}")


def _capacity(value: int | Mapping[int, int] | None, cluster: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, Mapping):
        return value.get(cluster, default)
    return value


class PlanApplier:
    """Turns "the plan in force" into "the plan given" with the fewest events.

    A domain service: the application loads the aggregates a plan touches and hands them here;
    every change goes through the aggregates' own commands (so every rule is checked), in an
    order that keeps each aggregate valid at every step (members join before hosts change,
    hosts change before members leave, halls grow before seats are allotted).
    """

    def __init__(
        self,
        programme: Programme,
        *,
        clusters: dict[int, Cluster],
        sessions: dict[int, Session],
        placements: dict[str, Placement],
        actor: str,
        hall_capacity: int | Mapping[int, int] | None,
        bridge_capacity: int | Mapping[int, int] | None,
        venues: Mapping[int, Venue],
        reason: str,
        override_reason: str | None,
    ) -> None:
        self.programme = programme
        self.clusters = clusters
        self.sessions = sessions
        self.placements = placements
        self.actor = actor
        self.hall_capacity = hall_capacity
        self.bridge_capacity = bridge_capacity
        self.venues = venues
        self.reason = reason
        self.override_reason = override_reason

    def apply(self, plan: Sequence[PlannedClusterLike]) -> tuple[list[Aggregate], AppliedPlan]:
        actor, pid = self.actor, self.programme.id
        planned = {c.id: c for c in plan}
        planned_in = {p: c.id for c in plan for p in c.members}
        # 1. clusters of the plan exist and are active
        for number in planned:
            cluster = self.clusters.get(number)
            if cluster is None:
                self.clusters[number] = Cluster.form(pid, number, actor=actor)
            elif cluster.dissolved:
                cluster.reform(actor=actor)
        # 2. provinces join their planned cluster (assigned, re-assigned or moved in)
        leaving: list[tuple[int, str, int | None]] = []
        for number, wanted in planned.items():
            cluster = self.clusters[number]
            for province in wanted.members:
                if province in cluster.members:
                    continue
                placement = self.placements.get(province)
                current = placement.cluster if placement is not None else None
                if current is None:
                    cluster.assign_province(province, actor=actor)
                    if placement is None:
                        self.placements[province] = Placement.assign(
                            pid, province, number, actor=actor
                        )
                    else:
                        placement.reassign(number, actor=actor)
                else:
                    assert placement is not None
                    cluster.move_in(province, from_cluster=current, reason=self.reason, actor=actor)
                    placement.move(number, reason=self.reason, actor=actor)
                    leaving.append((current, province, number))
        # 3. hosts and trainer teams
        for number, wanted in planned.items():
            cluster = self.clusters[number]
            cluster.set_host(wanted.host, actor=actor)
            if wanted.trainer_team:
                cluster.assign_trainer_team(wanted.trainer_team, actor=actor)
        # 4. provinces leave the clusters they are no longer planned in (hosts last)
        moved = {(source, province) for source, province, _ in leaving}
        for number, cluster in self.clusters.items():
            stay = set(planned[number].members) if number in planned else set()
            host = cluster.host
            for province in sorted(cluster.members, key=lambda p: p == host):
                if province in stay:
                    continue
                if (number, province) in moved:
                    cluster.move_out(
                        province, to_cluster=planned_in[province], reason=self.reason, actor=actor
                    )
                else:
                    cluster.withdraw_province(province, reason=self.reason, actor=actor)
                    self.placements[province].withdraw(reason=self.reason, actor=actor)
        # 5. clusters left out of the plan are dissolved, their sessions cancelled
        for number, cluster in self.clusters.items():
            if number not in planned and not cluster.dissolved:
                cluster.dissolve(reason=self.reason, actor=actor)
                session = self.sessions.get(number)
                if session is not None and session.status is SessionStatus.SCHEDULED:
                    session.cancel(reason=self.reason, actor=actor)
        # 6. sessions follow their clusters
        for number, wanted in planned.items():
            self.align_session(number, wanted)
        touched: list[Aggregate] = [
            *self.clusters.values(),
            *self.sessions.values(),
            *self.placements.values(),
        ]
        changed = tuple(
            sorted(
                {c.number for c in self.clusters.values() if c.pending_events}
                | {s.cluster for s in self.sessions.values() if s.pending_events}
            )
        )
        events = sum(len(a.pending_events) for a in touched)
        if events:
            self.programme.record_plan_applied(list(planned), changes=events, actor=actor)
            touched.append(self.programme)
            events += 1
        return touched, AppliedPlan(self.programme.plan_revision, events, changed)

    def align_session(self, number: int, wanted: PlannedClusterLike) -> None:
        """Make cluster ``number``'s session seat its members at its host on ``wanted.date``:
        scheduled if missing, reinstated if cancelled (when a date is given), re-seated."""
        actor, programme = self.actor, self.programme
        cluster = self.clusters[number]
        seats = {p: programme.seats_for(p) for p in cluster.members}
        hall = _capacity(self.hall_capacity, number, sum(seats.values()))
        bridge = _capacity(
            self.bridge_capacity,
            number,
            sum(programme.bridge_points.get(p, 0) for p in cluster.members),
        )
        session = self.sessions.get(number)
        venue = self.venues.get(number)
        if venue is None:
            if session is not None and session.venue.province == wanted.host:
                venue = session.venue
            else:
                venue = Venue(wanted.host)
        if session is None:
            if wanted.date is None:
                return
            self.sessions[number] = Session.schedule(
                programme.id,
                number,
                day=wanted.date,
                venue=venue,
                hall_capacity=hall,
                bridge_capacity=bridge,
                seats=seats,
                calendar=programme.calendar,
                override_reason=self.override_reason,
                actor=actor,
            )
            return
        if session.status is SessionStatus.HELD:
            return
        if session.status is SessionStatus.CANCELLED:
            if wanted.date is None:
                return
            session.reinstate(
                wanted.date,
                calendar=programme.calendar,
                override_reason=self.override_reason,
                actor=actor,
            )
        removed = [p for p in session.seats if p not in seats]
        old_venue = session.venue.province
        during = sum(seats.values()) + (session.seats[old_venue] if old_venue in removed else 0)
        grown_hall = max(hall, during, session.hall_capacity)
        grown_bridge = max(bridge, session.bridge_capacity)
        session.change_capacity(hall_capacity=grown_hall, bridge_capacity=grown_bridge, actor=actor)
        for province in removed:
            if province != old_venue:
                session.release_seats(province, actor=actor)
        for province, count in seats.items():
            session.allot_seats(
                province,
                count,
                calendar=programme.calendar,
                override_reason=self.override_reason,
                actor=actor,
            )
        session.change_venue(venue, actor=actor)
        if old_venue in removed:
            session.release_seats(old_venue, actor=actor)
        stale = [p for p in session.bridge_points if p.province not in seats]
        if stale:
            session.disconnect_bridge_points(stale, actor=actor)
        session.change_capacity(hall_capacity=hall, bridge_capacity=bridge, actor=actor)
        if wanted.date is not None:
            session.reschedule(
                wanted.date,
                calendar=programme.calendar,
                override_reason=self.override_reason,
                actor=actor,
            )
