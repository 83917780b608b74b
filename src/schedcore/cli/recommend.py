"""``schedcore recommend``: where else one unit could go, and what each option costs.

Reads the plan in force like ``schedcore replan`` (``--current PLAN.json``, else the plan in
force in ``--store`` or ``$SCHEDCORE_STORE``), applies the changes given (``--blackout``,
``--withdraw``, ``--hall``, ``--pin``) to the problem described by the options of
``schedcore plan``, and lists the ``--top`` cheapest placements of ``--unit`` (another cluster,
or its own on another date or with another team) that keep every hard rule: each with the
change in the objective and the rules it strains (less than 10 % of slack left).  A plan of
what fits (``plan --place-what-fits``) needs ``--place-what-fits`` here too.  No solver runs;
nothing is recorded.  Exit codes: 0 the options (possibly none), 2 invalid input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    human_output,
    whole_number,
    write_json,
)
from schedcore.cli.plan import add_fit_option, add_problem_options, build
from schedcore.cli.replan import (
    add_change_options,
    apply_changes,
    check_store_programme,
    current_plan,
)

if TYPE_CHECKING:
    from schedcore.planning.plan import Plan
    from schedcore.planning.problem import Problem
    from schedcore.planning.recommend import Recommendations

__all__ = ["print_recommendations", "register", "run"]

#: Options listed unless ``--top`` says otherwise.
DEFAULT_TOP = 5


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "recommend",
        help="the best other placements of one unit against the plan in force, with their cost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unit", required=True, metavar="CODE", help="the unit to place")
    parser.add_argument(
        "--top",
        type=whole_number(1, 1000),
        default=DEFAULT_TOP,
        metavar="K",
        help="how many options to list (default: %(default)s)",
    )
    parser.add_argument(
        "--current",
        metavar="PLAN.json",
        help="the plan in force, as 'plan --json' writes it (default: the plan in --store)",
    )
    add_change_options(parser)
    add_problem_options(parser)
    add_fit_option(parser)
    add_store_option(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.domain.units import UnitTable
    from schedcore.errors import UnknownProvinceError
    from schedcore.planning.recommend import recommend

    programme, problem = build(args)
    if args.current is None:
        check_store_programme(args, programme)  # before any unit is looked up in it
    problem = apply_changes(problem, args)
    try:
        unit = UnitTable(problem.units, source="the programme's units table").code_of(args.unit)
    except UnknownProvinceError as exc:
        raise UnknownProvinceError(f"--unit: {exc}") from None
    plan = current_plan(args, programme, problem)
    found = recommend(problem, plan, unit, top=args.top)
    print_recommendations(problem, plan, found, human_output(args))
    write_json(args.json, found.to_json())
    return 0


def print_recommendations(
    problem: Problem, plan: Plan, found: Recommendations, out: TextIO
) -> None:
    """The options as a planner reads them: one line each, then what changes."""
    unit = problem.unit(found.unit)
    if found.current_cluster is None:
        where = "is left out of the plan in force"
    else:
        cluster = next(c for c in plan.clusters if c.id == found.current_cluster)
        when = cluster.date.isoformat() if cluster.date else "no date"
        where = (
            f"is in cluster {cluster.id} (host {problem.unit(cluster.host).name}, {when}, "
            f"team {cluster.trainer_team or '-'})"
        )
    print(f"{unit} {where}; the plan costs {found.current_objective:,}", file=out)
    for conflict in found.violations:
        print(f"  the plan in force breaks {conflict.name}: {conflict.description}", file=out)
    if not found.options:
        print(f"  none of the {found.considered} other placements keeps every hard rule", file=out)
        return
    for number, option in enumerate(found.options, start=1):
        when = option.date.isoformat() if option.date else "-"
        strains = "; ".join(f"{s.rule}: {s.detail}" for s in option.strains) or "none"
        print(
            f"  {number}. cluster {option.cluster} (host {problem.unit(option.host).name}) "
            f"{when} {option.trainer_team or '-'}: {option.delta:+,} "
            f"(cost {option.objective:,}); strains: {strains}",
            file=out,
        )
        for change in option.changes:
            print(f"       {change}", file=out)
    print(f"  ({found.considered} placements considered)", file=out)
