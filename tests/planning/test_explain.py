"""Infeasible problems are explained by a small set of named rules, in words."""

from __future__ import annotations

import attrs
import pytest

from schedcore.errors import InfeasiblePlanError
from schedcore.planning import Pin, PlanStatus, SolveProgress, explain, scenario_2022, solve

from .helpers import days, line_units, problem


def test_halls_too_small_for_everyone_name_halls_and_cluster_count() -> None:
    p = problem(line_units([0, 1, 2, 3], demand=3, capacity=5), 2)
    assert solve(p).status is PlanStatus.INFEASIBLE
    error = explain(p)
    assert isinstance(error, InfeasiblePlanError)
    names = {c.name for c in error.conflicts}
    assert "cluster_count" in names
    assert any(name.startswith("hall_capacity") for name in names)
    assert error.exit_code == 3


def test_contradictory_pins_are_the_whole_explanation() -> None:
    p = problem(line_units([0, 1, 2]), 2, pins=[Pin(unit="a", host="b"), Pin(unit="b", host="a")])
    error = explain(p)
    assert [c.name for c in error.conflicts] == ["pin[1]", "pin[2]"]
    assert "goes to the hall of Unit B (b)" in error.conflicts[0].description


def test_a_blackout_against_a_pinned_day_in_a_single_cluster_names_all_three() -> None:
    units = line_units([0, 1])
    units[0] = attrs.evolve(units[0], blackout={days(2)[0]})
    p = problem(units, 1, days=days(2), pins=[Pin(unit="b", day=days(2)[0])])
    error = explain(p)
    # one cluster holds both units, so the count takes part in the conflict too
    assert {c.name for c in error.conflicts} == {"allowed_dates", "pin[1]", "cluster_count"}
    assert "2022-09-12" in str(error)


def test_the_2022_scenario_with_small_halls_says_how_many_seats_are_missing() -> None:
    error = explain(scenario_2022(capacity=1000, with_dates=False))
    text = str(error)
    assert "10,000 of the 10,599 delegates" in text


def test_an_explanation_is_raised_as_a_typed_error() -> None:
    with pytest.raises(InfeasiblePlanError):
        raise explain(problem(line_units([0, 1]), 2, min_size=2))


def test_a_dated_feasibility_check_numbers_its_reports_across_both_stages() -> None:
    # the allocation alone is checked first, then the whole problem: each finds a plan, and
    # the caller sees solutions 1 and 2, not 1 twice
    from schedcore.planning import diagnose

    p = problem(line_units([0, 1, 5, 6]), 2, days=days(3))
    reports: list[SolveProgress] = []
    found = diagnose(p, time_limit=20.0, progress=reports.append)
    assert found.status is PlanStatus.FEASIBLE
    assert [r.solutions for r in reports] == list(range(1, len(reports) + 1))
    assert len(reports) >= 2
