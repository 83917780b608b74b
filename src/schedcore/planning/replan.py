"""Re-planning after a change with the least disruption, then the least cost.

Give the *changed* problem (a blackout added, a host withdrawn, a pin, a hall cut) and the
plan in force.  Disruption counts the units that change host, plus the sessions that keep their
host but change date, plus those that change trainer team.  It is minimised first and cost
second, in one weighted objective (``disruption x M + cost`` with ``M`` above any cost
difference, so the order is exact).  When the problem places what fits with the automatic
weights, left-out delegates come before disruption (their weight is raised above every
disruption while solving); with weights given for them, a unit the current plan placed and the
new one leaves out counts as moved, and the given weights trade left-out delegates against
travel within the cost.  Either way the plan's ``objective`` is its cost under the problem's own
weights (:func:`~schedcore.planning.costs.effective_weights`, what ``schedcore`` prints beside
each term), so a re-plan and a plan of the same problem compare.  The current plan warm-starts
the search.  ``OPTIMAL`` means: no plan disrupts less, and among the least disruptive plans none
costs less.
"""

from __future__ import annotations

import time

import attrs

from schedcore.errors import InvalidInputError
from schedcore.planning.costs import effective_weights, travel_ceiling, unplaced_codes
from schedcore.planning.fit import why_left_out
from schedcore.planning.model import build_model
from schedcore.planning.objective import terms, weighted_sum
from schedcore.planning.plan import Plan, PlanStatus
from schedcore.planning.portfolio import prove_allocation
from schedcore.planning.problem import Problem
from schedcore.planning.solve import (
    ProgressCallback,
    ProgressReporter,
    add_plan_hint,
    extract_plan,
    solver_for,
)

__all__ = ["disruption", "kept_numbers", "replan"]


def disruption(current: Plan, new: Plan) -> tuple[int, int, int]:
    """Units that changed host; sessions (same host) that changed date; that changed team."""
    old_host = current.host_of()
    new_host = new.host_of()
    moved = sum(1 for code, host in old_host.items() if new_host.get(code) != host)
    kept = {c.host: c for c in new.clusters}
    redated = sum(1 for c in current.clusters if c.host in kept and kept[c.host].date != c.date)
    reteamed = sum(
        1
        for c in current.clusters
        if c.host in kept and kept[c.host].trainer_team != c.trainer_team
    )
    return moved, redated, reteamed


def replan(problem: Problem, current: Plan, *, progress: ProgressCallback | None = None) -> Plan:
    """The least disruptive plan of ``problem`` from ``current``, cheapest among those."""
    started = time.perf_counter()
    codes = set(problem.codes)
    planned = {code for c in current.clusters for code in c.members}
    # a plan of what fits may have left units out; it never names a unit the problem lacks
    if planned != codes and not (problem.place_what_fits and planned <= codes):
        raise InvalidInputError(
            "the current plan must cover exactly the problem's units "
            f"(missing: {sorted(codes - planned)}, unknown: {sorted(planned - codes)})"
        )
    planning = build_model(problem, break_symmetry=False)
    model = planning.model
    moved = []
    for code, host in current.host_of().items():
        pair = (problem.position(code), problem.position(host))
        stays = planning.assign.get(pair)
        moved.append(1 if stays is None else 1 - stays)
    redated = []
    if problem.days is not None:
        for cluster in current.clusters:
            j = problem.position(cluster.host)
            if (j, j) not in planning.assign or cluster.date not in problem.days:
                continue
            d = problem.days.index(cluster.date)
            changed = model.new_bool_var(f"redated[{cluster.host}]")
            model.add(changed >= planning.is_open(j) - planning.unit_day[j, d])
            redated.append(changed)
            names = [team.name for team in problem.trainer_teams]
            if cluster.trainer_team in names:
                k = names.index(cluster.trainer_team)
                same_team = sum(planning.run[j, k, e] for e in range(len(problem.days)))
                switched = model.new_bool_var(f"reteamed[{cluster.host}]")
                model.add(switched >= planning.is_open(j) - same_team)
                redated.append(switched)
    big = travel_ceiling(problem)
    # Placing what fits: left-out units weigh more than any disruption, so the re-plan places
    # the most delegates first, then disrupts least, then costs least.
    most_disruption = len(moved) + len(redated)
    cost = weighted_sum(
        planning, weights=effective_weights(problem, above=big * (most_disruption + 1))
    )
    if not problem.place_what_fits:
        # The optimal allocation of the changed problem bounds every plan's delegate travel
        # from below; telling CP-SAT lets it prove "no cheaper plan at this disruption" quickly.
        allocation = prove_allocation(problem, time_limit=problem.time_limit / 2)
        if allocation.infeasible:
            return Plan(status=PlanStatus.INFEASIBLE, wall_seconds=time.perf_counter() - started)
        if allocation.bound is not None:
            delegate_term = terms(planning)["delegate_travel"]
            model.add(problem.weights.delegate_travel * delegate_term >= allocation.bound)
    model.minimize(big * (sum(moved) + sum(redated)) + cost)
    add_plan_hint(planning, current)
    solver = solver_for(
        problem, time_limit=max(0.1, problem.time_limit - (time.perf_counter() - started))
    )
    reporter = ProgressReporter(progress, started) if progress is not None else None
    status = solver.solve(model, reporter)
    plan = extract_plan(planning, solver, status, started, notes=("re-plan: disruption first",))
    if not plan.has_solution:
        return plan
    units_moved, sessions_redated, sessions_reteamed = disruption(current, plan)
    delegate = int(solver.value(terms(planning)["delegate_travel"]))
    breakdown = dict(plan.breakdown)
    breakdown.update(
        units_moved=units_moved,
        sessions_redated=sessions_redated,
        sessions_reteamed=sessions_reteamed,
    )
    objective = plan.objective
    numbers = kept_numbers(current, plan)
    return Plan(
        status=plan.status,
        clusters=tuple(
            sorted((attrs.evolve(c, id=numbers[c.id]) for c in plan.clusters), key=lambda c: c.id)
        ),
        objective=objective,
        bound=objective if plan.status is PlanStatus.OPTIMAL else None,
        wall_seconds=time.perf_counter() - started,
        breakdown=breakdown,
        loads=tuple(
            sorted(
                (attrs.evolve(load, cluster=numbers[load.cluster]) for load in plan.loads),
                key=lambda load: load.cluster,
            )
        ),
        unplaced=tuple(why_left_out(problem, plan, code) for code in unplaced_codes(problem, plan)),
        notes=(
            *plan.notes,
            _order(problem),
            f"{units_moved} unit(s) moved, {sessions_redated} session(s) re-dated, "
            f"{sessions_reteamed} given another team, "
            f"delegate travel {delegate:,}",
        ),
    )


def _order(problem: Problem) -> str:
    """What the re-plan minimised, in order, as a note for the planner."""
    weights = problem.weights
    automatic = weights.unplaced_delegate is None and weights.unplaced_unit is None
    if problem.place_what_fits and automatic:
        return "minimised in order: delegates left out, units left out, disruption, cost"
    return "minimised in order: disruption (a unit left out counts as moved), cost"


def kept_numbers(current: Plan, plan: Plan) -> dict[int, int]:
    """New cluster number -> the number it keeps: a cluster keeps the number it had under the
    same host, so that recording a re-plan changes only what moved (a new host takes the
    lowest number free)."""
    number_of_host = {c.host: c.id for c in current.clusters}
    kept = {c.id: number_of_host[c.host] for c in plan.clusters if c.host in number_of_host}
    free = iter(
        sorted(set(range(1, len(plan.clusters) + len(current.clusters) + 1)) - set(kept.values()))
    )
    for cluster in sorted(plan.clusters, key=lambda c: c.id):
        if cluster.id not in kept:
            kept[cluster.id] = next(free)
    return kept
