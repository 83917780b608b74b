"""The planner at scale: searched plans validate, bounds are lower bounds, proofs are honest."""

from __future__ import annotations

import _thread
import importlib
import math
import multiprocessing
import random
import threading
from datetime import date, timedelta

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.planning import (
    Pin,
    Plan,
    PlanStatus,
    Problem,
    SolveProgress,
    TrainerTeam,
    Unit,
    Weights,
    bounds,
    large,
    scenario_2022,
    solve,
    validate,
)
from schedcore.planning.mip import solve_allocation
from schedcore.planning.plan import PlannedCluster
from schedcore.planning.solve import _certified, clusters_from, searched
from schedcore.planning.validate import delegate_travel
from tests.planning.brute_force import cost, every_plan
from tests.planning.helpers import solver_threads_left
from tests.strategies import tiny_planning_problems


def random_problem(
    n: int, seed: int, *, time_limit: float = 10.0, unequal: bool = False, pins: bool = False
) -> Problem:
    """Points in a 200 x 200 square, p = n / 8, halls 1.3 x the average load (or 0.7-2x)."""
    rng = random.Random(seed)
    p = max(2, n // 8)
    points = [(rng.randint(0, 200), rng.randint(0, 200), rng.randint(1, 9)) for _ in range(n)]
    average = 1.3 * sum(d for _, _, d in points) / p
    units = [
        Unit(
            code=f"u{k}",
            name=f"point {k}",
            demand=d,
            capacity=math.ceil(average * (rng.uniform(0.7, 2.0) if unequal else 1.0)),
            x=x,
            y=y,
        )
        for k, (x, y, d) in enumerate(points)
    ]
    pinned = [Pin(unit="u1", host="u0"), Pin(unit="u0", host="u0")] if pins else []
    return Problem(
        units=units, clusters=p, pins=pinned, time_limit=time_limit, workers=1, seed=seed
    )


def plan_of(problem: Problem, host_of: dict[int, int]) -> Plan:
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters_from(problem, host_of))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(12, 40),
    seed=st.integers(0, 10_000),
    unequal=st.booleans(),
    pins=st.booleans(),
    max_size=st.sampled_from([None, 9, 12]),
)
def test_searched_allocations_keep_every_rule_and_cost_what_they_say(
    n: int, seed: int, unequal: bool, pins: bool, max_size: int | None
) -> None:
    problem = random_problem(n, seed, unequal=unequal, pins=pins).with_changes(max_size=max_size)
    found = large.search(problem, deadline=_now() + 1.0)
    exact = solve_allocation(problem, time_limit=20)
    if exact.infeasible:
        return
    assert found.host_of is not None and found.cost is not None
    plan = plan_of(problem, found.host_of)
    assert validate(problem, plan) == ()
    assert found.cost == delegate_travel(problem, plan)
    assert exact.cost is not None and found.cost >= exact.cost


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(30, 90),
    seed=st.integers(0, 10_000),
    unequal=st.booleans(),
    max_size=st.sampled_from([None, 12]),
    cap=st.sampled_from([None, 70]),
)
def test_neighbourhoods_solved_side_by_side_never_break_a_hall_and_only_improve(
    n: int, seed: int, unequal: bool, max_size: int | None, cap: int | None
) -> None:
    problem = random_problem(n, seed, unequal=unequal).with_changes(
        max_size=max_size, max_travel_km=cap
    )
    first = large.search(problem, deadline=_now() + 0.3)
    if first.host_of is None:
        return
    assert first.cost is not None
    costs: list[int] = []
    found = large.search(
        problem,
        deadline=_now() + 1.5,
        start=first.host_of,
        threads=2,
        improved=lambda c, _: costs.append(c),
    )
    assert found.host_of is not None and found.cost is not None
    # checked by the validator, which shares no code with the search: halls, sizes, count,
    # the travel cap
    plan = plan_of(problem, found.host_of)
    assert validate(problem, plan) == ()
    assert found.cost == delegate_travel(problem, plan) <= first.cost
    # every reported improvement is strict, and the last one is what is returned
    assert costs == sorted(set(costs), reverse=True)
    assert not costs or costs[-1] == found.cost


def test_neighbourhoods_solved_together_share_no_cluster() -> None:
    problem = random_problem(120, 5)
    found = large.search(problem, deadline=_now() + 0.5)
    assert found.host_of is not None
    state = large._State(problem, [found.host_of[i] for i in range(problem.size)])
    medians = sorted(j for j, m in state.members.items() if m)
    km = np.asarray(problem.km, dtype=np.int64)[np.ix_(medians, medians)]
    first = large._neighbourhood(state, medians[0], medians, km, 40)
    second = large._neighbourhood(state, medians[1], medians, km, 40, set(first))
    assert len(first) >= 2 and second
    assert not set(first) & set(second)
    jobs = [large._job(state, c, seed, 1.0) for seed, c in enumerate((first, second))]
    assert not set(jobs[0].units) & set(jobs[1].units)
    large._run_together(jobs)
    before = state.cost
    gains = [job.before - job.chosen_cost() for job in jobs if job.chosen is not None]
    for job in jobs:
        large._apply(state, job)
    # both sub-plans taken together: the gains add up, and every hall still holds
    assert state.cost == before - sum(g for g in gains if g > 0)
    for j, members in state.members.items():
        assert sum(problem.units[i].demand for i in members) <= (problem.units[j].capacity or 0)
    assert validate(problem, plan_of(problem, dict(enumerate(state.host_of)))) == ()


def test_a_neighbourhood_of_small_clusters_fills_its_unit_limit() -> None:
    # 240 units in 80 clusters (3 units each on average): a neighbourhood of up to 60 units
    # holds far more than 10 clusters, and stops only where the next cluster would overflow it
    problem = attrs.evolve(random_problem(240, 7), clusters=80)
    found = large.search(problem, deadline=_now() + 1.0)
    assert found.host_of is not None
    state = large._State(problem, [found.host_of[i] for i in range(problem.size)])
    medians = sorted(j for j, m in state.members.items() if m)
    km = np.asarray(problem.km, dtype=np.int64)[np.ix_(medians, medians)]
    seed = medians[0]
    chosen = large._neighbourhood(state, seed, medians, km, 60)
    units = sum(len(state.members[j]) for j in chosen)
    assert chosen[0] == seed and len(chosen) > 10
    assert units <= 60
    # the clusters taken are the seed's nearest; the next nearest would pass the limit
    order = [medians[int(k)] for k in np.argsort(km[medians.index(seed)], kind="stable")]
    assert chosen == order[: len(chosen)]
    assert units + len(state.members[order[len(chosen)]]) > 60


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(8, 30), seed=st.integers(0, 10_000), unequal=st.booleans())
def test_the_lagrangian_bound_never_exceeds_the_optimum_and_fixing_keeps_an_optimum(
    n: int, seed: int, unequal: bool
) -> None:
    problem = random_problem(n, seed, unequal=unequal)
    exact = solve_allocation(problem, time_limit=30)
    if exact.infeasible or not exact.proven:
        return
    assert exact.cost is not None and exact.host_of is not None
    bound = bounds.lagrangian_bound(problem, upper_bound=exact.cost, seconds=2)
    assert bound.bound <= exact.cost
    # every pair of an optimal plan survives fixing at the optimum's cost
    kept = bound.surviving_pairs(problem, exact.cost)
    assert set(exact.host_of.items()) <= kept


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), unequal=st.booleans())
def test_a_searched_plan_claimed_optimal_costs_what_the_exact_optimum_costs(
    seed: int, unequal: bool
) -> None:
    # 3,600 pairs under 3 s: searched, bounded, then proven (or not) on the pairs kept
    problem = random_problem(60, seed, time_limit=3.0, unequal=unequal).with_changes(workers=2)
    assert searched(problem)
    plan = solve(problem)
    assert plan.has_solution
    assert validate(problem, plan) == ()
    exact = solve_allocation(problem, time_limit=60)
    assert exact.proven and exact.cost is not None
    assert plan.bound is not None and plan.objective is not None
    assert plan.bound <= exact.cost <= plan.objective
    if plan.status is PlanStatus.OPTIMAL:
        assert plan.objective == exact.cost
        assert plan.proven_by


def test_a_thousand_units_under_a_short_limit_get_a_valid_plan() -> None:
    problem = random_problem(1000, 7, time_limit=6.0, unequal=True).with_changes(workers=2)
    assert searched(problem)
    reports: list[SolveProgress] = []
    plan = solve(problem, progress=reports.append)
    assert plan.status is PlanStatus.FEASIBLE
    assert validate(problem, plan) == ()
    assert plan.bound is not None and plan.objective is not None
    assert 0 < plan.bound <= plan.objective
    # the search's reports carry the Lagrangian bound once it is known, not 0 until the end
    assert all(0 <= r.bound <= r.objective for r in reports)
    assert any(r.bound > 0 for r in reports[:-1]), reports


def _solved_with_an_interrupt_after(seconds: float, problem: Problem) -> Plan:
    """``solve(problem)`` interrupted as by Ctrl-C after ``seconds``."""
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    try:
        return solve(problem)
    finally:
        timer.cancel()


def test_an_interrupt_returns_the_best_plan_so_far_validated() -> None:
    problem = random_problem(800, 11, time_limit=60.0).with_changes(workers=2)
    plan = _solved_with_an_interrupt_after(4.0, problem)
    assert solver_threads_left() == []
    assert plan.has_solution
    assert any("interrupted" in note for note in plan.notes), plan.notes
    assert validate(problem, plan) == ()
    assert plan.wall_seconds < 30


def test_a_large_programme_with_dates_is_scheduled_over_the_chosen_clusters() -> None:
    problem = random_problem(400, 3, time_limit=30.0).with_changes(
        days=[date(2022, 9, 12) + timedelta(days=k) for k in range(20)],
        trainer_teams=[TrainerTeam("A"), TrainerTeam("B"), TrainerTeam("C")],
        travel_day_km=None,
        workers=2,
    )
    assert searched(problem)
    plan = solve(problem)
    assert plan.has_solution, plan.notes
    assert validate(problem, plan) == ()
    assert all(c.date is not None and c.trainer_team is not None for c in plan.clusters)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_planning_problems(max_units=4), st.data())
def test_a_stale_hint_never_yields_a_wrong_optimal(problem: Problem, data: st.DataObject) -> None:
    # a "hint" from another version of the problem: any clusters over the same units, whose
    # stored objective, bound and status claim a perfect plan
    codes = list(problem.codes)
    hosts = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=2, unique=True))
    days = problem.days or (None,)
    clusters = []
    for k, host in enumerate(hosts, start=1):
        members = [host] + [c for c in codes if c not in hosts and hash(c) % len(hosts) == k - 1]
        clusters.append(
            PlannedCluster(
                id=k,
                host=host,
                members=tuple(members),
                date=data.draw(st.sampled_from(days)),
                trainer_team=problem.trainer_teams[0].name if problem.trainer_teams else None,
            )
        )
    stale = Plan(status=PlanStatus.OPTIMAL, clusters=tuple(clusters), objective=0, bound=0)
    plan = solve(problem.with_changes(time_limit=10.0), hint=stale)
    valid = every_plan(problem)
    if plan.status is PlanStatus.OPTIMAL:
        assert valid
        assert plan.objective == min(cost(problem, p) for p in valid)
    if plan.has_solution:
        assert validate(problem, plan) == ()
        assert plan.objective == cost(problem, plan)


def test_an_optimal_claim_whose_bound_falls_short_in_integers_is_only_feasible() -> None:
    problem = random_problem(12, 1)
    host_of = {i: i % 2 for i in range(12)}
    problem = problem.with_changes(clusters=2, pins=())
    plan = plan_of(problem, host_of)
    true = delegate_travel(problem, plan)
    claimed = attrs.evolve(
        plan, status=PlanStatus.OPTIMAL, objective=true, bound=true - 1, proven_by="x"
    )
    checked = _certified(problem, claimed, _now())
    assert checked.status is PlanStatus.FEASIBLE
    assert checked.proven_by is None
    wrong_objective = attrs.evolve(claimed, objective=true - 5, bound=true - 5)
    checked = _certified(problem, wrong_objective, _now())
    assert checked.objective == true
    assert checked.status is PlanStatus.FEASIBLE


def test_the_2022_scenario_is_still_proven_optimal_and_says_by_what(
    plan_2022: tuple[Problem, Plan],
) -> None:
    problem, plan = plan_2022
    assert not searched(problem)
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.proven_by
    assert validate(problem, plan) == ()


def test_allocation_proofs_name_their_solver() -> None:
    problem = scenario_2022(with_dates=False, time_limit=60)
    plan = solve(problem)
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.proven_by is not None
    assert "HiGHS" in plan.proven_by or "CP-SAT" in plan.proven_by


def test_weights_default_as_documented() -> None:
    assert Weights().trainer_travel == 0
    assert "``trainer_travel`` (default 0)" in (Weights.__doc__ or "")


def _now() -> float:
    import time

    return time.perf_counter()


def test_an_interrupt_while_highs_proves_a_middling_problem_returns_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 260 units: searched first, then HiGHS proves on the pairs the bound keeps (in a child
    # process) while the search goes on beside it; the proof starts at a fifth of the time.
    # Ctrl-C comes 2 s after HiGHS starts (its child has built the model and is solving; the
    # proof takes about 6 s on a quiet machine): a fixed time after the launch would land
    # after the proof on a quiet machine (proven at 30.6 s of 120) and during it under load.
    solve_module = importlib.import_module("schedcore.planning.solve")
    highs_module = importlib.import_module("schedcore.planning.highs_process")
    monkeypatch.setattr(solve_module, "SEARCH_SHARE_BEFORE_PROOF", 0.2)
    problem = random_problem(260, 5, time_limit=120.0).with_changes(workers=2)
    assert searched(problem)
    start = highs_module.HighsProcess.start
    interrupted_at: list[float] = []
    timers: list[threading.Timer] = []

    def start_then_interrupt(self: object) -> None:
        start(self)
        interrupted_at.append(_now() + 2.0)
        timers.append(threading.Timer(2.0, _thread.interrupt_main))
        timers[-1].start()

    monkeypatch.setattr(highs_module.HighsProcess, "start", start_then_interrupt)
    try:
        plan = solve(problem)
    finally:
        for timer in timers:  # a proof within 2 s: no Ctrl-C after the solve
            timer.cancel()
    returned_at = _now()
    assert len(interrupted_at) == 1, "HiGHS did not start a proof"
    assert any("beside the proof" in note for note in plan.notes), plan.notes
    assert any("interrupted" in note for note in plan.notes), plan.notes
    assert plan.has_solution and validate(problem, plan) == ()
    # at once: not at the 120 s limit, nor at HiGHS's own time limit
    assert returned_at - interrupted_at[0] < 10, returned_at - interrupted_at[0]
    assert multiprocessing.active_children() == []
