"""The built-in planning problem: the 63 provinces of 2022 in 10 clusters, 12-30 Sep 2022.

The problem the built-in programme file (``schedcore/programmes/data/vietnam_2022``) describes;
its choices, all overridable:

- hall capacity: ``ceil(1.2 x average cluster load)`` = 1,272 seats for every province: a
  20 % margin over a perfectly even split, so capacity binds without making the plan
  infeasible;
- daily bridge capacity: ``ceil(1.5 x average cluster bridge points)`` = 1,590 connections:
  one session a day always fits (no cluster can exceed its 1,272-seat hall, and a cluster has as
  many bridge points as delegates), two large sessions on one day do not, so the cap binds a
  little and the plan stays feasible;
- 15 working days (Monday to Friday, 12-30 Sep 2022), 2 trainer teams (``T1``, ``T2``), and a
  free working day before a hop over 300 km.
"""

from __future__ import annotations

from collections.abc import Iterable

from schedcore.planning.problem import (
    DEFAULT_TRAVEL_DAY_KM,
    ObjectiveKind,
    Pin,
    Problem,
    Weights,
)
from schedcore.programmes.builtin import builtin_programme
from schedcore.programmes.problem import default_capacity, problem_for, team_names

__all__ = ["BRIDGE_MARGIN", "HALL_MARGIN", "default_capacity", "scenario_2022", "team_names"]

HALL_MARGIN = 1.2
BRIDGE_MARGIN = 1.5


def scenario_2022(
    *,
    clusters: int | None = None,
    capacity: int | None = None,
    with_dates: bool = True,
    trainer_teams: int = 2,
    bridge_capacity: int | None = None,
    travel_day_km: int | None = DEFAULT_TRAVEL_DAY_KM,
    min_size: int = 1,
    max_size: int | None = None,
    objective: ObjectiveKind = ObjectiveKind.PERSON_KM,
    weights: Weights | None = None,
    pins: Iterable[Pin] = (),
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
) -> Problem:
    """The 2022 programme as a :class:`Problem` (see the module docstring for the defaults)."""
    problem = problem_for(
        builtin_programme(),
        clusters=clusters,
        capacity=capacity,
        with_dates=with_dates,
        trainer_teams=trainer_teams,
        bridge_capacity=bridge_capacity,
        min_size=min_size,
        max_size=max_size,
        objective=objective,
        weights=weights,
        pins=pins,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
    )
    if travel_day_km != problem.travel_day_km:
        import attrs

        problem = attrs.evolve(problem, travel_day_km=travel_day_km)
    return problem
