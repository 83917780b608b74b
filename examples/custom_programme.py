"""A programme of your own: other units, another window, fewer clusters.

Reads the units from a CSV (default ``examples/data/states_example.csv``: 16 German states with
made-up delegates and halls), plans them into clusters over a week of March 2025 with one
trainer team, records the programme and the plan as events in a SQLite store, then writes the
plan's pictures and calendar under ``--out`` (default ``out/custom``).  Nothing here is tied to
Vietnam or to 2022: the same engine, another country.

    python examples/custom_programme.py
    python examples/custom_programme.py --units my_units.csv --clusters 5
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from schedcore import (
    Measure,
    ProgrammeSpec,
    SchedcoreError,
    Scheduler,
    Target,
    UnitTable,
    WorkingCalendar,
)
from schedcore.exports import write_plan_ics, write_plan_json, write_plan_pictures
from schedcore.planning import Problem, TrainerTeam, load_units, solve, validate

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default=str(HERE / "data" / "states_example.csv"))
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 3, 3))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 3, 14))
    parser.add_argument("--out", default="out/custom", help="directory to write to")
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args(argv)

    units = load_units(args.units)
    calendar = WorkingCalendar(args.start, args.end)
    problem = Problem(
        units=units,
        clusters=args.clusters,
        days=calendar.working_days(),
        trainer_teams=[TrainerTeam("T1")],
        time_limit=args.time_limit,
        name=Path(args.units).stem,
    )
    plan = solve(problem)
    if not plan.has_solution:
        print(f"no plan within {args.time_limit:g} s ({plan.status.value})", file=sys.stderr)
        return 1
    broken = validate(problem, plan)
    if broken:
        print(f"the plan breaks {broken[0].name}: {broken[0].description}", file=sys.stderr)
        return 1
    print(f"{len(units)} units in {problem.clusters} clusters: {plan.status.value}")
    for cluster in plan.clusters:
        members = ", ".join(problem.unit(code).name for code in cluster.members)
        print(f"  {cluster.id}  {cluster.date}  host {problem.unit(cluster.host).name}: {members}")

    # The programme as events: its own units, teams and members (made up: 4 teams a commune,
    # 5 members a team), and its own target.
    spec = ProgrammeSpec(
        name=f"Digital helpers {args.start.year} ({problem.name})",
        calendar=calendar,
        clusters=problem.clusters,
        teams={u.code: 4 * u.communes for u in units},
        members={u.code: 20 * u.communes for u in units},
        delegates={u.code: u.demand for u in units},
        bridge_points={u.code: u.communes for u in units},
        targets=(Target(Measure.TEAMS_TRAINED_IN_PERSON, 1.0, args.end),),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "custom.sqlite"
    for stale in out.glob("custom.sqlite*"):
        stale.unlink()
    app = Scheduler.open(f"sqlite:///{store}", programme=spec.name)
    try:
        app.create_programme(spec, actor="example:custom")
        applied = app.apply_plan(plan.clusters, actor="example:custom")
        print(f"recorded the programme and the plan in {store}: {applied.events} events")
        stored = [(c.number, c.host, c.members) for c in app.clusters()]
        print(f"read back {len(stored)} clusters from the store")
    finally:
        app.close()

    # Exports name and place units from the same units table the planner read.
    directory = UnitTable(units)
    written = [
        write_plan_json(plan.clusters, out / "plan.json", units=directory, programme=spec.name),
        write_plan_ics(plan.clusters, out / "sessions.ics", units=directory, programme=spec.name),
        *write_plan_pictures(plan.clusters, out, units=directory, calendar=calendar),
    ]
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SchedcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
