"""Why no plan fits: a small set of named constraints that cannot hold together, in words.

The model is built with one enforcement literal per named group (each hall, each unit's
blackouts, each pin, the cluster count...), solved as a pure feasibility problem with those
literals as assumptions on a single worker (CP-SAT's assumptions are only reliable that way),
and CP-SAT's sufficient assumptions are then shrunk one by one: a group is dropped when the rest
still cannot be satisfied, so every group left is needed for the conflict.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs
from ortools.sat.python import cp_model

from schedcore.domain.rule_names import (
    ALLOWED_DATES,
    BRIDGE_CAPACITY,
    CLUSTER_COUNT,
    CLUSTER_SIZE,
    HALL_CAPACITY,
    HOST_IN_CLUSTER,
    PIN,
    TRAINER_ONE_SESSION_A_DAY,
    TRAINER_TRAVEL_DAY,
)
from schedcore.errors import Conflict, InfeasiblePlanError
from schedcore.planning.model import build_model
from schedcore.planning.plan import PlanStatus
from schedcore.planning.portfolio import allocation_view
from schedcore.planning.problem import Pin, Problem
from schedcore.planning.solve import ProgressCallback, ProgressReporter, solver_for

__all__ = ["Diagnosis", "conflicting_groups", "describe", "diagnose", "explain"]

#: More halls than this in one explanation are summarised in one line.
_HALLS_LISTED = 5

#: Prefixes of the groups that narrow a rule to one unit or pin.
_HALL_GROUP = f"{HALL_CAPACITY}["
_DATES_GROUP = f"{ALLOWED_DATES}["
_PIN_GROUP = f"{PIN}["


def explain(problem: Problem, *, time_limit: float = 30.0) -> InfeasiblePlanError:
    """An :class:`InfeasiblePlanError` naming a small conflicting set of ``problem``'s rules.

    Returns the error (the caller raises it) so a library user can also just read it.
    """
    groups = conflicting_groups(problem, time_limit=time_limit)
    if groups is None:
        return InfeasiblePlanError(
            "no plan was found, but the search could not prove which rules conflict "
            f"within {time_limit:g} s; raise the time limit"
        )
    return InfeasiblePlanError(
        "no plan satisfies every hard constraint; these rules cannot all hold:",
        conflicts=_conflicts(problem, groups),
    )


@attrs.frozen
class Diagnosis:
    """Whether a problem has a plan at all and, when it has none, why.

    ``status`` is ``FEASIBLE`` (some plan satisfies every hard constraint), ``INFEASIBLE``
    (``error`` names the conflicting rules) or ``UNKNOWN`` (not decided within the time limit).
    """

    status: PlanStatus
    error: InfeasiblePlanError | None = None
    seconds: float = 0.0


def diagnose(
    problem: Problem, *, time_limit: float = 30.0, progress: ProgressCallback | None = None
) -> Diagnosis:
    """Decide whether ``problem`` has any plan (no objective: the first plan found settles it)
    and explain it when it has none.

    The allocation alone is checked first when the problem has dates: it is a relaxation, so
    when it has no plan neither has the problem, and it is much faster to prove.  ``progress``
    is called when a plan is found (its objective is 0: feasibility has none).
    """
    started = time.perf_counter()
    deadline = started + time_limit
    candidates = [allocation_view(problem)] if problem.has_dates else []
    status = PlanStatus.FEASIBLE
    reported = 0  # the reports are numbered across both checks, not from one in each
    for candidate in [*candidates, problem]:
        solver = solver_for(candidate, time_limit=max(0.05, deadline - time.perf_counter()))
        reporter = None if progress is None else ProgressReporter(progress, started, reported)
        found = solver.solve(build_model(candidate).model, reporter)
        reported = 0 if reporter is None else reporter.reported
        if found == cp_model.INFEASIBLE:
            status = PlanStatus.INFEASIBLE
            break
        if found not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            status = PlanStatus.UNKNOWN
            break
    if status is not PlanStatus.INFEASIBLE:
        return Diagnosis(status, seconds=time.perf_counter() - started)
    error = explain(problem, time_limit=max(5.0, deadline - time.perf_counter()))
    return Diagnosis(PlanStatus.INFEASIBLE, error, seconds=time.perf_counter() - started)


def conflicting_groups(problem: Problem, *, time_limit: float = 30.0) -> list[str] | None:
    """Names of a small set of constraint groups that together are infeasible.

    The allocation alone (no dates) is tried first: it is smaller, and most conflicts (halls,
    sizes, host pins) live there.  An empty list means the problem is infeasible with every
    named group switched off (for instance, no unit can host).  ``None`` means infeasibility
    could not be shown in time (the problem may even be feasible).
    """
    deadline = time.perf_counter() + time_limit
    kept_pins = [
        number
        for number, pin in enumerate(problem.pins, start=1)
        if pin.host is not None or pin.with_unit is not None
    ]
    candidates: list[tuple[Problem, dict[str, str]]] = []
    if problem.has_dates:
        renamed = {f"{PIN}[{k}]": f"{PIN}[{n}]" for k, n in enumerate(kept_pins, start=1)}
        candidates.append((allocation_view(problem), renamed))
    candidates.append((problem, {}))
    for candidate, renamed in candidates:
        core = _Core(candidate, deadline)
        groups = core.shrink()
        if groups is not None:
            return [renamed.get(name, name) for name in groups]
    return None


class _Core:
    """Assumption-based infeasibility checks on one model, and the shrinking of a core."""

    def __init__(self, problem: Problem, deadline: float) -> None:
        self.problem = problem
        self.deadline = deadline
        self.planning = build_model(problem, explaining=True)
        self.names = list(self.planning.groups)
        self.index = {self.planning.groups[name].index: name for name in self.names}

    def infeasible_with(self, active: Sequence[str]) -> list[str] | None:
        """A core within ``active`` if the model is infeasible with only those groups on."""
        model = self.planning.model
        model.clear_assumptions()
        model.add_assumptions([self.planning.groups[name] for name in active])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.problem.seed
        solver.parameters.linearization_level = 2
        solver.parameters.max_time_in_seconds = max(0.05, self.deadline - time.perf_counter())
        if solver.solve(model) != cp_model.INFEASIBLE:
            return None
        core = solver.sufficient_assumptions_for_infeasibility()
        return [self.index[literal] for literal in core if literal in self.index]

    def shrink(self) -> list[str] | None:
        """Drop blocks of groups (all halls together, then each other group) while possible."""
        core = self.infeasible_with(self.names)
        if core is None:
            return None
        halls = [name for name in core if name.startswith(_HALL_GROUP)]
        blocks = [halls] if len(halls) > _HALLS_LISTED else [[name] for name in halls]
        blocks += [[name] for name in core if name not in halls]
        for block in blocks:
            if time.perf_counter() > self.deadline:
                break
            if not set(block) <= set(core):
                continue
            trial = [name for name in core if name not in block]
            smaller = self.infeasible_with(trial)
            if smaller is not None:
                core = [name for name in trial if name in set(smaller)] or trial
        return sorted(core, key=self.names.index)


def _conflicts(problem: Problem, groups: Sequence[str]) -> list[Conflict]:
    if not groups:
        return [Conflict(HOST_IN_CLUSTER, describe(problem, HOST_IN_CLUSTER))]
    halls = [g for g in groups if g.startswith(_HALL_GROUP)]
    conflicts = []
    if len(halls) > _HALLS_LISTED:
        seats = sorted(problem.unit(g[len(_HALL_GROUP) : -1]).capacity or 0 for g in halls)
        conflicts.append(
            Conflict(
                HALL_CAPACITY,
                f"the halls of {len(halls)} possible hosts seat {seats[0]:,} to {seats[-1]:,} "
                f"delegates; {sum(u.demand for u in problem.units):,} delegates must be seated",
            )
        )
        groups = [g for g in groups if g not in halls]
    conflicts.extend(Conflict(_rule(g), describe(problem, g)) for g in groups)
    return conflicts


def _rule(group: str) -> str:
    return group.split("[", 1)[0] if not group.startswith(_PIN_GROUP) else group


def describe(problem: Problem, group: str) -> str:
    """A planner's sentence for one constraint group, with the figures that matter."""
    if group.startswith(_HALL_GROUP):
        unit = problem.unit(group[len(_HALL_GROUP) : -1])
        return f"hall capacity of {unit} ({unit.capacity or 0:,} seats)"
    if group.startswith(_DATES_GROUP):
        unit = problem.unit(group[len(_DATES_GROUP) : -1])
        days = ", ".join(day.isoformat() for day in sorted(unit.blackout))
        return f"{unit} cannot take part on {days}"
    if group.startswith(_PIN_GROUP):
        number = int(group[len(_PIN_GROUP) : -1])
        return _describe_pin(problem, problem.pins[number - 1])
    total = sum(u.demand for u in problem.units)
    if group == CLUSTER_COUNT:
        halls = sorted((u.capacity for u in problem.units if u.capacity is not None), reverse=True)
        top = sum(halls[: problem.clusters])
        return (
            f"exactly {problem.clusters} clusters, each hosted by one of the {len(halls)} units "
            f"that can host (the {problem.clusters} largest halls seat {top:,} of the "
            f"{total:,} delegates)"
        )
    if group == CLUSTER_SIZE:
        upper = "any number of" if problem.max_size is None else f"at most {problem.max_size}"
        return (
            f"each cluster has at least {problem.min_size} and {upper} units "
            f"({problem.size} units in {problem.clusters} clusters)"
        )
    if group == TRAINER_ONE_SESSION_A_DAY:
        working_days = len(problem.days or ())
        return (
            f"each of the {len(problem.trainer_teams)} trainer teams runs at most one session a "
            f"day ({problem.clusters} sessions, {working_days} working days)"
        )
    if group == TRAINER_TRAVEL_DAY:
        return (
            f"a trainer team needs a free working day before a hop over {problem.travel_day_km} km"
        )
    if group == BRIDGE_CAPACITY:
        largest = max(problem.units, key=lambda u: u.communes)
        return (
            f"at most {problem.bridge_capacity or 0:,} bridge points connected a day "
            f"({sum(u.communes for u in problem.units):,} in all; {largest} alone has "
            f"{largest.communes:,})"
        )
    if group == HOST_IN_CLUSTER:
        hosts = sum(1 for u in problem.units if u.can_host)
        return f"every cluster needs a host with a hall; {hosts} units can host"
    return group


def _describe_pin(problem: Problem, pin: Pin) -> str:
    unit = problem.unit(pin.unit)
    parts = []
    if pin.host is not None:
        host = problem.unit(pin.host)
        if pin.host == pin.unit:
            parts.append(f"{unit.name} ({unit.code}, {unit.demand:,} delegates) hosts its cluster")
        else:
            parts.append(
                f"{unit.name} ({unit.code}, {unit.demand:,} delegates) goes to the hall of {host}"
            )
    if pin.with_unit is not None:
        parts.append(f"{unit} is in the same cluster as {problem.unit(pin.with_unit)}")
    if pin.day is not None:
        parts.append(f"{unit}'s session is on {pin.day.isoformat()}")
    if pin.team is not None:
        parts.append(f"{unit}'s session is run by team {pin.team}")
    return f"pinned ({pin}): " + "; ".join(parts)
