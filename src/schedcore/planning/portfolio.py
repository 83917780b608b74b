"""Proving the allocation with three solvers: HiGHS's MIP twice, and CP-SAT for a while.

Measured (``docs/benchmarks.md``): on the OR-Library n = 100 instances HiGHS proves optimality
where CP-SAT stalls on its lower bound; on the 63-province allocation CP-SAT proves it about
three times sooner.  So HiGHS runs in a child process (MathOpt cannot interrupt HiGHS, a child
process can be ended) with a one-second head start, then CP-SAT races it for a few seconds and
stops; the first proof ends the other solvers.  Instances HiGHS proves at once pay nothing for
the race.  With one worker, or where processes cannot be forked, only HiGHS runs, which keeps
the result deterministic.

When CP-SAT's budget is spent without a proof, and HiGHS and CP-SAT had about two cores between
them meanwhile (``SPARE_CORE_SHARE``, 1.5 cores: with other work on the machine two HiGHS
processes only halve each other's share), its best plan becomes an incumbent for a second HiGHS
child, forked at the start and waiting until then: HiGHS searched only below the incumbent
(HiGHS's ``objective_bound`` at the incumbent's cost less 0.5, the objective being integer),
with the incumbent as a hint and HiGHS's heuristics off.  Measured on pmedcap12, such a cutoff
1% above the optimum saves about a quarter of HiGHS's time (15.5 s to 11.1 s).  That child
ending its search without a cheaper plan proves the incumbent optimal; a cheaper plan it proves
is the optimum.  It races the first HiGHS child on the second core, first proof wins.  The
incumbent is re-checked against every allocation rule and re-costed in integers before it is
used: a cutoff from a wrong cost could otherwise "prove" a plan it never saw.

Failures covered: when neither solver has any plan once CP-SAT's budget is spent (large
instances), CP-SAT searches on until HiGHS has one or the time is up; when a HiGHS process ends
without a result (killed, out of memory), the other one goes on, and if neither is left HiGHS
solves in this process with the time left.  An interrupt (``KeyboardInterrupt``) after CP-SAT
has a plan returns the best plan so far, unproven.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import attrs
from ortools.sat.python import cp_model

from schedcore.planning.mip import HIGHS_FEASIBILITY_TOLERANCE, Allocation, solve_allocation
from schedcore.planning.model import build_model
from schedcore.planning.objective import weighted_sum
from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus
from schedcore.planning.problem import Pin, Problem, Weights
from schedcore.planning.validate import validate

__all__ = [
    "CP_SAT_BUDGET_SECONDS",
    "HEAD_START_SECONDS",
    "allocation_view",
    "checked_cost",
    "prove_allocation",
    "prove_below",
]

#: HiGHS runs alone this long before CP-SAT joins the race.
HEAD_START_SECONDS = 1.0
#: CP-SAT races for at most this long, then leaves the machine to HiGHS.
CP_SAT_BUDGET_SECONDS = 6.0
#: The cores HiGHS and CP-SAT must have had between them during CP-SAT's race for the second
#: HiGHS child to run: on a machine with other work, two HiGHS processes halve each other's
#: share (measured under a load average of 3 on 2 cores: pmedcap12 took 33 s instead of 16 s).
SPARE_CORE_SHARE = 1.5
#: How long past the time limit a HiGHS child may take to report (then it is ended).
_GRACE_SECONDS = 1.0
#: The longest the race waits without looking at Ctrl-C.
_WAKE_SECONDS = 0.25


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


def checked_cost(view: Problem, host_of: dict[int, int]) -> int | None:
    """The integer cost of the allocation ``host_of`` (unit -> host position) of ``view``, or
    ``None`` if it breaks an allocation rule (re-checked by the validator)."""
    if sorted(host_of) != list(range(view.size)):
        return None
    members: dict[int, list[str]] = {}
    for i, j in host_of.items():
        if not 0 <= j < view.size:
            return None
        members.setdefault(j, []).append(view.units[i].code)
    clusters = tuple(
        PlannedCluster(id=number, host=view.units[j].code, members=tuple(members[j]))
        for number, j in enumerate(sorted(members), start=1)
    )
    if validate(view, Plan(status=PlanStatus.FEASIBLE, clusters=clusters)):
        return None
    weight = view.weights.delegate_travel
    return sum(weight * view.delegate_cost(i, j) for i, j in host_of.items())


def prove_below(
    view: Problem, incumbent: Allocation, below: Allocation, seconds: float
) -> Allocation | None:
    """The proof, if any, from HiGHS's search below ``incumbent``'s cost (``below``).

    Returns the optimum HiGHS found and proved below the cutoff, or the incumbent proven
    optimal when HiGHS showed that nothing costs less, or ``None`` (no proof: a cheaper plan
    without a proof, the time ran out, or the incumbent breaks a rule or costs more than it
    says: it is re-checked and re-costed here, whatever it claims).
    """
    if incumbent.host_of is None or incumbent.cost is None:
        return None
    if checked_cost(view, incumbent.host_of) != incumbent.cost:
        return None
    if below.proven and below.cost is not None and below.cost < incumbent.cost:
        return attrs.evolve(below, seconds=seconds)
    if below.host_of is None and below.bound is not None and below.bound >= incumbent.cost:
        tolerance = HIGHS_FEASIBILITY_TOLERANCE * max(1.0, float(incumbent.cost))
        proven_by = (
            f"HiGHS MIP with the cutoff {incumbent.cost - 0.5:g} (heuristics off) found no "
            f"allocation below it, so none costs less than this plan's {incumbent.cost} "
            f"(the plan found by CP-SAT, re-checked and re-costed in integers); exact up to "
            f"HiGHS's feasibility tolerance ({HIGHS_FEASIBILITY_TOLERANCE:g} relative, about "
            f"{tolerance:.2g} at this magnitude)"
        )
        return Allocation(
            incumbent.host_of,
            incumbent.cost,
            incumbent.cost,
            True,
            False,
            seconds,
            proven_by,
        )
    return None


def _quiet_child() -> None:
    # Ctrl-C reaches the whole process group: the parent ends its children itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _highs_child(view: Problem, time_limit: float, sender: Connection) -> None:
    _quiet_child()
    sender.send(solve_allocation(view, time_limit=time_limit, threads=None))
    sender.close()


def _cutoff_child(
    view: Problem, deadline: float, incumbents: Connection, sender: Connection
) -> None:
    """Wait for an incumbent ``(host_of, cost)``, then search only below its cost."""
    _quiet_child()
    try:
        incumbent = incumbents.recv()
    except (EOFError, OSError):  # the race ended without needing it
        return
    if incumbent is None:
        return
    host_of, cost = incumbent
    remaining = deadline - time.perf_counter()  # one monotonic clock for all processes
    if remaining <= 0.1:
        return
    result = solve_allocation(
        view, time_limit=remaining, threads=1, below=cost, hint=host_of, heuristics=False
    )
    sender.send(result)
    sender.close()


class _Child:
    """A forked solver process and the pipe its one result comes back on."""

    def __init__(self, context: Any, target: Callable[..., None], *args: Any) -> None:
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=target, args=(*args, sender), daemon=True)
        self.process.start()
        sender.close()
        self.result: Allocation | None = None
        self.died = False

    @property
    def pending(self) -> bool:
        return self.result is None and not self.died

    def take(self) -> None:
        """Read what the pipe holds (it is ready): the result, or the child's end without one."""
        try:
            received = self.receiver.recv()
        except (EOFError, OSError):
            received = None
        if isinstance(received, Allocation):
            self.result = received
        else:
            self.died = True

    def end(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receiver.close()


def prove_allocation(problem: Problem, *, time_limit: float) -> Allocation:
    """The optimal allocation of ``problem``'s allocation view, from whichever solver proves it."""
    view = allocation_view(problem)
    if problem.workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return solve_allocation(view, time_limit=time_limit)
    race = _Race(view, time_limit)
    try:
        return race.run()
    except KeyboardInterrupt:
        if race.incumbent is None:
            raise
        return attrs.evolve(race.incumbent, seconds=time.perf_counter() - race.started)
    finally:
        race.end()


class _Race:
    """The children (plain HiGHS at once, HiGHS below an incumbent later) and CP-SAT here."""

    def __init__(self, view: Problem, time_limit: float) -> None:
        self.view = view
        self.started = time.perf_counter()
        self.deadline = self.started + time_limit
        context = multiprocessing.get_context("fork")
        self.plain = _Child(context, _highs_child, view, time_limit)
        incumbents, self.incumbents = context.Pipe(duplex=False)
        self.cutoff = _Child(context, _cutoff_child, view, self.deadline, incumbents)
        incumbents.close()
        self.cutoff_started = False
        #: CP-SAT's best plan, checked and re-costed (``None``: none yet).
        self.incumbent: Allocation | None = None

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def end(self) -> None:
        self.incumbents.close()
        self.cutoff.end()
        self.plain.end()

    def run(self) -> Allocation:
        view = self.view
        # HiGHS alone first: most small instances are proven within the head start, and then
        # CP-SAT would only have taken CPU from it.
        if self.plain.receiver.poll(max(0.0, min(HEAD_START_SECONDS, self.remaining()))):
            self.plain.take()
            if self.plain.result is not None:
                return self.plain.result
            return solve_allocation(view, time_limit=max(0.1, self.remaining()))
        usage = _Usage(self.plain.process.pid)
        solver, status, host_of = self._cp_sat()
        spare_core = usage.cores() >= SPARE_CORE_SHARE
        if status == cp_model.INFEASIBLE:
            return Allocation(None, None, None, True, True, self.seconds())
        if status == cp_model.OPTIMAL and host_of is not None:
            cost = checked_cost(view, host_of)
            bound = round(solver.best_objective_bound)
            if cost is not None and bound >= cost:
                by = "CP-SAT (exact integer arithmetic)"
                return Allocation(host_of, cost, cost, True, False, self.seconds(), by)
        if self.plain.result is not None and self.plain.result.proven:
            return self.plain.result
        if host_of is not None:
            cost = checked_cost(view, host_of)
            if cost is not None:
                bound = min(cost, round(solver.best_objective_bound))
                self.incumbent = Allocation(host_of, cost, bound, False, False, self.seconds())
        if self.incumbent is not None and self.remaining() > 0.5 and spare_core:
            # CP-SAT's core goes to HiGHS searching only below the incumbent
            try:
                self.incumbents.send((self.incumbent.host_of, self.incumbent.cost))
                self.cutoff_started = True
            except OSError:  # that child is gone (killed, out of memory)
                self.cutoff.died = True
        proof = self._wait_for_a_proof()
        if proof is not None:
            return proof
        if self.plain.died and (not self.cutoff_started or self.cutoff.died):
            # no HiGHS process is left (killed, out of memory): HiGHS is the stronger prover,
            # so it solves here with the time left rather than leaving CP-SAT's bound
            here = solve_allocation(view, time_limit=max(0.1, self.remaining()))
            if here.proven:
                return here
            self.plain.result = here
        return self._best_unproven()

    def _cp_sat(self) -> tuple[cp_model.CpSolver, Any, dict[int, int] | None]:
        """CP-SAT's race: its solver, status and plan (unit -> host position, if any)."""
        view = self.view
        planning = build_model(view)
        planning.model.minimize(weighted_sum(planning))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            0.1, min(CP_SAT_BUDGET_SECONDS, self.remaining())
        )
        solver.parameters.num_workers = max(1, view.workers - 1)
        solver.parameters.random_seed = view.seed
        solver.parameters.linearization_level = 2
        # Once CP-SAT's budget is spent without a plan, it keeps searching until HiGHS has one.
        searching_for_any_plan = threading.Event()
        done = threading.Event()
        plain = self.plain

        def watch_highs() -> None:
            while not done.is_set():
                if not plain.receiver.poll(0.05):
                    continue
                plain.take()
                mip = plain.result
                if mip is None:  # the child died without a result
                    if searching_for_any_plan.is_set():
                        solver.stop_search()  # HiGHS takes over in this process
                elif mip.proven or (searching_for_any_plan.is_set() and mip.cost is not None):
                    solver.stop_search()
                return

        watcher = threading.Thread(target=watch_highs, name="highs-watcher", daemon=True)
        watcher.start()
        handler = signal.getsignal(signal.SIGINT)
        try:
            status = solver.solve(planning.model)
            if status == cp_model.UNKNOWN and not _has_plan(plain.result):
                # Neither solver has a plan yet (large instances): giving up here would waste
                # the rest of the time limit, so CP-SAT searches on beside HiGHS.
                searching_for_any_plan.set()
                remaining = self.remaining()
                if remaining > 0.1 and not _has_plan(plain.result) and not plain.died:
                    solver.parameters.max_time_in_seconds = remaining
                    status = solver.solve(planning.model)
        finally:
            done.set()
            watcher.join()
            _restore_sigint(handler)
        host_of = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            host_of = {i: j for (i, j), v in planning.assign.items() if solver.boolean_value(v)}
        return solver, status, host_of

    def _wait_for_a_proof(self) -> Allocation | None:
        """The first proof from a HiGHS child, or ``None`` once none is left or time is up."""
        children = [self.plain, self.cutoff] if self.cutoff_started else [self.plain]
        while True:
            pending = [child for child in children if child.pending]
            timeout = self.remaining() + _GRACE_SECONDS
            if not pending or timeout <= 0:
                return None
            # short waits: a signal taken by another thread is only seen between them
            receivers = [c.receiver for c in pending]
            ready = multiprocessing.connection.wait(receivers, min(timeout, _WAKE_SECONDS))
            if not ready:
                if timeout <= _WAKE_SECONDS:
                    return None  # over the time limit (building a large model counts too)
                continue
            for child in pending:
                if child.receiver in ready:
                    child.take()
            if self.plain.result is not None and self.plain.result.proven:
                return self.plain.result
            if self.cutoff.result is not None and self.incumbent is not None:
                proof = prove_below(self.view, self.incumbent, self.cutoff.result, self.seconds())
                if proof is not None:
                    return proof

    def _best_unproven(self) -> Allocation:
        """No proof in the time: the cheapest plan any solver has, with the best bound."""
        found = [
            a
            for a in (self.plain.result, self.cutoff.result, self.incumbent)
            if a is not None and a.host_of is not None and a.cost is not None
        ]
        bounds = [
            a.bound
            for a in (self.plain.result, self.cutoff.result, self.incumbent)
            if a is not None and a.bound is not None
        ]
        bound = max(bounds) if bounds else None
        if not found:
            return Allocation(None, None, bound, False, False, self.seconds())
        best = min(found, key=lambda a: a.cost if a.cost is not None else 0)
        assert best.cost is not None
        bound = None if bound is None else min(bound, best.cost)
        return Allocation(best.host_of, best.cost, bound, False, False, self.seconds())


class _Usage:
    """The cores this process and a child used together from now on (Linux's ``/proc``)."""

    def __init__(self, child: int | None) -> None:
        self.child = child
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.child_cpu = _cpu_seconds(child)

    def cores(self) -> float:
        """Cores used on average; ``inf`` when too short to tell, ``0`` where unknown (no
        ``/proc``: then no core is taken to be spare)."""
        wall = time.perf_counter() - self.wall
        child_cpu = _cpu_seconds(self.child)
        if child_cpu is None or self.child_cpu is None:
            return 0.0
        if wall < 0.5:
            return math.inf
        return (time.process_time() - self.cpu + child_cpu - self.child_cpu) / wall


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user and system) of process ``pid`` so far, or ``None`` if unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _restore_sigint(handler: Any) -> None:
    """Put Python's Ctrl-C handler back: CP-SAT leaves SIGINT at the system default (measured:
    after a solve, Ctrl-C ends the process at once), which would lose the best plan so far."""
    if handler is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)


def _has_plan(result: object) -> bool:
    return isinstance(result, Allocation) and result.cost is not None
