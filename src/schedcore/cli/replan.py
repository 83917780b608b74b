"""``schedcore replan``: change a plan as little as possible after something changed.

Reads the current plan from a ``plan --json`` file (``--current``) or, without ``--current``,
the plan in force in the event store (``--store`` or ``$SCHEDCORE_STORE``); applies the changes
(blackouts, withdrawn hosts, hall cuts, new pins given with ``--pin``) to the problem described
by the same options as ``schedcore plan``, and prints the least disruptive plan, then the
cheapest among those.  ``--apply`` records it in the store (only what changed).  Exit codes:
0 a plan, 1 no plan within the time limit, 2 invalid input, 3 infeasible.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from schedcore.cli._apply import (
    add_apply_options,
    apply_to_store,
    check_recorded_programme,
    stored_plan,
)
from schedcore.cli._common import add_json_option, add_store_option, human_output
from schedcore.cli._progress import solve_progress
from schedcore.cli.plan import add_fit_option, add_problem_options, build, conclude
from schedcore.errors import InvalidInputError, ReferenceDataError, UnknownProvinceError

if TYPE_CHECKING:
    from schedcore.domain.units import Unit
    from schedcore.planning.plan import Plan
    from schedcore.planning.problem import Problem
    from schedcore.programmes.file import ProgrammeFile

__all__ = [
    "add_change_options",
    "apply_changes",
    "check_store_programme",
    "current_plan",
    "print_changes",
    "read_plan",
    "register",
    "run",
]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replan",
        help="re-plan with the least disruption after a change",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--current",
        metavar="PLAN.json",
        help="the current plan, as 'plan --json' writes it (default: the plan in force in --store)",
    )
    add_change_options(parser)
    add_problem_options(parser)
    add_fit_option(parser)
    add_store_option(parser)
    add_apply_options(parser, fresh=False)
    add_json_option(parser)
    parser.set_defaults(func=run)


def add_change_options(parser: argparse.ArgumentParser) -> None:
    """The changes to a plan (shared with ``schedcore explain``); ``--pin`` adds agreements."""
    changes = parser.add_argument_group("what changed")
    changes.add_argument(
        "--blackout",
        action="append",
        default=[],
        metavar="CODE=YYYY-MM-DD",
        help="the unit cannot take part that day (repeatable)",
    )
    changes.add_argument(
        "--withdraw",
        action="append",
        default=[],
        metavar="CODE",
        help="the unit can no longer host",
    )
    changes.add_argument(
        "--hall",
        action="append",
        default=[],
        metavar="CODE=SEATS",
        help="the unit's hall now seats SEATS (repeatable)",
    )


def read_plan(path: str) -> Plan:
    """The clusters of a ``plan --json`` file."""
    from schedcore.planning.plan import Plan, PlannedCluster, PlanStatus, Unplaced

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
        unplaced = tuple(
            Unplaced(
                unit=str(u["unit"]),
                delegates=int(u.get("delegates", 0)),
                free_seats=int(u.get("free_seats", 0)),
                rules=tuple(str(r) for r in u.get("rules", ())),
                reason=str(u.get("reason", "")),
            )
            for u in document.get("unplaced", ())
        )
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", path=path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReferenceDataError(f"not a plan --json document ({exc})", path=path) from None
    if not clusters:
        raise ReferenceDataError("the plan has no clusters", path=path)
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters, unplaced=unplaced)


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
    from schedcore.domain.units import UnitTable

    units = {u.code: u for u in problem.units}
    table = UnitTable(problem.units, source="the programme's units table")

    def unit(text: str, option: str) -> Unit:
        try:
            return units[table.code_of(text)]
        except UnknownProvinceError as exc:
            raise UnknownProvinceError(f"{option}: {exc}") from None

    for code, value in _pairs(args.blackout, "blackout"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(
                f"--blackout {code}={value}: {value} is not a date (YYYY-MM-DD)"
            ) from None
        before = unit(code, "--blackout")
        units[before.code] = attrs.evolve(before, blackout=before.blackout | {day})
    for code in args.withdraw:
        withdrawn = unit(code.strip(), "--withdraw")
        units[withdrawn.code] = attrs.evolve(withdrawn, capacity=None)
    for code, value in _pairs(args.hall, "hall"):
        if not value.isdigit():
            raise InvalidInputError(
                f"--hall {code}={value}: the seats must be a whole number, not {value!r}"
            )
        hall = unit(code, "--hall")
        units[hall.code] = attrs.evolve(hall, capacity=int(value))
    return problem.with_changes(units=[units[u.code] for u in problem.units])


def current_plan(args: argparse.Namespace, programme: ProgrammeFile, problem: Problem) -> Plan:
    """The plan to change: ``--current``, else the plan in force in ``--store``."""
    if args.current is not None:
        return read_plan(args.current)
    return stored_plan(args.store, programme.name, problem)


def check_store_programme(args: argparse.Namespace, programme: ProgrammeFile) -> None:
    """Re-planning a store's plan needs the programme it was planned from: the built-in one,
    or the programme file given; say so when the store holds another."""
    if args.programme_file is not None or args.units is not None:
        return
    from schedcore.application import Scheduler
    from schedcore.cli._common import require_programme_store

    require_programme_store(args.store)
    app = Scheduler.open(args.store)
    try:
        names = app.programme_names()
    finally:
        app.close()
    if programme.name not in names:
        listed = "; ".join(repr(name) for name in names)
        raise InvalidInputError(
            f"the store {args.store} holds {listed}, not the built-in programme: give the "
            "programme file it was planned from (--programme-file FILE.toml)"
        )


def run(args: argparse.Namespace) -> int:
    if args.apply and args.current is not None:
        raise InvalidInputError(
            "--apply records the re-plan of the plan in force in --store: drop --current"
        )
    from schedcore.planning.replan import replan

    programme, problem = build(args)
    if args.current is None:
        check_store_programme(args, programme)  # before any unit is looked up in it
    check_recorded_programme(args, programme)
    problem = apply_changes(problem, args)
    current = current_plan(args, programme, problem)
    with solve_progress(args, "re-planning") as progress:
        plan = replan(problem, current, progress=progress)
    code = conclude(args, problem, plan, programme)
    if code == 0:
        print_changes(current, plan, human_output(args), problem)
        if args.apply:
            apply_to_store(args, programme, problem, plan, human_output(args))
    return code


def print_changes(before: Plan, after: Plan, out: TextIO, problem: Problem) -> None:
    """What the re-plan changes, unit by unit and session by session, in one line each."""
    host_before, host_after = before.host_of(), after.host_of()
    moved = sorted(code for code in host_after if host_before.get(code) != host_after[code])

    def label(code: str | None) -> str:
        return "-" if code is None else problem.unit(code).label

    for code in moved:
        print(
            f"  moves: {label(code)}, from the cluster hosted by {label(host_before.get(code))} "
            f"to the one hosted by {label(host_after[code])}",
            file=out,
        )
    dates_before = {c.host: (c.date, c.trainer_team) for c in before.clusters}
    for cluster in after.clusters:
        was = dates_before.get(cluster.host)
        if was is not None and was != (cluster.date, cluster.trainer_team):
            print(
                f"  session hosted by {label(cluster.host)}: {was[0] or '-'} {was[1] or '-'} -> "
                f"{cluster.date or '-'} {cluster.trainer_team or '-'}",
                file=out,
            )
    if not moved and all(
        dates_before.get(c.host) == (c.date, c.trainer_team) for c in after.clusters
    ):
        print("  nothing changes", file=out)
