"""``solve(problem) -> Plan``: a pure function from a planning problem to a plan.

Nothing is read or written here; the caller decides what to do with the plan.  The solve runs
CP-SAT on the model of :mod:`schedcore.planning.model` after a safe reduction
(:mod:`schedcore.planning.reduce`); ``OPTIMAL`` is claimed only when CP-SAT proved the whole
model optimal, and the reduction only drops (unit, host) pairs that no better plan can use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
from ortools.sat.python import cp_model

from schedcore.planning.model import PlanningModel, build_model, hint_from
from schedcore.planning.objective import terms, weighted_sum
from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus, cluster_loads
from schedcore.planning.portfolio import prove_allocation
from schedcore.planning.problem import Problem
from schedcore.planning.reduce import relax_allocation, surviving_pairs
from schedcore.planning.validate import trainer_travel

__all__ = [
    "ProgressCallback",
    "ProgressReporter",
    "SolveProgress",
    "add_plan_hint",
    "clusters_from",
    "extract_plan",
    "solve",
    "solver_for",
]


@attrs.frozen
class SolveProgress:
    """One improving solution: its objective, the proven bound, seconds since the start."""

    solutions: int
    objective: int
    bound: int
    seconds: float


#: What ``solve(problem, progress=...)`` calls with each improving solution.
ProgressCallback = Callable[[SolveProgress], None]

#: Time allowed to schedule the optimal allocation (a small model: hosts are fixed).
SCHEDULE_SECONDS = 10.0

_STATUS: dict[Any, PlanStatus] = {
    cp_model.OPTIMAL: PlanStatus.OPTIMAL,
    cp_model.FEASIBLE: PlanStatus.FEASIBLE,
    cp_model.INFEASIBLE: PlanStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: PlanStatus.UNKNOWN,
    cp_model.UNKNOWN: PlanStatus.UNKNOWN,
}


class ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Turns CP-SAT solution callbacks into :class:`Progress` reports."""

    def __init__(self, progress: ProgressCallback, started: float) -> None:
        super().__init__()
        self._progress = progress
        self._started = started
        self._count = 0

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

    Allocation-only problems are proven by the MIP of ``schedcore.planning.mip``.  With
    dates, three stages (``docs/concepts/planning-model.md`` explains why each is exact): the
    optimal allocation A* (a lower bound of the joint cost); the best schedule of that
    allocation (an incumbent: when trainer travel is not in the objective, it is already the
    joint optimum); then the joint CP-SAT model, reduced to the unit-host pairs that a better
    plan could still use, with ``delegate travel >= A*`` and the incumbent as a hint.
    ``hint`` (a previous plan of the same units) replaces the first two stages' incumbent.
    ``progress`` is called for each improving solution of the CP-SAT stages (the MIP reports
    once, when it finishes).
    """
    started = time.perf_counter()
    if not problem.has_dates:
        return _solve_allocation_only(problem, started, progress)
    return _solve_joint(problem, started, progress, hint)


def _solve_allocation_only(
    problem: Problem, started: float, progress: ProgressCallback | None
) -> Plan:
    allocation = prove_allocation(problem, time_limit=problem.time_limit)
    wall = time.perf_counter() - started
    if allocation.infeasible:
        return Plan(status=PlanStatus.INFEASIBLE, wall_seconds=wall)
    if allocation.host_of is None or allocation.cost is None:
        return Plan(status=PlanStatus.UNKNOWN, bound=allocation.bound, wall_seconds=wall)
    clusters = clusters_from(problem, allocation.host_of)
    if progress is not None:
        progress(SolveProgress(1, allocation.cost, allocation.bound or allocation.cost, wall))
    return Plan(
        status=PlanStatus.OPTIMAL if allocation.proven else PlanStatus.FEASIBLE,
        clusters=clusters,
        objective=allocation.cost,
        bound=allocation.bound,
        wall_seconds=wall,
        breakdown={"delegate_travel": allocation.cost // max(1, problem.weights.delegate_travel)},
        loads=cluster_loads(problem, clusters),
        notes=("allocation proven by the MIP (HiGHS via OR-Tools MathOpt)",)
        if allocation.proven
        else (),
    )


def _solve_joint(
    problem: Problem, started: float, progress: ProgressCallback | None, hint: Plan | None
) -> Plan:
    deadline = started + problem.time_limit
    notes: list[str] = []
    allocation = prove_allocation(problem, time_limit=0.5 * problem.time_limit)
    if allocation.infeasible:
        notes.append("the allocation alone (halls, sizes, host pins) is infeasible")
        return Plan(
            status=PlanStatus.INFEASIBLE,
            wall_seconds=time.perf_counter() - started,
            notes=tuple(notes),
        )
    lower_bound = allocation.bound
    incumbent = hint if hint is not None and hint.has_solution else None
    if incumbent is None and allocation.host_of is not None:
        fixed = {(i, j) for i, j in allocation.host_of.items()}
        scheduled = _run(
            problem,
            pairs=fixed,
            routes=True,
            started=started,
            time_limit=max(0.1, min(SCHEDULE_SECONDS, deadline - time.perf_counter())),
            progress=progress,
        )
        if scheduled.has_solution:
            incumbent = scheduled
            trainer_free = not problem.trainer_teams or problem.weights.trainer_travel == 0
            if allocation.proven and trainer_free:
                # Certificate: the cost is delegate travel alone, A* bounds every joint plan
                # from below, and this plan reaches A* while meeting every hard constraint.
                notes.append("optimal allocation admits a schedule: joint optimum certified")
                return attrs.evolve(
                    scheduled,
                    status=PlanStatus.OPTIMAL,
                    bound=scheduled.objective,
                    wall_seconds=time.perf_counter() - started,
                    notes=tuple(notes),
                )
        else:
            notes.append("the optimal allocation has no feasible schedule")
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
    if final.status is PlanStatus.OPTIMAL or incumbent is None:
        return final
    best = final if final.has_solution and _better(final, incumbent) else incumbent
    bounds = [b for b in (final.bound, lower_bound) if b is not None]
    return attrs.evolve(
        best,
        status=PlanStatus.FEASIBLE,
        bound=max(bounds) if bounds else None,
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
    plan = Plan(status=status, clusters=clusters)
    breakdown = {
        "delegate_travel": int(solver.value(terms(planning)["delegate_travel"])),
        "trainer_travel": trainer_travel(problem, plan),
    }
    weights = problem.weights
    objective = weights.delegate_travel * breakdown["delegate_travel"] + (
        weights.trainer_travel * breakdown["trainer_travel"] if planning.arcs else 0
    )
    return Plan(
        status=status,
        clusters=clusters,
        objective=objective,
        bound=round(solver.best_objective_bound),
        wall_seconds=wall,
        breakdown=breakdown,
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
