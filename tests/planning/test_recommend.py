"""Recommendations: every option, applied, is a valid plan that costs what was announced."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from schedcore.errors import InvalidInputError
from schedcore.planning import Plan, Problem, recommend, solve, validate
from schedcore.planning.costs import breakdown, objective_of
from tests.strategies import tiny_planning_problems


def check_options(problem: Problem, plan: Plan, unit: str, *, top: int = 5) -> int:
    found = recommend(problem, plan, unit, top=top)
    current = objective_of(problem, breakdown(problem, plan))
    assert found.current_objective == current
    assert len(found.options) <= top
    assert len({o.cluster for o in found.options}) == len(found.options)  # one per cluster
    for option in found.options:
        assert validate(problem, option.plan) == ()
        cost = objective_of(problem, breakdown(problem, option.plan))
        assert cost == option.objective == current + option.delta
        joined = next(c for c in option.plan.clusters if c.id == option.cluster)
        assert unit in joined.members
        assert (joined.host, joined.date, joined.trainer_team) == (
            option.host,
            option.date,
            option.trainer_team,
        )
        assert option.plan.clusters != plan.clusters
    costs = [o.objective for o in found.options]
    assert costs == sorted(costs)
    return len(found.options)


def test_every_option_for_every_unit_of_2022_validates_and_costs_what_it_says(
    plan_2022: tuple[Problem, Plan],
) -> None:
    problem, plan = plan_2022
    offered = sum(check_options(problem, plan, code) for code in problem.codes)
    assert offered >= len(problem.codes)  # every province has somewhere else to go


def test_a_blackout_on_the_session_day_is_mended_by_every_option(
    plan_2022: tuple[Problem, Plan],
) -> None:
    problem, plan = plan_2022
    cluster = plan.cluster_of("02")
    unit = attrs.evolve(problem.unit("02"), blackout={cluster.date})
    changed = problem.with_changes(units=[unit if u.code == "02" else u for u in problem.units])
    found = recommend(changed, plan, "02")
    assert [c.name for c in found.violations] == ["allowed_dates"]
    assert found.options
    assert check_options(changed, plan, "02") == len(found.options)
    assert all(o.date != cluster.date or o.cluster != cluster.id for o in found.options)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)  # fmt: skip
@given(tiny_planning_problems(max_units=5))
def test_options_on_tiny_problems_validate_and_cost_what_they_say(problem: Problem) -> None:
    plan = solve(problem)
    if not plan.has_solution:
        return
    for code in problem.codes:
        check_options(problem, plan, code, top=3)


def test_wrong_requests_are_refused(plan_2022: tuple[Problem, Plan]) -> None:
    problem, plan = plan_2022
    with pytest.raises(InvalidInputError, match="unknown unit"):
        recommend(problem, plan, "99")
    with pytest.raises(InvalidInputError, match="top"):
        recommend(problem, plan, "02", top=0)
