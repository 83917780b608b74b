"""An exact model over the hosts the relaxation favours: a kernel of the whole problem.

The Lagrangian relaxation (:mod:`schedcore.planning.bounds`) prices every host by its open cost
``g[j]``; ranked by it, the hosts of good plans are nearly all among the first ``2p``.  CP-SAT on
such a kernel (those hosts, each unit offered its few nearest of them, plus the incumbent's own
pairs so nothing is lost) is a model a hundred times smaller than the whole, often proven
within seconds, and its optimum is a far better plan than local moves reach.  Measured on the
402-unit SJC4a instance: the kernel of 60 hosts, ten per unit, is proven in 12 s at 0.12% above
the published optimum, where the neighbourhood search alone stood 4.6% above it at 10 s.

Kernels grow (:data:`KERNELS`): a small one is proven fast, a larger one gets closer to the
optimum (SJC2: 0.63% above it with ``2p`` hosts, 0.07% with ``3p``, each proven in about 4 s).
With two workers, two kernels are solved side by side (CP-SAT runs outside the interpreter
lock), each hinted with the best plan so far.  Problems whose kernel would be too large to prove
(:data:`KERNEL_PAIRS`) are left to the neighbourhood search.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from schedcore.planning.large import solve_exact
from schedcore.planning.problem import Problem
from schedcore.planning.solver_threads import SolverThread, finish

__all__ = ["KERNELS", "KERNEL_PAIRS", "kernel_pairs", "solve_kernels"]

#: Kernels from small to large: (hosts as a multiple of the clusters, hosts offered to each unit).
#: Each is solved hinted with the best plan so far, so a larger one only improves on it.
KERNELS: tuple[tuple[float, int], ...] = (
    (1.5, 8),
    (2.0, 10),
    (3.0, 10),
    (4.0, 10),
    (5.0, 12),
    (7.0, 12),
    (10.0, 12),
)
#: A kernel with more pairs than this is not tried: it would not be proven in the time.
KERNEL_PAIRS = 12_000


def kernel_pairs(
    problem: Problem,
    ranked_hosts: list[int],
    factor: float,
    per_unit: int,
    incumbent: dict[int, int] | None = None,
) -> set[tuple[int, int]]:
    """The (unit, host) pairs of the kernel: the ``factor * p`` best-ranked hosts, each unit
    offered its ``per_unit`` nearest of them it may travel to, and the incumbent's pairs."""
    size = min(len(ranked_hosts), max(problem.clusters, round(factor * problem.clusters)))
    kernel = ranked_hosts[:size]
    km = np.asarray(problem.km, dtype=np.int64)[:, kernel]
    take = min(per_unit, len(kernel))
    nearest = np.argsort(km, axis=1, kind="stable")
    pairs = {(j, j) for j in kernel}
    for i in range(problem.size):
        offered = 0
        for column in nearest[i]:
            j = kernel[int(column)]
            if problem.may_serve(i, j):
                pairs.add((i, j))
                offered += 1
                if offered == take:
                    break
    if incumbent is not None:
        pairs |= set(incumbent.items()) | {(j, j) for j in incumbent.values()}
    return pairs


def solve_kernels(
    problem: Problem,
    ranked_hosts: list[int],
    *,
    incumbent: dict[int, int] | None,
    deadline: float,
    threads: int,
    improved: Callable[[int], None] | None = None,
) -> tuple[tuple[dict[int, int], int] | None, bool]:
    """The best plan (unit -> host positions, weighted delegate cost) of growing kernels, or
    ``None`` if none has a plan; and whether an interrupt (Ctrl-C) ended the solves.

    ``threads`` workers each take the next kernel of :data:`KERNELS` (one CP-SAT worker each,
    hinted with the best plan so far, its pairs included) until ``deadline``, or until the
    kernels grow beyond :data:`KERNEL_PAIRS` or the hosts.  Every better plan a solve finds is
    kept at once (the next kernel is hinted with it) and its weighted cost passed to
    ``improved``, in decreasing order.  An interrupt stops every solve and returns the best plan
    so far.
    """
    lock = threading.Lock()
    best: list[tuple[dict[int, int], int]] = []
    if incumbent is not None:
        best.append((incumbent, problem.allocation_cost(incumbent)))
    ladder = iter(KERNELS)
    seen: set[int] = set()
    solvers: list[cp_model.CpSolver] = []
    stopping = threading.Event()

    def next_kernel() -> tuple[set[tuple[int, int]], dict[int, int] | None] | None:
        """The next kernel's pairs and the plan they include (its hint), or ``None``."""
        with lock:
            for factor, per_unit in ladder:
                size = min(len(ranked_hosts), round(factor * problem.clusters))
                if size in seen:
                    continue
                seen.add(size)
                start = best[-1][0] if best else None
                pairs = kernel_pairs(problem, ranked_hosts, factor, per_unit, start)
                return (pairs, start) if len(pairs) <= KERNEL_PAIRS else None
            return None

    def keep(chosen: dict[int, int]) -> None:
        cost = problem.allocation_cost(chosen)
        with lock:  # reported under the lock: the reports keep decreasing
            if best and cost >= best[-1][1]:
                return
            best.append((chosen, cost))
            if improved is not None:
                improved(cost)

    def climb(seed: int) -> None:
        while not stopping.is_set() and deadline - time.perf_counter() > 0.05:
            kernel = next_kernel()
            if kernel is None:
                return
            # hinted with the plan whose pairs the kernel holds (a better one found since
            # may use pairs outside it)
            pairs, hint = kernel
            chosen, _, _ = solve_exact(
                problem,
                hint,
                pairs=pairs,
                time_limit=deadline - time.perf_counter(),
                workers=1,
                seed=seed,
                register=solvers.append,
                on_solution=keep,
            )
            if chosen is not None:
                keep(chosen)

    # every solve in a thread of its own: the main thread waits in Python, where Ctrl-C lands
    helpers = [
        SolverThread(functools.partial(climb, problem.seed + k), name="kernel")
        for k in range(max(1, threads))
    ]

    def stop_all() -> None:
        for solver in list(solvers):
            solver.stop_search()

    interrupted = False
    try:
        # started within the try: Ctrl-C can land once a thread has started, and the threads
        # already running must then be stopped too
        for helper in helpers:
            helper.start()
        for helper in helpers:
            while helper.running:  # each solve keeps the deadline
                helper.wait(0.05)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # on an interrupt, or any error (a thread that could not start): no solve is left
        # running; a solve may start after the first stop, so every solver is stopped again
        # until all have ended
        if any(helper.running for helper in helpers):
            stopping.set()
            finish(helpers, stop_all)
    return (best[-1] if best else None), interrupted
