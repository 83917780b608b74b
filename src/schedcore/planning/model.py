"""The CP-SAT model: variables named after their indices, one ``add_<rule>`` per hard constraint.

A cluster is identified by its host, so there is no cluster index to permute:
``assign[i, j]`` says "unit i is served by host j" and ``assign[j, j]`` says "j hosts".  Dates
are a day index per unit (``day_of[i]``, channelled to ``unit_day[i, d]``) with every member
on its host's day; ``run[j, k, d]`` says "team k runs j's session on day d".  Each rule's
constraints can be made conditional on one enforcement literal per named group, which is what
:mod:`schedcore.planning.explain` switches off to find a conflicting set.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs
from ortools.sat.python import cp_model

from schedcore.domain.rule_names import (
    ALLOWED_DATES,
    BRIDGE_CAPACITY,
    CLUSTER_COUNT,
    CLUSTER_SIZE,
    HALL_CAPACITY,
    MAX_TRAVEL_KM,
    PIN,
    TRAINER_ONE_SESSION_A_DAY,
    TRAINER_TRAVEL_DAY,
    planning_rules,
)
from schedcore.planning.problem import Problem

__all__ = ["HARD_CONSTRAINTS", "PlanningModel", "build_model"]

#: Every hard constraint's stable name and its rule in one line (docs and explanations use it);
#: the names are registered in :mod:`schedcore.domain.rule_names` with every other rule.
HARD_CONSTRAINTS: dict[str, str] = planning_rules()

Lit = cp_model.IntVar


@attrs.define
class PlanningModel:
    """A built CP-SAT model and its variables, keyed by unit, host, team and day positions."""

    problem: Problem
    model: cp_model.CpModel
    assign: dict[tuple[int, int], Lit]
    day_of: dict[int, cp_model.IntVar] = attrs.field(factory=dict)
    unit_day: dict[tuple[int, int], Lit] = attrs.field(factory=dict)
    run: dict[tuple[int, int, int], Lit] = attrs.field(factory=dict)
    arcs: dict[tuple[int, int, int], Lit] = attrs.field(factory=dict)
    #: Whether each unit is placed (only when the problem places what fits; else all are).
    placed: dict[int, Lit] = attrs.field(factory=dict)
    #: The longest unit-to-host distance (only when its weight is positive).
    longest: cp_model.IntVar | None = None
    #: Busiest minus least busy team's sessions (only when its weight is positive).
    spread: cp_model.IntVar | None = None
    #: Enforcement literal of each named group (only when built for explanations).
    groups: dict[str, Lit] = attrs.field(factory=dict)
    explaining: bool = False
    _host_index: dict[int, list[tuple[int, Lit]]] | None = attrs.field(default=None, repr=False)
    _unit_index: dict[int, list[tuple[int, Lit]]] | None = attrs.field(default=None, repr=False)

    @property
    def hosts(self) -> tuple[int, ...]:
        return tuple(sorted(self._by_host()))

    def is_open(self, host: int) -> Lit:
        return self.assign[host, host]

    def served_by(self, host: int) -> list[tuple[int, Lit]]:
        """(unit, literal) pairs of the units ``host`` may serve."""
        return self._by_host().get(host, [])

    def options_of(self, unit: int) -> list[tuple[int, Lit]]:
        """(host, literal) pairs of the hosts that may serve ``unit``."""
        return self._by_unit().get(unit, [])

    def _by_host(self) -> dict[int, list[tuple[int, Lit]]]:
        if self._host_index is None:
            index: dict[int, list[tuple[int, Lit]]] = {}
            for (i, j), v in self.assign.items():
                index.setdefault(j, []).append((i, v))
            self._host_index = index
        return self._host_index

    def _by_unit(self) -> dict[int, list[tuple[int, Lit]]]:
        if self._unit_index is None:
            index: dict[int, list[tuple[int, Lit]]] = {}
            for (i, j), v in self.assign.items():
                index.setdefault(i, []).append((j, v))
            self._unit_index = index
        return self._unit_index

    def guard(self, group: str) -> list[Lit]:
        """The enforcement literals for ``group`` (none unless explaining)."""
        if not self.explaining:
            return []
        if group not in self.groups:
            self.groups[group] = self.model.new_bool_var(f"enforce[{group}]")
        return [self.groups[group]]


def build_model(
    problem: Problem,
    *,
    pairs: Collection[tuple[int, int]] | None = None,
    explaining: bool = False,
    with_routes: bool = False,
    break_symmetry: bool = True,
) -> PlanningModel:
    """Build the model of ``problem`` with every hard constraint.

    ``pairs`` restricts the (unit, host) pairs considered (reduced-cost fixing passes the pairs
    that can still be in a better plan); by default every unit may go to every host.
    Trainer routes are modelled when trainer travel has a weight, or when ``with_routes``.
    ``break_symmetry=False`` keeps team names meaningful (re-planning counts team changes).
    """
    model = cp_model.CpModel()
    hosts = problem.hosts()
    if explaining:  # every pair, so that the travel cap is a named group that can be switched off
        allowed = {(i, j) for j in hosts for i in range(problem.size)}
        if pairs is not None:
            allowed &= set(pairs)
    elif pairs is None:
        allowed = set(problem.pairs())
    else:
        allowed = {(i, j) for (i, j) in pairs if problem.may_serve(i, j)}
    assign = {
        (i, j): model.new_bool_var(f"assign[{problem.units[i].code},{problem.units[j].code}]")
        for (i, j) in sorted(allowed)
        if problem.units[j].can_host and (j, j) in allowed
    }
    planning = PlanningModel(problem, model, assign, explaining=explaining)
    if problem.place_what_fits:
        planning.placed = {
            i: model.new_bool_var(f"placed[{unit.code}]") for i, unit in enumerate(problem.units)
        }
    add_one_cluster_per_unit(planning)
    add_max_travel_km(planning)
    add_host_in_cluster(planning)
    add_cluster_count(planning)
    add_hall_capacity(planning)
    add_cluster_size(planning)
    if problem.days is not None:
        add_session_days(planning)
        add_allowed_dates(planning)
        if problem.trainer_teams:
            add_trainer_team(planning)
            add_trainer_one_session_a_day(planning)
            if break_symmetry:
                add_team_symmetry_breaking(planning)
            if problem.travel_day_km is not None:
                add_trainer_travel_day(planning)
            if with_routes or problem.weights.trainer_travel > 0:
                add_trainer_routes(planning)
        if problem.bridge_capacity is not None:
            add_bridge_capacity(planning)
        if problem.trainer_teams and problem.weights.team_load_spread > 0:
            add_team_load_spread(planning)
    add_pins(planning)
    if problem.weights.longest_travel > 0:
        add_longest_travel(planning)
    return planning


# -- allocation ---------------------------------------------------------------------------------


def add_one_cluster_per_unit(m: PlanningModel) -> None:
    """Every unit is in exactly one cluster (at most one, and then it is placed, when the
    problem places what fits)."""
    for i in range(m.problem.size):
        if m.placed:
            m.model.add(sum(v for _, v in m.options_of(i)) == m.placed[i])
        else:
            m.model.add_exactly_one(v for _, v in m.options_of(i))


def add_max_travel_km(m: PlanningModel) -> None:
    """No unit is served by a host farther than max_travel_km.

    Kept by construction: :func:`build_model` creates no variable for a farther pair.  Only
    an explaining model has those pairs, each forbidden under the rule's enforcement literal.
    """
    problem = m.problem
    if not m.explaining or problem.max_travel_km is None:
        return
    guard = m.guard(MAX_TRAVEL_KM)
    for (i, j), v in m.assign.items():
        if not problem.may_serve(i, j):
            m.model.add_bool_and([v.Not()]).only_enforce_if(guard)


def add_host_in_cluster(m: PlanningModel) -> None:
    """A unit can only be served by an open host (the host serves itself: assign[j, j])."""
    for (i, j), v in m.assign.items():
        if i != j:
            m.model.add_implication(v, m.is_open(j))


def add_cluster_count(m: PlanningModel) -> None:
    """Exactly P hosts open, so exactly P clusters."""
    m.model.add(sum(m.is_open(j) for j in m.hosts) == m.problem.clusters).only_enforce_if(
        m.guard(CLUSTER_COUNT)
    )


def add_hall_capacity(m: PlanningModel) -> None:
    """Delegates of a cluster <= its host's hall (written with open[j] on the right: strong LP)."""
    for j in m.hosts:
        hall = m.problem.units[j].capacity or 0
        demand = sum(m.problem.units[i].demand * v for i, v in m.served_by(j))
        m.model.add(demand <= hall * m.is_open(j)).only_enforce_if(
            m.guard(f"{HALL_CAPACITY}[{m.problem.units[j].code}]")
        )


def add_cluster_size(m: PlanningModel) -> None:
    """min_size <= units in a cluster <= max_size."""
    problem = m.problem
    if problem.min_size <= 1 and problem.max_size is None:
        return
    for j in m.hosts:
        count = sum(v for _, v in m.served_by(j))
        guard = m.guard(CLUSTER_SIZE)
        if problem.min_size > 1:
            m.model.add(count >= problem.min_size * m.is_open(j)).only_enforce_if(guard)
        if problem.max_size is not None:
            m.model.add(count <= problem.max_size * m.is_open(j)).only_enforce_if(guard)


# -- dates --------------------------------------------------------------------------------------


def add_session_days(m: PlanningModel) -> None:
    """Each unit attends on one day, the day of its host's session (structure, always on)."""
    problem = m.problem
    assert problem.days is not None
    n_days = len(problem.days)
    # A unit left out (placing what fits) takes the day after the last: "no day".
    last = n_days if m.placed else n_days - 1
    for i in range(problem.size):
        m.day_of[i] = m.model.new_int_var(0, last, f"day_of[{problem.units[i].code}]")
        for d in range(n_days):
            m.unit_day[i, d] = m.model.new_bool_var(f"unit_day[{problem.units[i].code},{d}]")
        literals: list[Any] = [m.unit_day[i, d] for d in range(n_days)]
        if m.placed:
            literals.append(m.placed[i].Not())
        m.model.add_map_domain(m.day_of[i], literals)
    for (i, j), v in m.assign.items():
        if i != j:
            m.model.add(m.day_of[i] == m.day_of[j]).only_enforce_if(v)


def add_allowed_dates(m: PlanningModel) -> None:
    """No unit attends on one of its blackout dates (so neither does its cluster)."""
    problem = m.problem
    assert problem.days is not None
    for i, unit in enumerate(problem.units):
        blocked = [d for d, day in enumerate(problem.days) if day in unit.blackout]
        if blocked:
            guard = m.guard(f"{ALLOWED_DATES}[{unit.code}]")
            for d in blocked:
                m.model.add_bool_and([m.unit_day[i, d].Not()]).only_enforce_if(guard)


def add_trainer_team(m: PlanningModel) -> None:
    """Each open host's session is run by exactly one team, on the session's day."""
    problem = m.problem
    assert problem.days is not None
    for j in m.hosts:
        for k in range(len(problem.trainer_teams)):
            for d in range(len(problem.days)):
                lit = m.model.new_bool_var(f"run[{problem.units[j].code},{k},{d}]")
                m.run[j, k, d] = lit
                m.model.add_implication(lit, m.unit_day[j, d])
        m.model.add(sum(v for (h, _, _), v in m.run.items() if h == j) == m.is_open(j))


def add_trainer_one_session_a_day(m: PlanningModel) -> None:
    """A trainer team runs at most one session a day."""
    problem = m.problem
    assert problem.days is not None
    guard = m.guard(TRAINER_ONE_SESSION_A_DAY)
    for k in range(len(problem.trainer_teams)):
        for d in range(len(problem.days)):
            runs = [m.run[j, k, d] for j in m.hosts]
            m.model.add(sum(runs) <= 1).only_enforce_if(guard)


def add_team_symmetry_breaking(m: PlanningModel) -> None:
    """Teams are interchangeable unless pinned: team k starts no later than team k + 1.

    Not a rule of the problem (so it has no name in explanations): any plan maps to one that
    satisfies it by renaming the teams, with the same cost.
    """
    problem = m.problem
    assert problem.days is not None
    if any(pin.team is not None for pin in problem.pins) or m.explaining:
        return
    for k in range(len(problem.trainer_teams) - 1):
        for d in range(len(problem.days)):
            later = [m.run[j, k + 1, e] for j in m.hosts for e in range(d + 1)]
            earlier = [m.run[j, k, e] for j in m.hosts for e in range(d + 1)]
            m.model.add(sum(later) <= len(m.hosts) * sum(earlier))


def add_trainer_travel_day(m: PlanningModel) -> None:
    """Sessions of one team on consecutive working days are at hosts within travel_day_km."""
    problem = m.problem
    assert problem.days is not None and problem.travel_day_km is not None
    guard = m.guard(TRAINER_TRAVEL_DAY)
    limit = problem.travel_day_km
    for j in m.hosts:
        far = [h for h in m.hosts if problem.km[j][h] > limit]
        if not far:
            continue
        for k in range(len(problem.trainer_teams)):
            for d in range(len(problem.days) - 1):
                after = [m.run[h, k, d + 1] for h in far]
                # at most one session a day, so the sum is at most one without the guard too
                m.model.add(m.run[j, k, d] + sum(after) <= 1).only_enforce_if(guard)


def add_trainer_routes(m: PlanningModel) -> None:
    """Each team's route through its hosts in date order (for the trainer-travel term).

    One circuit per team over a depot and the hosts; a host the team does not serve is skipped
    by its self-loop, and an arc j -> h forces h's session after j's, so the circuit is the
    team's sessions in date order.
    """
    problem = m.problem
    hosts = m.hosts
    for k in range(len(problem.trainer_teams)):
        served = {j: sum(v for (h, kk, _), v in m.run.items() if h == j and kk == k) for j in hosts}
        arcs: list[tuple[int, int, Any]] = []
        used = m.model.new_bool_var(f"team_used[{k}]")
        arcs.append((0, 0, used.Not()))
        for position, j in enumerate(hosts, start=1):
            serves = m.model.new_bool_var(f"serves[{k},{problem.units[j].code}]")
            m.model.add(served[j] == serves)
            m.model.add_implication(serves, used)
            arcs.append((position, position, serves.Not()))
            start = m.model.new_bool_var("")
            end = m.model.new_bool_var("")
            arcs.append((0, position, start))
            arcs.append((position, 0, end))
            for other, h in enumerate(hosts, start=1):
                if h == j:
                    continue
                arc = m.model.new_bool_var(
                    f"arc[{k},{problem.units[j].code},{problem.units[h].code}]"
                )
                m.arcs[k, j, h] = arc
                arcs.append((position, other, arc))
                m.model.add(m.day_of[h] >= m.day_of[j] + 1).only_enforce_if(arc)
        m.model.add_circuit(arcs)


def add_bridge_capacity(m: PlanningModel) -> None:
    """Per day, the bridge points of every unit in session that day <= the bridge capacity."""
    problem = m.problem
    assert problem.days is not None and problem.bridge_capacity is not None
    guard = m.guard(BRIDGE_CAPACITY)
    for d in range(len(problem.days)):
        load = sum(problem.units[i].communes * m.unit_day[i, d] for i in range(problem.size))
        m.model.add(load <= problem.bridge_capacity).only_enforce_if(guard)


# -- fairness (objective terms, not rules) --------------------------------------------------------


def add_longest_travel(m: PlanningModel) -> None:
    """``longest`` is at least every placed unit's distance to its host (the objective pushes it
    down to the longest one)."""
    problem = m.problem
    top = max((problem.km[i][j] for (i, j) in m.assign), default=0)
    m.longest = m.model.new_int_var(0, top, "longest_travel")
    for i in range(problem.size):
        options = m.options_of(i)
        if options:
            m.model.add(
                m.longest
                >= cp_model.LinearExpr.weighted_sum(
                    [v for _, v in options], [problem.km[i][j] for j, _ in options]
                )
            )


def add_team_load_spread(m: PlanningModel) -> None:
    """``spread`` is at least the busiest team's sessions minus the least busy team's."""
    problem = m.problem
    teams = len(problem.trainer_teams)
    sessions = [sum(v for (_, k, _), v in m.run.items() if k == team) for team in range(teams)]
    most = m.model.new_int_var(0, problem.clusters, "sessions_most")
    least = m.model.new_int_var(0, problem.clusters, "sessions_least")
    for load in sessions:
        m.model.add(most >= load)
        m.model.add(least <= load)
    m.spread = m.model.new_int_var(0, problem.clusters, "team_load_spread")
    m.model.add(m.spread == most - least)


# -- pins ---------------------------------------------------------------------------------------


def add_pins(m: PlanningModel) -> None:
    """Keep each pin: host, companion unit, date and team of the pinned unit's cluster."""
    problem = m.problem
    for number, pin in enumerate(problem.pins, start=1):
        guard = m.guard(f"{PIN}[{number}]")
        u = problem.position(pin.unit)
        if m.placed:  # a pin keeps its units in the plan, even one of what fits
            for code in (pin.unit, pin.with_unit):
                if code is not None:
                    m.model.add_bool_and([m.placed[problem.position(code)]]).only_enforce_if(guard)
        if pin.host is not None:
            h = problem.position(pin.host)
            if (u, h) in m.assign:
                m.model.add_bool_and([m.assign[u, h]]).only_enforce_if(guard)
            else:
                m.model.add_bool_or([]).only_enforce_if(guard)
        if pin.with_unit is not None:
            w = problem.position(pin.with_unit)
            for j in m.hosts:
                left = m.assign.get((u, j))
                right = m.assign.get((w, j))
                if left is None and right is None:
                    continue
                if left is None or right is None:
                    present = left if left is not None else right
                    assert present is not None
                    m.model.add_bool_and([present.Not()]).only_enforce_if(guard)
                else:
                    m.model.add(left == right).only_enforce_if(guard)
        if pin.day is not None:
            assert problem.days is not None
            d = problem.days.index(pin.day)
            m.model.add_bool_and([m.unit_day[u, d]]).only_enforce_if(guard)
        if pin.team is not None:
            k = [t.name for t in problem.trainer_teams].index(pin.team)
            for j, v in m.options_of(u):
                runs = [m.run[j, k, d] for d in range(len(problem.days or ()))]
                m.model.add(sum(runs) == 1).only_enforce_if([v, *guard])


def hint_from(m: PlanningModel, host_of: dict[int, int], day_of: dict[int, int] | None) -> None:
    """Hint a known plan (unit -> host positions, host -> day index) to the solver."""
    for (i, j), v in m.assign.items():
        m.model.add_hint(v, host_of.get(i) == j)
    if day_of is not None:
        for i, var in m.day_of.items():
            host = host_of.get(i)
            if host is not None and host in day_of:
                m.model.add_hint(var, day_of[host])
