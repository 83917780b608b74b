"""``schedcore replan``: change a plan as little as possible after something changed.

Reads the plan in force from a ``plan --json`` file, applies the changes (blackouts, withdrawn
hosts, hall cuts, new pins given with ``--pin``) to the problem described by the same options
as ``schedcore plan``, and prints the least disruptive plan, then the cheapest among those.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any, TextIO

import attrs

from schedcore.cli._common import add_json_option
from schedcore.cli.plan import add_problem_options, build_problem, print_plan, write_json
from schedcore.errors import InvalidInputError, ReferenceDataError, RuleViolationError
from schedcore.planning.explain import explain
from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus
from schedcore.planning.problem import Problem
from schedcore.planning.replan import replan
from schedcore.planning.validate import validate

__all__ = ["apply_changes", "read_plan", "register", "run"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replan",
        help="re-plan with the least disruption after a change",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--current", required=True, metavar="PLAN.json", help="plan --json output")
    parser.add_argument(
        "--blackout",
        action="append",
        default=[],
        metavar="CODE=YYYY-MM-DD",
        help="the unit cannot take part that day (repeatable)",
    )
    parser.add_argument(
        "--withdraw",
        action="append",
        default=[],
        metavar="CODE",
        help="the unit can no longer host",
    )
    parser.add_argument(
        "--hall",
        action="append",
        default=[],
        metavar="CODE=SEATS",
        help="the unit's hall now seats SEATS (repeatable)",
    )
    add_problem_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def read_plan(path: str) -> Plan:
    """The clusters of a ``plan --json`` file."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        clusters = tuple(
            PlannedCluster(
                id=int(c["id"]),
                host=str(c["host"]),
                members=tuple(str(m) for m in c["members"]),
                date=date.fromisoformat(c["date"]) if c.get("date") else None,
                trainer_team=c.get("trainer_team"),
            )
            for c in document["clusters"]
        )
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", path=path) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ReferenceDataError(f"not a plan --json document ({exc})", path=path) from None
    if not clusters:
        raise ReferenceDataError("the plan has no clusters", path=path)
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters)


def _pairs(specs: list[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for spec in specs:
        code, sep, value = spec.partition("=")
        if not sep or not code.strip() or not value.strip():
            raise InvalidInputError(f"bad {what} {spec!r}: expected CODE=VALUE")
        pairs.append((code.strip(), value.strip()))
    return pairs


def apply_changes(problem: Problem, args: argparse.Namespace) -> Problem:
    """The problem with the command line's blackouts, withdrawals and hall changes."""
    units = {u.code: u for u in problem.units}
    for code, value in _pairs(args.blackout, "blackout"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(f"bad blackout date {value!r} (expected YYYY-MM-DD)") from None
        unit = units[problem.unit(code).code]
        units[code] = attrs.evolve(unit, blackout=unit.blackout | {day})
    for code in args.withdraw:
        units[problem.unit(code).code] = attrs.evolve(units[code], capacity=None)
    for code, value in _pairs(args.hall, "hall"):
        if not value.isdigit():
            raise InvalidInputError(f"bad hall size {value!r} for {code}")
        units[problem.unit(code).code] = attrs.evolve(units[code], capacity=int(value))
    return problem.with_changes(units=[units[u.code] for u in problem.units])


def run(args: argparse.Namespace) -> int:
    current = read_plan(args.current)
    problem = apply_changes(build_problem(args), args)
    out: TextIO = sys.stderr if args.json == "-" else sys.stdout
    plan = replan(problem, current)
    if plan.status is PlanStatus.INFEASIBLE:
        raise explain(problem, time_limit=max(10.0, args.time_limit))
    if not plan.has_solution:
        print(f"no plan found within {args.time_limit:g} s ({plan.status.value})", file=out)
        write_json(args.json, plan, problem)
        return 1
    violations = validate(problem, plan)
    if violations:
        first = violations[0]
        raise RuleViolationError(
            f"internal error: the plan breaks {first.description}", rule=first.name
        )
    print_plan(problem, plan, out)
    write_json(args.json, plan, problem)
    return 0
