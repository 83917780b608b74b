"""Placing what fits: a plan of an over-constrained problem that leaves some units out.

With ``Problem.place_what_fits`` a unit may be in no cluster.  Each left-out delegate and unit
costs its weight (``unplaced_delegates`` and ``unplaced_units``); the automatic weights
(:func:`schedcore.planning.costs.effective_weights`) make the plan place the most delegates,
then the most units, then cost the least.  Every other hard constraint holds for the units
placed, and the number of clusters stays exact: units are left out, sessions are not.

With automatic weights the strict problem is tried first, with half the time: when every unit
fits, its plan is the answer (a left-out unit would cost more than any plan's travel), proof and
all.  Otherwise CP-SAT solves the model with one placement literal per unit.  Each unit left
out is then explained against the plan as it stands (:func:`why_left_out`).
"""

from __future__ import annotations

import time
from collections import defaultdict

import attrs

from schedcore.domain.rule_names import (
    ALLOWED_DATES,
    BRIDGE_CAPACITY,
    CLUSTER_SIZE,
    HALL_CAPACITY,
    MAX_TRAVEL_KM,
)
from schedcore.planning.costs import breakdown, effective_weights, objective_of, unplaced_codes
from schedcore.planning.model import build_model
from schedcore.planning.objective import weighted_sum
from schedcore.planning.plan import Plan, Unplaced
from schedcore.planning.problem import Problem
from schedcore.planning.solve import (
    ProgressCallback,
    ProgressReporter,
    extract_plan,
    solve,
    solver_for,
)

__all__ = ["solve_what_fits", "why_left_out"]


def solve_what_fits(problem: Problem, *, progress: ProgressCallback | None = None) -> Plan:
    """The best plan of ``problem`` that may leave units out (``Plan.unplaced`` says which).

    ``INFEASIBLE`` only when not even the clusters themselves can be formed (too few hosts,
    days or teams for ``clusters`` sessions, or pins that contradict each other).
    """
    started = time.perf_counter()
    effective_weights(problem)  # refuses weights that would overflow, before any solving
    weights = problem.weights
    notes: list[str] = []
    if weights.unplaced_delegate is None and weights.unplaced_unit is None:
        strict = problem.with_changes(
            place_what_fits=False, time_limit=max(0.1, problem.time_limit / 2)
        )
        first = solve(strict, progress=progress)
        if first.has_solution:
            terms = breakdown(problem, first)
            return attrs.evolve(
                first,
                breakdown=terms,
                objective=objective_of(problem, terms),
                wall_seconds=time.perf_counter() - started,
                notes=(*first.notes, "every unit fits: none left out"),
            )
        notes.append(f"not every unit fits ({first.status.value} when placing all)")
    remaining = max(0.1, problem.time_limit - (time.perf_counter() - started))
    planning = build_model(problem)
    planning.model.minimize(weighted_sum(planning))
    solver = solver_for(problem, time_limit=remaining)
    reporter = ProgressReporter(progress, started) if progress is not None else None
    code = solver.solve(planning.model, reporter)
    plan = extract_plan(planning, solver, code, started, notes=tuple(notes))
    if not plan.has_solution:
        return plan
    left_out = tuple(why_left_out(problem, plan, unit) for unit in unplaced_codes(problem, plan))
    if left_out:
        delegates = sum(u.delegates for u in left_out)
        total = sum(u.demand for u in problem.units)
        notes.append(
            f"{len(left_out)} unit(s) left out with {delegates:,} of {total:,} delegates: "
            + ", ".join(u.unit for u in left_out)
        )
    return attrs.evolve(
        plan,
        unplaced=left_out,
        notes=tuple(notes),
        wall_seconds=time.perf_counter() - started,
    )


def why_left_out(problem: Problem, plan: Plan, code: str) -> Unplaced:
    """Why unit ``code`` cannot join any cluster of ``plan`` as it stands.

    Each cluster is checked for the hard constraints that adding the unit would break: its
    hall (``hall_capacity``), its size (``cluster_size``), the travel cap (``max_travel_km``),
    the unit's blackouts on its date (``allowed_dates``) and the day's bridge points
    (``bridge_capacity``).  ``rules`` lists those that block some cluster, the most blocking
    first.  A unit that some cluster could take is left out for its cost (weights given) or
    because the search stopped early; its ``rules`` are empty.
    """
    unit = problem.unit(code)
    bridges: dict[object, int] = defaultdict(int)
    for cluster in plan.clusters:
        bridges[cluster.date] += sum(problem.unit(m).communes for m in cluster.members)
    blocked: dict[str, int] = defaultdict(int)
    free_seats = 0
    open_clusters = 0
    for cluster in plan.clusters:
        hall = problem.unit(cluster.host).capacity or 0
        free = hall - sum(problem.unit(m).demand for m in cluster.members)
        free_seats = max(free_seats, free)
        rules = []
        if unit.demand > free:
            rules.append(HALL_CAPACITY)
        if problem.max_size is not None and len(cluster.members) >= problem.max_size:
            rules.append(CLUSTER_SIZE)
        if problem.max_travel_km is not None and not problem.may_serve(
            problem.position(code), problem.position(cluster.host)
        ):
            rules.append(MAX_TRAVEL_KM)
        if cluster.date is not None and cluster.date in unit.blackout:
            rules.append(ALLOWED_DATES)
        if (
            problem.bridge_capacity is not None
            and cluster.date is not None
            and bridges[cluster.date] + unit.communes > problem.bridge_capacity
        ):
            rules.append(BRIDGE_CAPACITY)
        for rule in rules:
            blocked[rule] += 1
        if not rules:
            open_clusters += 1
    ranked = tuple(sorted(blocked, key=lambda rule: (-blocked[rule], rule)))
    clusters = len(plan.clusters)
    short = max(0, unit.demand - free_seats)
    seats = f"{unit.demand:,} delegates; at most {free_seats:,} seats free in one cluster"
    if short:
        seats += f" ({short:,} short)"
    if open_clusters:
        reason = (
            f"{unit}: {seats}; it could join {open_clusters} of {clusters} cluster(s) as they "
            "stand; it is left out for its cost or because the search stopped early"
        )
    else:
        parts = [f"{rule} blocks {blocked[rule]} of {clusters}" for rule in ranked]
        reason = f"{unit}: {seats}; it fits no cluster: " + "; ".join(parts)
    return Unplaced(
        unit=code,
        delegates=unit.demand,
        free_seats=free_seats,
        rules=() if open_clusters else ranked,
        reason=reason,
    )
