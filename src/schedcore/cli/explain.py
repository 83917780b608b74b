"""``schedcore explain``: why no plan fits the programme, or a proposed change to it.

Takes the same options as ``schedcore plan`` (the built-in 2022 programme, or ``--units`` and
``--distances``) and the changes of ``schedcore replan`` (``--blackout``, ``--withdraw``,
``--hall``, ``--pin``).  With ``--current PLAN.json``, or ``--store URL`` (or
``$SCHEDCORE_STORE``), the change is checked against that plan in force: when it can be met,
the least disruptive re-plan is summarised.  When nothing fits, the conflicting constraints
are printed on standard output, one a line with its stable name, and a one-line summary goes
to standard error.  Exit codes: 0 feasible ("feasible: nothing to explain"), 1 not decided
within the time limit, 2 invalid input, 3 infeasible.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from schedcore.cli._apply import stored_plan
from schedcore.cli._common import STORE_ENV, add_json_option, human_output, write_json
from schedcore.cli._progress import solve_progress
from schedcore.cli.plan import add_problem_options, build
from schedcore.cli.replan import (
    add_change_options,
    apply_changes,
    check_store_programme,
    read_plan,
)
from schedcore.errors import InfeasiblePlanError

if TYPE_CHECKING:
    from schedcore.planning.plan import Plan

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "explain",
        help="say why no plan fits, or why a change to the plan in force cannot be met",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    against = parser.add_argument_group("the plan in force (optional)")
    against.add_argument(
        "--current", metavar="PLAN.json", help="check the change against this 'plan --json'"
    )
    against.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV),
        metavar="URL",
        help="check the change against the plan in force in this event store "
        f"(default: ${STORE_ENV}; without either, the problem alone is explained)",
    )
    add_change_options(parser)
    add_problem_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.planning.explain import diagnose, explain
    from schedcore.planning.plan import PlanStatus
    from schedcore.planning.replan import replan

    programme, problem = build(args)
    if args.current is None and args.store is not None:
        check_store_programme(args, programme)  # before any unit is looked up in it
    problem = apply_changes(problem, args)
    current: Plan | None = None
    if args.current is not None:
        current = read_plan(args.current)
    elif args.store is not None:
        current = stored_plan(args.store, programme.name, problem)
    out = human_output(args)
    error: InfeasiblePlanError | None = None
    replanned: dict[str, Any] | None = None
    with solve_progress(args, "checking the rules", feasibility=current is None) as progress:
        if current is None:
            found = diagnose(problem, time_limit=args.time_limit, progress=progress)
            status, error = found.status, found.error
        else:
            plan = replan(problem, current, progress=progress)
            status = plan.status if not plan.has_solution else PlanStatus.FEASIBLE
            if plan.status is PlanStatus.INFEASIBLE:
                error = explain(problem, time_limit=max(10.0, args.time_limit))
            elif plan.has_solution:
                replanned = {"objective": plan.objective, "breakdown": dict(plan.breakdown)}
    document: dict[str, Any] = {
        "status": status.value,
        "against": _against(args),
        "message": None,
        "conflicts": [],
        "replan": replanned,
    }
    if status is PlanStatus.FEASIBLE:
        print("feasible: nothing to explain", file=out)
        if replanned is not None:
            moves = replanned["breakdown"]
            changed = ", ".join(
                f"{name} {moves[name]}"
                for name in ("units_moved", "sessions_redated", "sessions_reteamed")
                if name in moves
            )
            print(f"  the least disruptive re-plan: {changed or 'no change'}", file=out)
        write_json(args.json, document)
        return 0
    if status is not PlanStatus.INFEASIBLE or error is None:
        print(f"undecided within {args.time_limit:g} s: raise --time-limit", file=out)
        write_json(args.json, document)
        return 1
    document["message"] = str(error).splitlines()[0]
    document["conflicts"] = [
        {"name": conflict.name, "description": conflict.description} for conflict in error.conflicts
    ]
    print(document["message"], file=out)
    for conflict in error.conflicts:
        print(f"  - {conflict.name}: {conflict.description}", file=out)
    write_json(args.json, document)
    raise InfeasiblePlanError(
        f"infeasible: {len(error.conflicts)} conflicting constraints "
        f"({', '.join(c.name for c in error.conflicts)})"
    )


def _against(args: argparse.Namespace) -> str | None:
    """What the change was checked against: a plan file, a store, or nothing (the problem)."""
    if args.current is not None:
        return str(args.current)
    return str(args.store) if args.store is not None else None
