"""A programme file as a planning problem, with the options a planner may override.

The same function plans the built-in 2022 programme and a user's own: halls default to
``hall_margin`` x the average cluster load (``ceil``, exact for whole numbers), the daily bridge
cap to ``bridge_margin`` x the average cluster's bridge points, the window and holidays to the
file's calendar.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from schedcore.errors import InvalidInputError
from schedcore.planning.problem import ObjectiveKind, Pin, Problem, TrainerTeam, Weights
from schedcore.programmes.file import ProgrammeFile

__all__ = ["default_capacity", "problem_for", "team_names"]


def team_names(count: int) -> tuple[str, ...]:
    """``T1``, ``T2``...: the trainer teams' names."""
    return tuple(f"T{k}" for k in range(1, count + 1))


def default_capacity(total: int, clusters: int, margin: float) -> int:
    """``ceil(margin x total / clusters)``, computed exactly for whole totals."""
    return math.ceil(round(margin * 1000) * total / (1000 * clusters))


def problem_for(
    programme: ProgrammeFile,
    *,
    clusters: int | None = None,
    capacity: int | None = None,
    with_dates: bool = True,
    start: date | None = None,
    end: date | None = None,
    trainer_teams: int | None = None,
    bridge_capacity: int | None = None,
    travel_day_km: int | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    objective: ObjectiveKind | str | None = None,
    weights: Weights | Mapping[str, int] | None = None,
    max_travel_km: int | None = None,
    place_what_fits: bool | None = None,
    pins: Iterable[Pin] = (),
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
) -> Problem:
    """The planning problem ``programme`` describes; every keyword overrides the file.

    ``weights`` as a mapping overrides the file's ``[plan.weights]`` term by term (what
    ``--weight NAME=W`` does); a :class:`Weights` replaces them all.
    """
    units = programme.units
    p = programme.clusters if clusters is None else clusters
    if not 1 <= p <= len(units):
        raise InvalidInputError(f"clusters must be between 1 and {len(units)} (the units), got {p}")
    total = sum(unit.demand for unit in units)
    if total == 0:
        raise InvalidInputError(
            f"{units.source}: no unit sends delegates (a 'delegates' column with counts is "
            "needed to plan)"
        )
    hall = capacity if capacity is not None else programme.hall_seats
    if hall is None:
        hall = default_capacity(total, p, programme.hall_margin)
    # --capacity sets every hall; otherwise a row's own seats stand, and the other halls follow
    # the file's hall_seats or hall_margin.
    planned = [
        attrs.evolve(unit, capacity=hall)
        if unit.can_host and (capacity is not None or unit.code in programme.open_halls)
        else unit
        for unit in units
    ]
    calendar = programme.calendar
    if start is not None or end is not None:
        first = start or calendar.start
        last = end or (calendar.end if start is None else max(first, calendar.end))
        if last < first:
            raise InvalidInputError(f"the window ends ({last}) before it starts ({first})")
        calendar = attrs.evolve(calendar, start=first, end=last)
    days = calendar.working_days() if with_dates else None
    if days is not None and not days:
        raise InvalidInputError(
            f"no working day between {calendar.start} and {calendar.end} (weekends and "
            "holidays excluded)"
        )
    bridges = sum(unit.communes for unit in units)
    bridge = None
    if with_dates and bridges:
        bridge = (
            bridge_capacity
            if bridge_capacity is not None
            else (
                programme.daily_bridge_capacity
                if programme.daily_bridge_capacity is not None
                else default_capacity(bridges, p, programme.bridge_margin)
            )
        )
    teams = programme.trainer_teams if trainer_teams is None else trainer_teams
    return Problem(
        units=planned,
        clusters=p,
        min_size=programme.min_size if min_size is None else min_size,
        max_size=programme.max_size if max_size is None else max_size,
        days=days,
        trainer_teams=[TrainerTeam(name) for name in team_names(teams)] if with_dates else [],
        bridge_capacity=bridge,
        travel_day_km=programme.travel_day_km if travel_day_km is None else travel_day_km,
        pins=pins,
        weights=weights
        if isinstance(weights, Weights)
        else Weights(**{**programme.weights, **(weights or {})}),
        max_travel_km=programme.max_travel_km if max_travel_km is None else max_travel_km,
        place_what_fits=programme.place_what_fits if place_what_fits is None else place_what_fits,
        objective=ObjectiveKind(objective or programme.objective),
        distances=programme.distances,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        name=programme.name,
    )
