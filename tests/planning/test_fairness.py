"""Fairness: the travel cap holds in every plan; longest travel and team loads are minimised."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.planning import PlanStatus, Problem, Weights, explain, solve, validate
from schedcore.planning.costs import breakdown, longest_travel, objective_of
from tests.strategies import tiny_planning_problems

from .brute_force import every_plan
from .helpers import days, line_units, problem, teams

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@st.composite
def fair_problems(draw: st.DrawFn, *, max_units: int = 5) -> Problem:
    """Tiny problems with a travel cap and fairness weights drawn too."""
    tiny = draw(tiny_planning_problems(max_units=max_units))
    weights = Weights(
        delegate_travel=draw(st.integers(0, 2)),
        trainer_travel=tiny.weights.trainer_travel,
        longest_travel=draw(st.sampled_from([0, 0, 1, 5])),
        team_load_spread=draw(st.sampled_from([0, 0, 3])),
    )
    return tiny.with_changes(
        max_travel_km=draw(st.one_of(st.none(), st.integers(0, 10))), weights=weights
    )


@SETTINGS
@given(fair_problems())
def test_the_travel_cap_holds_in_every_plan_returned(p: Problem) -> None:
    plan = solve(p)
    if plan.has_solution:
        assert validate(p, plan) == ()
        if p.max_travel_km is not None:
            assert longest_travel(p, plan) <= p.max_travel_km
        assert plan.objective == objective_of(p, breakdown(p, plan))


@SETTINGS
@given(fair_problems(max_units=4))
def test_fair_optima_agree_with_exhaustive_search(p: Problem) -> None:
    plan = solve(p)
    plans = every_plan(p)  # the validator's verdict: the cap included
    best = min((objective_of(p, breakdown(p, q)) for q in plans), default=None)
    if best is None:
        assert plan.status is PlanStatus.INFEASIBLE
    else:
        assert plan.status is PlanStatus.OPTIMAL
        assert plan.objective == best


def test_a_weight_on_the_longest_travel_makes_the_far_unit_travel_less() -> None:
    # a at 0, b..d near 10, e at 20; person-km prefers hosts a and c, leaving e 10 away...
    units = line_units([0, 9, 10, 11, 24])
    plain = solve(problem(units, 2))
    fair = solve(problem(units, 2, weights=Weights(longest_travel=100)))
    assert longest_travel(problem(units, 2), fair) < longest_travel(problem(units, 2), plain)
    assert fair.breakdown["delegate_travel"] >= plain.breakdown["delegate_travel"]


def test_even_team_loads_when_the_spread_has_a_weight() -> None:
    units = line_units([0, 1, 2, 3])
    p = problem(units, 4, days=days(4), trainer_teams=teams(2), travel_day_km=None)
    spread = solve(p.with_changes(weights=Weights(team_load_spread=10)))
    sessions = [c.trainer_team for c in spread.clusters]
    assert sorted(sessions) == ["T1", "T1", "T2", "T2"]
    assert spread.breakdown["team_load_spread"] == 0


def test_the_validator_and_explain_name_the_travel_cap() -> None:
    capped = problem(line_units([0, 1, 50]), 1, max_travel_km=10)
    plan = solve(problem(line_units([0, 1, 50]), 1))
    assert "max_travel_km" in [c.name for c in validate(capped, plan)]
    assert solve(capped).status is PlanStatus.INFEASIBLE
    assert "max_travel_km" in {c.name for c in explain(capped).conflicts}
