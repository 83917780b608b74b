"""Exhaustive search over every plan of a tiny problem, judged by the independent validator."""

from __future__ import annotations

import itertools

from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus
from schedcore.planning.problem import Problem
from schedcore.planning.validate import delegate_travel, trainer_travel, validate


def every_plan(problem: Problem) -> list[Plan]:
    """All plans (hosts, members, dates, teams) that meet every hard constraint."""
    codes = problem.codes
    hosts = [u.code for u in problem.units if u.can_host]
    days = list(problem.days) if problem.days is not None else [None]
    teams = [t.name for t in problem.trainer_teams] or [None]
    valid = []
    for chosen in itertools.combinations(hosts, problem.clusters):
        others = [c for c in codes if c not in chosen]
        for targets in itertools.product(chosen, repeat=len(others)):
            members = {h: [h] for h in chosen}
            for code, host in zip(others, targets, strict=True):
                members[host].append(code)
            for when in itertools.product(days, repeat=len(chosen)):
                for who in itertools.product(teams, repeat=len(chosen)):
                    clusters = tuple(
                        PlannedCluster(
                            id=k + 1, host=h, members=tuple(members[h]), date=d, trainer_team=t
                        )
                        for k, (h, d, t) in enumerate(zip(chosen, when, who, strict=True))
                    )
                    plan = Plan(status=PlanStatus.FEASIBLE, clusters=clusters)
                    if not validate(problem, plan):
                        valid.append(plan)
    return valid


def cost(problem: Problem, plan: Plan) -> int:
    """The objective as the planner defines it, recomputed from the plan alone."""
    total = problem.weights.delegate_travel * delegate_travel(problem, plan)
    if problem.trainer_teams:
        total += problem.weights.trainer_travel * trainer_travel(problem, plan)
    return total


def optimum(problem: Problem) -> int | None:
    plans = every_plan(problem)
    return min((cost(problem, p) for p in plans), default=None)
