"""Session commands: scheduling, re-dating, venues, capacities, bridge points, cancellation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs

from schedcore.application.pipeline import UnitOfWork
from schedcore.domain.cluster import Cluster
from schedcore.domain.plan import PlanApplier
from schedcore.domain.receipt import Recorded
from schedcore.domain.rules import violation
from schedcore.domain.session import Session
from schedcore.domain.values import BridgePoint, SessionStatus, Venue

__all__ = [
    "cancel",
    "change_capacity",
    "change_venue",
    "connect_bridge_points",
    "disconnect_bridge_points",
    "mark_held",
    "reinstate",
    "reschedule",
    "schedule",
]


def schedule(
    work: UnitOfWork,
    cluster: int,
    day: date,
    *,
    venue: Venue | None,
    hall_capacity: int | None,
    bridge_capacity: int | None,
    override_reason: str | None,
) -> Recorded:
    """Schedule the session of a cluster that has a host and no session yet."""
    plan = work.programme
    found = work.cluster(cluster)
    found.check_active()
    if work.find_session(cluster) is not None:
        raise violation("session_unique", f"cluster {cluster} already has a session")
    if found.host is None:
        raise violation("host_is_member", f"cluster {cluster} has no host yet")
    seats = {p: plan.seats_for(p) for p in found.members}
    work.add(
        Session.schedule(
            work.programme_id,
            cluster,
            day=day,
            venue=Venue(found.host) if venue is None else venue,
            hall_capacity=sum(seats.values()) if hall_capacity is None else hall_capacity,
            bridge_capacity=(
                sum(plan.bridge_points.get(p, 0) for p in found.members)
                if bridge_capacity is None
                else bridge_capacity
            ),
            seats=seats,
            calendar=plan.calendar,
            override_reason=override_reason,
            actor=work.actor,
        )
    )
    return Recorded(1)


def reschedule(work: UnitOfWork, cluster: int, day: date, override_reason: str | None) -> Recorded:
    work.session(cluster).reschedule(
        day, calendar=work.programme.calendar, override_reason=override_reason, actor=work.actor
    )
    return work.recorded()


def change_venue(work: UnitOfWork, cluster: int, venue: Venue) -> Recorded:
    work.session(cluster).change_venue(venue, actor=work.actor)
    return work.recorded()


def change_capacity(
    work: UnitOfWork, cluster: int, hall_capacity: int | None, bridge_capacity: int | None
) -> Recorded:
    work.session(cluster).change_capacity(
        hall_capacity=hall_capacity, bridge_capacity=bridge_capacity, actor=work.actor
    )
    return work.recorded()


def cancel(work: UnitOfWork, cluster: int, reason: str) -> Recorded:
    work.session(cluster).cancel(reason=reason, actor=work.actor)
    return work.recorded()


def reinstate(work: UnitOfWork, cluster: int, day: date, override_reason: str | None) -> Recorded:
    """Hold a cancelled session again, on ``day``, for its cluster as it is now.

    While the session was cancelled its cluster may have changed (a plan applied without a
    date for it, provinces moved out): the reinstated session seats the cluster's current
    members at the host, its capacities grown if they must be.
    """
    plan = work.programme
    found = work.cluster(cluster)
    session = work.session(cluster)
    if session.status is not SessionStatus.CANCELLED:
        raise violation("session_cancelled", f"session {cluster} is not cancelled")
    found.check_active()
    if found.host is None:
        raise violation("host_is_member", f"cluster {cluster} has no host to hold it")
    seats = sum(plan.seats_for(p) for p in found.members)
    bridges = sum(plan.bridge_points.get(p, 0) for p in found.members)
    applier = PlanApplier(
        plan,
        clusters={cluster: found},
        sessions={cluster: session},
        placements={},
        actor=work.actor,
        hall_capacity=max(session.hall_capacity, seats),
        bridge_capacity=max(session.bridge_capacity, bridges),
        venues={},
        reason="session reinstated",
        override_reason=override_reason,
    )
    applier.align_session(cluster, _Reinstated(found, day))
    return work.recorded()


def connect_bridge_points(
    work: UnitOfWork, cluster: int, points: Sequence[BridgePoint]
) -> Recorded:
    work.session(cluster).connect_bridge_points(points, actor=work.actor)
    return work.recorded()


def disconnect_bridge_points(
    work: UnitOfWork, cluster: int, points: Sequence[BridgePoint]
) -> Recorded:
    work.session(cluster).disconnect_bridge_points(points, actor=work.actor)
    return work.recorded()


def mark_held(work: UnitOfWork, cluster: int, on: date) -> Recorded:
    work.session(cluster).mark_held(on=on, actor=work.actor)
    return work.recorded()


@attrs.frozen
class _Reinstated:
    """A cluster as it stands, planned on the day its session is reinstated."""

    cluster: Cluster
    date: date

    @property
    def id(self) -> int:
        return self.cluster.number

    @property
    def host(self) -> str:
        return self.cluster.host or ""

    @property
    def members(self) -> Sequence[str]:
        return self.cluster.members

    @property
    def trainer_team(self) -> str | None:
        return self.cluster.trainer_team
