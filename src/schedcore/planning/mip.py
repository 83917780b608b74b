"""The allocation as a mixed-integer programme, solved by HiGHS through OR-Tools MathOpt.

Measured on the OR-Library capacitated p-median instances, CP-SAT finds optimal allocations
fast but cannot close the last percent of the gap (its lower bound is the weak point), while a
branch-and-cut MIP solver proves them in seconds.  So the allocation part (no dates, no teams) is
proven here; :mod:`schedcore.planning.solve` uses it alone for allocation-only problems and as
the first stage of the joint problem.  The formulation is the strong one: ``x[i, j] <= y[j]``
for every pair and ``sum_i d_i x[i, j] <= Q_j y[j]``, with ``y[j] = x[j, j]``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from datetime import timedelta

import attrs
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2

from schedcore.planning.problem import Problem

__all__ = ["Allocation", "solve_allocation"]

#: A gap below one unit of an integer objective proves optimality.
_ABSOLUTE_GAP = 0.5


@attrs.frozen
class Allocation:
    """An allocation: each unit's host position, its weighted delegate cost, and the bound."""

    host_of: dict[int, int] | None
    cost: int | None
    bound: int | None
    proven: bool
    infeasible: bool
    seconds: float
    #: Which solver proved ``cost`` optimal, and up to what tolerance (``None``: not proven).
    proven_by: str | None = None
    #: Whether an interrupt (Ctrl-C) ended the solve: the best allocation found until then.
    interrupted: bool = False


def solve_allocation(
    problem: Problem,
    *,
    time_limit: float,
    pairs: Collection[tuple[int, int]] | None = None,
    exclude: Collection[dict[int, int]] = (),
    threads: int | None = 1,
    improving_file: str | None = None,
) -> Allocation:
    """Minimise weighted delegate travel under the allocation constraints and allocation pins.

    The constraints kept are those that do not involve dates or teams: one cluster per unit,
    P clusters, hosts in their clusters, hall capacity, cluster size, host and companion pins.
    ``exclude`` lists allocations (unit -> host position) that must not be returned again.
    ``threads`` is HiGHS's thread count (``None``: HiGHS's default); one thread by default, so
    CP-SAT can race it on the other core (:mod:`schedcore.planning.portfolio`).
    ``improving_file``: HiGHS writes each better plan it finds there, as it finds it
    (:class:`schedcore.planning.highs_process.ImprovingPlans` reads them back: MathOpt cannot
    interrupt HiGHS, so a solve that must stop early runs in a process that is ended).
    """
    started = time.perf_counter()
    n = problem.size
    hosts = problem.hosts()
    # pairs beyond the problem's travel cap are never offered
    pairs = problem.pairs() if pairs is None else [p for p in pairs if problem.may_serve(*p)]
    if {i for i, _ in pairs} != set(range(n)):  # a unit no host may serve: no allocation
        return Allocation(None, None, None, True, True, time.perf_counter() - started)
    weight = problem.weights.delegate_travel
    model = mathopt.Model(name="allocation")
    x = {(i, j): model.add_binary_variable(name=f"x[{i},{j}]") for (i, j) in sorted(pairs)}
    open_hosts = [j for j in hosts if (j, j) in x]
    for i in range(n):
        model.add_linear_constraint(sum(x[i, j] for j in open_hosts if (i, j) in x) == 1)
    model.add_linear_constraint(sum(x[j, j] for j in open_hosts) == problem.clusters)
    by_host: dict[int, list[tuple[int, mathopt.Variable]]] = {}
    for (i, h), v in x.items():
        by_host.setdefault(h, []).append((i, v))
    for j in open_hosts:
        served = by_host.get(j, [])
        hall = problem.units[j].capacity or 0
        model.add_linear_constraint(
            sum(problem.units[i].demand * v for i, v in served) <= hall * x[j, j]
        )
        count = sum(v for _, v in served)
        if problem.min_size > 1:
            model.add_linear_constraint(count >= problem.min_size * x[j, j])
        if problem.max_size is not None:
            model.add_linear_constraint(count <= problem.max_size * x[j, j])
        for i, v in served:
            if i != j:
                model.add_linear_constraint(v <= x[j, j])
    for pin in problem.pins:
        u = problem.position(pin.unit)
        if pin.host is not None:
            h = problem.position(pin.host)
            if (u, h) not in x:
                return Allocation(None, None, None, True, True, time.perf_counter() - started)
            model.add_linear_constraint(x[u, h] == 1)
        if pin.with_unit is not None:
            w = problem.position(pin.with_unit)
            for j in open_hosts:
                left, right = x.get((u, j)), x.get((w, j))
                if left is not None and right is not None:
                    model.add_linear_constraint(left == right)
                elif left is not None or right is not None:
                    model.add_linear_constraint((left if left is not None else right) == 0)
    for previous in exclude:
        chosen = [x[i, j] for i, j in previous.items() if (i, j) in x]
        model.add_linear_constraint(sum(chosen) <= len(chosen) - 1)
    model.minimize(sum(weight * problem.delegate_cost(i, j) * v for (i, j), v in x.items()))
    params = mathopt.SolveParameters(
        # building a large model takes a while too: it counts against the limit
        time_limit=timedelta(seconds=max(0.1, time_limit - (time.perf_counter() - started))),
        relative_gap_tolerance=0.0,
        absolute_gap_tolerance=_ABSOLUTE_GAP,
        random_seed=problem.seed,
        highs=highs_pb2.HighsOptionsProto(
            int_options={} if threads is None else {"threads": threads},
            string_options={}
            if improving_file is None
            else {"mip_improving_solution_file": improving_file},
        ),
    )
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    seconds = time.perf_counter() - started
    reason = result.termination.reason
    if reason in (
        mathopt.TerminationReason.INFEASIBLE,
        mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
    ):
        return Allocation(None, None, None, True, True, seconds)
    if not result.has_primal_feasible_solution():
        bound = _bound(result)
        return Allocation(None, None, bound, False, False, seconds)
    values = result.variable_values()
    host_of = {i: j for (i, j), v in x.items() if values[v] > 0.5}
    # the cost in integers, from the allocation itself (not HiGHS's floating-point objective)
    cost = problem.allocation_cost(host_of)
    bound = _bound(result)
    # OPTIMAL only if HiGHS says so *and* its dual bound, rounded up, reaches the integer cost
    proven = reason == mathopt.TerminationReason.OPTIMAL and bound is not None and bound >= cost
    proven_by = None
    if proven:
        tolerance = HIGHS_FEASIBILITY_TOLERANCE * max(1.0, float(cost))
        proven_by = (
            f"HiGHS MIP: dual bound, rounded up, reaches the integer objective {cost}; "
            f"exact up to HiGHS's feasibility tolerance ({HIGHS_FEASIBILITY_TOLERANCE:g} "
            f"relative, about {tolerance:.2g} at this magnitude)"
        )
        bound = cost
    elif bound is not None:
        bound = min(bound, cost)
    return Allocation(host_of, cost, bound, proven, False, seconds, proven_by)


#: HiGHS's default primal feasibility tolerance: its proofs hold up to this, relative.
HIGHS_FEASIBILITY_TOLERANCE = 1e-7


def _bound(result: mathopt.SolveResult) -> int | None:
    """HiGHS's dual bound rounded up (the objective is integer), less a hair of float error."""
    value = result.termination.objective_bounds.dual_bound
    if value is None or not math.isfinite(value):
        return None
    bound: int = math.ceil(value - 1e-9 * max(1.0, abs(value)))
    return bound
