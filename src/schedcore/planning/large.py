"""Allocations too large to prove at once: a fast start, local search, then exact neighbourhoods.

The exact model grows with every possible host (n x h assignment variables); this search only
ever looks at each unit's nearest hosts:

1. **Candidate hosts.**  Each unit's ``k`` nearest hosts; ``k`` doubles until the constructive
   start finds a plan using candidates only (every hall within reach of enough units).
2. **Constructive start.**  Medians spread by distance-weighted sampling, re-centred a few times
   (each cluster's best member as host), then units placed in order of *regret* (how much
   more their second-nearest open host costs) into the nearest open host with room.
3. **Local search.**  Shift (a unit to a nearer open host with room) and swap (two units of
   different clusters exchange hosts) over the candidate lists, each move costed by the change
   in the two units' costs only.  A plan the search starts from (not the constructive start)
   is first polished by *host relocations*: one host closed, a unit near it opened instead,
   kept only if the plan costs less (:func:`_relocate_hosts`).
4. **Large-neighbourhood search.**  A few neighbouring clusters at a time are freed and solved
   *exactly* by CP-SAT (the model of :mod:`schedcore.planning.model`, every allocation rule,
   on a sub-problem of their units and the same number of clusters); a better sub-plan replaces
   theirs.  Neighbourhoods rotate over every cluster until the time is up.  Each unit is first
   offered the clusters of its :data:`SUB_HOSTS` nearest units of the neighbourhood only;
   with ``threads`` > 1, neighbourhoods sharing no cluster are solved at once (CP-SAT runs
   outside the interpreter lock), and each better sub-plan is kept.

The search is anytime: it keeps the best plan, stops at the deadline (each sub-solve is short),
and returns the best plan so far when interrupted (``KeyboardInterrupt``).  Problems the
constructive start cannot handle (clusters with a minimum size, companion pins) start from
CP-SAT on the candidate pairs instead.
"""

from __future__ import annotations

import contextlib
import math
import random
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from types import FrameType

import attrs
import numpy as np
from ortools.sat.python import cp_model

from schedcore.planning.distances import DistanceMatrix
from schedcore.planning.model import build_model, hint_from
from schedcore.planning.objective import weighted_sum
from schedcore.planning.problem import ObjectiveKind, Pin, Problem
from schedcore.planning.solver_threads import SolverThread, finish

__all__ = ["SearchResult", "candidate_hosts", "search", "solve_exact"]

#: Units in one exact neighbourhood at first (about: whole clusters are taken).  The size adapts:
#: it shrinks when CP-SAT cannot prove a neighbourhood within :data:`SUB_SECONDS`, and grows a
#: little with each neighbourhood proven, and more after a pass that improves nothing.
NEIGHBOURHOOD_UNITS = 30
#: Neighbourhoods never grow beyond this many units.  Only units count, not clusters: where
#: clusters are small (p3038 with p = 800: 3.8 units each), a neighbourhood of 160 units holds
#: about 40 of them (a cap of 10 clusters left p3038_800 at 2.0% above the best known at 300 s;
#: without it, 1.0-1.7% over four runs).
MAX_NEIGHBOURHOOD_UNITS = 160
#: Time one exact neighbourhood may take.
SUB_SECONDS = 1.0
#: In an exact neighbourhood, each unit may join the clusters of its this many nearest units
#: of the neighbourhood (and its own host): a smaller model, proven several times faster.
SUB_HOSTS: int | None = 12

#: A host relocation tries, for each host, this many of the units nearest it as its
#: replacement (see :func:`_relocate_hosts`).
RELOCATE_TRIES = 10
#: ... and lets the units of this many clusters nearest the new host shift and swap.
RELOCATE_REGION = 6
#: Relocations take at most this share of the time a search from a plan has.
RELOCATE_SHARE = 0.25

#: Problems with more units than this alternate exact assignments and re-centring first.
ALTERNATE_FROM = 150

#: Called with (cost, seconds) whenever the search improves its plan.
Improved = Callable[[int, float], None]


@attrs.frozen
class SearchResult:
    """The best allocation found (unit -> host positions) and its weighted delegate cost."""

    host_of: dict[int, int] | None
    cost: int | None
    interrupted: bool
    neighbourhoods: int
    improvements: int
    seconds: float
    candidates: int


@contextlib.contextmanager
def interrupts_noted() -> Iterator[threading.Event]:
    """Within the block, Ctrl-C (SIGINT) sets the event as well as raising ``KeyboardInterrupt``.

    A native solver running when the signal arrives may check for it and drop the exception;
    the event survives, and the search checks it after every solve.
    """
    noted = threading.Event()
    previous = signal.getsignal(signal.SIGINT)
    # only the main thread receives Ctrl-C; a handler not set from Python cannot be put back
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield noted
        return

    def note(signum: int, frame: FrameType | None) -> None:
        noted.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def candidate_hosts(problem: Problem, k: int) -> list[list[int]]:
    """Each unit's ``k`` nearest hosts (positions), nearest first, within the travel cap;
    pinned hosts always included."""
    hosts = np.asarray(problem.hosts(), dtype=np.int64)
    k = min(k, len(hosts))
    km = np.asarray(problem.km, dtype=np.int64)[:, hosts]
    if k < len(hosts):
        part = np.argpartition(km, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(len(hosts)), (problem.size, 1))
    rows = np.arange(problem.size)[:, None]
    order = np.argsort(km[rows, part], axis=1, kind="stable")
    nearest = hosts[part[rows, order]]
    # a travel cap (max_travel_km) rules hosts out, whatever their rank
    lists = [[int(j) for j in row if problem.may_serve(i, int(j))] for i, row in enumerate(nearest)]
    for pin in problem.pins:
        if pin.host is not None:
            u, h = problem.position(pin.unit), problem.position(pin.host)
            lists[u] = [h, *[j for j in lists[u] if j != h]]
    return lists


class _State:
    """An allocation with each host's load and members, costed incrementally."""

    def __init__(self, problem: Problem, host_of: list[int]) -> None:
        self.problem = problem
        self.km = problem.km
        self.mult = [
            u.demand if problem.objective is ObjectiveKind.PERSON_KM else 1 for u in problem.units
        ]
        self.demand = [u.demand for u in problem.units]
        self.hall = [u.capacity or 0 for u in problem.units]
        self.host_of = list(host_of)
        self.members: dict[int, set[int]] = {}
        self.load: dict[int, int] = {}
        for i, j in enumerate(host_of):
            self.members.setdefault(j, set()).add(i)
            self.load[j] = self.load.get(j, 0) + self.demand[i]
        self.cost = sum(self.unit_cost(i, j) for i, j in enumerate(host_of))
        #: The last complete allocation (an interrupt may land in the middle of a move).
        self.snapshot = list(host_of)
        #: While a move is tried: each (unit, its host before), to undo it.
        self.journal: list[tuple[int, int]] | None = None

    def unit_cost(self, i: int, j: int) -> int:
        return self.km[i][j] * self.mult[i]

    def fits(self, j: int, extra: int, count_change: int = 1) -> bool:
        problem = self.problem
        if self.load.get(j, 0) + extra > self.hall[j]:
            return False
        size = len(self.members.get(j, ())) + count_change
        return problem.max_size is None or size <= problem.max_size

    def keep(self) -> None:
        """The allocation is complete and keeps every rule: an interrupt may return it (not
        while a move is tried: its steps may leave one cluster too many)."""
        if self.journal is None:
            self.snapshot = list(self.host_of)

    def move(self, i: int, j: int) -> None:
        old = self.host_of[i]
        if self.journal is not None:
            self.journal.append((i, old))
        self.cost += self.unit_cost(i, j) - self.unit_cost(i, old)
        self.members[old].discard(i)
        self.load[old] -= self.demand[i]
        self.members.setdefault(j, set()).add(i)
        self.load[j] = self.load.get(j, 0) + self.demand[i]
        self.host_of[i] = j


def _fixed_units(problem: Problem) -> set[int]:
    """Units a host pin ties to their host: local moves leave them alone."""
    fixed = set()
    for pin in problem.pins:
        if pin.host is not None:
            fixed |= {problem.position(pin.unit), problem.position(pin.host)}
    return fixed


def _simple(problem: Problem) -> bool:
    """Whether the constructive start and local moves keep every rule (else CP-SAT starts)."""
    return problem.min_size <= 1 and all(pin.with_unit is None for pin in problem.pins)


def _seed_medians(problem: Problem, rng: random.Random) -> list[int]:
    hosts = list(problem.hosts())
    pinned = list(
        dict.fromkeys(problem.position(p.host) for p in problem.pins if p.host is not None)
    )
    chosen = list(pinned)
    km = np.asarray(problem.km, dtype=np.float64)
    host_index = np.asarray(hosts)
    nearest = (
        km[:, chosen].min(axis=1) if chosen else np.full(problem.size, np.inf, dtype=np.float64)
    )
    weight = np.asarray([max(1, u.demand) for u in problem.units], dtype=np.float64)
    while len(chosen) < problem.clusters:
        at_host = np.where(np.isfinite(nearest[host_index]), nearest[host_index], 1e18)
        score = at_host**2 * weight[host_index]
        score[np.isin(host_index, chosen)] = 0.0
        total = float(score.sum())
        if total <= 0:
            remaining = [j for j in hosts if j not in chosen]
            pick = remaining[0]
        else:
            pick = int(host_index[int(np.searchsorted(np.cumsum(score), rng.random() * total))])
            pick = min(pick, int(host_index[-1]))
        chosen.append(pick)
        nearest = np.minimum(nearest, km[:, pick])
    return chosen


def _assign(
    problem: Problem, medians: list[int], candidates: list[list[int]], *, by_regret: bool
) -> list[int] | None:
    """Place every unit in the nearest open host with room, hardest units first."""
    km = problem.km
    demand = [u.demand for u in problem.units]
    open_set = set(medians)
    hall = {j: problem.units[j].capacity or 0 for j in medians}
    load = {j: demand[j] for j in medians}
    size = dict.fromkeys(medians, 1)
    if any(load[j] > hall[j] for j in medians):
        return None
    host_of = [-1] * problem.size
    for j in medians:
        host_of[j] = j
    for pin in problem.pins:
        if pin.host is not None:
            u, h = problem.position(pin.unit), problem.position(pin.host)
            if h not in open_set:
                return None
            if host_of[u] == -1:
                host_of[u] = h
                load[h] += demand[u]
                size[h] += 1
            elif host_of[u] != h:
                return None
    options: dict[int, list[int]] = {}
    keys: list[tuple[float, int]] = []
    for i in range(problem.size):
        if host_of[i] != -1:
            continue
        mine = [j for j in candidates[i] if j in open_set]
        options[i] = mine
        first = km[i][mine[0]] if mine else 0
        second = km[i][mine[1]] if len(mine) > 1 else 10 * first + 1
        keys.append((-(second - first) if by_regret else -demand[i], i))
    keys.sort()
    limit = problem.max_size
    for _, i in keys:
        placed = False
        for j in options[i]:
            if load[j] + demand[i] <= hall[j] and (limit is None or size[j] < limit):
                placed = True
                break
        if not placed:  # every candidate is full: the nearest open host with room
            for j in sorted(medians, key=lambda h: km[i][h]):
                if not problem.may_serve(i, j):
                    continue  # beyond the travel cap (max_travel_km)
                if load[j] + demand[i] <= hall[j] and (limit is None or size[j] < limit):
                    placed = True
                    break
        if not placed:
            return None
        host_of[i] = j
        load[j] += demand[i]
        size[j] += 1
    return host_of


def _recentre(problem: Problem, state: _State, fixed: set[int]) -> list[int]:
    """Each cluster's cheapest member host with room for the cluster (pinned hosts stay)."""
    medians = []
    for j, members in state.members.items():
        if not members:
            continue
        if j in fixed:
            medians.append(j)
            continue
        load = state.load[j]
        best, best_cost = j, sum(state.unit_cost(i, j) for i in members)
        for h in members:
            if state.hall[h] < load or not problem.units[h].can_host:
                continue
            if not all(problem.may_serve(i, h) for i in members):
                continue  # a member would travel beyond the cap
            cost = sum(state.unit_cost(i, h) for i in members)
            if cost < best_cost:
                best, best_cost = h, cost
        medians.append(best)
    return medians


def _construct(problem: Problem, candidates: list[list[int]], rng: random.Random) -> _State | None:
    if len(problem.hosts()) < problem.clusters:
        return None  # fewer units may host than clusters are wanted: no plan at all
    fixed = _fixed_units(problem)
    best: _State | None = None
    for attempt in range(3):
        medians = _seed_medians(problem, rng)
        for _ in range(6):
            host_of = _assign(problem, medians, candidates, by_regret=attempt != 1)
            if host_of is None:
                host_of = _assign(problem, medians, candidates, by_regret=False)
            if host_of is None:
                break
            state = _State(problem, host_of)
            if best is None or state.cost < best.cost:
                best = state
            moved = _recentre(problem, state, fixed)
            if sorted(moved) == sorted(medians):
                break
            medians = moved
        if best is not None and attempt >= 1:
            break
    return best


def _alternate(problem: Problem, state: _State, k: int, deadline: float) -> _State:
    """Hosts fixed, the best assignment to them (HiGHS on each unit's ``k`` nearest open
    hosts); then each cluster's best member as host; again while it improves."""
    from schedcore.planning.mip import solve_allocation

    fixed = _fixed_units(problem)
    for _ in range(4):
        remaining = deadline - time.perf_counter()
        if remaining < 1.0:
            break
        medians = sorted(j for j, m in state.members.items() if m)
        km = np.asarray(problem.km, dtype=np.int64)[:, medians]
        kk = min(k, len(medians))
        near = np.argpartition(km, kk - 1, axis=1)[:, :kk]
        pairs = {(i, medians[int(c)]) for i in range(problem.size) for c in near[i]}
        pairs |= set(enumerate(state.host_of)) | {(j, j) for j in medians}
        result = solve_allocation(
            problem, time_limit=min(0.25 * remaining, 30.0), pairs=pairs, threads=1
        )
        if result.host_of is None or result.cost is None:
            break
        better = _State(problem, [result.host_of[i] for i in range(problem.size)])
        if better.cost >= state.cost:
            break
        state = better
        moved = _recentre(problem, state, fixed)
        if sorted(moved) == medians:
            break
        assigned = _assign(problem, moved, candidate_hosts(problem, k), by_regret=True)
        if assigned is None:
            break
        candidate = _State(problem, assigned)
        if candidate.cost < state.cost:
            state = candidate
    return state


def _local_search(
    state: _State,
    candidates: list[list[int]],
    fixed: set[int],
    deadline: float,
    units: Sequence[int] | None = None,
) -> None:
    """Shift and swap moves over the candidate lists until none improves (or time is up);
    only ``units`` move on their own initiative when given (a swap may move another)."""
    problem = state.problem
    km, mult, demand = state.km, state.mult, state.demand
    opened = {j for j, members in state.members.items() if members}
    movers = range(problem.size) if units is None else units
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for i in movers:
            here = state.host_of[i]
            if i in fixed or i == here:
                continue
            now = km[i][here] * mult[i]
            for j in candidates[i]:
                if j not in opened or j == here:
                    continue
                gain = now - km[i][j] * mult[i]
                if gain <= 0:
                    break  # candidates are sorted: no nearer open host is left
                if state.fits(j, demand[i]):
                    state.move(i, j)
                    state.keep()
                    improved = True
                    break
                # swap: a unit of j's cluster takes i's place
                for k in list(state.members[j]):
                    if k == j or k in fixed or not problem.may_serve(k, here):
                        continue
                    delta = km[i][j] * mult[i] + km[k][here] * mult[k] - now - km[k][j] * mult[k]
                    if delta >= 0:
                        continue
                    if (
                        state.load[j] - demand[k] + demand[i] <= state.hall[j]
                        and state.load[here] - demand[i] + demand[k] <= state.hall[here]
                    ):
                        state.move(i, j)
                        state.move(k, here)
                        state.keep()
                        improved = True
                        break
                if state.host_of[i] != here:
                    break
        if time.perf_counter() >= deadline:
            return


def _relocate_hosts(
    state: _State,
    candidates: list[list[int]],
    fixed: set[int],
    deadline: float,
    tries: int = RELOCATE_TRIES,
    region: int = RELOCATE_REGION,
    until: Callable[[], bool] | None = None,
) -> int:
    """Close one host and open instead one of the units nearest it that may host and host
    nothing now, until no such relocation improves the plan (or time is up); returns how
    many were kept.

    Shift and swap never change which units host, and a neighbourhood sub-solve only opens
    hosts among its own few clusters: a plan can be stuck with a host one unit away from the
    best one.  Each relocation places the closed cluster's units in the nearest open host with
    room (the new host among them), lets the units of the ``region`` clusters nearest the new
    host shift and swap, and is undone unless the plan costs less.  Hosts are tried in a
    fixed order, each with its ``tries`` nearest units that may host (SJC4a at 10 s: two
    relocations took the plan from 0.14% above the optimum to the optimum, in 0.3 s).
    ``until``, checked before each relocation, ends them early when true.
    """
    problem = state.problem
    km = np.asarray(problem.km, dtype=np.int64)
    may_host = np.zeros(problem.size, dtype=bool)
    may_host[list(problem.hosts())] = True
    may_host[list(fixed)] = False
    kept = 0
    improved = True
    while improved:
        improved = False
        for h in sorted(j for j, members in state.members.items() if members):
            if h in fixed or not state.members.get(h):
                continue
            opened = np.fromiter(
                (j for j, members in state.members.items() if members), dtype=np.int64
            )
            is_open = np.zeros(problem.size, dtype=bool)
            is_open[opened] = True
            order = np.argsort(km[h], kind="stable")
            near = [int(j) for j in order[may_host[order] & ~is_open[order]][:tries]]
            for new in near:
                if time.perf_counter() >= deadline or (until is not None and until()):
                    return kept
                if _try_relocation(state, h, new, opened, candidates, fixed, km, region):
                    kept += 1
                    improved = True
                    break
    return kept


def _try_relocation(
    state: _State,
    old: int,
    new: int,
    opened: np.ndarray,
    candidates: list[list[int]],
    fixed: set[int],
    km: np.ndarray,
    region: int,
) -> bool:
    """Host ``old``'s cluster at ``new`` and polish around it; kept if the plan costs less."""
    if state.hall[new] < state.demand[new]:
        return False
    before = state.cost
    state.journal = []
    try:
        placed = _reopen(state, old, new, opened, candidates, km)
        if placed:
            hosts = opened[opened != old]
            closest = hosts[np.argsort(km[new, hosts], kind="stable")[:region]]
            units = sorted({i for j in (new, *map(int, closest)) for i in state.members.get(j, ())})
            _local_search(state, candidates, fixed, math.inf, units)
        if placed and state.cost < before:
            state.journal = None
            state.keep()
            return True
        for unit, host in reversed(state.journal):
            state.move(unit, host)
        return False
    finally:
        state.journal = None
        for j in (old, new):
            if not state.members.get(j):
                state.members.pop(j, None)
                state.load.pop(j, None)


def _reopen(
    state: _State,
    old: int,
    new: int,
    opened: np.ndarray,
    candidates: list[list[int]],
    km: np.ndarray,
) -> bool:
    """Close ``old``, open ``new`` and place ``old``'s units, largest first, in the nearest
    open host with room; ``False`` when one finds none (the caller undoes the moves)."""
    problem = state.problem
    state.move(new, new)
    hosts = [int(j) for j in opened if j != old] + [new]
    open_now = set(hosts)

    def nearest_first(i: int) -> Iterator[int]:
        # a unit's candidate hosts are its nearest, nearest first: the open ones among them,
        # then every open host by distance
        yield from (j for j in candidates[i] if j in open_now)
        yield from sorted(hosts, key=lambda h: km[i, h])

    for i in sorted(state.members.get(old, ()), key=lambda u: -state.demand[u]):
        for j in nearest_first(i):
            if problem.may_serve(i, j) and state.fits(j, state.demand[i]):
                state.move(i, j)
                break
        else:
            return False
    return not state.members.get(old)


def _part(km: Sequence[Sequence[int]], units: list[int]) -> Sequence[Sequence[int]]:
    """The distances among ``units`` (not checked again when ``km`` was checked)."""
    if isinstance(km, DistanceMatrix):
        return km.part(units)
    return [[km[a][b] for b in units] for a in units]


def _sub_problem(problem: Problem, units: list[int], clusters: int) -> Problem:
    codes = {problem.units[i].code for i in units}
    pins = [
        pin
        for pin in problem.pins
        if pin.unit in codes
        and (pin.host is None or pin.host in codes)
        and (pin.with_unit is None or pin.with_unit in codes)
        and (pin.host is not None or pin.with_unit is not None)
    ]
    km = problem.km
    return Problem(
        units=[problem.units[i] for i in units],
        clusters=clusters,
        min_size=problem.min_size,
        max_size=problem.max_size,
        pins=[Pin(unit=p.unit, host=p.host, with_unit=p.with_unit) for p in pins],
        weights=problem.weights,
        objective=problem.objective,
        distances=_part(km, units),
        max_travel_km=problem.max_travel_km,  # the same distances: the same cap
        workers=1,
        seed=problem.seed,
        name="neighbourhood",
    )


def solve_exact(
    problem: Problem,
    host_of: dict[int, int] | None,
    *,
    pairs: set[tuple[int, int]] | None,
    time_limit: float,
    workers: int,
    seed: int,
    register: Callable[[cp_model.CpSolver], None] | None = None,
    on_solution: Callable[[dict[int, int]], None] | None = None,
) -> tuple[dict[int, int] | None, int | None, bool]:
    """CP-SAT on ``problem`` (optionally restricted to ``pairs``), hinted with ``host_of``.

    Returns the allocation (or ``None``), its cost, and whether CP-SAT proved it (optimal,
    or infeasible when there is no allocation).  ``register`` receives the solver before it
    starts (so another thread may stop it); ``on_solution`` each allocation (unit -> host
    positions) CP-SAT finds, while it goes on searching.
    """
    planning = build_model(problem, pairs=pairs)
    planning.model.minimize(weighted_sum(planning))
    if host_of is not None:
        hint_from(planning, host_of, None)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # the full LP relaxation: about 4x faster proofs of p-median neighbourhoods (measured)
    solver.parameters.linearization_level = 2
    solver.parameters.catch_sigint_signal = False  # Ctrl-C reaches Python once this returns
    if register is not None:
        register(solver)
    callback = None if on_solution is None else _Solutions(planning.assign, on_solution)
    code = solver.solve(planning.model, callback)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, code == cp_model.INFEASIBLE  # proven: nothing fits
    chosen = {i: j for (i, j), v in planning.assign.items() if solver.boolean_value(v)}
    return chosen, round(solver.objective_value), code == cp_model.OPTIMAL


class _Solutions(cp_model.CpSolverSolutionCallback):
    """Hands each allocation CP-SAT finds to a function, while the solve goes on."""

    def __init__(
        self, assign: dict[tuple[int, int], cp_model.IntVar], to: Callable[[dict[int, int]], None]
    ) -> None:
        super().__init__()
        self._assign = assign
        self._to = to

    def on_solution_callback(self) -> None:
        self._to({i: j for (i, j), v in self._assign.items() if self.boolean_value(v)})


def _neighbourhood(
    state: _State,
    seed_host: int,
    medians: list[int],
    median_km: np.ndarray,
    limit: int,
    taken: Collection[int] = (),
) -> list[int]:
    """The seed cluster and its nearest clusters (still open, not ``taken`` by a neighbourhood
    being solved beside), up to ``limit`` units (the seed cluster is always taken)."""
    row = median_km[medians.index(seed_host)]
    order = np.argsort(row, kind="stable")
    chosen: list[int] = []
    units = 0
    for position in order:
        j = medians[int(position)]
        members = state.members.get(j)
        if not members or j in taken:
            continue
        if chosen and units + len(members) > limit:
            break
        chosen.append(j)
        units += len(members)
    return chosen


@attrs.define
class _Job:
    """One exact neighbourhood: its units (positions), its sub-problem, and, once solved, the
    sub-solver's allocation (sub-problem positions), whether it was proven, and how long it took."""

    units: list[int]
    sub: Problem
    pairs: set[tuple[int, int]] | None
    current: dict[int, int]
    before: int
    mult: list[int]
    seed: int
    time_limit: float
    chosen: dict[int, int] | None = None
    proven: bool = False
    seconds: float = 0.0

    def run(self) -> None:
        began = time.perf_counter()
        self.chosen, _, self.proven = solve_exact(
            self.sub,
            self.current,
            pairs=self.pairs,
            time_limit=self.time_limit,
            workers=1,
            seed=self.seed,
        )
        self.seconds = time.perf_counter() - began

    def chosen_cost(self) -> int:
        """The delegate cost of the sub-solver's allocation (unweighted, as the state's)."""
        assert self.chosen is not None
        km, mult = self.sub.km, self.mult
        return sum(km[a][b] * mult[a] for a, b in self.chosen.items())


def _job(
    state: _State,
    clusters: list[int],
    seed: int,
    time_limit: float,
    hosts_per_unit: int | None = SUB_HOSTS,
    promising: Collection[int] | None = None,
) -> _Job:
    """The exact neighbourhood of ``clusters``; each unit offered the clusters of its
    ``hosts_per_unit`` nearest units (every cluster of the neighbourhood when ``None``).
    With ``promising`` (host positions), only those units and the current hosts may host."""
    units = sorted(i for j in clusters for i in state.members[j])
    local = {i: k for k, i in enumerate(units)}
    sub = _sub_problem(state.problem, units, len(clusters))
    current = {local[i]: local[state.host_of[i]] for i in units}
    columns = list(range(len(units)))
    if promising is not None:
        allowed = set(promising) | set(clusters)
        columns = [k for k, i in enumerate(units) if i in allowed]
    pairs = None
    if promising is not None or (hosts_per_unit is not None and len(units) > hosts_per_unit):
        km = np.asarray(sub.km, dtype=np.int64)[:, columns]
        take = len(columns) if hosts_per_unit is None else min(hosts_per_unit, len(columns))
        nearest = np.argpartition(km, take - 1, axis=1)[:, :take]
        pairs = {(a, columns[int(b)]) for a in range(len(units)) for b in nearest[a]}
        pairs |= set(current.items()) | {(b, b) for b in columns}
    return _Job(
        units=units,
        sub=sub,
        pairs=pairs,
        current=current,
        before=sum(state.unit_cost(i, state.host_of[i]) for i in units),
        mult=[state.mult[i] for i in units],
        seed=seed,
        time_limit=time_limit,
    )


def _run_together(jobs: list[_Job]) -> None:
    """Solve the jobs at once, one per thread (CP-SAT releases the interpreter while it
    searches); every thread is joined before this returns, also on an interrupt."""
    helpers = [SolverThread(job.run, name="neighbourhood") for job in jobs[1:]]
    try:
        for helper in helpers:  # within the try: Ctrl-C can land once a thread has started
            helper.start()
        jobs[0].run()
    finally:
        finish(helpers)  # each sub-solve keeps its own short limit


def _apply(state: _State, job: _Job) -> bool:
    """Replace the neighbourhood's allocation by the job's when it costs less."""
    if job.chosen is None:
        return False
    if job.chosen_cost() >= job.before:
        return False
    units = job.units
    for a, b in job.chosen.items():
        if state.host_of[units[a]] != units[b]:
            state.move(units[a], units[b])
    for j in [j for j, m in state.members.items() if not m]:
        del state.members[j]
        state.load.pop(j, None)
    state.snapshot = list(state.host_of)
    return True


def _lns(
    state: _State,
    deadline: float,
    rng: random.Random,
    improved: Improved | None,
    started: float,
    stop: threading.Event,
    until: Callable[[], bool] | None = None,
    threads: int = 1,
    promising: Collection[int] | None = None,
) -> tuple[int, int]:
    """Exact neighbourhoods in rotation; the neighbourhoods grow after a pass finds nothing.

    With ``threads`` > 1, that many neighbourhoods with no cluster in common are solved at
    once; their better sub-plans touch different units and hosts, so each can be taken.  Each
    unit is first offered only its nearest units' clusters (:data:`SUB_HOSTS`); at a local
    optimum of the largest neighbourhoods, every cluster of the neighbourhood, from the
    smallest neighbourhoods again.
    """
    problem = state.problem
    km = np.asarray(problem.km, dtype=np.int64)
    rounds = improvements = 0
    limit = NEIGHBOURHOOD_UNITS
    hosts_per_unit = SUB_HOSTS
    while time.perf_counter() < deadline:
        medians = sorted(j for j, members in state.members.items() if members)
        if len(medians) < 2:
            return rounds, improvements
        median_km = km[np.ix_(medians, medians)]
        order = medians[:]
        rng.shuffle(order)
        better = 0
        position = 0
        while position < len(order):
            remaining = deadline - time.perf_counter()
            if remaining <= 0.02:
                return rounds, improvements
            jobs: list[_Job] = []
            taken: set[int] = set()
            while position < len(order) and len(jobs) < threads:
                seed_host = order[position]
                position += 1
                if not state.members.get(seed_host) or seed_host in taken:
                    continue
                clusters = _neighbourhood(state, seed_host, medians, median_km, limit, taken)
                if len(clusters) < 2:
                    continue
                taken.update(clusters)
                rounds += 1
                time_limit = min(SUB_SECONDS, remaining)
                jobs.append(
                    _job(
                        state,
                        clusters,
                        problem.seed + rounds,
                        time_limit,
                        hosts_per_unit,
                        promising,
                    )
                )
            if not jobs:
                continue
            _run_together(jobs)
            if stop.is_set():
                raise KeyboardInterrupt
            for job in jobs:
                if not job.proven and job.seconds >= 0.9 * SUB_SECONDS:
                    limit = max(2 * len(job.units) // 3, 8)
                elif job.proven:
                    limit = min(MAX_NEIGHBOURHOOD_UNITS, limit + max(1, limit // 20))
                if _apply(state, job):
                    improvements += 1
                    better += 1
                    if improved is not None:
                        weighted = state.cost * problem.weights.delegate_travel
                        improved(weighted, time.perf_counter() - started)
            if until is not None and until():
                return rounds, improvements
        if not better:
            if limit >= MAX_NEIGHBOURHOOD_UNITS:
                if hosts_per_unit is None:
                    return rounds, improvements  # a local optimum for the largest neighbourhoods
                hosts_per_unit, limit = None, NEIGHBOURHOOD_UNITS
                continue
            limit = min(MAX_NEIGHBOURHOOD_UNITS, 2 * limit)
    return rounds, improvements


def search(
    problem: Problem,
    *,
    deadline: float,
    improved: Improved | None = None,
    start_k: int = 8,
    start: dict[int, int] | None = None,
    until: Callable[[], bool] | None = None,
    threads: int = 1,
    promising: Collection[int] | None = None,
    polish: bool = True,
) -> SearchResult:
    """The best allocation of ``problem`` (its allocation rules only) found before ``deadline``.

    ``start``: an allocation (unit -> host positions) keeping every allocation rule, to improve
    instead of constructing one (its neighbourhoods come at once).  ``until``: checked after every
    neighbourhood, ends the search early when true.  ``threads``: how many exact
    neighbourhoods are solved at once (one per core the search may use).  ``promising``: host
    positions the neighbourhoods may open besides the current hosts (e.g. those a lower bound
    favours; every host when ``None``).  ``polish=False``: the constructive start and its local
    moves only, no exact re-assignment or neighbourhood (milliseconds on a few hundred units,
    for a plan at once).  An interrupt (Ctrl-C, ``KeyboardInterrupt``) ends the search with the
    best allocation so far.
    """
    with interrupts_noted() as stop:
        return _search(
            problem, deadline, improved, start_k, stop, start, until, threads, promising, polish
        )


def _search(
    problem: Problem,
    deadline: float,
    improved: Improved | None,
    start_k: int,
    stop: threading.Event,
    start: dict[int, int] | None,
    until: Callable[[], bool] | None = None,
    threads: int = 1,
    promising: Collection[int] | None = None,
    polish: bool = True,
) -> SearchResult:
    started = time.perf_counter()
    rng = random.Random(problem.seed)
    weight = problem.weights.delegate_travel
    hosts = problem.hosts()
    k = max(start_k, math.ceil(2 * problem.size / max(1, problem.clusters)))
    state: _State | None = None
    if start is not None:
        state = _State(problem, [start[i] for i in range(problem.size)])
    neighbourhoods = improvements = 0
    interrupted = False
    try:
        candidates = candidate_hosts(problem, k)
        # one attempt at least, however long the candidate lists took: a caller that gave
        # time to search wants a plan (a retry with longer lists keeps the deadline)
        attempts = 0
        while state is None and (attempts == 0 or time.perf_counter() < deadline):
            attempts += 1
            if _simple(problem):
                state = _construct(problem, candidates, rng)
            else:
                pairs = {(i, j) for i, row in enumerate(candidates) for j in row}
                pairs |= {(j, j) for j in hosts}
                chosen, _, _ = solve_exact(
                    problem,
                    None,
                    pairs=pairs,
                    time_limit=max(0.1, 0.3 * (deadline - time.perf_counter())),
                    workers=problem.workers,
                    seed=problem.seed,
                )
                if chosen is not None:
                    state = _State(problem, [chosen[i] for i in range(problem.size)])
            if state is None:
                if k >= len(hosts):
                    break
                k = min(len(hosts), 2 * k)
                candidates = candidate_hosts(problem, k)
        if state is None:
            return SearchResult(None, None, False, 0, 0, time.perf_counter() - started, k)
        if improved is not None:
            improved(state.cost * weight, time.perf_counter() - started)
        if _simple(problem):
            fixed = _fixed_units(problem)
            if start is None:
                if polish and problem.size > ALTERNATE_FROM:
                    state = _alternate(problem, state, 10, started + 0.4 * (deadline - started))
                _local_search(state, candidates, fixed, deadline)
            before = state.cost
            # relocations polish a plan the bound's kernels or neighbourhoods made.  On the
            # constructive start they change which local optimum the next stages reach: with
            # them there, SJC3a ended 0.11% above its optimum at 10 s (without: the optimum
            # at 4.5-4.7 s), and SJC4a reached its optimum at 6.1 s instead of 7.0-7.2 s
            if polish and start is not None:
                now = time.perf_counter()
                share = now + RELOCATE_SHARE * (deadline - now)
                _relocate_hosts(state, candidates, fixed, share, until=until)
            if improved is not None and (start is None or state.cost < before):
                improved(state.cost * weight, time.perf_counter() - started)
        if stop.is_set():
            raise KeyboardInterrupt
        if polish:
            neighbourhoods, improvements = _lns(
                state, deadline, rng, improved, started, stop, until, threads, promising
            )
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - started
    if state is None:
        return SearchResult(None, None, interrupted, 0, 0, seconds, k)
    host_of = dict(enumerate(state.snapshot))
    cost = problem.allocation_cost(host_of)
    return SearchResult(host_of, cost, interrupted, neighbourhoods, improvements, seconds, k)
