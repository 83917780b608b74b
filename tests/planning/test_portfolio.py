"""The HiGHS / CP-SAT race: whichever solver fails, the other one's plan (and proof) is used."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from schedcore.planning import load_cpmp, portfolio
from schedcore.planning.mip import Allocation

CPMP = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "cpmp"
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the race forks HiGHS"
)


def _dies_after_the_head_start(*_: Any) -> None:
    time.sleep(portfolio.HEAD_START_SECONDS + 0.5)
    os._exit(9)  # as if killed: no result on the pipe


def _finds_no_plan(_view: Any, time_limit: float, sender: Any) -> None:
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
    monkeypatch.setattr(portfolio, "_highs_child", _dies_after_the_head_start)
    monkeypatch.setattr(portfolio, "CP_SAT_BUDGET_SECONDS", 0.0)  # CP-SAT cannot prove it
    result = portfolio.prove_allocation(instance.problem, time_limit=60.0)
    assert result.proven
    assert result.cost == instance.optimum == 713
    _assert_is_an_allocation(result, 50, 5)


def test_when_neither_solver_has_a_plan_cp_sat_keeps_searching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt", time_limit=20.0, workers=2)
    monkeypatch.setattr(portfolio, "_highs_child", _finds_no_plan)
    _BudgetSpentAtOnce.calls = 0
    monkeypatch.setattr(portfolio.cp_model, "CpSolver", _BudgetSpentAtOnce)
    result = portfolio.prove_allocation(instance.problem, time_limit=20.0)
    assert _BudgetSpentAtOnce.calls == 2
    _assert_is_an_allocation(result, 50, 5)
    assert result.cost is not None and result.cost >= instance.optimum
