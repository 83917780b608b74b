"""Re-checking a plan against every hard constraint, with code that shares nothing with the model.

Tests and the CLI run every plan through :func:`validate`, so a modelling mistake shows up as a
named violation instead of a silently wrong plan.  The rule names are the model's constraint
names (registered in :mod:`schedcore.domain.rule_names`; ``docs/concepts/rules.md`` lists them).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable

from schedcore.domain.rule_names import (
    ALLOWED_DATES,
    BRIDGE_CAPACITY,
    CLUSTER_COUNT,
    CLUSTER_SIZE,
    HALL_CAPACITY,
    HOST_IN_CLUSTER,
    MAX_TRAVEL_KM,
    ONE_CLUSTER_PER_UNIT,
    PIN,
    TRAINER_ONE_SESSION_A_DAY,
    TRAINER_TEAM,
    TRAINER_TRAVEL_DAY,
)
from schedcore.errors import Conflict, RuleViolationError
from schedcore.planning.plan import Plan
from schedcore.planning.problem import Problem

__all__ = ["check", "delegate_travel", "trainer_travel", "validate"]

#: Records one broken rule: ``fail(rule_name, message)``.
Fail = Callable[[str, str], None]


def validate(problem: Problem, plan: Plan) -> tuple[Conflict, ...]:
    """Every broken hard constraint of ``plan``, each named by rule (empty: the plan is valid)."""
    issues: list[Conflict] = []

    def fail(rule: str, message: str) -> None:
        issues.append(Conflict(rule, message))

    codes = set(problem.codes)
    seen: dict[str, int] = {}
    for cluster in plan.clusters:
        for code in cluster.members:
            if code not in codes:
                fail(ONE_CLUSTER_PER_UNIT, f"cluster {cluster.id} lists unknown unit {code}")
            elif code in seen:
                fail(
                    ONE_CLUSTER_PER_UNIT,
                    f"{code} is in clusters {seen[code]} and {cluster.id}",
                )
            seen[code] = cluster.id
    # a plan of what fits may leave any unit out (plan.unplaced says why, when it was solved)
    left_out = {u.unit for u in plan.unplaced}
    for code in problem.codes:
        if code not in seen and not problem.place_what_fits:
            fail(ONE_CLUSTER_PER_UNIT, f"{code} is in no cluster")
    for code in sorted(left_out):
        if not problem.place_what_fits:
            fail(ONE_CLUSTER_PER_UNIT, f"{code} is left out, but the plan must place every unit")
        elif code in seen:
            fail(ONE_CLUSTER_PER_UNIT, f"{code} is listed as left out but is in a cluster")
        elif code not in codes:
            fail(ONE_CLUSTER_PER_UNIT, f"unknown unit {code} is listed as left out")
    if sorted(c.id for c in plan.clusters) != list(range(1, len(plan.clusters) + 1)):
        fail(CLUSTER_COUNT, "cluster ids are not 1..P")
    if len(plan.clusters) != problem.clusters:
        fail(CLUSTER_COUNT, f"{len(plan.clusters)} clusters instead of {problem.clusters}")
    if issues:
        return tuple(issues)

    for cluster in plan.clusters:
        _check_cluster(problem, cluster.id, cluster.host, cluster.members, fail)
    _check_dates_and_teams(problem, plan, fail)
    _check_pins(problem, plan, fail)
    return tuple(issues)


def _check_cluster(
    problem: Problem, cid: int, host: str, members: tuple[str, ...], fail: Fail
) -> None:
    if host not in members:
        fail(HOST_IN_CLUSTER, f"cluster {cid}: host {host} is not a member")
        return
    hall = problem.unit(host).capacity
    if hall is None:
        fail(HOST_IN_CLUSTER, f"cluster {cid}: {problem.unit(host)} cannot host")
        return
    delegates = sum(problem.unit(code).demand for code in members)
    if delegates > hall:
        fail(HALL_CAPACITY, f"cluster {cid}: {delegates} delegates > {hall} seats at {host}")
    if len(members) < problem.min_size:
        fail(CLUSTER_SIZE, f"cluster {cid}: {len(members)} units < minimum {problem.min_size}")
    if problem.max_size is not None and len(members) > problem.max_size:
        fail(CLUSTER_SIZE, f"cluster {cid}: {len(members)} units > maximum {problem.max_size}")
    cap = problem.max_travel_km
    if cap is not None:
        for code in members:
            km = problem.distance(code, host)
            if km > cap:
                fail(MAX_TRAVEL_KM, f"cluster {cid}: {code} travels {km:,} > {cap:,} to {host}")


def _check_dates_and_teams(problem: Problem, plan: Plan, fail: Fail) -> None:
    if problem.days is None:
        for cluster in plan.clusters:
            if cluster.date is not None or cluster.trainer_team is not None:
                fail(ALLOWED_DATES, f"cluster {cluster.id} has a date or team but none planned")
        return
    day_index = {day: d for d, day in enumerate(problem.days)}
    teams = {team.name for team in problem.trainer_teams}
    bridges: dict[int, int] = defaultdict(int)
    sessions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cluster in plan.clusters:
        if cluster.date is None or cluster.date not in day_index:
            fail(ALLOWED_DATES, f"cluster {cluster.id}: {cluster.date} is not a working day")
            continue
        for code in cluster.members:
            if cluster.date in problem.unit(code).blackout:
                fail(ALLOWED_DATES, f"cluster {cluster.id}: {code} is away on {cluster.date}")
        d = day_index[cluster.date]
        bridges[d] += sum(problem.unit(code).communes for code in cluster.members)
        if teams:
            if cluster.trainer_team not in teams:
                fail(TRAINER_TEAM, f"cluster {cluster.id}: no known trainer team")
            else:
                sessions[cluster.trainer_team].append((d, cluster.host))
        elif cluster.trainer_team is not None:
            fail(TRAINER_TEAM, f"cluster {cluster.id}: a team is set but none are planned")
    if problem.bridge_capacity is not None:
        for d, load in sorted(bridges.items()):
            if load > problem.bridge_capacity:
                fail(
                    BRIDGE_CAPACITY,
                    f"{problem.days[d]}: {load} bridge points > {problem.bridge_capacity}",
                )
    for team, runs in sessions.items():
        runs.sort()
        for (d1, h1), (d2, h2) in itertools.pairwise(runs):
            if d1 == d2:
                fail(TRAINER_ONE_SESSION_A_DAY, f"team {team} runs two sessions on day {d1}")
            elif (
                problem.travel_day_km is not None
                and d2 == d1 + 1
                and problem.distance(h1, h2) > problem.travel_day_km
            ):
                fail(
                    TRAINER_TRAVEL_DAY,
                    f"team {team} hops {problem.distance(h1, h2)} km from {h1} to {h2} "
                    f"without a free day",
                )


def _check_pins(problem: Problem, plan: Plan, fail: Fail) -> None:
    for number, pin in enumerate(problem.pins, start=1):
        try:
            cluster = plan.cluster_of(pin.unit)
        except KeyError:  # left out by a plan of what fits: a pin keeps its unit in
            fail(f"{PIN}[{number}]", f"pin {pin} is not kept: {pin.unit} is left out")
            continue
        broken = (
            (pin.host is not None and cluster.host != pin.host)
            or (pin.with_unit is not None and pin.with_unit not in cluster.members)
            or (pin.day is not None and cluster.date != pin.day)
            or (pin.team is not None and cluster.trainer_team != pin.team)
        )
        if broken:
            fail(f"{PIN}[{number}]", f"pin {pin} is not kept")


def delegate_travel(problem: Problem, plan: Plan) -> int:
    """The delegate-travel term recomputed from the plan."""
    return sum(
        problem.delegate_cost(problem.position(code), problem.position(c.host))
        for c in plan.clusters
        for code in c.members
    )


def trainer_travel(problem: Problem, plan: Plan) -> int:
    """Km the trainer teams travel between consecutive hosts (from their first host on)."""
    total = 0
    by_team: dict[str, list[tuple[object, str]]] = defaultdict(list)
    for c in plan.clusters:
        if c.trainer_team is not None and c.date is not None:
            by_team[c.trainer_team].append((c.date, c.host))
    for runs in by_team.values():
        runs.sort()
        total += sum(problem.distance(a, b) for (_, a), (_, b) in itertools.pairwise(runs))
    return total


def check(problem: Problem, plan: Plan) -> None:
    """Raise :class:`RuleViolationError` naming the first broken rule, if any."""
    issues = validate(problem, plan)
    if issues:
        first = issues[0]
        raise RuleViolationError(
            f"the plan breaks {len(issues)} hard constraint(s); first: {first.description}",
            rule=first.name,
        )
