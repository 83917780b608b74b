"""Safe problem reduction: drop (unit, host) pairs that no plan better than a known one can use.

The allocation's linear relaxation (solved with GLOP) gives a lower bound ``LB`` on the
weighted delegate travel and a reduced cost ``rc[i, j]`` per pair: any plan that serves unit
``i`` from host ``j`` costs at least ``LB + rc[i, j]`` (linear programming duality).  The whole
objective adds only non-negative terms to delegate travel, and every hard constraint of the full
problem is at least as strict as the relaxation's, so a pair with ``LB + rc[i, j] > UB`` cannot
appear in any plan better than an incumbent of cost ``UB``.  Solving the reduced model to
optimality therefore proves the incumbent-or-better optimal for the *whole* problem.
"""

from __future__ import annotations

import math

import attrs
from ortools.linear_solver import pywraplp

from schedcore.planning.problem import Problem

__all__ = [
    "Relaxation",
    "kernel_pairs",
    "pinned_pairs",
    "relax_allocation",
    "surviving_pairs",
]


@attrs.frozen
class Relaxation:
    """The allocation LP's bound (weighted delegate travel) and reduced cost of every pair."""

    bound: float
    reduced_cost: dict[tuple[int, int], float]


def _all_pairs(problem: Problem) -> list[tuple[int, int]]:
    return [(i, j) for j in problem.hosts() for i in range(problem.size)]


def relax_allocation(problem: Problem) -> Relaxation | None:
    """Solve the allocation LP; ``None`` when it is infeasible or GLOP does not finish."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with every OR-Tools wheel
        return None
    n = problem.size
    hosts = problem.hosts()
    weight = problem.weights.delegate_travel
    x = {(i, j): solver.NumVar(0.0, 1.0, "") for (i, j) in _all_pairs(problem)}
    for pin in problem.pins:
        if pin.host is not None:
            var = x[problem.position(pin.unit), problem.position(pin.host)]
            var.SetLb(1.0)
    for i in range(n):
        solver.Add(sum(x[i, j] for j in hosts) == 1)
    solver.Add(sum(x[j, j] for j in hosts) == problem.clusters)
    for j in hosts:
        hall = problem.units[j].capacity or 0
        solver.Add(sum(problem.units[i].demand * x[i, j] for i in range(n)) <= hall * x[j, j])
        count = sum(x[i, j] for i in range(n))
        if problem.min_size > 1:
            solver.Add(count >= problem.min_size * x[j, j])
        if problem.max_size is not None:
            solver.Add(count <= problem.max_size * x[j, j])
        for i in range(n):
            if i != j:
                solver.Add(x[i, j] <= x[j, j])
    solver.Minimize(sum(weight * problem.delegate_cost(i, j) * v for (i, j), v in x.items()))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return Relaxation(
        bound=solver.Objective().Value(),
        reduced_cost={pair: var.reduced_cost() for pair, var in x.items()},
    )


def _tolerance(upper_bound: float) -> float:
    """Slack for the LP's floating-point error: generous, since keeping a pair is always safe."""
    return 1e-6 * max(1.0, abs(upper_bound)) + 1e-3


def surviving_pairs(
    problem: Problem, relaxation: Relaxation, upper_bound: float
) -> set[tuple[int, int]]:
    """Pairs that a plan of cost at most ``upper_bound`` may still use.

    A unit-host pair survives only if the host itself survives (a host serves itself).
    """
    limit = upper_bound - relaxation.bound + _tolerance(upper_bound)
    keep = {pair for pair, rc in relaxation.reduced_cost.items() if rc <= limit}
    keep |= pinned_pairs(problem)
    return {(i, j) for (i, j) in keep if (j, j) in keep}


def pinned_pairs(problem: Problem) -> set[tuple[int, int]]:
    """Pairs fixed to 1 by a host pin: their reduced cost says nothing, so they always stay."""
    pairs = set()
    for pin in problem.pins:
        if pin.host is not None:
            host = problem.position(pin.host)
            pairs |= {(problem.position(pin.unit), host), (host, host)}
    return pairs


def kernel_pairs(problem: Problem, relaxation: Relaxation, share: float) -> set[tuple[int, int]]:
    """A small promising set: pairs whose reduced cost is within ``share`` of the bound.

    Every unit also keeps its nearest few open-able hosts so the kernel usually stays feasible.
    """
    limit = share * max(1.0, abs(relaxation.bound))
    keep = {pair for pair, rc in relaxation.reduced_cost.items() if rc <= limit}
    hosts = problem.hosts()
    nearest = max(2, math.ceil(len(hosts) / max(1, problem.clusters)))
    for i in range(problem.size):
        ranked = sorted(hosts, key=lambda j: (problem.km[i][j], j))[:nearest]
        keep.update((i, j) for j in ranked)
    keep |= pinned_pairs(problem)
    keep.update((j, j) for (_, j) in list(keep))
    return keep
