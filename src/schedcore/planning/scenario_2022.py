"""The built-in planning problem: the 63 provinces of 2022 in 10 clusters, 12-30 Sep 2022.

Demand and bridge points come from :func:`schedcore.reference.programme_2022` (one delegate and
one bridge point per commune: an estimate documented there).  Choices made here, all
overridable:

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

import math
from collections.abc import Iterable

from schedcore.errors import InvalidInputError
from schedcore.planning.problem import (
    DEFAULT_TRAVEL_DAY_KM,
    ObjectiveKind,
    Pin,
    Problem,
    TrainerTeam,
    Unit,
    Weights,
)
from schedcore.reference import programme_2022, vietnam_2022

__all__ = ["BRIDGE_MARGIN", "HALL_MARGIN", "default_capacity", "scenario_2022", "team_names"]

HALL_MARGIN = 1.2
BRIDGE_MARGIN = 1.5


def team_names(count: int) -> tuple[str, ...]:
    return tuple(f"T{k}" for k in range(1, count + 1))


def default_capacity(total: int, clusters: int, margin: float = HALL_MARGIN) -> int:
    """``ceil(margin x total / clusters)``, computed exactly for integer totals."""
    return math.ceil(round(margin * 1000) * total / (1000 * clusters))


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
    table = vietnam_2022()
    programme = programme_2022(table)
    p = programme.clusters if clusters is None else clusters
    if not 1 <= p <= len(table.codes):
        raise InvalidInputError(f"clusters must be between 1 and {len(table.codes)}, got {p}")
    hall = (
        capacity if capacity is not None else default_capacity(sum(programme.delegates.values()), p)
    )
    calendar = programme.calendar
    units = [
        Unit(
            code=province.code,
            name=province.name,
            demand=programme.delegates[province.code],
            capacity=hall,
            lat=province.lat,
            lon=province.lon,
            region=province.region,
            communes=programme.bridge_points[province.code],
            blackout=calendar.blackouts.get(province.code, frozenset()),
        )
        for province in table
    ]
    days = calendar.working_days() if with_dates else None
    bridge = None
    if with_dates:
        bridge = (
            bridge_capacity
            if bridge_capacity is not None
            else default_capacity(programme.total_bridge_points, p, BRIDGE_MARGIN)
        )
    return Problem(
        units=units,
        clusters=p,
        min_size=min_size,
        max_size=max_size,
        days=days,
        trainer_teams=[TrainerTeam(name) for name in team_names(trainer_teams)]
        if with_dates
        else [],
        bridge_capacity=bridge,
        travel_day_km=travel_day_km,
        pins=pins,
        weights=weights or Weights(),
        objective=objective,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        name=programme.name,
    )
