"""hypothesis strategies shared by the test suite."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from schedcore.planning.problem import Problem, TrainerTeam, Unit, Weights

__all__ = ["tiny_planning_problems"]

MONDAY = date(2022, 9, 12)


@st.composite
def tiny_planning_problems(draw: st.DrawFn, *, max_units: int = 5) -> Problem:
    """Problems small enough to solve by exhaustive search: a few units on a 10 x 10 grid.

    Halls, sizes, blackouts, days, teams, bridge capacity and the travel-day rule are all drawn
    so that every hard constraint sometimes binds and some problems are infeasible.
    """
    n = draw(st.integers(2, max_units))
    clusters = draw(st.integers(1, min(2, n)))
    with_dates = draw(st.sampled_from([False, True, True]))
    days = [MONDAY + timedelta(days=k) for k in range(draw(st.integers(1, 3)))]
    units = []
    for k in range(n):
        can_host = draw(st.sampled_from([True, True, True, False])) or k == 0
        blackout = (
            draw(st.frozensets(st.sampled_from(days), max_size=1))
            if with_dates and len(days) > 1
            else frozenset()
        )
        units.append(
            Unit(
                code=f"u{k}",
                name=f"Unit {k}",
                demand=draw(st.integers(0, 4)),
                capacity=draw(st.integers(6, 20)) if can_host else None,
                x=draw(st.integers(0, 10)),
                y=draw(st.integers(0, 10)),
                communes=draw(st.integers(0, 3)),
                blackout=blackout,
            )
        )
    max_size = draw(st.one_of(st.none(), st.none(), st.integers(2, n)))
    min_size = draw(st.sampled_from([1, 1, 2]))
    if max_size is not None and max_size < min_size:
        max_size = min_size
    teams = draw(st.integers(0, 2)) if with_dates else 0
    return Problem(
        units=units,
        clusters=clusters,
        min_size=min_size,
        max_size=max_size,
        days=days if with_dates else None,
        trainer_teams=[TrainerTeam(f"T{k + 1}") for k in range(teams)],
        bridge_capacity=draw(st.one_of(st.none(), st.integers(4, 9))) if with_dates else None,
        travel_day_km=draw(st.one_of(st.none(), st.integers(3, 8))),
        weights=Weights(delegate_travel=1, trainer_travel=draw(st.sampled_from([0, 1, 3]))),
        time_limit=20.0,
        workers=draw(st.sampled_from([1, 1, 2])),
        seed=0,
    )
