"""Recording a solved plan in the event store (``schedcore plan --apply``).

Kept apart from the planning CLI so that planning itself never needs a store: applying is a
command on the application, and the plan becomes history like every other change.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import ProgrammeSpec
from schedcore.errors import NotFoundError
from schedcore.planning import Plan, Problem
from schedcore.reference import programme_2022

__all__ = ["add_apply_options", "apply_to_store"]


def add_apply_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("recording the plan")
    group.add_argument(
        "--apply",
        action="store_true",
        help="record the plan in --store as events (only the changes to the plan in force)",
    )
    group.add_argument(
        "--actor", default="planner", help="who applies the plan, recorded on every event"
    )
    group.add_argument(
        "--idempotency-key", metavar="KEY", help="apply at most once for this key (safe retries)"
    )


def _spec_for(problem: Problem, builtin: bool) -> ProgrammeSpec:
    """The programme a plan belongs to: the 2022 one, or one made from the user's units."""
    if builtin:
        return programme_2022()
    days = problem.days
    reference = programme_2022()
    calendar = reference.calendar
    if days:
        calendar = type(calendar)(min(days), max(days), holidays=())
    return ProgrammeSpec(
        name=problem.name or "custom programme",
        calendar=calendar,
        clusters=problem.clusters,
        teams={},
        members={},
        delegates={unit.code: unit.demand for unit in problem.units},
        bridge_points={unit.code: unit.communes for unit in problem.units},
        targets=(),
    )


def apply_to_store(
    args: argparse.Namespace, problem: Problem, plan: Plan, out: TextIO, *, builtin: bool
) -> None:
    spec = _spec_for(problem, builtin)
    scheduler = Scheduler.open(args.store, programme=spec.name)
    try:
        scheduler.programme()
    except NotFoundError:
        scheduler.create_programme(spec, actor=args.actor)
        print(f"created programme {spec.name!r} in {args.store}", file=out)
    capacity = {unit.code: unit.capacity for unit in problem.units}
    halls = {
        cluster.id: hall
        for cluster in plan.clusters
        if (hall := capacity.get(cluster.host)) is not None
    }
    applied = scheduler.apply_plan(
        plan.clusters,
        actor=args.actor,
        idempotency_key=args.idempotency_key,
        hall_capacity=halls or None,
        reason=f"schedcore plan ({plan.status.value})",
    )
    if applied.events:
        print(
            f"applied to {args.store}: revision {applied.revision}, {applied.events} events, "
            f"{len(applied.clusters_changed)} clusters changed",
            file=out,
        )
    else:
        print(f"{args.store} already holds this plan: nothing recorded", file=out)
