"""Host relocations of the large search: close one host, open a unit near it instead.

Shift and swap never change which units host; a plan can be stuck with a host one unit away
from the best one.  A relocation is kept only when the plan costs less, and undone exactly
otherwise; every plan it leaves keeps every allocation rule (checked by the validator, which
shares no code with the search).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schedcore.planning import Pin, Problem, Unit, large, validate
from schedcore.planning.validate import delegate_travel
from tests.planning.test_scale import _now, plan_of, random_problem


def _consistent(state: large._State) -> None:
    """The state's members, loads and cost are those of its allocation."""
    problem = state.problem
    members: dict[int, set[int]] = {}
    for i, j in enumerate(state.host_of):
        members.setdefault(j, set()).add(i)
    assert {j: m for j, m in state.members.items() if m} == members
    for j, found in members.items():
        assert state.load[j] == sum(problem.units[i].demand for i in found)
    assert state.cost == sum(state.unit_cost(i, j) for i, j in enumerate(state.host_of))
    assert state.journal is None and state.snapshot == state.host_of


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(12, 48),
    seed=st.integers(0, 10_000),
    unequal=st.booleans(),
    pins=st.booleans(),
    max_size=st.sampled_from([None, 9, 12]),
    cap=st.sampled_from([None, 80, 120]),
)
def test_relocations_keep_every_rule_and_never_cost_more(
    n: int, seed: int, unequal: bool, pins: bool, max_size: int | None, cap: int | None
) -> None:
    problem = random_problem(n, seed, unequal=unequal, pins=pins).with_changes(
        max_size=max_size, max_travel_km=cap
    )
    start = large.search(problem, deadline=math.inf, polish=False)
    # no start, or none within the cap (a pin may tie a unit to a host beyond it): no plan to
    # relocate hosts in
    assume(start.host_of is not None)
    assert start.host_of is not None
    assume(validate(problem, plan_of(problem, start.host_of)) == ())
    state = large._State(problem, [start.host_of[i] for i in range(problem.size)])
    before = state.cost
    candidates = large.candidate_hosts(problem, 8)
    kept = large._relocate_hosts(state, candidates, large._fixed_units(problem), math.inf)
    _consistent(state)
    host_of = dict(enumerate(state.host_of))
    plan = plan_of(problem, host_of)
    assert validate(problem, plan) == ()
    assert state.cost == delegate_travel(problem, plan)
    assert (state.cost < before) if kept else (state.cost == before)
    assert len({j for j in host_of.values()}) == problem.clusters
    for pin in problem.pins:  # pinned units keep their hosts, pinned hosts stay open
        assert pin.host is None or host_of[problem.position(pin.unit)] == problem.position(pin.host)


def _two_lines() -> Problem:
    """Two groups of five units in a row, 100 km apart; one cluster each fits."""
    units = [
        Unit(code=f"u{x}", name=f"unit {x}", demand=1, capacity=5, x=x, y=0)
        for x in (*range(5), *range(100, 105))
    ]
    return Problem(units=units, clusters=2, workers=1)


def test_a_host_at_the_end_of_its_cluster_moves_to_its_middle() -> None:
    problem = _two_lines()
    ends = [0] * 5 + [5] * 5  # hosted by the first unit of each row
    state = large._State(problem, ends)
    candidates = large.candidate_hosts(problem, 10)
    large._local_search(state, candidates, set(), math.inf)
    assert state.host_of == ends  # shift and swap cannot change a host
    assert large._relocate_hosts(state, candidates, set(), math.inf) >= 2
    _consistent(state)
    assert set(state.host_of) == {2, 7}  # the middle units host
    assert state.cost == 2 * (2 + 1 + 0 + 1 + 2)


def test_a_relocation_that_does_not_pay_is_undone_exactly() -> None:
    problem = _two_lines()
    best = [2] * 5 + [7] * 5
    state = large._State(problem, best)
    members = {j: set(m) for j, m in state.members.items()}
    load = dict(state.load)
    candidates = large.candidate_hosts(problem, 10)
    assert large._relocate_hosts(state, candidates, set(), math.inf) == 0
    assert state.host_of == best and state.cost == 2 * 6
    assert {j: m for j, m in state.members.items() if m} == members
    assert {j: v for j, v in state.load.items() if j in members} == load
    assert set(state.members) == set(members)  # no empty cluster left behind
    _consistent(state)


def test_a_pinned_host_is_never_closed() -> None:
    problem = _two_lines()
    pinned = problem.with_changes(pins=[Pin(unit="u0", host="u0")])
    state = large._State(pinned, [0] * 5 + [5] * 5)
    fixed = large._fixed_units(pinned)
    large._relocate_hosts(state, large.candidate_hosts(pinned, 10), fixed, math.inf)
    _consistent(state)
    assert state.host_of[0] == 0 and set(state.host_of) == {0, 7}


def test_relocations_stop_at_the_deadline() -> None:
    problem = random_problem(200, 3)
    start = large.search(problem, deadline=math.inf, polish=False)
    assert start.host_of is not None
    state = large._State(problem, [start.host_of[i] for i in range(problem.size)])
    kept = large._relocate_hosts(
        state,
        large.candidate_hosts(problem, 8),
        set(),
        deadline=0.0,  # already past
    )
    assert kept == 0 and state.host_of == [start.host_of[i] for i in range(problem.size)]
    assert np.array_equal(np.asarray(state.snapshot), np.asarray(state.host_of))


def test_an_interrupt_in_the_middle_of_a_relocation_returns_the_last_whole_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ctrl-C after the n-th move of the relocations tried: while a cluster is being moved
    # there is one cluster too many, and a trial's moves may cost more until it is undone
    problem = random_problem(120, 11)
    start = large.search(problem, deadline=math.inf, polish=False)
    assert start.host_of is not None and start.cost is not None
    move, trial = large._State.move, large._try_relocation
    # the plans a relocation kept: the one returned must be the start or one of them
    whole: list[list[int]] = []

    def recorded_trial(state: large._State, *args: Any) -> bool:
        kept = trial(state, *args)
        if kept:
            whole.append(list(state.host_of))
        return kept

    monkeypatch.setattr(large, "_try_relocation", recorded_trial)
    for after in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144):
        whole[:] = [[start.host_of[i] for i in range(problem.size)]]
        count = [0]

        def interrupted_move(
            state: large._State, i: int, j: int, after: int = after, count: list[int] = count
        ) -> None:
            if state.journal is not None:
                count[0] += 1
                if count[0] == after:
                    raise KeyboardInterrupt
            move(state, i, j)

        monkeypatch.setattr(large._State, "move", interrupted_move)
        found = large.search(problem, deadline=_now() + 30, start=start.host_of)
        monkeypatch.setattr(large._State, "move", move)
        assert found.interrupted and found.host_of is not None and found.cost is not None
        assert count[0] == after
        plan = plan_of(problem, found.host_of)
        assert validate(problem, plan) == ()
        assert len(set(found.host_of.values())) == problem.clusters
        assert found.cost == delegate_travel(problem, plan) <= start.cost
        assert [found.host_of[i] for i in range(problem.size)] in whole
