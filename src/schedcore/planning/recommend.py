"""Recommendations: where else one unit could go, against the plan in force, and at what cost.

"Where can Hà Giang go instead, and what does each option cost?"  Every (cluster, date,
trainer team) placement of the unit is tried on a copy of the plan: the unit joins the cluster
(leaving its own, whose best remaining member takes over as host if the unit hosted it), and
the cluster's session moves to the date and team (the same ones, or others).  Each candidate is
re-checked by :func:`schedcore.planning.validate` in full and costed by
:mod:`schedcore.planning.costs` from the changed plan alone, so an option announced is a
valid plan that costs exactly what it says.  No solver runs: the 2022 programme's 63 units
are answered in milliseconds (``benchmarks/bench_recommend.py``).

A rule is *strained* when the option leaves it less than :data:`STRAIN_MARGIN` of slack in a
cluster or day the option touches: a hall almost full, a day's bridge points near the cap, a
cluster at its maximum size, the unit's travel near the cap.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import attrs

from schedcore.domain.rule_names import (
    BRIDGE_CAPACITY,
    CLUSTER_SIZE,
    HALL_CAPACITY,
    MAX_TRAVEL_KM,
)
from schedcore.errors import Conflict, InvalidInputError
from schedcore.planning.costs import breakdown, effective_weights, objective_of
from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus
from schedcore.planning.problem import Problem
from schedcore.planning.validate import validate

__all__ = ["STRAIN_MARGIN", "Recommendation", "Recommendations", "Strain", "recommend"]

#: A rule with less slack than this share of its limit is reported as strained.
STRAIN_MARGIN = 0.1


@attrs.frozen
class Strain:
    """A hard rule the option brings close to its limit: its name and the figures."""

    rule: str
    detail: str


@attrs.frozen
class Recommendation:
    """One placement of the unit: the cluster it joins (its number in the plan in force), that
    cluster's host, date and team afterwards, the changed plan, its cost and its change."""

    unit: str
    cluster: int
    host: str
    date: datetime.date | None
    trainer_team: str | None
    objective: int
    delta: int
    strains: tuple[Strain, ...]
    changes: tuple[str, ...]
    plan: Plan

    def to_json(self) -> dict[str, object]:
        """The option as the ``recommend --json`` document lists it."""
        return {
            "unit": self.unit,
            "cluster": self.cluster,
            "host": self.host,
            "date": self.date.isoformat() if self.date else None,
            "trainer_team": self.trainer_team,
            "objective": self.objective,
            "delta": self.delta,
            "strains": [{"rule": s.rule, "detail": s.detail} for s in self.strains],
            "changes": list(self.changes),
        }


@attrs.frozen
class Recommendations:
    """The best options for one unit, cheapest first, and what they were compared with.

    ``current_objective`` is the plan in force's cost under the problem; ``violations`` the
    hard rules it breaks (a plan in force may break some after a change: then only options
    that mend every one of them are offered); ``considered`` the placements tried.
    """

    unit: str
    current_cluster: int | None
    current_objective: int
    violations: tuple[Conflict, ...]
    options: tuple[Recommendation, ...]
    considered: int

    def to_json(self) -> dict[str, object]:
        """The ``recommend --json`` document."""
        return {
            "unit": self.unit,
            "current_cluster": self.current_cluster,
            "current_objective": self.current_objective,
            "violations": [{"rule": c.name, "detail": c.description} for c in self.violations],
            "considered": self.considered,
            "options": [option.to_json() for option in self.options],
        }


def recommend(problem: Problem, plan: Plan, unit: str, *, top: int = 5) -> Recommendations:
    """The ``top`` cheapest valid placements of ``unit`` other than its own, against ``plan``:
    one per cluster (the cheapest date and team for it, the least change among equals), so the
    options are different clusters; its own cluster appears with another date or team.

    Raises :class:`~schedcore.errors.InvalidInputError` for an unknown unit, a ``top`` below 1,
    or a plan that names units the problem does not have.
    """
    if top < 1:
        raise InvalidInputError(f"top must be at least 1, got {top}")
    problem.unit(unit)  # an unknown code is refused here
    known = set(problem.codes)
    strangers = sorted({c for cluster in plan.clusters for c in cluster.members} - known)
    if strangers:
        raise InvalidInputError(f"the plan names units the problem lacks: {strangers}")
    base = Plan(status=PlanStatus.FEASIBLE, clusters=plan.clusters, unplaced=plan.unplaced)
    weights = effective_weights(problem)  # once: automatic weights scan every pair
    current = objective_of(problem, breakdown(problem, base), weights=weights)
    own = next((c for c in plan.clusters if unit in c.members), None)
    options: list[Recommendation] = []
    considered = 0
    for candidate, target in _candidates(problem, base, unit, own):
        considered += 1
        if validate(problem, candidate):
            continue
        cost = objective_of(problem, breakdown(problem, candidate), weights=weights)
        joined = next(c for c in candidate.clusters if c.id == target)
        options.append(
            Recommendation(
                unit=unit,
                cluster=target,
                host=joined.host,
                date=joined.date,
                trainer_team=joined.trainer_team,
                objective=cost,
                delta=cost - current,
                strains=_strains(problem, base, candidate, unit, target),
                changes=_changes(base, candidate, unit),
                plan=candidate,
            )
        )
    # the cheapest option per cluster (ties: the one that changes least), cheapest first
    options.sort(
        key=lambda o: (o.objective, _disturbance(base, o.plan), o.date or datetime.date.min)
    )
    best: dict[int, Recommendation] = {}
    for option in options:
        best.setdefault(option.cluster, option)
    ranked = sorted(best.values(), key=lambda o: (o.objective, _disturbance(base, o.plan)))
    return Recommendations(
        unit=unit,
        current_cluster=None if own is None else own.id,
        current_objective=current,
        violations=validate(problem, base),
        options=tuple(ranked[:top]),
        considered=considered,
    )


def _candidates(
    problem: Problem, plan: Plan, unit: str, own: PlannedCluster | None
) -> Iterator[tuple[Plan, int]]:
    """Each changed plan (and the number of the cluster the unit joins), the unit's own
    placement excepted.  Cheap local checks (hall, size, travel cap, blackouts of the joined
    cluster) skip most hopeless candidates before the full validation."""
    days: list[datetime.date | None] = list(problem.days) if problem.days is not None else [None]
    teams: list[str | None] = [t.name for t in problem.trainer_teams] or [None]
    demand = {u.code: u.demand for u in problem.units}
    unplaced = tuple(u for u in plan.unplaced if u.unit != unit)
    for target in plan.clusters:
        joining = own is None or target.id != own.id
        members = (*target.members, unit) if joining else target.members
        hall = problem.unit(target.host).capacity or 0
        if sum(demand[m] for m in members) > hall:
            continue
        if problem.max_size is not None and len(members) > problem.max_size:
            continue
        if not problem.may_serve(problem.position(unit), problem.position(target.host)):
            continue
        for left in _left_behind(problem, own, unit) if joining else [None]:
            for day in days:
                if day is not None and any(day in problem.unit(m).blackout for m in members):
                    continue
                for team in teams:
                    if not joining and (day, team) == (target.date, target.trainer_team):
                        continue  # where the unit already is
                    clusters = []
                    for cluster in plan.clusters:
                        if cluster.id == target.id:
                            cluster = attrs.evolve(
                                cluster, members=members, date=day, trainer_team=team
                            )
                        elif own is not None and cluster.id == own.id:
                            if left is None:
                                continue  # its last member left: caught by the validator
                            cluster = left
                        clusters.append(cluster)
                    changed = Plan(
                        status=PlanStatus.FEASIBLE, clusters=tuple(clusters), unplaced=unplaced
                    )
                    yield changed, target.id


def _left_behind(
    problem: Problem, own: PlannedCluster | None, unit: str
) -> list[PlannedCluster | None]:
    """The unit's own cluster without it: as it is, or, when the unit hosted it, with each
    remaining member that can host as its host (``None``: the cluster would be empty)."""
    if own is None:
        return [None]
    rest = tuple(m for m in own.members if m != unit)
    if not rest:
        return [None]
    if own.host != unit:
        return [attrs.evolve(own, members=rest)]
    return [
        attrs.evolve(own, host=host, members=rest) for host in rest if problem.unit(host).can_host
    ]


def _strains(
    problem: Problem, before: Plan, plan: Plan, unit: str, target: int
) -> tuple[Strain, ...]:
    """Rules near their limit where the option adds load: the hall, size and travel of the
    cluster the unit joins, the bridge points of a day that gains some."""
    found: list[Strain] = []
    joined = next(c for c in plan.clusters if c.id == target)
    moved_in = unit not in next(c for c in before.clusters if c.id == target).members
    hall = problem.unit(joined.host).capacity or 0
    seated = sum(problem.unit(m).demand for m in joined.members)
    if moved_in and hall and hall - seated < STRAIN_MARGIN * hall:
        found.append(Strain(HALL_CAPACITY, f"cluster {target}: {seated:,} of {hall:,} seats taken"))
    if moved_in and problem.max_size is not None and len(joined.members) == problem.max_size:
        found.append(
            Strain(CLUSTER_SIZE, f"cluster {target}: {len(joined.members)} units, the maximum")
        )
    cap = problem.max_travel_km
    if moved_in and cap is not None:
        km = problem.distance(unit, joined.host)
        if cap - km < STRAIN_MARGIN * cap:
            found.append(Strain(MAX_TRAVEL_KM, f"{unit} travels {km:,} of at most {cap:,}"))
    if problem.bridge_capacity and joined.date is not None:
        load = _bridges(problem, plan, joined.date)
        limit = problem.bridge_capacity
        if load > _bridges(problem, before, joined.date) and limit - load < STRAIN_MARGIN * limit:
            found.append(
                Strain(
                    BRIDGE_CAPACITY,
                    f"{joined.date.isoformat()}: {load:,} of {limit:,} bridge points",
                )
            )
    return tuple(found)


def _bridges(problem: Problem, plan: Plan, day: datetime.date) -> int:
    return sum(problem.unit(m).communes for c in plan.clusters if c.date == day for m in c.members)


def _changes(before: Plan, after: Plan, unit: str) -> tuple[str, ...]:
    """What the option changes, one sentence per cluster touched."""
    old = {c.id: c for c in before.clusters}
    lines = []
    for cluster in after.clusters:
        was = old[cluster.id]
        if cluster == was:
            continue
        parts = []
        if unit in cluster.members and unit not in was.members:
            parts.append(f"{unit} joins")
        if unit in was.members and unit not in cluster.members:
            parts.append(f"{unit} leaves")
        if cluster.host != was.host:
            parts.append(f"host {was.host} -> {cluster.host}")
        if cluster.date != was.date:
            parts.append(f"date {_day(was.date)} -> {_day(cluster.date)}")
        if cluster.trainer_team != was.trainer_team:
            parts.append(f"team {was.trainer_team or '-'} -> {cluster.trainer_team or '-'}")
        lines.append(f"cluster {cluster.id}: " + ", ".join(parts))
    return tuple(lines)


def _disturbance(before: Plan, after: Plan) -> int:
    """Hosts, dates and teams changed, and units moved: to prefer the least change among equals."""
    old = {c.id: c for c in before.clusters}
    total = 0
    for cluster in after.clusters:
        was = old[cluster.id]
        total += (cluster.host != was.host) + (cluster.date != was.date)
        total += (cluster.trainer_team != was.trainer_team) + len(
            set(cluster.members) ^ set(was.members)
        )
    return total


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day is not None else "-"
