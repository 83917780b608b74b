"""``solve(problem) -> Plan``: a pure function from a planning problem to a plan.

Nothing is read or written here; the caller decides what to do with the plan.  Small problems
are proven exactly (:mod:`schedcore.planning.portfolio`, then CP-SAT on the model of
:mod:`schedcore.planning.model` after a safe reduction, :mod:`schedcore.planning.reduce`).
Larger ones are searched first (:mod:`schedcore.planning.large`) with an honest lower bound
(:mod:`schedcore.planning.bounds`); a proof is then attempted on the pairs the bound cannot
exclude when the problem is of middling size.

``OPTIMAL`` is claimed only when a solver proved the whole problem optimal *and* the plan's
objective, recomputed in integers from its clusters, is at most the proven bound (an integer);
``Plan.proven_by`` names the solver and its tolerance.  Otherwise the plan is ``FEASIBLE`` with
its gap; a stage that runs out of time is ``UNKNOWN``, never "infeasible".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
from ortools.sat.python import cp_model

from schedcore.errors import SchedcoreError
from schedcore.planning import bounds, highs_process, kernel, large
from schedcore.planning.costs import allocation_is_objective, breakdown, objective_of
from schedcore.planning.mip import HIGHS_FEASIBILITY_TOLERANCE, Allocation, solve_allocation
from schedcore.planning.model import PlanningModel, build_model, hint_from
from schedcore.planning.objective import terms, weighted_sum
from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus, cluster_loads
from schedcore.planning.portfolio import allocation_view, prove_allocation
from schedcore.planning.problem import Problem
from schedcore.planning.reduce import relax_allocation, surviving_pairs
from schedcore.planning.solver_threads import SolverThread, run_out
from schedcore.planning.validate import validate

__all__ = [
    "EXACT_PAIRS",
    "PROOF_PAIRS",
    "ProgressCallback",
    "ProgressReporter",
    "SolveProgress",
    "add_plan_hint",
    "clusters_from",
    "extract_plan",
    "searched",
    "solve",
    "solver_for",
]


@attrs.frozen
class SolveProgress:
    """One improving solution: its objective, the proven bound, seconds since the start.

    ``solutions`` numbers one solve's reports from one, across its stages; a report repeating
    the previous objective (the same plan, now with its bound) repeats its number."""

    solutions: int
    objective: int
    bound: int
    seconds: float


#: What ``solve(problem, progress=...)`` calls with each improving solution.  It may be called
#: from a solver's thread, not the caller's, one call at a time: it should return quickly and
#: not raise (hand the report to a queue to act on it elsewhere).
ProgressCallback = Callable[[SolveProgress], None]

#: Time allowed to schedule the optimal allocation (a small model: hosts are fixed).
SCHEDULE_SECONDS = 10.0
#: Up to this many (unit, host) pairs the allocation is proven outright (the exact race);
#: beyond, it is searched first (:mod:`schedcore.planning.large`).
EXACT_PAIRS = 40_000
#: A searched allocation is then proven on the pairs its bound keeps, when they are at most
#: this many (more would be the whole problem again).
PROOF_PAIRS = 100_000
#: Building the proof's MIP takes about this long per thousand pairs: no proof without the time.
BUILD_SECONDS_PER_THOUSAND_PAIRS = 0.05
#: With less time than this per thousand pairs, even a small allocation is searched first.
SECONDS_PER_THOUSAND_PAIRS = 1.0

_STATUS: dict[Any, PlanStatus] = {
    cp_model.OPTIMAL: PlanStatus.OPTIMAL,
    cp_model.FEASIBLE: PlanStatus.FEASIBLE,
    cp_model.INFEASIBLE: PlanStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: PlanStatus.UNKNOWN,
    cp_model.UNKNOWN: PlanStatus.UNKNOWN,
}


class ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Turns CP-SAT solution callbacks into :class:`Progress` reports, numbered on from
    ``numbered_from`` (the reports of earlier stages of the same call)."""

    def __init__(self, progress: ProgressCallback, started: float, numbered_from: int = 0) -> None:
        super().__init__()
        self._progress = progress
        self._started = started
        self._count = numbered_from

    @property
    def reported(self) -> int:
        """The number of the last report (``numbered_from`` if none was made)."""
        return self._count

    def on_solution_callback(self) -> None:
        self._count += 1
        self._progress(
            SolveProgress(
                solutions=self._count,
                objective=round(self.objective_value),
                bound=round(self.best_objective_bound),
                seconds=time.perf_counter() - self._started,
            )
        )


class _NumberedAcrossStages:
    """The caller's progress callback, its reports numbered once across the solve: each stage
    (first plan, race, search, schedule) counts its own solutions from one, and the caller
    saw "solution 1" again after "solution 4".  A report of the objective just reported (the
    stage's final word on the same plan, now with its bound) keeps that number."""

    def __init__(self, progress: ProgressCallback) -> None:
        self._progress = progress
        self._count = 0
        self._last: int | None = None
        self._lock = threading.Lock()

    def __call__(self, report: SolveProgress) -> None:
        with self._lock:
            if report.objective != self._last or self._count == 0:
                self._count += 1
            self._last = report.objective
            self._progress(attrs.evolve(report, solutions=self._count))


def solver_for(problem: Problem, *, time_limit: float | None = None) -> cp_model.CpSolver:
    """A CP-SAT solver set up from the problem's limits (deterministic with one worker)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = problem.time_limit if time_limit is None else time_limit
    params.num_workers = problem.workers
    params.random_seed = problem.seed
    params.linearization_level = 2
    if problem.workers == 1:
        params.interleave_search = False
    return solver


def solve(
    problem: Problem,
    *,
    progress: ProgressCallback | None = None,
    hint: Plan | None = None,
) -> Plan:
    """Plan ``problem``: the best plan found, its status, bound and per-term breakdown.

    Small allocations are proven by the race of ``schedcore.planning.portfolio``; larger
    ones (more than ``EXACT_PAIRS`` unit-host pairs, or a time limit too short for them)
    are searched by ``schedcore.planning.large``, bounded from below by
    ``schedcore.planning.bounds``, and, up to ``PROOF_PAIRS`` pairs, proven by HiGHS on
    the pairs the bound keeps.  With dates, three stages (``docs/concepts/planning-model.md``
    explains why each is exact): the allocation A* (a lower bound of the joint cost when
    proven); the best schedule of that allocation (an incumbent: when trainer travel is not in
    the objective, it is already the joint optimum); then, for small problems, the joint CP-SAT
    model, reduced to the unit-host pairs that a better plan could still use, with
    ``delegate travel >= A*`` and the incumbent as a hint.  ``hint`` (a previous plan of the
    same units) is validated and re-costed under ``problem`` before it is used, and ignored if
    it breaks a rule.  ``progress`` is called for each improving solution (possibly from a
    solver's thread: see :data:`ProgressCallback`).

    Anytime: the time limit is kept, and an interrupt (``KeyboardInterrupt``) during the search
    returns the best plan found so far.  Every returned plan with clusters has been re-checked
    by :func:`~schedcore.planning.validate.validate`.
    """
    started = time.perf_counter()
    if progress is not None and not isinstance(progress, _NumberedAcrossStages):
        progress = _NumberedAcrossStages(progress)
    if problem.place_what_fits:
        from schedcore.planning.fit import solve_what_fits

        return _certified(problem, solve_what_fits(problem, progress=progress), started)
    if not problem.has_dates and allocation_is_objective(problem):
        plan = _solve_allocation_only(problem, started, progress)
    else:
        plan = _solve_joint(problem, started, progress, hint)
    return _certified(problem, plan, started)


def _pairs(problem: Problem) -> int:
    return problem.size * len(problem.hosts())


def searched(problem: Problem) -> bool:
    """Whether ``solve`` searches the allocation first (by size and time limit)."""
    pairs = _pairs(problem)
    short = problem.time_limit < SECONDS_PER_THOUSAND_PAIRS * pairs / 1000
    return pairs > EXACT_PAIRS or (short and pairs > 2_500)


def _allocate(
    problem: Problem, started: float, time_limit: float, progress: ProgressCallback | None
) -> tuple[Allocation, list[str]]:
    """The allocation stage: the exact race for small problems, else search, bound, proof."""
    if not searched(problem):
        count = [0]

        def improved(cost: int) -> None:
            if progress is not None:
                count[0] += 1
                progress(SolveProgress(count[0], cost, 0, time.perf_counter() - started))

        allocation = prove_allocation(problem, time_limit=time_limit, improved=improved)
        if allocation.interrupted:
            return allocation, ["interrupted: the best plan found so far"]
        return allocation, []
    allocation, notes = _search_allocation(problem, started, started + time_limit, progress)
    if any(note.startswith("interrupted") for note in notes):
        allocation = attrs.evolve(allocation, interrupted=True)
    return allocation, notes


def _search_allocation(
    problem: Problem, started: float, deadline: float, progress: ProgressCallback | None
) -> tuple[Allocation, list[str]]:
    view = allocation_view(problem)
    notes: list[str] = []
    pairs = _pairs(problem)
    prove = pairs <= 4 * PROOF_PAIRS  # the bound may keep few enough
    budget = deadline - time.perf_counter()
    bound_seconds = min(30.0, max(0.5, 0.1 * budget))
    search_until = time.perf_counter() + (SEARCH_SHARE_BEFORE_PROOF if prove else 0.85) * budget
    threads = max(1, view.workers)
    # the smallest kernel: each unit's pairs to its nearest kernel hosts, and its first plan's
    with_kernel = view.size * (kernel.KERNELS[0][1] + 1) <= kernel.KERNEL_PAIRS
    count = [0]
    # the Lagrangian bound once it is known (0, a bound of every plan, before): the reports
    # show the gap while the search goes on, not only at its end
    known_bound = [0]

    def improved(cost: int, _: float) -> None:
        if progress is not None:
            count[0] += 1
            bound = min(known_bound[0], cost)
            progress(SolveProgress(count[0], cost, bound, time.perf_counter() - started))

    # nothing runs beside this search: it may solve a neighbourhood per worker at once.  Only a
    # first plan (the start and its local moves) is wanted here: the bound then ranks the hosts
    # for the kernel, or for the neighbourhoods of the main search
    first_until = time.perf_counter() + min(max(1.0, 0.02 * budget), 0.1 * budget)
    found = large.search(view, deadline=first_until, improved=improved, threads=threads)
    notes.append(
        f"searched: {found.neighbourhoods} exact neighbourhoods, {found.improvements} improving "
        f"({found.candidates} candidate hosts per unit)"
    )
    if found.interrupted:
        notes.append("interrupted: the best plan found so far")
    if found.host_of is None or found.cost is None:
        notes.append("no allocation found in the time (not a proof that none exists)")
        return Allocation(None, None, None, False, False, found.seconds), notes
    try:
        lagrange = bounds.lagrangian_bound(
            view,
            upper_bound=found.cost,
            start=_unit_costs(view, found.host_of),
            seconds=bound_seconds,
        )
        ranked = lagrange.hosts_by_promise(view)
    except KeyboardInterrupt:
        notes.append("interrupted: the best plan found so far, without a bound")
        return Allocation(found.host_of, found.cost, None, False, False, found.seconds), notes
    best = Allocation(found.host_of, found.cost, min(lagrange.bound, found.cost), False, False, 0.0)
    known_bound[0] = lagrange.bound
    notes.append(f"Lagrangian lower bound {lagrange.bound} ({lagrange.iterations} iterations)")
    interrupted = found.interrupted
    if with_kernel and not interrupted and lagrange.bound < found.cost:
        best, interrupted = _kernel_then_search(
            view, ranked, best, started, budget, search_until, improved, notes
        )
    elif not interrupted and lagrange.bound < found.cost:
        promising = frozenset(ranked[: round(PROMISING_HOSTS * view.clusters)])
        main = large.search(
            view,
            deadline=search_until,
            improved=improved,
            start=best.host_of,
            threads=threads,
            promising=promising,
        )
        notes.append(
            f"searched on: {main.neighbourhoods} exact neighbourhoods opening only the "
            f"{len(promising)} hosts the bound favours (and the current ones)"
        )
        interrupted = main.interrupted
        if main.host_of is not None and main.cost is not None and main.cost < found.cost:
            best = attrs.evolve(best, host_of=main.host_of, cost=main.cost)
    assert best.host_of is not None and best.cost is not None
    if lagrange.bound >= best.cost:
        proof = "the Lagrangian lower bound (integer, rounded down) reaches the objective"
        return attrs.evolve(best, bound=best.cost, proven=True, proven_by=proof), notes
    remaining = deadline - time.perf_counter()
    if interrupted:
        return best, notes
    if not prove:
        return _search_on(view, best, deadline, improved, notes), notes
    try:
        keep = lagrange.surviving_pairs(view, best.cost) | set(best.host_of.items())
    except KeyboardInterrupt:
        notes.append("interrupted: the best plan found so far")
        return best, notes
    notes.append(f"Lagrangian reduced costs kept {len(keep)} of {pairs} unit-host pairs")
    if len(keep) > PROOF_PAIRS or remaining < BUILD_SECONDS_PER_THOUSAND_PAIRS * len(keep) / 1000:
        notes.append("no proof attempted: too many pairs left for the time")
        return _search_on(view, best, deadline, improved, notes), notes
    first_cost = best.cost
    exact, best = _prove_while_searching(view, keep, best, deadline, improved, notes)
    if exact is None or exact.cost is None:
        return best, notes
    if best.cost is None or exact.cost < best.cost:
        best = attrs.evolve(best, host_of=exact.host_of, cost=exact.cost)
    if exact.proven:
        # Every plan cheaper than the incumbent uses surviving pairs only, so the reduced MIP's
        # optimum (the incumbent's pairs are in it) is the whole problem's.
        proof = f"{exact.proven_by} on the pairs Lagrangian reduced costs keep"
        return attrs.evolve(best, bound=best.cost, proven=True, proven_by=proof), notes
    if exact.bound is not None and best.cost is not None:
        if exact.bound >= best.cost:
            # A plan costing at most ``first_cost`` uses surviving pairs only, and costs at
            # least HiGHS's bound on them; the plan kept costs no more than ``first_cost`` and
            # reaches that bound: no plan is cheaper.
            proof = (
                f"HiGHS's dual bound on the pairs Lagrangian reduced costs keep, rounded up, "
                f"reaches the searched plan's integer objective {best.cost} (the pairs kept "
                f"hold every plan costing at most {first_cost}); exact up to "
                f"HiGHS's feasibility tolerance ({HIGHS_FEASIBILITY_TOLERANCE:g} relative)"
            )
            return attrs.evolve(best, bound=best.cost, proven=True, proven_by=proof), notes
        best = attrs.evolve(best, bound=max(best.bound or 0, min(exact.bound, best.cost)))
    return best, notes


#: Share of the time the search has before a proof is attempted on the pairs the bound keeps.
SEARCH_SHARE_BEFORE_PROOF = 0.6
#: Share of the time the kernel (:mod:`schedcore.planning.kernel`) may take at most.
KERNEL_SHARE = 0.4
#: Problems too large for a kernel search their neighbourhoods opening only this many hosts
#: (times the clusters) of those the bound favours, besides the current hosts: smaller exact
#: sub-models, more of them solved (p3038_600 at 120 s: 2.62% above the best known, against
#: 3.97% opening any unit).
PROMISING_HOSTS = 2.0


def _unit_costs(view: Problem, host_of: dict[int, int]) -> Any:
    """Each unit's weighted cost in an allocation (the bound's first multipliers)."""
    weight = view.weights.delegate_travel
    return np.asarray(
        [weight * view.delegate_cost(i, host_of[i]) for i in range(view.size)], dtype=np.float64
    )


def _kernel_then_search(
    view: Problem,
    ranked: list[int],
    best: Allocation,
    started: float,
    budget: float,
    search_until: float,
    improved: Callable[[int, float], None],
    notes: list[str],
) -> tuple[Allocation, bool]:
    """The kernel's exact plan, then the neighbourhood search from the better plan until
    ``search_until``; returns the best allocation and whether an interrupt ended it."""
    assert best.host_of is not None and best.cost is not None
    threads = max(1, view.workers)
    until = min(search_until, time.perf_counter() + KERNEL_SHARE * budget)
    solved, interrupted = kernel.solve_kernels(
        view,
        ranked,
        incumbent=best.host_of,
        deadline=until,
        threads=threads,
        improved=lambda cost: improved(cost, time.perf_counter() - started),
    )
    if solved is not None and solved[1] < best.cost:
        best = attrs.evolve(best, host_of=solved[0], cost=solved[1])
        notes.append(f"kernel of the hosts the bound favours: {solved[1]}")
    if interrupted:
        notes.append("interrupted: the best plan found so far")
        return best, True
    if search_until - time.perf_counter() < 0.5:
        return best, False
    more = large.search(
        view, deadline=search_until, improved=improved, start=best.host_of, threads=threads
    )
    notes.append(f"searched on from it: {more.neighbourhoods} neighbourhoods")
    if more.host_of is not None and more.cost is not None and more.cost < (best.cost or 0):
        best = attrs.evolve(best, host_of=more.host_of, cost=more.cost)
    return best, more.interrupted


def _search_on(
    view: Problem,
    best: Allocation,
    deadline: float,
    improved: Callable[[int, float], None],
    notes: list[str],
) -> Allocation:
    """No proof to attempt: the rest of the time goes to the search, from the best plan."""
    if best.host_of is None or best.cost is None or deadline - time.perf_counter() < 0.5:
        return best
    more = large.search(
        view,
        deadline=deadline,
        improved=improved,
        start=best.host_of,
        threads=max(1, view.workers),
    )
    notes.append(f"searched on: {more.neighbourhoods} more neighbourhoods")
    if more.interrupted:
        notes.append("interrupted: the best plan found so far")
    if more.host_of is None or more.cost is None or more.cost >= best.cost:
        return best
    bound = None if best.bound is None else min(best.bound, more.cost)
    return attrs.evolve(best, host_of=more.host_of, cost=more.cost, bound=bound)


def _prove_while_searching(
    view: Problem,
    pairs: set[tuple[int, int]],
    best: Allocation,
    deadline: float,
    improved: Callable[[int, float], None],
    notes: list[str],
) -> tuple[Allocation | None, Allocation]:
    """HiGHS proves on ``pairs`` in a child process while, with two workers, the search goes on
    here (:mod:`schedcore.planning.highs_process`: only a child process can be ended early).

    The first to finish its time, or HiGHS's proof, ends both; an interrupt ends HiGHS and
    keeps the best plan either found.  Returns HiGHS's result (``None`` if it has none) and the
    search's best allocation.
    """
    # HiGHS overran its limit by 1-2 s under load (measured): a margin
    time_limit = max(0.1, deadline - time.perf_counter() - 1.0)
    if not highs_process.available():
        # no child process here: HiGHS alone, in a thread (an interrupt waits for its limit)
        result: list[Allocation] = []
        worker = SolverThread(
            lambda: result.append(solve_allocation(view, time_limit=time_limit, pairs=pairs)),
            name="highs",
        )
        if run_out(worker):
            notes.append("interrupted: the best plan found so far")
        return (result[0] if result else None), best
    highs = highs_process.HighsProcess(
        # one HiGHS thread: the search has the other core
        view,
        time_limit=time_limit,
        pairs=pairs,
        threads=1,
    )
    try:
        interrupted = False
        try:
            highs.start()
            if view.workers >= 2 and best.host_of is not None and best.cost is not None:
                more = large.search(
                    view,
                    deadline=deadline,
                    improved=improved,
                    start=best.host_of,
                    until=highs.done.is_set,
                )
                notes.append(f"searched on beside the proof: {more.neighbourhoods} neighbourhoods")
                interrupted = more.interrupted
                if more.host_of is not None and more.cost is not None and more.cost < best.cost:
                    bound = None if best.bound is None else min(best.bound, more.cost)
                    best = attrs.evolve(best, host_of=more.host_of, cost=more.cost, bound=bound)
            if not interrupted:
                highs.wait()  # HiGHS keeps its own time limit (the deadline)
        except KeyboardInterrupt:
            interrupted = True
        if interrupted:
            notes.append("interrupted: the best plan found so far")
        if highs.result is None:  # interrupted, died or overran: its best plan so far
            found = highs.end()
            if found is not None:
                cost = view.allocation_cost(found)
                if best.cost is None or cost < best.cost:
                    best = attrs.evolve(best, host_of=found, cost=cost)
        return highs.result, best
    finally:
        highs.close()


def _certified(problem: Problem, plan: Plan, started: float) -> Plan:
    """Re-check the plan: every rule, and in integers its objective against its bound."""
    if not plan.has_solution:
        return plan
    issues = validate(problem, plan)
    if issues:  # a modelling error: never hand out a plan that breaks a rule
        return Plan(
            status=PlanStatus.UNKNOWN,
            wall_seconds=time.perf_counter() - started,
            notes=(*plan.notes, f"plan rejected by the validator: {issues[0].description}"),
        )
    terms_of_plan = breakdown(problem, plan)
    objective = objective_of(problem, terms_of_plan)
    notes = list(plan.notes)
    status = plan.status
    if plan.objective != objective:
        notes.append(
            f"objective re-computed in integers: {objective} (solver said {plan.objective})"
        )
    bound = plan.bound if plan.bound is None else min(plan.bound, objective)
    if status is PlanStatus.OPTIMAL and (plan.bound is None or plan.bound < objective):
        status = PlanStatus.FEASIBLE
        notes.append("not claimed optimal: the proven bound is below the integer objective")
    return attrs.evolve(
        plan,
        status=status,
        objective=objective,
        bound=bound,
        breakdown={**plan.breakdown, **terms_of_plan},
        proven_by=plan.proven_by if status is PlanStatus.OPTIMAL else None,
        notes=tuple(notes),
    )


def _solve_allocation_only(
    problem: Problem, started: float, progress: ProgressCallback | None
) -> Plan:
    allocation, notes = _allocate(problem, started, problem.time_limit, progress)
    wall = time.perf_counter() - started
    if allocation.infeasible:
        return Plan(status=PlanStatus.INFEASIBLE, wall_seconds=wall, notes=tuple(notes))
    if allocation.host_of is None or allocation.cost is None:
        return Plan(
            status=PlanStatus.UNKNOWN, bound=allocation.bound, wall_seconds=wall, notes=tuple(notes)
        )
    clusters = clusters_from(problem, allocation.host_of)
    if progress is not None:
        bound = allocation.bound if allocation.bound is not None else 0
        progress(SolveProgress(1, allocation.cost, bound, wall))
    if allocation.proven:
        notes.append(f"allocation proven by {allocation.proven_by}")
    return Plan(
        status=PlanStatus.OPTIMAL if allocation.proven else PlanStatus.FEASIBLE,
        clusters=clusters,
        objective=allocation.cost,
        bound=allocation.bound,
        wall_seconds=wall,
        breakdown=breakdown(problem, Plan(status=PlanStatus.FEASIBLE, clusters=clusters)),
        loads=cluster_loads(problem, clusters),
        notes=tuple(notes),
        proven_by=allocation.proven_by if allocation.proven else None,
    )


def _usable_hint(problem: Problem, hint: Plan | None, notes: list[str]) -> Plan | None:
    """The hint re-checked and re-costed under ``problem`` (its stored figures are not trusted)."""
    if hint is None or not hint.has_solution:
        return None
    try:
        broken = bool(validate(problem, hint))
    except (KeyError, ValueError, SchedcoreError):
        broken = True
    if broken:
        notes.append("the hint breaks a rule of this problem: ignored")
        return None
    terms_of_hint = breakdown(problem, hint)
    return attrs.evolve(
        hint,
        status=PlanStatus.FEASIBLE,
        objective=objective_of(problem, terms_of_hint),
        bound=None,
        breakdown=terms_of_hint,
        loads=cluster_loads(problem, hint.clusters),
        proven_by=None,
    )


def _solve_joint(
    problem: Problem, started: float, progress: ProgressCallback | None, hint: Plan | None
) -> Plan:
    deadline = started + problem.time_limit
    notes: list[str] = []
    allocation, stage_notes = _allocate(problem, started, 0.5 * problem.time_limit, progress)
    notes += stage_notes
    if allocation.infeasible:
        notes.append("the allocation alone (halls, sizes, host pins) is infeasible")
        return Plan(
            status=PlanStatus.INFEASIBLE,
            wall_seconds=time.perf_counter() - started,
            notes=tuple(notes),
        )
    lower_bound = allocation.bound
    incumbent = _usable_hint(problem, hint, notes)
    large_problem = searched(problem)
    if incumbent is None and allocation.host_of is not None:
        fixed = {(i, j) for i, j in allocation.host_of.items()}
        scheduled = _run(
            problem,
            pairs=fixed,
            routes=not large_problem,  # shorter routes are a nicety a large model cannot afford
            started=started,
            time_limit=max(
                0.1,
                min(
                    SCHEDULE_SECONDS if not large_problem else problem.time_limit,
                    deadline - time.perf_counter(),
                ),
            ),
            progress=progress,
        )
        if scheduled.has_solution:
            incumbent = scheduled
            if allocation.proven and allocation_is_objective(problem):
                # Certificate: the cost is delegate travel alone, A* bounds every joint plan
                # from below, and this plan reaches A* while meeting every hard constraint.
                notes.append("optimal allocation admits a schedule: joint optimum certified")
                return attrs.evolve(
                    scheduled,
                    status=PlanStatus.OPTIMAL,
                    bound=scheduled.objective,
                    wall_seconds=time.perf_counter() - started,
                    notes=tuple(notes),
                    proven_by=f"{allocation.proven_by}, for the allocation; its schedule "
                    "keeps every rule at no extra cost",
                )
        elif scheduled.status is PlanStatus.INFEASIBLE:
            notes.append("the allocation found has no feasible schedule")
        else:
            notes.append("scheduling the allocation found ran out of time (UNKNOWN)")
    if large_problem or allocation.interrupted:
        # the joint model over every host is what does not scale, and an interrupted solve
        # ends here: keep the scheduled plan
        wall = time.perf_counter() - started
        if incumbent is None:
            return Plan(
                status=PlanStatus.UNKNOWN, bound=lower_bound, wall_seconds=wall, notes=tuple(notes)
            )
        return attrs.evolve(
            incumbent,
            status=PlanStatus.FEASIBLE,
            bound=lower_bound,
            wall_seconds=wall,
            notes=tuple(notes),
        )
    pairs = None
    if incumbent is not None and incumbent.objective is not None:
        relaxation = relax_allocation(problem)
        if relaxation is not None:
            pairs = surviving_pairs(problem, relaxation, incumbent.objective)
            notes.append(
                f"reduced-cost fixing kept {len(pairs)} of {len(relaxation.reduced_cost)} "
                "unit-host pairs"
            )
    final = _run(
        problem,
        pairs=pairs,
        started=started,
        time_limit=max(0.1, deadline - time.perf_counter()),
        hint=incumbent,
        delegate_lower_bound=lower_bound,
        progress=progress,
        notes=tuple(notes),
    )
    if final.status is PlanStatus.OPTIMAL:
        return attrs.evolve(final, proven_by="CP-SAT on the joint model (exact integer arithmetic)")
    if incumbent is None:
        if final.status is PlanStatus.INFEASIBLE and pairs is None:
            return final
        return final if final.has_solution else attrs.evolve(final, status=PlanStatus.UNKNOWN)
    best = final if final.has_solution and _better(final, incumbent) else incumbent
    bounds_known = [b for b in (final.bound, lower_bound) if b is not None]
    return attrs.evolve(
        best,
        status=PlanStatus.FEASIBLE,
        bound=max(bounds_known) if bounds_known else None,
        wall_seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def clusters_from(problem: Problem, host_of: dict[int, int]) -> tuple[PlannedCluster, ...]:
    """Clusters (numbered by host code) of an allocation given as unit -> host positions."""
    members: dict[int, list[str]] = {}
    for i, j in host_of.items():
        members.setdefault(j, []).append(problem.units[i].code)
    order = sorted(members, key=lambda j: problem.units[j].code)
    return tuple(
        PlannedCluster(id=number, host=problem.units[j].code, members=tuple(members[j]))
        for number, j in enumerate(order, start=1)
    )


def _better(a: Plan, b: Plan) -> bool:
    return a.objective is not None and (b.objective is None or a.objective < b.objective)


def _run(
    problem: Problem,
    *,
    pairs: set[tuple[int, int]] | None,
    started: float,
    time_limit: float,
    deterministic_limit: float | None = None,
    hint: Plan | None = None,
    delegate_lower_bound: int | None = None,
    routes: bool = False,
    progress: ProgressCallback | None = None,
    notes: tuple[str, ...] = (),
) -> Plan:
    """One CP-SAT solve; ``routes`` also minimises trainer travel when its weight is 0."""
    planning = build_model(problem, pairs=pairs, with_routes=routes)
    objective = weighted_sum(planning)
    if routes and problem.weights.trainer_travel == 0 and planning.arcs:
        objective = objective + terms(planning)["trainer_travel"]
    if delegate_lower_bound is not None:
        delegate = terms(planning)["delegate_travel"]
        planning.model.add(problem.weights.delegate_travel * delegate >= delegate_lower_bound)
    planning.model.minimize(objective)
    if hint is not None:
        add_plan_hint(planning, hint)
    solver = solver_for(problem, time_limit=time_limit)
    if deterministic_limit is not None:
        solver.parameters.max_deterministic_time = deterministic_limit
    reporter = ProgressReporter(progress, started) if progress is not None else None
    code = solver.solve(planning.model, reporter)
    return extract_plan(planning, solver, code, started, notes=notes)


def add_plan_hint(planning: PlanningModel, plan: Plan) -> None:
    problem = planning.problem
    host_of = {problem.position(c): problem.position(h) for c, h in plan.host_of().items()}
    day_of = None
    if problem.days is not None:
        day_of = {
            problem.position(c.host): problem.days.index(c.date)
            for c in plan.clusters
            if c.date is not None and c.date in problem.days
        }
    hint_from(planning, host_of, day_of)


def extract_plan(
    planning: PlanningModel,
    solver: cp_model.CpSolver,
    code: Any,
    started: float,
    *,
    notes: tuple[str, ...] = (),
) -> Plan:
    """Read the clusters, objective, bound and breakdown from a finished solve."""
    problem = planning.problem
    status = _STATUS.get(code, PlanStatus.UNKNOWN)
    wall = time.perf_counter() - started
    if status not in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE):
        return Plan(status=status, wall_seconds=wall, notes=notes)
    clusters = read_clusters(planning, solver)
    terms_of_plan = breakdown(problem, Plan(status=status, clusters=clusters))
    return Plan(
        status=status,
        clusters=clusters,
        objective=objective_of(problem, terms_of_plan),
        bound=round(solver.best_objective_bound),
        wall_seconds=wall,
        breakdown=terms_of_plan,
        loads=cluster_loads(problem, clusters),
        notes=notes,
    )


def read_clusters(planning: PlanningModel, solver: cp_model.CpSolver) -> tuple[PlannedCluster, ...]:
    """Clusters numbered 1..P by date, then host code (by host code without dates)."""
    problem = planning.problem
    open_hosts = [j for j in planning.hosts if solver.boolean_value(planning.is_open(j))]
    members: dict[int, list[str]] = {j: [] for j in open_hosts}
    for (i, j), v in planning.assign.items():
        if solver.boolean_value(v):
            members[j].append(problem.units[i].code)
    dates: dict[int, int] = {}
    teams: dict[int, str] = {}
    if problem.days is not None:
        for j in open_hosts:
            dates[j] = solver.value(planning.day_of[j])
        for (j, k, _), v in planning.run.items():
            if solver.boolean_value(v):
                teams[j] = problem.trainer_teams[k].name
    order = sorted(open_hosts, key=lambda j: (dates.get(j, 0), problem.units[j].code))
    return tuple(
        PlannedCluster(
            id=number,
            host=problem.units[j].code,
            members=tuple(members[j]),
            date=problem.days[dates[j]] if problem.days is not None else None,
            trainer_team=teams.get(j),
        )
        for number, j in enumerate(order, start=1)
    )
