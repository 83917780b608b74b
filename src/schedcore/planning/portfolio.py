"""Proving the allocation with two solvers: HiGHS's MIP, joined for a while by CP-SAT.

Measured (``docs/benchmarks.md``): on the OR-Library n = 100 instances HiGHS proves optimality
where CP-SAT stalls on its lower bound; on the 63-province allocation CP-SAT proves it about
three times sooner.  So HiGHS runs in a child process
(:mod:`schedcore.planning.highs_process`: MathOpt cannot interrupt HiGHS, a child process can
be ended) with a one-second head start, then CP-SAT races it for a few seconds and stops; the
first proof ends the other solver.  Meanwhile this process builds a first plan at once (the
constructive start of :func:`schedcore.planning.large.search` and its local moves, a few
milliseconds), to report and to return if the solve is interrupted; HiGHS's plans are read
as it writes them (:class:`~schedcore.planning.highs_process.HighsProcess`).  Instances HiGHS
proves at once pay nothing for the race, hard ones pay at most the few seconds CP-SAT shares
the machine.  With one worker only
HiGHS runs (in the child), which keeps the result deterministic; where processes cannot be
forked, HiGHS runs in this process and an interrupt waits for its time limit.

Anytime: an interrupt (Ctrl-C, ``KeyboardInterrupt``) at any point stops CP-SAT, ends HiGHS,
and returns the best plan either side found (``Allocation.interrupted``).  The child ignores
the terminal's Ctrl-C itself: this process decides what happens.

Two failures are covered: when neither solver has any plan once CP-SAT's budget is spent (large
instances), CP-SAT searches on until HiGHS has one or the time is up; when HiGHS's process ends
without a result (killed, out of memory), HiGHS solves in this process with the time left.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
from ortools.sat.python import cp_model

from schedcore.planning import highs_process, large
from schedcore.planning.highs_process import HighsProcess
from schedcore.planning.mip import Allocation, solve_allocation
from schedcore.planning.model import build_model
from schedcore.planning.objective import weighted_sum
from schedcore.planning.problem import Pin, Problem, Weights
from schedcore.planning.solver_threads import SolverThread, finish, run_out

__all__ = [
    "CP_SAT_BUDGET_SECONDS",
    "HEAD_START_SECONDS",
    "HIGHS_ANSWER_SECONDS",
    "Improved",
    "allocation_view",
    "prove_allocation",
]

#: HiGHS runs alone this long before CP-SAT joins the race.
HEAD_START_SECONDS = 1.0
#: CP-SAT races for at most this long, then leaves the machine to HiGHS.
CP_SAT_BUDGET_SECONDS = 6.0
#: HiGHS's time limit is the race's less this: its answer must be sent, read and checked
#: within the race's limit (HiGHS returns 0.05-0.1 s after its own).  It matters: HiGHS's
#: root sub-MIP hands over the plans it finds only when it ends, at the limit if not before
#: (SJC1's optimum, found inside it, arrived at 10.07 s under a 10 s limit).
HIGHS_ANSWER_SECONDS = 0.25

#: Called with the weighted cost of each better allocation found (from any thread, one call at
#: a time, in decreasing order).
Improved = Callable[[int], None]


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


class _Best:
    """The best allocation found by the search or CP-SAT so far; each better one reported."""

    def __init__(self, view: Problem, improved: Improved | None) -> None:
        self._view = view
        self._improved = improved
        self._lock = threading.Lock()
        self.host_of: dict[int, int] | None = None
        self.cost: int | None = None

    def offer(self, host_of: dict[int, int]) -> None:
        cost = self._view.allocation_cost(host_of)
        with self._lock:  # reported under the lock: the reports keep decreasing
            if self.cost is not None and cost >= self.cost:
                return
            self.host_of, self.cost = dict(host_of), cost
            if self._improved is not None:
                self._improved(cost)

    def allocation(self, started: float, bound: int | None = None) -> Allocation:
        """The best plan as an unproven allocation (its bound capped at its cost)."""
        if bound is not None and self.cost is not None:
            bound = min(bound, self.cost)
        return Allocation(self.host_of, self.cost, bound, False, False, _since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started


def _first_plan(view: Problem, deadline: float, until: Callable[[], bool], best: _Best) -> bool:
    """A plan at once: the constructive start and its local moves (milliseconds, one core;
    CP-SAT on the nearest hosts where clusters have a minimum size or companions, until
    ``deadline`` at most); returns whether an interrupt ended it."""
    found = large.search(
        view.with_changes(workers=1),
        deadline=deadline,
        until=until,
        threads=1,
        polish=False,
    )
    if found.host_of is not None:
        best.offer(found.host_of)
    return found.interrupted


def _highs_here(view: Problem, time_limit: float, best: _Best, started: float) -> Allocation:
    """HiGHS in this process (no child could be forked, or the child died).  MathOpt cannot
    interrupt it: an interrupt here takes effect when HiGHS returns, at its time limit."""
    result: list[Allocation] = []
    worker = SolverThread(
        lambda: result.append(solve_allocation(view, time_limit=time_limit)), name="highs"
    )
    interrupted = run_out(worker)
    mip = result[0] if result else Allocation(None, None, None, False, False, _since(started))
    if best.cost is not None and (mip.cost is None or best.cost < mip.cost) and not mip.proven:
        mip = best.allocation(started, mip.bound)
    return attrs.evolve(mip, interrupted=interrupted) if interrupted else mip


def prove_allocation(
    problem: Problem, *, time_limit: float, improved: Improved | None = None
) -> Allocation:
    """The optimal allocation of ``problem``'s allocation view, from whichever solver proves it;
    on an interrupt or at the time limit, the best allocation either found.  ``improved``: see
    :data:`Improved` (the first plan and HiGHS's plans as each is found, CP-SAT's at its end)."""
    view = allocation_view(problem)
    best = _Best(view, improved)
    started = time.perf_counter()
    if not highs_process.available():
        return _highs_here(view, time_limit, best, started)
    # a CP-SAT solve elsewhere in this process may have left SIGINT's default action behind
    # it (it restores that, not Python's handler): Ctrl-C must reach Python here
    with large.interrupts_noted():
        race: _Race | None = None
        try:
            race = _Race(view, time_limit, best, started)
            race.highs.start()
            return race.run() if problem.workers >= 2 else race.highs_alone()
        except KeyboardInterrupt:
            if race is None:
                raise
            return race.interrupted()
        finally:
            if race is not None:
                race.close()


class _Race:
    """One race: HiGHS in a child process, this process's search, then CP-SAT beside it."""

    def __init__(self, view: Problem, time_limit: float, best: _Best, started: float) -> None:
        self.view, self.time_limit, self.best, self.started = view, time_limit, best, started
        #: Once CP-SAT's budget is spent without a plan, it keeps searching until HiGHS has one.
        self.searching_for_any_plan = False
        self.solver: cp_model.CpSolver | None = None
        self.cp_thread: SolverThread | None = None
        #: Set when CP-SAT should stop: checked on every wait, as a stop asked of a solver
        #: before its search has begun is lost.
        self.stop_wanted = threading.Event()
        #: CP-SAT's own proof, if it made one: its allocation, cost and bound.
        self.cp_proof: Allocation | None = None
        #: CP-SAT's best lower bound so far.
        self.cp_bound: int | None = None
        #: The current CP-SAT model's assignment literals, and its solve's status once returned.
        self.cp_assign: dict[tuple[int, int], Any] = {}
        self.cp_outcome: list[Any] = []
        # HiGHS's plans count as they come: reported, and kept should the solve be interrupted.
        # One worker: HiGHS on one thread, deterministic; else its default.
        self.highs = HighsProcess(
            view,
            time_limit=max(0.1, time_limit - HIGHS_ANSWER_SECONDS),
            threads=None if view.workers >= 2 else 1,
            on_done=self._highs_ended,
            on_plan=best.offer,
        )

    def _highs_ended(self, highs: HighsProcess) -> None:
        if self._cp_sat_needless():
            self.stop_wanted.set()

    def _cp_sat_needless(self) -> bool:
        """HiGHS ended with a proof, or (while any plan is wanted) with a plan or in death."""
        highs = self.highs
        if not highs.done.is_set():
            return False
        mip = highs.result
        if mip is not None and mip.proven:
            return True
        if not self.searching_for_any_plan:
            return False
        return highs.died or (mip is not None and mip.cost is not None)

    def _remaining(self) -> float:
        return self.time_limit - _since(self.started)

    def _highs_plan_on_disk(self) -> None:
        """HiGHS ended without a result (died, or overran): keep the best plan it wrote."""
        plan = self.highs.end()
        if plan is not None:
            self.best.offer(plan)

    def run(self) -> Allocation:
        # HiGHS alone first: most small instances are proven within the head start.  Meanwhile
        # this process finds a plan on the other core, at once.
        head_start = self.started + min(HEAD_START_SECONDS, self.time_limit)
        highs = self.highs
        if _first_plan(self.view, head_start, highs.done.is_set, self.best):
            raise KeyboardInterrupt
        while not highs.done.is_set() and time.perf_counter() < head_start:
            highs.done.wait(0.05)
        if highs.done.is_set():
            if highs.result is not None:
                return self._better_of_mip(highs.result)
            self._highs_plan_on_disk()
            return _highs_here(self.view, max(0.1, self._remaining()), self.best, self.started)
        status = self._cp_sat(min(CP_SAT_BUDGET_SECONDS, self._remaining()))
        if status == cp_model.UNKNOWN and not _has_plan(highs.result):
            # Neither solver has a plan yet (large instances): giving up here would waste the
            # rest of the time limit, so CP-SAT searches on beside HiGHS.
            self.searching_for_any_plan = True
            remaining = self._remaining()
            if remaining > 0.1 and not highs.done.is_set():
                status = self._cp_sat(remaining)
        if self.cp_proof is not None:
            highs.close()  # not wanted any more
            return self.cp_proof
        if status == cp_model.INFEASIBLE:
            highs.close()
            return Allocation(None, None, None, True, True, _since(self.started))
        highs.wait()  # HiGHS's result, its death, or its time limit (+5 s) passing
        mip = highs.result
        if mip is None:
            self._highs_plan_on_disk()
            if highs.died:
                # HiGHS's process ended without a result (killed, out of memory): it is the
                # stronger prover, so it solves here with the time left.
                return _highs_here(self.view, max(0.1, self._remaining()), self.best, self.started)
            return self.best.allocation(self.started, self._cp_bound())
        return self._better_of_mip(mip)

    def _cp_sat(self, budget: float) -> Any:
        """CP-SAT on the whole allocation, in a thread of its own; its final plan is offered."""
        planning = build_model(self.view)
        planning.model.minimize(weighted_sum(planning))
        # no hint from the search's plan: measured on the 2022 allocation, CP-SAT hinted with it
        # proved the optimum in a median 4.0 s against 3.2 s without (six runs each)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, budget)
        solver.parameters.num_workers = max(1, self.view.workers - 1)
        solver.parameters.random_seed = self.view.seed
        solver.parameters.linearization_level = 2
        solver.parameters.catch_sigint_signal = False  # the interrupt lands in Python here
        self.cp_assign = planning.assign
        outcome: list[Any] = []
        self.cp_outcome = outcome
        self._cp_bound()  # the first solve's bound is kept
        self.solver = solver
        if self._cp_sat_needless():  # HiGHS ended while the model was built
            return cp_model.UNKNOWN

        # no Python solution callback: CP-SAT's plan is read from its response once it
        # returns, stopped or not (its intermediate plans are not reported)
        def run() -> None:
            if not self.stop_wanted.is_set():  # an interrupt while this thread started
                outcome.append(solver.solve(planning.model))

        self.cp_thread = SolverThread(run, name="cp-sat")
        self.cp_thread.start()
        while self.cp_thread.running:  # here, where an interrupt lands
            self.cp_thread.wait(0.05)
            if self.stop_wanted.is_set():
                solver.stop_search()
        status = outcome[0] if outcome else cp_model.UNKNOWN
        chosen = self._take_cp_plan()
        if status == cp_model.OPTIMAL and chosen is not None:
            cost = self.view.allocation_cost(chosen)
            # claimed only when CP-SAT's bound reaches the plan's cost, recomputed in integers
            if round(solver.best_objective_bound) >= cost:
                self.cp_proof = Allocation(
                    chosen,
                    cost,
                    cost,
                    True,
                    False,
                    _since(self.started),
                    "CP-SAT (exact integer arithmetic)",
                )
        return status

    def _take_cp_plan(self) -> dict[int, int] | None:
        """CP-SAT's plan once its solve has returned (offered to the best), or ``None``."""
        solver, outcome = self.solver, self.cp_outcome
        if solver is None or not outcome or outcome[0] not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        chosen = {i: j for (i, j), v in self.cp_assign.items() if solver.boolean_value(v)}
        self.best.offer(chosen)
        return chosen

    def _cp_bound(self) -> int | None:
        """CP-SAT's best lower bound, over both of its solves (the same model)."""
        solver = self.solver
        if solver is not None:
            with contextlib.suppress(RuntimeError, ValueError):  # no response yet
                bound = round(solver.best_objective_bound)
                if self.cp_bound is None or bound > self.cp_bound:
                    self.cp_bound = bound
        return self.cp_bound

    def _better_of_mip(self, mip: Allocation) -> Allocation:
        """HiGHS's result, or the search's and CP-SAT's plan when it is better (unproven)."""
        if mip.proven or mip.infeasible or self.best.cost is None:
            return mip
        if mip.cost is not None and mip.cost <= self.best.cost:
            return mip
        bounds = [b for b in (mip.bound, self._cp_bound()) if b is not None]
        return self.best.allocation(self.started, max(bounds) if bounds else None)

    def highs_alone(self) -> Allocation:
        """One worker: HiGHS alone (deterministic), waited for where an interrupt lands."""
        self.highs.wait()
        if self.highs.result is not None:
            return self.highs.result
        self._highs_plan_on_disk()
        return _highs_here(self.view, max(0.1, self._remaining()), self.best, self.started)

    def interrupted(self) -> Allocation:
        """After an interrupt: stop CP-SAT, end HiGHS, keep the best plan either side found
        (a proof that had already arrived is kept as one)."""
        self._stop_cp_sat()
        self._take_cp_plan()
        highs_plan = self.highs.end()
        mip = self.highs.result
        if mip is None and highs_plan is not None:
            self.best.offer(highs_plan)
        if self.cp_proof is not None:
            result = self.cp_proof
        elif mip is not None:
            result = self._better_of_mip(mip)
        else:
            result = self.best.allocation(self.started, self._cp_bound())
        return attrs.evolve(result, interrupted=True, seconds=_since(self.started))

    def _stop_cp_sat(self) -> None:
        """Stop CP-SAT and wait for its thread (asking again each moment: a stop asked before
        its search has begun is lost)."""
        self.stop_wanted.set()
        solver, thread = self.solver, self.cp_thread
        if solver is not None and thread is not None:
            finish([thread], solver.stop_search)

    def close(self) -> None:
        """End the child and the helper threads, whatever happened (again: harmless)."""
        try:
            self._stop_cp_sat()
        finally:
            self.highs.close()


def _has_plan(result: object) -> bool:
    return isinstance(result, Allocation) and result.cost is not None
