"""Random tiny problems: every plan validates, and the solver agrees with exhaustive search."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from schedcore.planning import PlanStatus, Problem, solve, validate
from tests.strategies import tiny_planning_problems

from .brute_force import cost, optimum

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@SETTINGS
@given(tiny_planning_problems())
def test_every_returned_plan_meets_every_hard_constraint(problem: Problem) -> None:
    plan = solve(problem)
    if plan.has_solution:
        assert validate(problem, plan) == ()
        assert plan.objective == cost(problem, plan)


@SETTINGS
@given(tiny_planning_problems(max_units=4))
def test_infeasible_and_optimal_agree_with_exhaustive_search(problem: Problem) -> None:
    plan = solve(problem)
    best = optimum(problem)
    assert plan.status in (PlanStatus.OPTIMAL, PlanStatus.INFEASIBLE)
    if best is None:
        assert plan.status is PlanStatus.INFEASIBLE
    else:
        assert plan.status is PlanStatus.OPTIMAL
        assert plan.objective == best
