"""``schedcore plan``: plan a programme (the built-in 2022 one by default), with proof.

Prints the clusters as a table; ``--json PATH`` (or ``-``) writes the plan and the problem
(see ``docs/reference/plan.schema.json``).  Exit codes: 0 a plan, 1 no plan within the time
limit, 2 invalid input, 3 infeasible (the conflicting rules are printed).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from schedcore.cli._apply import (
    add_apply_options,
    apply_to_store,
    check_recorded_programme,
    plan_in_force,
    with_recorded_calendar,
)
from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    calendar_date,
    check_writable,
    human_output,
    seconds,
    whole_number,
    write_json,
)
from schedcore.cli._programme import add_programme_file_option, programme_file, resolve_pin
from schedcore.cli._progress import add_quiet_option, solve_progress
from schedcore.errors import InvalidInputError, RuleViolationError

if TYPE_CHECKING:
    from schedcore.planning.plan import Plan
    from schedcore.planning.problem import Pin, Problem
    from schedcore.programmes.file import ProgrammeFile

# The solver and the problem's types are imported when a command runs, not for ``--help``:
# these are the planning defaults the options show (tests/test_fast_start.py checks them).
OBJECTIVES = ("person-km", "distance")  # ObjectiveKind
DEFAULT_OBJECTIVE = "person-km"  # Problem.objective
DEFAULT_TRAVEL_DAY_KM = 300  # schedcore.planning.problem.DEFAULT_TRAVEL_DAY_KM
DEFAULT_TRAINER_WEIGHT = 0  # Weights().trainer_travel
WEIGHT_NAMES = (  # Weights.names()
    "delegate_travel",
    "trainer_travel",
    "longest_travel",
    "team_load_spread",
    "unplaced_delegate",
    "unplaced_unit",
)
MAX_WEIGHT = 1_000_000  # schedcore.planning.problem.MAX_WEIGHT

__all__ = [
    "add_fit_option",
    "add_problem_options",
    "build",
    "build_problem",
    "conclude",
    "parse_pin",
    "print_plan",
    "register",
    "run",
    "weight_setting",
]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="plan the programme: clusters, hosts, dates, trainer teams",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_problem_options(parser)
    add_fit_option(parser)
    add_store_option(parser)
    add_apply_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def add_problem_options(parser: argparse.ArgumentParser) -> None:
    """The options that describe a planning problem (shared with ``schedcore replan``)."""
    data = parser.add_argument_group("the programme (default: the built-in 2022 programme)")
    add_programme_file_option(data)
    data.add_argument(
        "--units",
        metavar="FILE.csv",
        help="your own units table, planned on --start..--end (see docs/how-to/plan.md)",
    )
    data.add_argument(
        "--distances", metavar="FILE.csv", help="square distance matrix (km or minutes)"
    )
    shape = parser.add_argument_group("the plan")
    shape.add_argument(
        "--clusters",
        type=whole_number(1),
        metavar="P",
        help="number of clusters (default: the programme's; 2022: 10)",
    )
    shape.add_argument(
        "--capacity", type=whole_number(1), metavar="Q", help="hall seats for every unit"
    )
    shape.add_argument(
        "--min-size", type=whole_number(1), metavar="N", help="units per cluster at least"
    )
    shape.add_argument(
        "--max-size", type=whole_number(1), metavar="N", help="units per cluster at most"
    )
    shape.add_argument(
        "--start",
        type=calendar_date,
        metavar="YYYY-MM-DD",
        help="first day of the window (default: the programme's)",
    )
    shape.add_argument(
        "--end",
        type=calendar_date,
        metavar="YYYY-MM-DD",
        help="last day of the window (default: the programme's)",
    )
    shape.add_argument(
        "--no-dates", action="store_true", help="allocation only: no dates, teams or bridges"
    )
    shape.add_argument(
        "--trainer-teams",
        type=whole_number(1),
        metavar="K",
        help="trainer teams (default: the programme's; 2022: 2)",
    )
    shape.add_argument(
        "--bridge-capacity",
        type=whole_number(1),
        metavar="N",
        help="bridge points connected a day (default: the programme's bridge margin, 1.5 x "
        "the average cluster's)",
    )
    shape.add_argument(
        "--travel-day-km",
        type=whole_number(0),
        metavar="KM",
        help="a team needs a free day before a longer hop (default: the programme's, "
        f"{DEFAULT_TRAVEL_DAY_KM})",
    )
    shape.add_argument(
        "--objective",
        choices=OBJECTIVES,
        help="delegate travel as person-km or plain distance (default: the programme's, "
        f"{DEFAULT_OBJECTIVE})",
    )
    shape.add_argument(
        "--trainer-weight",
        type=whole_number(0, MAX_WEIGHT),
        metavar="W",
        help=f"weight of trainer km in the objective (default: {DEFAULT_TRAINER_WEIGHT}); "
        "the same as --weight trainer_travel=W",
    )
    shape.add_argument(
        "--weight",
        action="append",
        default=[],
        type=weight_setting,
        metavar="NAME=W",
        help="weight of an objective term, a whole number (repeatable): "
        + ", ".join(WEIGHT_NAMES)
        + " (see docs/how-to/plan.md)",
    )
    shape.add_argument(
        "--max-travel-km",
        type=whole_number(0),
        metavar="KM",
        help="no unit travels farther than this to its host (a hard rule; default: no cap)",
    )
    shape.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SPEC",
        help="keep something agreed, e.g. unit=01,host=01,date=2022-09-12,team=T1 or "
        "unit=Hanoi,with=Vinh Phuc: codes or names (repeatable)",
    )
    solver = parser.add_argument_group("solver")
    solver.add_argument(
        "--time-limit", type=seconds, default=60.0, metavar="S", help="seconds (default: 60)"
    )
    solver.add_argument("--workers", type=whole_number(1, 256), default=2, metavar="N")
    solver.add_argument("--seed", type=whole_number(0, 2**31 - 1), default=0, metavar="N")
    solver.add_argument(
        "--progress", action="store_true", help="also print each improving solution as a line"
    )
    add_quiet_option(parser)


def add_fit_option(parser: argparse.ArgumentParser) -> None:
    """``--place-what-fits`` (``plan``, ``replan`` and ``recommend``)."""
    parser.add_argument(
        "--place-what-fits",
        action="store_true",
        help="when not every unit fits, plan those that do and list the others with the rules "
        "that keep them out (default: every unit or no plan)",
    )


def weight_setting(text: str) -> tuple[str, int]:
    """An argparse ``type``: ``NAME=W``, a weight's name and a whole number."""
    name, sep, value = (part.strip() for part in text.partition("="))
    if not sep or name not in WEIGHT_NAMES:
        raise argparse.ArgumentTypeError(
            f"must be NAME=W with NAME among {', '.join(WEIGHT_NAMES)}, not {text!r}"
        )
    try:
        weight = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must give {name} a whole number, not {value!r}"
        ) from None
    if not 0 <= weight <= MAX_WEIGHT:
        raise argparse.ArgumentTypeError(
            f"must give {name} a weight from 0 to {MAX_WEIGHT:,}, not {weight}"
        )
    return name, weight


def _weights(args: argparse.Namespace) -> dict[str, int]:
    """The weights ``--weight`` and ``--trainer-weight`` set, each once."""
    chosen: dict[str, int] = {}
    for name, weight in args.weight:
        if name in chosen and chosen[name] != weight:
            raise InvalidInputError(f"--weight {name} is given twice ({chosen[name]}, {weight})")
        chosen[name] = weight
    if args.trainer_weight is not None:
        if "trainer_travel" in chosen and chosen["trainer_travel"] != args.trainer_weight:
            raise InvalidInputError(
                "--trainer-weight and --weight trainer_travel=... disagree: give one of them"
            )
        chosen["trainer_travel"] = args.trainer_weight
    return chosen


def parse_pin(spec: str) -> Pin:
    """``unit=01,host=01,with=26,date=2022-09-12,team=T1`` -> :class:`Pin`."""
    from schedcore.planning.problem import Pin

    fields: dict[str, str] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in {"unit", "host", "with", "date", "team"} or not value:
            raise InvalidInputError(
                f"bad pin {spec!r}: expected key=value pairs among unit, host, with, date, team"
            )
        fields[key] = value
    if "unit" not in fields:
        raise InvalidInputError(f"bad pin {spec!r}: unit= is required")
    day = None
    if "date" in fields:
        try:
            day = date.fromisoformat(fields["date"])
        except ValueError:
            raise InvalidInputError(f"bad pin {spec!r}: {fields['date']!r} is not a date") from None
    return Pin(
        unit=fields["unit"],
        host=fields.get("host"),
        with_unit=fields.get("with"),
        day=day,
        team=fields.get("team"),
    )


def build_problem(args: argparse.Namespace) -> Problem:
    """The problem the options describe (see :func:`build`)."""
    return build(args)[1]


def build(args: argparse.Namespace) -> tuple[ProgrammeFile, Problem]:
    """The programme (``--programme-file``, ``--units`` or the built-in 2022 one) and the
    problem it describes with the options' overrides."""
    from schedcore.programmes.problem import problem_for

    check_options(args)
    weights = _weights(args)
    programme = planned_programme(args)
    problem = problem_for(
        programme,
        with_dates=not args.no_dates,
        trainer_teams=args.trainer_teams,
        bridge_capacity=args.bridge_capacity,
        travel_day_km=args.travel_day_km,
        min_size=args.min_size,
        max_size=args.max_size,
        objective=args.objective,
        weights=weights,
        max_travel_km=args.max_travel_km,
        place_what_fits=True if getattr(args, "place_what_fits", False) else None,
        capacity=args.capacity,
        pins=[resolve_pin(parse_pin(spec), programme.units) for spec in args.pin],
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
    )
    return programme, problem


def planned_programme(args: argparse.Namespace) -> ProgrammeFile:
    """The programme being planned, with ``--clusters``, ``--start`` and ``--end`` applied:
    what ``--apply`` records is exactly what was planned."""
    import attrs

    programme = programme_file(args)
    clusters = programme.clusters if args.clusters is None else args.clusters
    if not 1 <= clusters <= len(programme.units):
        raise InvalidInputError(
            f"--clusters must be between 1 and {len(programme.units)} (the units), got {clusters}"
        )
    calendar = programme.calendar
    if args.start is not None or args.end is not None:
        start = args.start or calendar.start
        end = args.end or max(start, calendar.end)
        if end < start:
            raise InvalidInputError(f"--end {end} is before the start {start}")
        calendar = attrs.evolve(calendar, start=start, end=end)
    # --apply to a store whose calendar events changed this programme: its calendar wins
    return with_recorded_calendar(
        args, attrs.evolve(programme, clusters=clusters, calendar=calendar)
    )


def check_options(args: argparse.Namespace) -> None:
    """What no single option's parser can see: options that contradict each other, and output
    paths that cannot be written (refused before the solver runs, not after)."""
    if args.max_size is not None and args.max_size < (args.min_size or 1):
        raise InvalidInputError(
            f"--max-size {args.max_size} is smaller than --min-size {args.min_size}"
        )
    if args.start is not None and args.end is not None and args.end < args.start:
        raise InvalidInputError(f"--end {args.end} is before --start {args.start}")
    check_writable("--json", getattr(args, "json", None))
    if getattr(args, "actor", None) is not None:
        from schedcore.security import Actor

        Actor.parse(args.actor)  # a malformed actor is refused now, not after solving


def run(args: argparse.Namespace) -> int:
    from schedcore.planning.replan import replan
    from schedcore.planning.solve import solve

    programme, problem = build(args)
    out = human_output(args)
    check_recorded_programme(args, programme)
    current = plan_in_force(args, programme, problem)
    with solve_progress(args, "planning") as progress:
        if current is None:
            plan = solve(problem, progress=progress)
        else:
            print(
                "re-planning the plan in force with the least disruption (--fresh: from scratch)",
                file=out,
            )
            plan = replan(problem, current, progress=progress)
    code = conclude(args, problem, plan, programme)
    if code == 0 and args.apply:
        apply_to_store(args, programme, problem, plan, out)
    return code


def conclude(
    args: argparse.Namespace, problem: Problem, plan: Plan, programme: ProgrammeFile | None = None
) -> int:
    """What ``plan`` and ``replan`` do with a solved plan: explain it when infeasible, say so
    when the time ran out (exit 1), re-check every hard rule, print it, write ``--json``
    (with the ``programme``'s name, time zone, country and session hours, so that an export
    of the file speaks the programme's time)."""
    from schedcore.planning.explain import explain
    from schedcore.planning.plan import PlanStatus
    from schedcore.planning.validate import validate

    out = human_output(args)
    if plan.status is PlanStatus.INFEASIBLE:
        raise explain(problem, time_limit=max(10.0, args.time_limit))
    if not plan.has_solution:
        print(f"no plan found within {args.time_limit:g} s ({plan.status.value})", file=out)
        write_json(args.json, plan_document(problem, plan, programme))
        return 1
    violations = validate(problem, plan)
    if violations:
        first = violations[0]
        raise RuleViolationError(
            f"internal error: the plan breaks {first.description}", rule=first.name
        )
    print_plan(problem, plan, out)
    write_json(args.json, plan_document(problem, plan, programme))
    return 0


def plan_document(problem: Problem, plan: Plan, programme: ProgrammeFile | None) -> dict[str, Any]:
    """The ``--json`` document: the plan, its problem and what the programme says of time."""
    document = plan.to_json(problem)
    if programme is not None:
        hours = programme.session_hours
        document["programme"] = {
            "name": programme.name,
            "time_zone": programme.time_zone,
            "country": programme.country,
            "session_hours": [t.isoformat("minutes") for t in hours] if hours else None,
        }
    return document


def print_plan(problem: Problem, plan: Plan, out: TextIO) -> None:
    """The plan as a planner reads it: one line per cluster, then the totals, with units."""
    from schedcore.planning.problem import ObjectiveKind

    km = "km" if problem.distances is None else "distance units"
    unit = f"person-{km}" if problem.objective is ObjectiveKind.PERSON_KM else km
    gap = f"{plan.gap:.2%}" if plan.gap is not None else "n/a"
    print(
        f"{plan.status.value}: objective {plan.objective:,} {unit} (bound {plan.bound or 0:,}, "
        f"gap {gap}) in {plan.wall_seconds:.1f} s",
        file=out,
    )
    loads = {load.cluster: load for load in plan.loads}
    for cluster in plan.clusters:
        load = loads[cluster.id]
        when = cluster.date.strftime("%a %d %b") if cluster.date else "-"
        team = cluster.trainer_team or "-"
        members = ", ".join(problem.unit(code).name for code in cluster.members)
        seats = f"{load.delegates:,}/{load.capacity or 0:,} seats"
        print(
            f"  {cluster.id:>2}  {when:<10} {team:<4} host {problem.unit(cluster.host).name}: "
            f"{seats}, {load.bridge_points:,} bridge points | {members}",
            file=out,
        )
    from schedcore.planning.costs import effective_weights

    weights = effective_weights(problem)
    units = {"delegate_travel": unit, "trainer_travel": km, "longest_travel": km}
    terms = ", ".join(
        f"{name} {value:,}"
        + (f" {units[name]}" if name in units else "")
        + (f" x {weights[name]:,}" if name in weights else "")
        for name, value in plan.breakdown.items()
    )
    print(f"  breakdown (term value x weight): {terms}", file=out)
    if plan.unplaced:
        delegates = sum(u.delegates for u in plan.unplaced)
        print(
            f"  left out: {len(plan.unplaced)} unit(s), {delegates:,} of "
            f"{sum(u.demand for u in problem.units):,} delegates",
            file=out,
        )
        for left in plan.unplaced:
            rules = ", ".join(left.rules) or "no rule (its cost)"
            print(f"    {problem.unit(left.unit).label} [{rules}]: {left.reason}", file=out)
    print("  every hard constraint re-checked by the validator: OK", file=out)
