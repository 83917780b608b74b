"""The HiGHS / CP-SAT race: whichever solver fails, the other one's plan (and proof) is used."""

from __future__ import annotations

import _thread
import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from schedcore.planning import highs_process, load_cpmp, portfolio
from schedcore.planning.highs_process import last_improving_plan
from schedcore.planning.mip import Allocation, solve_allocation
from tests.planning.helpers import solver_threads_left

CPMP = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "cpmp"
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the race forks HiGHS"
)


def _dies_after_the_head_start(*_: Any) -> None:
    time.sleep(portfolio.HEAD_START_SECONDS + 0.5)
    os._exit(9)  # as if killed: no result on the pipe


def _finds_no_plan(_view: Any, time_limit: float, sender: Any, *_: Any) -> None:
    time.sleep(min(time_limit, 3.0))
    sender.send(Allocation(None, None, None, False, False, time_limit))
    sender.close()


class _BudgetSpentAtOnce(cp_model.CpSolver):
    """A real CP-SAT solver whose first search (the race's budget) ends before it starts."""

    calls = 0

    def solve(self, model: cp_model.CpModel, *args: Any) -> Any:
        type(self).calls += 1
        if type(self).calls == 1:
            self.parameters.max_time_in_seconds = 0.0
        return super().solve(model, *args)


def _assert_is_an_allocation(result: Allocation, units: int, clusters: int) -> None:
    assert result.host_of is not None and result.cost is not None
    assert sorted(result.host_of) == list(range(units))
    hosts = set(result.host_of.values())
    assert len(hosts) == clusters
    assert all(result.host_of[h] == h for h in hosts)  # a host belongs to its own cluster


def test_when_highs_dies_mid_race_it_is_solved_here_and_still_proven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=60.0, workers=2)
    monkeypatch.setattr(highs_process, "_child", _dies_after_the_head_start)
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 0.0)  # CP-SAT cannot prove it
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven
    assert result.cost == instance.optimum == 713
    _assert_is_an_allocation(result, 50, 5)


def test_when_neither_solver_has_a_plan_cp_sat_keeps_searching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=20.0, workers=2)
    monkeypatch.setattr(highs_process, "_child", _finds_no_plan)
    monkeypatch.setattr(portfolio, "_first_plan", lambda *_: False)  # the search finds nothing
    _BudgetSpentAtOnce.calls = 0
    monkeypatch.setattr(portfolio.cp_model, "CpSolver", _BudgetSpentAtOnce)
    result = portfolio.prove_allocation(instance.problem, time_limit=20.0)
    assert _BudgetSpentAtOnce.calls == 2
    _assert_is_an_allocation(result, 50, 5)
    assert result.cost is not None and result.cost >= instance.optimum


def _interrupted_after(seconds: float, problem: Any, time_limit: float) -> tuple[Allocation, float]:
    """``prove_allocation`` interrupted (as by Ctrl-C) after ``seconds``; its result and how
    long it took to return after the interrupt."""
    timer = threading.Timer(seconds, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    try:
        result = portfolio.prove_allocation(problem, time_limit=time_limit)
    finally:
        timer.cancel()
    return result, time.perf_counter() - started - seconds


@pytest.mark.parametrize("budget", [portfolio.CP_SAT_BUDGET_SECONDS, 0.5])
def test_an_interrupt_during_the_race_returns_the_best_plan_at_once(
    monkeypatch: pytest.MonkeyPatch, budget: float
) -> None:
    # pmedcap20 is not proven in minutes: the interrupt lands while CP-SAT races HiGHS, or,
    # with a short CP-SAT budget, while HiGHS runs alone
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", budget)
    instance = load_cpmp(CPMP / "pmedcap20.txt", time_limit=120.0, workers=2)
    result, after = _interrupted_after(3.0, instance.problem, 120.0)
    assert result.interrupted and not result.proven
    _assert_is_an_allocation(result, 100, 10)
    assert result.cost is not None and result.cost >= instance.optimum
    assert after < 10.0  # not the 120 s time limit
    assert multiprocessing.active_children() == []  # HiGHS's process is ended


def test_a_real_ctrl_c_during_cp_sat_leaves_no_solver_thread_behind() -> None:
    # SIGINT, as a terminal sends it, while the race waits for CP-SAT's thread: waited for
    # with Thread.join, the interrupt marked that thread stopped while CP-SAT searched on
    # unwatched (its plan and bound lost; the process aborted if it returned during exit)
    instance = load_cpmp(CPMP / "pmedcap20.txt", time_limit=120.0, workers=2)
    timer = threading.Timer(3.0, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = portfolio.prove_allocation(instance.problem, time_limit=120.0)
    finally:
        timer.cancel()
        timer.join()
    assert result.interrupted
    _assert_is_an_allocation(result, 100, 10)
    # CP-SAT was stopped and its thread waited for before the race returned
    assert solver_threads_left() == []
    # CP-SAT's bound from the race is kept (lost with the thread before)
    assert result.bound is not None and 0 < result.bound <= instance.optimum


def test_highs_answers_within_the_race_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # HiGHS's root sub-MIP hands its plans over only when it ends, at HiGHS's limit: that
    # limit leaves the race time to take the answer within its own
    limits: list[float] = []
    real = portfolio.HighsProcess

    def recording(view: Any, *, time_limit: float, **options: Any) -> Any:
        limits.append(time_limit)
        return real(view, time_limit=time_limit, **options)

    monkeypatch.setattr(portfolio, "HighsProcess", recording)
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=30.0, workers=2)
    result = portfolio.prove_allocation(instance.problem, time_limit=30.0)
    assert result.proven and result.cost == instance.optimum
    assert limits == [30.0 - portfolio.HIGHS_ANSWER_SECONDS]


def test_the_race_reports_each_better_plan_and_returns_one_at_least_as_good() -> None:
    instance = load_cpmp(CPMP / "pmedcap20.txt", time_limit=4.0, workers=2)
    reports: list[int] = []
    result = portfolio.prove_allocation(instance.problem, time_limit=4.0, improved=reports.append)
    assert reports, "the head start's search reports its plan"
    assert all(a > b for a, b in itertools.pairwise(reports))
    assert result.cost is not None and result.cost <= reports[-1]
    _assert_is_an_allocation(result, 100, 10)


def test_highs_improving_plans_are_read_back_and_a_cut_block_is_skipped(tmp_path: Path) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt")
    file = tmp_path / "improving.sol"
    result = solve_allocation(instance.problem, time_limit=60.0, improving_file=str(file))
    assert result.proven and result.host_of is not None
    assert last_improving_plan(str(file), instance.problem) == result.host_of
    text = file.read_text(encoding="ascii")
    blocks = text.count("Objective ")
    assert blocks >= 2, "HiGHS improved on its first plan"
    last = text.rfind("Objective ")
    cut = tmp_path / "cut.sol"
    cut.write_text(text[: last + (len(text) - last) // 2], encoding="ascii")  # killed mid-write
    earlier = last_improving_plan(str(cut), instance.problem)
    assert earlier is not None and earlier != result.host_of
    assert sorted(earlier) == list(range(50))
    assert last_improving_plan(str(tmp_path / "missing.sol"), instance.problem) is None


def test_ctrl_c_to_the_plan_command_prints_the_best_plan_and_ends_highs(tmp_path: Path) -> None:
    # as a terminal does: SIGINT to the whole process group (HiGHS's child included)
    instance = load_cpmp(CPMP / "pmedcap20.txt")
    problem = instance.problem
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,x,y,delegates\n"
        + "".join(f"{u.code},{u.name},{u.x},{u.y},{u.demand}\n" for u in problem.units),
        encoding="utf-8",
    )
    distances = tmp_path / "distances.csv"
    assert problem.distances is not None
    distances.write_text(
        "code,"
        + ",".join(problem.codes)
        + "\n"
        + "".join(
            f"{code}," + ",".join(str(d) for d in row) + "\n"
            for code, row in zip(problem.codes, problem.distances, strict=True)
        ),
        encoding="utf-8",
    )
    command = [
        sys.executable, "-m", "schedcore", "plan", "--units", str(units), "--distances",
        str(distances), "--clusters", "10", "--capacity", "120", "--no-dates", "--objective",
        "distance", "--workers", "2", "--time-limit", "120", "--json", str(tmp_path / "plan.json"),
    ]  # fmt: skip
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # a shell's background job ignores SIGINT, and so would this command: a terminal's
        # foreground command does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(6.0)  # imports, the head start, CP-SAT racing HiGHS
    os.killpg(child.pid, signal.SIGINT)
    began = time.perf_counter()
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert time.perf_counter() - began < 15.0  # not the 120 s time limit
    assert out.startswith("FEASIBLE: objective "), out
    assert "re-checked by the validator: OK" in out
    assert (tmp_path / "plan.json").exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(child.pid, 0)  # nothing of the group is left running


def test_highs_plans_are_passed_on_while_it_solves() -> None:
    instance = load_cpmp(CPMP / "pmedcap20.txt")  # no proof in 6 s: HiGHS improves meanwhile
    plans: list[dict[int, int]] = []
    highs = highs_process.HighsProcess(instance.problem, time_limit=6.0, on_plan=plans.append)
    try:
        highs.start()
        highs.wait()
    finally:
        highs.close()
    assert highs.result is not None and highs.result.cost is not None
    assert plans, "HiGHS's first plans come within a second"
    costs = [sum(instance.problem.delegate_cost(i, j) for i, j in plan.items()) for plan in plans]
    assert all(a > b for a, b in itertools.pairwise(costs))
    assert costs[-1] >= highs.result.cost
    for plan in plans:
        _assert_is_an_allocation(Allocation(plan, 0, None, False, False, 0.0), 100, 10)


def test_highs_ended_mid_solve_still_gives_the_plan_it_wrote() -> None:
    instance = load_cpmp(CPMP / "pmedcap20.txt")
    highs = highs_process.HighsProcess(instance.problem, time_limit=60.0)
    try:
        highs.start()
        waited = time.perf_counter()
        while highs.newest is None and time.perf_counter() - waited < 20.0:
            time.sleep(0.1)
        plan = highs.end()  # the child is killed in the middle of its search
        assert highs.result is None and plan is not None
        _assert_is_an_allocation(Allocation(plan, 0, None, False, False, 0.0), 100, 10)
    finally:
        highs.close()
    assert multiprocessing.active_children() == []
