"""What a solve returns: the clusters, how good they are, and how sure the solver is.

:class:`PlannedCluster` is the contract the event-sourced core's ``apply_plan`` takes; the rest
of :class:`Plan` is the report a planner reads (status, objective, bound, gap, the cost of each
named objective term, each cluster's load against its hall).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from schedcore.planning.problem import Problem

__all__ = ["ClusterLoad", "Plan", "PlanStatus", "PlannedCluster", "Unplaced", "cluster_loads"]


class PlanStatus(enum.StrEnum):
    """How far the solver got.

    ``OPTIMAL`` is claimed only when the solver proved that no plan of the *whole* problem (all
    hard constraints, the full objective) is better.
    """

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


def _members(members: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(members))


@attrs.frozen
class PlannedCluster:
    """One cluster: its host (a member), its members (sorted codes), date and trainer team."""

    id: int
    host: str
    members: tuple[str, ...] = attrs.field(converter=_members)
    date: datetime.date | None = None
    trainer_team: str | None = None


@attrs.frozen
class ClusterLoad:
    """Delegates and bridge points a cluster brings, against its host's hall."""

    cluster: int
    host: str
    delegates: int
    capacity: int | None
    bridge_points: int

    @property
    def utilisation(self) -> float | None:
        """Delegates over hall seats, or ``None`` when the hall's capacity is unknown or zero."""
        if not self.capacity:
            return None
        return self.delegates / self.capacity


@attrs.frozen
class Unplaced:
    """A unit a plan of what fits leaves out, and why it does not fit the plan as it stands.

    ``delegates`` need seats; ``free_seats`` are the most seats free in any one cluster of the
    plan.  ``rules`` name the hard constraints that keep the unit out of every cluster (each
    cluster is blocked by at least one of them; see ``docs/concepts/planning-model.md``);
    ``reason`` says it in a sentence.
    """

    unit: str
    delegates: int
    free_seats: int
    rules: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The left-out unit as ``plan --json`` lists it under ``unplaced``."""
        return {
            "unit": self.unit,
            "delegates": self.delegates,
            "free_seats": self.free_seats,
            "rules": list(self.rules),
            "reason": self.reason,
        }


@attrs.frozen
class Plan:
    """The result of a solve.

    ``objective`` and ``bound`` are in the objective's units (person-km by default, plus the
    weighted trainer km); ``gap`` is ``(objective - bound) / objective`` (0 when proven).
    ``breakdown`` maps each named objective term to its *unweighted* value, e.g.
    ``{"delegate_travel": 1234567, "trainer_travel": 2345}``.
    ``unplaced`` lists the units a plan of what fits leaves out (always empty by default).
    ``proven_by`` says, for an ``OPTIMAL`` plan, which solver or argument proved it and up to
    what tolerance.
    """

    status: PlanStatus
    clusters: tuple[PlannedCluster, ...] = ()
    objective: int | None = None
    bound: int | None = None
    wall_seconds: float = 0.0
    breakdown: Mapping[str, int] = attrs.field(factory=dict)
    loads: tuple[ClusterLoad, ...] = ()
    notes: tuple[str, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    proven_by: str | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap between the objective and the proven bound (0.0: proven optimal); ``None``
        without both.
        """
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0 if self.bound >= 0 else None
        return max(0.0, (self.objective - self.bound) / abs(self.objective))

    @property
    def has_solution(self) -> bool:
        """Whether the plan has clusters: its status is ``OPTIMAL`` or ``FEASIBLE``."""
        return self.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)

    def cluster_of(self, code: str) -> PlannedCluster:
        """The cluster whose members include unit ``code``; raises ``KeyError`` when no cluster
        has it."""
        for cluster in self.clusters:
            if code in cluster.members:
                return cluster
        raise KeyError(code)

    def host_of(self) -> dict[str, str]:
        """Each unit's host."""
        return {code: c.host for c in self.clusters for code in c.members}

    def to_json(self, problem: Problem | None = None) -> dict[str, Any]:
        """The ``plan --json`` document (see ``docs/reference/plan.schema.json``)."""
        document: dict[str, Any] = {
            "status": self.status.value,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "wall_seconds": round(self.wall_seconds, 3),
            "breakdown": dict(self.breakdown),
            "clusters": [
                {
                    "id": c.id,
                    "host": c.host,
                    "members": list(c.members),
                    "date": c.date.isoformat() if c.date else None,
                    "trainer_team": c.trainer_team,
                }
                for c in self.clusters
            ],
            "loads": [
                {
                    "cluster": load.cluster,
                    "host": load.host,
                    "delegates": load.delegates,
                    "capacity": load.capacity,
                    "bridge_points": load.bridge_points,
                }
                for load in self.loads
            ],
            "notes": list(self.notes),
            "unplaced": [u.to_json() for u in self.unplaced],
            "proven_by": self.proven_by,
        }
        if problem is not None:
            document["problem"] = problem_to_json(problem)
        return document


def cluster_loads(
    problem: Problem, clusters: tuple[PlannedCluster, ...]
) -> tuple[ClusterLoad, ...]:
    loads = []
    for cluster in clusters:
        members = [problem.unit(code) for code in cluster.members]
        loads.append(
            ClusterLoad(
                cluster=cluster.id,
                host=cluster.host,
                delegates=sum(u.demand for u in members),
                capacity=problem.unit(cluster.host).capacity,
                bridge_points=sum(u.communes for u in members),
            )
        )
    return tuple(loads)


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """Enough of the problem for anyone to re-check a plan without schedcore's data."""
    return {
        "name": problem.name,
        "clusters": problem.clusters,
        "min_size": problem.min_size,
        "max_size": problem.max_size,
        "objective": problem.objective.value,
        "weights": problem.weights.to_json(),
        "max_travel_km": problem.max_travel_km,
        "place_what_fits": problem.place_what_fits,
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "demand": u.demand,
                "capacity": u.capacity,
                "region": u.region,
                "communes": u.communes,
                "blackout": sorted(day.isoformat() for day in u.blackout),
                "lat": u.lat,
                "lon": u.lon,
                "x": u.x,
                "y": u.y,
                "aliases": list(u.aliases),
            }
            for u in problem.units
        ],
        "working_days": None if problem.days is None else [day.isoformat() for day in problem.days],
        "trainer_teams": [team.name for team in problem.trainer_teams],
        "bridge_capacity": problem.bridge_capacity,
        "travel_day_km": problem.travel_day_km,
        "pins": [str(pin) for pin in problem.pins],
        "distances": [list(row) for row in problem.km],
    }
