"""Placing what fits: the most delegates placed, checked by exhaustive search over subsets."""

from __future__ import annotations

import itertools

import attrs
from hypothesis import HealthCheck, given, settings

from schedcore.planning import PlanStatus, Problem, Weights, replan, solve, validate
from schedcore.planning.costs import breakdown, objective_of
from tests.strategies import tiny_planning_problems

from .brute_force import cost, every_plan
from .helpers import days, line_units, problem, teams


def best_subset(problem: Problem) -> tuple[int, int, int] | None:
    """(delegates placed, units placed, -travel) of the best plan of any subset of the units,
    found by trying every subset with the exhaustive search of the strict problem."""
    best = None
    for size in range(problem.clusters, problem.size + 1):
        for subset in itertools.combinations(problem.units, size):
            strict = problem.with_changes(units=subset, place_what_fits=False, distances=None)
            plans = every_plan(strict)
            if not plans:
                continue
            travel = min(cost(strict, plan) for plan in plans)
            key = (sum(u.demand for u in subset), size, -travel)
            best = key if best is None or key > best else best
    return best


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(tiny_planning_problems(max_units=4))
def test_the_plan_places_the_most_delegates_that_fit(tiny: Problem) -> None:
    fitting = tiny.with_changes(place_what_fits=True)
    plan = solve(fitting)
    best = best_subset(fitting)
    if best is None:
        assert plan.status is PlanStatus.INFEASIBLE
        return
    assert plan.status is PlanStatus.OPTIMAL
    assert validate(fitting, plan) == ()
    placed = [code for c in plan.clusters for code in c.members]
    delegates = sum(fitting.unit(code).demand for code in placed)
    assert (delegates, len(placed), -cost(fitting, plan)) == best
    assert plan.objective == objective_of(fitting, breakdown(fitting, plan))
    assert {u.unit for u in plan.unplaced} == set(fitting.codes) - set(placed)


def test_halls_too_small_leave_the_fewest_delegates_out_and_say_why() -> None:
    units = line_units([0, 1, 2, 10], demand=3, capacity=5)
    units[3] = attrs.evolve(units[3], demand=1)
    strict = problem(units, 2)
    assert solve(strict).status is PlanStatus.INFEASIBLE  # the default stays strict
    plan = solve(strict.with_changes(place_what_fits=True))
    assert plan.status is PlanStatus.OPTIMAL
    # 10 delegates, 2 halls of 5: the best is 3 + 1 in one hall (d hosts) and 3 in another
    assert plan.breakdown["unplaced_delegates"] == 3
    (left,) = plan.unplaced
    assert left.delegates == 3
    assert left.rules == ("hall_capacity",)
    assert left.free_seats == 2
    assert "1 short" in left.reason


def test_a_unit_away_on_every_day_is_left_out_for_its_dates() -> None:
    units = line_units([0, 1, 2])
    units[1] = attrs.evolve(units[1], blackout=set(days(2)))
    p = problem(units, 1, days=days(2), trainer_teams=teams(1), place_what_fits=True)
    plan = solve(p)
    assert plan.status is PlanStatus.OPTIMAL
    assert [u.unit for u in plan.unplaced] == ["b"]
    assert plan.unplaced[0].rules == ("allowed_dates",)
    assert validate(p, plan) == ()


def test_given_weights_trade_a_left_out_unit_against_travel() -> None:
    # c is 100 away: at 1 per delegate, leaving it out (cost 1 + 1) beats its 100 km
    units = line_units([0, 1, 100])
    cheap = Weights(unplaced_delegate=1, unplaced_unit=1)
    plan = solve(problem(units, 1, place_what_fits=True, weights=cheap))
    assert [u.unit for u in plan.unplaced] == ["c"]
    assert plan.unplaced[0].rules == ()  # it fits: left out for its cost
    assert plan.objective == 1 + 1 + 1  # b's km, c's delegate and unit
    everything = solve(problem(units, 1, place_what_fits=True))
    assert everything.unplaced == ()


def test_the_validator_refuses_a_left_out_unit_in_a_strict_plan() -> None:
    p = problem(line_units([0, 1, 2]), 1)
    plan = solve(p.with_changes(place_what_fits=True))
    assert validate(p.with_changes(place_what_fits=True), plan) == ()
    dropped = attrs.evolve(plan, clusters=(attrs.evolve(plan.clusters[0], members=("a", "b")),))
    assert [c.name for c in validate(p, dropped)] == ["one_cluster_per_unit"]


def test_re_planning_a_plan_of_what_fits_keeps_it_valid_and_places_as_many() -> None:
    units = line_units([0, 1, 2, 10, 11], demand=3, capacity=7)
    p = problem(units, 2, place_what_fits=True, days=days(2), trainer_teams=teams(2))
    plan = solve(p)
    assert [u.unit for u in plan.unplaced] == ["a"]  # 15 delegates, two halls of 7
    first = plan.clusters[0]
    away = first.members[0]
    changed = p.with_changes(
        units=[attrs.evolve(u, blackout={first.date}) if u.code == away else u for u in units]
    )
    new = replan(changed, plan)
    assert validate(changed, new) == ()
    assert new.breakdown["unplaced_delegates"] == 3  # still only one unit left out
    assert new.breakdown["units_moved"] == 0  # re-dating the session is enough


def test_a_re_plan_of_what_fits_reports_its_cost_under_the_weights_it_prints() -> None:
    # while solving, the automatic left-out weights are raised above every disruption; the
    # objective the re-plan reports must still be its cost under the problem's own weights
    from schedcore.planning.costs import effective_weights

    units = line_units([0, 1, 2, 10, 11], demand=3, capacity=7)
    p = problem(units, 2, place_what_fits=True, days=days(2), trainer_teams=teams(2))
    plan = solve(p)
    first = plan.clusters[0]
    changed = p.with_changes(
        units=[
            attrs.evolve(u, blackout={first.date}) if u.code == first.members[0] else u
            for u in units
        ]
    )
    new = replan(changed, plan)
    printed = effective_weights(changed)
    assert new.objective == sum(printed.get(k, 0) * v for k, v in new.breakdown.items())
    assert new.objective == objective_of(changed, breakdown(changed, new))
    assert "delegates left out, units left out, disruption, cost" in " ".join(new.notes)
    # the same problem solved afresh compares: a re-plan never beats the optimum's cost
    assert solve(changed).objective <= new.objective
