"""The HiGHS / CP-SAT race: whichever solver fails, the other one's plan (and proof) is used."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from schedcore.planning import load_cpmp, portfolio
from schedcore.planning.mip import Allocation, solve_allocation
from schedcore.planning.plan import Plan
from schedcore.planning.problem import Problem, Unit

from . import helpers
from .brute_force import cost as brute_cost
from .brute_force import every_plan, optimum

CPMP = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "cpmp"
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the race forks HiGHS"
)


def _dies_after_the_head_start(*_: Any) -> None:
    time.sleep(portfolio.HEAD_START_SECONDS + 0.5)
    os._exit(9)  # as if killed: no result on the pipe


def _finds_no_plan(_view: Any, time_limit: float, sender: Any) -> None:
    time.sleep(min(time_limit, 3.0))
    sender.send(Allocation(None, None, None, False, False, time_limit))
    sender.close()


class _BudgetSpentAtOnce(cp_model.CpSolver):
    """A real CP-SAT solver whose first search (the race's budget) ends before it starts."""

    calls = 0

    def solve(self, model: cp_model.CpModel, *args: Any) -> Any:
        type(self).calls += 1
        if type(self).calls == 1:
            self.parameters.max_time_in_seconds = 0.0
        return super().solve(model, *args)


def _assert_is_an_allocation(result: Allocation, units: int, clusters: int) -> None:
    assert result.host_of is not None and result.cost is not None
    assert sorted(result.host_of) == list(range(units))
    hosts = set(result.host_of.values())
    assert len(hosts) == clusters
    assert all(result.host_of[h] == h for h in hosts)  # a host belongs to its own cluster


def test_when_highs_dies_mid_race_it_is_solved_here_and_still_proven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=60.0, workers=2)
    monkeypatch.setattr(portfolio, "_highs_child", _dies_after_the_head_start)
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 0.0)  # CP-SAT cannot prove it
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven
    assert result.cost == instance.optimum == 713
    _assert_is_an_allocation(result, 50, 5)


def test_when_neither_solver_has_a_plan_cp_sat_keeps_searching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=20.0, workers=2)
    monkeypatch.setattr(portfolio, "_highs_child", _finds_no_plan)
    _BudgetSpentAtOnce.calls = 0
    monkeypatch.setattr(portfolio.cp_model, "CpSolver", _BudgetSpentAtOnce)
    result = portfolio.prove_allocation(instance.problem, time_limit=20.0)
    assert _BudgetSpentAtOnce.calls == 2
    _assert_is_an_allocation(result, 50, 5)
    assert result.cost is not None and result.cost >= instance.optimum


# --- HiGHS below an incumbent (the cutoff child) ---------------------------------------------


def _host_of(problem: Problem, plan: Plan) -> dict[int, int]:
    return {problem.position(c): problem.position(h) for c, h in plan.host_of().items()}


def _unequal_units(seed: int) -> list[Unit]:
    rng = random.Random(seed)
    return [
        Unit(
            code=f"u{k}",
            name=f"Unit {k}",
            demand=rng.randint(1, 6),
            capacity=rng.choice([None, 8, 10, 14]),
            x=rng.randint(0, 40),
            y=rng.randint(0, 40),
        )
        for k in range(7)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cutoff_proof_agrees_with_exhaustive_search(seed: int) -> None:
    problem = helpers.problem(_unequal_units(seed), 2)
    plans = every_plan(problem)
    assert plans, "the instance must have plans"
    best = optimum(problem)
    view = portfolio.allocation_view(problem)
    by_cost = {brute_cost(problem, plan): plan for plan in plans}
    for claimed in sorted(by_cost)[:4] + sorted(by_cost)[-2:]:
        host_of = _host_of(problem, by_cost[claimed])
        cost = portfolio.checked_cost(view, host_of)
        assert cost == claimed
        incumbent = Allocation(host_of, cost, None, False, False, 0.0)
        below = solve_allocation(view, time_limit=20.0, below=cost, hint=host_of, heuristics=False)
        assert below.cost is None or below.cost < cost  # nothing at or above the cutoff
        assert below.bound is not None and below.bound <= best  # a true lower bound
        proof = portfolio.prove_below(view, incumbent, below, 0.0)
        assert proof is not None and proof.proven and proof.proven_by
        assert proof.cost == best
        assert proof.host_of is not None
        assert portfolio.checked_cost(view, proof.host_of) == best
        assert ("no allocation below" in proof.proven_by) == (cost == best)


def test_highs_above_its_cutoff_is_never_taken_for_a_proof() -> None:
    # Measured: with a cutoff of 711.5 on pmedcap01 (optimum 713) HiGHS reports "optimal 714,
    # dual bound 714". Only "nothing below 712" may be read from it.
    instance = load_cpmp(CPMP / "pmedcap01.txt")
    view = portfolio.allocation_view(instance.problem)
    for below in (712, 713):
        result = solve_allocation(view, time_limit=60.0, below=below)
        assert result.host_of is None and result.cost is None and not result.proven
        assert result.bound == below
    result = solve_allocation(view, time_limit=60.0, below=714)
    assert result.proven and result.cost == 713 and result.bound == 713


def test_a_wrong_or_stale_incumbent_never_yields_a_wrong_optimum() -> None:
    problem = helpers.problem(_unequal_units(2), 2)
    view = portfolio.allocation_view(problem)
    best = optimum(problem)
    assert best is not None
    plans = sorted(every_plan(problem), key=lambda plan: brute_cost(problem, plan))
    worse = _host_of(problem, plans[-1])
    true_cost = brute_cost(problem, plans[-1])
    assert true_cost > best
    # a stale cost: the plan claimed cheaper than the optimum (as a cost from before a change
    # of distances would be); re-costed, it is only a (poor) incumbent
    assert portfolio.checked_cost(view, worse) == true_cost
    stale = Allocation(worse, best - 1, None, False, False, 0.0)
    nothing_below = solve_allocation(view, time_limit=20.0, below=best - 1)
    assert nothing_below.host_of is None and nothing_below.bound == best - 1
    assert portfolio.prove_below(view, stale, nothing_below, 0.0) is None
    # a stale plan: one that breaks a rule is never an incumbent
    broken = dict(worse)
    broken[next(i for i, j in worse.items() if i != j)] = next(
        i for i in range(view.size) if i not in worse.values()
    )
    assert portfolio.checked_cost(view, broken) is None
    assert portfolio.checked_cost(view, {0: 0}) is None  # units missing


def _cp_sat_returns(host_of: dict[int, int] | None) -> Any:
    def fake(self: Any) -> tuple[Any, Any, dict[int, int] | None]:
        return _Bound0(), cp_model.FEASIBLE, host_of

    return fake


class _Bound0:
    best_objective_bound = 0.0


def test_the_race_with_a_stale_cp_sat_plan_proves_the_true_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portfolio, "SPARE_CORE_SHARE", 0.0)  # whatever else runs
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=60.0, workers=2)
    view = portfolio.allocation_view(instance.problem)
    other = load_cpmp(CPMP / "pmedcap02.txt")
    plan = solve_allocation(portfolio.allocation_view(other.problem), time_limit=60.0)
    assert plan.host_of is not None
    monkeypatch.setattr(portfolio, "_highs_child", _dies_after_the_head_start)
    # pmedcap02's optimal plan, kept for pmedcap01: re-costed (or refused) before any use
    monkeypatch.setattr(portfolio._Race, "_cp_sat", _cp_sat_returns(plan.host_of))
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.cost == 713
    if portfolio.checked_cost(view, plan.host_of) is None:  # refused: HiGHS solved it here
        assert result.proven and result.proven_by and "cutoff" not in result.proven_by
    else:
        assert result.proven and result.proven_by and "cutoff" in result.proven_by
    _assert_is_an_allocation(result, 50, 5)


def test_the_cutoff_child_proves_when_plain_highs_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portfolio, "SPARE_CORE_SHARE", 0.0)  # whatever else runs
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=60.0, workers=2)
    view = portfolio.allocation_view(instance.problem)
    best = solve_allocation(view, time_limit=60.0)
    assert best.host_of is not None and best.cost == 713
    second = solve_allocation(view, time_limit=60.0, exclude=[best.host_of])
    monkeypatch.setattr(portfolio, "_highs_child", _finds_no_plan)
    monkeypatch.setattr(portfolio._Race, "_cp_sat", _cp_sat_returns(second.host_of))
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven and result.cost == 713
    assert result.proven_by is not None and "cutoff" in result.proven_by
    _assert_is_an_allocation(result, 50, 5)


def test_the_time_limit_is_kept_with_both_highs_children(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portfolio, "SPARE_CORE_SHARE", 0.0)  # whatever else runs
    instance = load_cpmp(CPMP / "pmedcap08.txt", time_limit=5.0, workers=2)  # HiGHS: 20-30 s
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 1.0)
    started = time.perf_counter()
    result = portfolio.prove_allocation(instance.problem, time_limit=5.0)
    assert time.perf_counter() - started < 5.0 + 1.5
    assert not result.proven
    _assert_is_an_allocation(result, 50, 5)
    assert result.cost is not None and result.bound is not None
    assert result.bound <= instance.optimum <= result.cost


def test_an_interrupt_while_highs_proves_returns_the_best_plan_so_far(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portfolio, "SPARE_CORE_SHARE", 0.0)  # whatever else runs
    instance = load_cpmp(CPMP / "pmedcap08.txt", time_limit=60.0, workers=2)
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 1.0)
    timer = threading.Timer(4.0, os.kill, (os.getpid(), signal.SIGINT))  # as Ctrl-C
    timer.start()
    started = time.perf_counter()
    try:
        result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 6.0
    assert not result.proven
    _assert_is_an_allocation(result, 50, 5)
    assert result.cost is not None and result.cost >= instance.optimum


def test_when_the_cutoff_child_dies_plain_highs_still_proves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portfolio, "SPARE_CORE_SHARE", 0.0)  # whatever else runs
    instance = load_cpmp(CPMP / "pmedcap07.txt", time_limit=60.0, workers=2)

    def dies(*_: Any) -> None:
        os._exit(9)

    monkeypatch.setattr(portfolio, "_cutoff_child", dies)
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 0.5)
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven and result.cost == instance.optimum


def test_no_second_highs_child_without_a_spare_core(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=60.0, workers=2)
    view = portfolio.allocation_view(instance.problem)
    best = solve_allocation(view, time_limit=60.0)
    assert best.host_of is not None
    second = solve_allocation(view, time_limit=60.0, exclude=[best.host_of])
    monkeypatch.setattr(portfolio._Race, "_cp_sat", _cp_sat_returns(second.host_of))
    monkeypatch.setattr(portfolio._Usage, "cores", lambda self: 1.0)  # another job holds a core
    monkeypatch.setattr(portfolio, "_highs_child", _slow_highs)
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven and result.cost == 713
    assert result.proven_by is not None and "cutoff" not in result.proven_by


def _slow_highs(view: Any, time_limit: float, sender: Any) -> None:
    time.sleep(portfolio.HEAD_START_SECONDS + 1.0)
    sender.send(solve_allocation(view, time_limit=time_limit))
    sender.close()


def test_the_cores_used_are_measured() -> None:
    usage = portfolio._Usage(os.getpid())  # this process, counted twice
    started = time.perf_counter()
    while time.perf_counter() - started < 0.6:
        pass
    assert 0.0 < usage.cores() <= 2.2
    assert portfolio._Usage(None).cores() == float("inf")
