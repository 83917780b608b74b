"""Proving the allocation with two solvers: HiGHS's MIP, joined for a while by CP-SAT.

Measured (``docs/benchmarks.md``): on the OR-Library n = 100 instances HiGHS proves optimality
where CP-SAT stalls on its lower bound; on the 63-province allocation CP-SAT proves it about
three times sooner.  So HiGHS runs in a child process (MathOpt cannot interrupt HiGHS, a child
process can be ended) with a one-second head start, then CP-SAT races it for a few seconds and
stops; the first proof ends the other solver.  Instances HiGHS proves at once pay nothing for
the race, hard ones pay at most the few seconds CP-SAT shares the machine.  With one worker, or
where processes cannot be forked, only HiGHS runs, which keeps the result deterministic.

Two failures are covered: when neither solver has any plan once CP-SAT's budget is spent (large
instances), CP-SAT searches on until HiGHS has one or the time is up; when HiGHS's process ends
without a result (killed, out of memory), HiGHS solves in this process with the time left.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from ortools.sat.python import cp_model

from schedcore.planning.mip import Allocation, solve_allocation
from schedcore.planning.model import build_model
from schedcore.planning.objective import weighted_sum
from schedcore.planning.problem import Pin, Problem, Weights

__all__ = ["CP_SAT_BUDGET_SECONDS", "HEAD_START_SECONDS", "allocation_view", "prove_allocation"]

#: HiGHS runs alone this long before CP-SAT joins the race.
HEAD_START_SECONDS = 1.0
#: CP-SAT races for at most this long, then leaves the machine to HiGHS.
CP_SAT_BUDGET_SECONDS = 6.0


def allocation_view(problem: Problem) -> Problem:
    """The problem without dates, teams and bridges: a relaxation of the joint problem, whose
    objective is delegate travel alone (the fairness terms weigh 0 here)."""
    pins = [
        Pin(unit=pin.unit, host=pin.host, with_unit=pin.with_unit)
        for pin in problem.pins
        if pin.host is not None or pin.with_unit is not None
    ]
    return problem.with_changes(
        days=None,
        trainer_teams=(),
        bridge_capacity=None,
        pins=pins,
        distances=problem.km,
        weights=Weights(delegate_travel=problem.weights.delegate_travel),
    )


def _highs_child(view: Problem, time_limit: float, sender: Connection) -> None:
    sender.send(solve_allocation(view, time_limit=time_limit, threads=None))
    sender.close()


def prove_allocation(problem: Problem, *, time_limit: float) -> Allocation:
    """The optimal allocation of ``problem``'s allocation view, from whichever solver proves it."""
    view = allocation_view(problem)
    if problem.workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return solve_allocation(view, time_limit=time_limit)
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_highs_child, args=(view, time_limit, sender), daemon=True)
    child.start()
    sender.close()
    # HiGHS alone first: most small instances are proven within the head start, and then
    # CP-SAT would only have taken CPU from it.
    if receiver.poll(min(HEAD_START_SECONDS, time_limit)):
        try:
            early: Allocation | None = receiver.recv()
        except EOFError:  # the child died: solve here with the time left
            early = None
        child.join()
        receiver.close()
        if early is not None:
            return early
        remaining = max(0.1, time_limit - (time.perf_counter() - started))
        return solve_allocation(view, time_limit=remaining)
    planning = build_model(view)
    planning.model.minimize(weighted_sum(planning))
    solver = cp_model.CpSolver()
    remaining = time_limit - (time.perf_counter() - started)
    solver.parameters.max_time_in_seconds = max(0.1, min(CP_SAT_BUDGET_SECONDS, remaining))
    solver.parameters.num_workers = problem.workers - 1
    solver.parameters.random_seed = problem.seed
    solver.parameters.linearization_level = 2
    received: dict[str, Any] = {}
    # Once CP-SAT's budget is spent without a plan, it keeps searching until HiGHS has one.
    phase = {"searching_for_any_plan": False}

    def watch_highs() -> None:
        try:
            if receiver.poll(time_limit + 5.0):
                received["mip"] = receiver.recv()
        except (EOFError, OSError):  # the child died without a result
            received["died"] = True
            if phase["searching_for_any_plan"]:
                solver.stop_search()  # HiGHS takes over in this process
            return
        mip = received.get("mip")
        if not isinstance(mip, Allocation):
            return
        if mip.proven or (phase["searching_for_any_plan"] and mip.cost is not None):
            solver.stop_search()

    watcher = threading.Thread(target=watch_highs, name="highs-watcher", daemon=True)
    watcher.start()
    status = solver.solve(planning.model)
    if status == cp_model.UNKNOWN and not _has_plan(received.get("mip")):
        # Neither solver has a plan yet (large instances): giving up here would waste the rest
        # of the time limit, so CP-SAT searches on beside HiGHS.
        phase["searching_for_any_plan"] = True
        remaining = time_limit - (time.perf_counter() - started)
        if remaining > 0.1 and not _has_plan(received.get("mip")) and "died" not in received:
            solver.parameters.max_time_in_seconds = remaining
            status = solver.solve(planning.model)
    cp_proved = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if cp_proved and "mip" not in received:
        child.terminate()
    watcher.join()  # HiGHS's result, its death, or its time limit (+5 s) passing
    if child.is_alive():
        child.terminate()  # over its time limit (building a large model counts too)
    child.join()
    receiver.close()
    if "died" in received and not cp_proved:
        # HiGHS's process ended without a result (killed, out of memory): it is the stronger
        # prover, so it solves here with the time left rather than leaving CP-SAT's bound.
        remaining = max(0.1, time_limit - (time.perf_counter() - started))
        received["mip"] = solve_allocation(view, time_limit=remaining)
    mip: Allocation | None = received.get("mip")
    if mip is not None and (mip.proven or (not cp_proved and status != cp_model.FEASIBLE)):
        return mip
    if mip is not None and not cp_proved and mip.cost is not None:
        cp_cost = round(solver.objective_value) if status == cp_model.FEASIBLE else None
        if cp_cost is None or mip.cost <= cp_cost:
            return mip
    seconds = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        return Allocation(None, None, None, True, True, seconds)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Allocation(None, None, None, False, False, seconds)
    host_of = {i: j for (i, j), v in planning.assign.items() if solver.boolean_value(v)}
    cost = sum(view.weights.delegate_travel * view.delegate_cost(i, j) for i, j in host_of.items())
    bound = min(cost, round(solver.best_objective_bound))
    proven = status == cp_model.OPTIMAL and bound >= cost
    proven_by = "CP-SAT (exact integer arithmetic)" if proven else None
    return Allocation(host_of, cost, bound, proven, False, seconds, proven_by)


def _has_plan(result: object) -> bool:
    return isinstance(result, Allocation) and result.cost is not None
