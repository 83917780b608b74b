"""The kernel (hosts the relaxation favours) and the sparse relaxation behind it."""

from __future__ import annotations

import _thread
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.planning import Problem, bounds, kernel, large, validate
from schedcore.planning.bounds import _Data, _evaluate
from schedcore.planning.mip import solve_allocation
from schedcore.planning.plan import Plan, PlanStatus
from schedcore.planning.solve import clusters_from
from tests.planning.helpers import solver_threads_left
from tests.planning.test_scale import random_problem


def plan_of(problem: Problem, host_of: dict[int, int]) -> Plan:
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters_from(problem, host_of))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(10, 40), seed=st.integers(0, 10_000), keep=st.integers(1, 6))
def test_a_sparse_evaluation_equals_the_dense_one_for_multipliers_under_the_cap(
    n: int, seed: int, keep: int
) -> None:
    problem = random_problem(n, seed, unequal=True)
    dense = _Data.of(problem)
    sparse = _Data.of(problem, keep)
    assert len(sparse.pair_cost) < len(dense.pair_cost)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        top = 2 * float(sparse.cap[np.isfinite(sparse.cap)].max())
        u = np.minimum(rng.uniform(0, top, n), sparse.cap)
        assert _evaluate(sparse, u, want_x=False)[0] == pytest.approx(
            _evaluate(dense, u, want_x=False)[0], rel=1e-9, abs=1e-6
        )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(10, 30), seed=st.integers(0, 10_000))
def test_the_sparse_bound_never_exceeds_the_optimum(n: int, seed: int) -> None:
    problem = random_problem(n, seed, unequal=True)
    exact = solve_allocation(problem, time_limit=30)
    if exact.infeasible or not exact.proven or exact.cost is None:
        return
    bound = bounds.lagrangian_bound(problem, upper_bound=exact.cost, seconds=2, hosts_per_unit=2)
    assert bound.bound <= exact.cost


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), unequal=st.booleans())
def test_the_kernel_keeps_the_incumbent_and_returns_a_valid_plan_no_worse(
    seed: int, unequal: bool
) -> None:
    problem = random_problem(48, seed, unequal=unequal)
    found = large.search(problem, deadline=time.perf_counter() + 0.3)
    if found.host_of is None or found.cost is None:
        return
    lagrange = bounds.lagrangian_bound(problem, upper_bound=found.cost, seconds=1)
    ranked = lagrange.hosts_by_promise(problem)
    assert sorted(ranked) == sorted(problem.hosts())
    pairs = kernel.kernel_pairs(problem, ranked, 1.5, 4, found.host_of)
    assert set(found.host_of.items()) <= pairs
    offered = {j for _, j in pairs}
    assert offered <= set(ranked[: round(1.5 * problem.clusters)]) | set(found.host_of.values())
    reports: list[int] = []
    solved, interrupted = kernel.solve_kernels(
        problem,
        ranked,
        incumbent=found.host_of,
        deadline=time.perf_counter() + 2,
        threads=2,
        improved=reports.append,
    )
    assert solved is not None and not interrupted
    host_of, cost = solved
    assert cost <= found.cost
    # every better plan reported as found, each better than the last, the last the one returned
    assert all(a > b for a, b in zip([found.cost, *reports], reports, strict=False))
    assert reports[-1] == cost if reports else cost == found.cost
    assert validate(problem, plan_of(problem, host_of)) == ()
    assert cost == sum(problem.delegate_cost(i, j) for i, j in host_of.items())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_neighbourhoods_open_only_promising_or_current_hosts(seed: int) -> None:
    problem = random_problem(60, seed)
    found = large.search(problem, deadline=time.perf_counter() + 0.2)
    if found.host_of is None:
        return
    state = large._State(problem, [found.host_of[i] for i in range(problem.size)])
    medians = sorted(state.members)
    promising = frozenset(range(0, problem.size, 3))
    job = large._job(state, medians[:3], seed, 1.0, large.SUB_HOSTS, promising)
    assert job.pairs is not None
    allowed = promising | set(medians[:3])
    assert {job.units[b] for _, b in job.pairs} <= allowed
    job.run()
    if job.chosen is not None:
        assert {job.units[b] for b in job.chosen.values()} <= allowed
        assert large._apply(state, job) or job.chosen_cost() >= job.before
        assert validate(problem, plan_of(problem, dict(enumerate(state.host_of)))) == ()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(6, 12), seed=st.integers(0, 10_000), unequal=st.booleans())
def test_the_largest_kernel_of_a_small_problem_is_the_whole_problem(
    n: int, seed: int, unequal: bool
) -> None:
    # 10p hosts, 12 per unit: every pair of a problem of at most 12 units, so its optimum
    problem = random_problem(n, seed, unequal=unequal)
    exact = solve_allocation(problem, time_limit=30)
    if exact.infeasible or not exact.proven or exact.cost is None:
        return
    lagrange = bounds.lagrangian_bound(problem, upper_bound=exact.cost, seconds=1)
    ranked = lagrange.hosts_by_promise(problem)
    assert kernel.kernel_pairs(problem, ranked, *kernel.KERNELS[-1]) == set(problem.pairs())
    solved, _ = kernel.solve_kernels(
        problem, ranked, incumbent=None, deadline=time.perf_counter() + 20, threads=2
    )
    assert solved is not None and solved[1] == exact.cost


def test_an_interrupt_during_the_kernels_returns_their_best_plan_so_far() -> None:
    problem = random_problem(400, 7, unequal=True)
    found = large.search(problem, deadline=time.perf_counter() + 0.2)
    assert found.host_of is not None and found.cost is not None
    lagrange = bounds.lagrangian_bound(problem, upper_bound=found.cost, seconds=1)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    began = time.perf_counter()
    solved, interrupted = kernel.solve_kernels(
        problem,
        lagrange.hosts_by_promise(problem),
        incumbent=found.host_of,
        deadline=time.perf_counter() + 60,
        threads=2,
    )
    timer.cancel()
    assert interrupted
    assert time.perf_counter() - began < 10  # every solver stopped, far before the deadline
    assert solver_threads_left() == []  # and every kernel thread waited for
    assert solved is not None and solved[1] <= found.cost
    assert validate(problem, plan_of(problem, solved[0])) == ()
