"""Cluster commands: applying a plan, and single changes to provinces, hosts and teams."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from schedcore.application.pipeline import UnitOfWork
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.plan import PlanApplier, PlannedClusterLike, check_plan
from schedcore.domain.receipt import AppliedPlan, Recorded
from schedcore.domain.rules import violation
from schedcore.domain.values import Venue

__all__ = [
    "apply_plan",
    "assign_province",
    "assign_trainer_team",
    "move_province",
    "set_host",
    "withdraw_province",
]


def apply_plan(
    work: UnitOfWork,
    clusters: Iterable[PlannedClusterLike],
    *,
    hall_capacity: int | Mapping[int, int] | None,
    bridge_capacity: int | Mapping[int, int] | None,
    venues: Mapping[int, Venue] | None,
    reason: str,
    override_reason: str | None,
) -> AppliedPlan:
    """Make the stored plan equal ``clusters``, recording only the differences."""
    plan = check_plan(clusters)
    current = work.programme_to_change()
    for planned in plan:
        for province in planned.members:
            current.check_unit(province)
    numbers = set(current.clusters) | {c.id for c in plan}
    found: dict[int, Cluster | None] = {n: work.find_cluster(n) for n in sorted(numbers)}
    provinces = {p for c in plan for p in c.members}
    provinces |= {p for c in found.values() if c is not None for p in c.members}
    placements = {p: work.find_placement(p) for p in provinces}
    for placed in placements.values():
        if placed is not None and placed.cluster is not None and placed.cluster not in found:
            found[placed.cluster] = work.find_cluster(placed.cluster)
    sessions = {n: work.find_session(n) for n in found}
    applier = PlanApplier(
        current,
        clusters={n: c for n, c in found.items() if c is not None},
        sessions={n: s for n, s in sessions.items() if s is not None},
        placements={p: pl for p, pl in placements.items() if pl is not None},
        actor=work.actor,
        hall_capacity=hall_capacity,
        bridge_capacity=bridge_capacity,
        venues=venues or {},
        reason=reason,
        override_reason=override_reason,
    )
    aggregates, applied = applier.apply(plan)
    for aggregate in aggregates:
        work.add(aggregate)
    return applied


def assign_province(
    work: UnitOfWork, province: str, cluster: int, override_reason: str | None
) -> Recorded:
    """Put a province that is in no cluster into ``cluster`` (and its session's hall)."""
    plan = work.programme
    plan.check_unit(province)
    work.cluster(cluster).assign_province(province, actor=work.actor)
    placement = work.find_placement(province)
    if placement is None:
        work.add(Placement.assign(work.programme_id, province, cluster, actor=work.actor))
    else:
        placement.reassign(cluster, actor=work.actor)
    session = work.find_session(cluster)
    if session is not None:
        session.allot_seats(
            province,
            plan.seats_for(province),
            calendar=plan.calendar,
            override_reason=override_reason,
            actor=work.actor,
        )
    return work.recorded()


def _placed(work: UnitOfWork, province: str) -> tuple[Placement, Cluster]:
    """A province's placement and cluster; refused if it is in none."""
    work.programme.check_unit(province)
    placement = work.find_placement(province)
    if placement is None or placement.cluster is None:
        raise violation("province_in_cluster", f"province {province} is in no cluster")
    return placement, work.cluster(placement.cluster)


def move_province(
    work: UnitOfWork, province: str, to_cluster: int, reason: str, override_reason: str | None
) -> Recorded:
    """Both clusters, the placement and both sessions' seats change together."""
    placement, source = _placed(work, province)
    target = work.cluster(to_cluster)
    source.move_out(province, to_cluster=to_cluster, reason=reason, actor=work.actor)
    target.move_in(province, from_cluster=source.number, reason=reason, actor=work.actor)
    placement.move(to_cluster, reason=reason, actor=work.actor)
    old_session = work.find_session(source.number)
    if old_session is not None:
        old_session.release_seats(province, actor=work.actor)
    new_session = work.find_session(to_cluster)
    if new_session is not None:
        new_session.allot_seats(
            province,
            work.programme.seats_for(province),
            calendar=work.programme.calendar,
            override_reason=override_reason,
            actor=work.actor,
        )
    return work.recorded()


def withdraw_province(work: UnitOfWork, province: str, reason: str) -> Recorded:
    placement, source = _placed(work, province)
    source.withdraw_province(province, reason=reason, actor=work.actor)
    placement.withdraw(reason=reason, actor=work.actor)
    session = work.find_session(source.number)
    if session is not None:
        session.release_seats(province, actor=work.actor)
    return work.recorded()


def set_host(work: UnitOfWork, cluster: int, province: str, venue_name: str) -> Recorded:
    """Make a member province the host; a scheduled session moves to its venue."""
    work.cluster(cluster).set_host(province, actor=work.actor)
    session = work.find_session(cluster)
    if session is not None and session.venue.province != province:
        session.change_venue(Venue(province, venue_name), actor=work.actor)
    return work.recorded()


def assign_trainer_team(work: UnitOfWork, cluster: int, trainer_team: str) -> Recorded:
    work.cluster(cluster).assign_trainer_team(trainer_team, actor=work.actor)
    return work.recorded()
