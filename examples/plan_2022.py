"""Plan the 2022 programme: 63 provinces in 10 clusters, 12-30 Sep 2022, two trainer teams.

Prints the plan as a table, then writes under ``--out`` (default ``out/plan_2022``):
``plan.json`` (read back by ``schedcore export --plan`` and ``replan_after_change.py``),
``plan.csv``, ``sessions.ics`` (one calendar event per session) and the pictures
``cluster_map.png`` and ``session_calendar.png``.

    python examples/plan_2022.py
    python examples/plan_2022.py --time-limit 20 --out /tmp/plan
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from schedcore import SchedcoreError, calendar_2022, programme_2022
from schedcore.exports import write_plan_csv, write_plan_ics, write_plan_json, write_plan_pictures
from schedcore.planning import Plan, Problem, scenario_2022, solve, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/plan_2022", help="directory to write to")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver seconds at most")
    parser.add_argument(
        "--no-dates", action="store_true", help="clusters and hosts only (fast): no calendar"
    )
    args = parser.parse_args(argv)

    problem = scenario_2022(time_limit=args.time_limit, with_dates=not args.no_dates)
    print(f"Planning {len(problem.units)} provinces into {problem.clusters} clusters ...")
    started = time.perf_counter()
    plan = solve(problem)
    if not plan.has_solution:
        print(f"no plan within {args.time_limit:g} s ({plan.status.value})", file=sys.stderr)
        return 1
    broken = validate(problem, plan)
    if broken:
        print(f"the plan breaks {broken[0].name}: {broken[0].description}", file=sys.stderr)
        return 1
    print(f"{plan.status.value} in {time.perf_counter() - started:.1f} s")
    print_plan(problem, plan)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = programme_2022().name
    written = [
        write_plan_json(plan.clusters, out / "plan.json", programme=name),
        write_plan_csv(plan.clusters, out / "plan.csv"),
    ]
    if not args.no_dates:
        written.append(write_plan_ics(plan.clusters, out / "sessions.ics", programme=name))
    written.extend(write_plan_pictures(plan.clusters, out, calendar=calendar_2022(), country="VNM"))
    for path in written:
        print(f"wrote {path}")
    return 0


def print_plan(problem: Problem, plan: Plan) -> None:
    """One line per cluster: number, day, trainer team, host, delegates/seats, members."""
    loads = {load.cluster: load for load in plan.loads}
    print(f"{'':>3} {'date':<10} {'team':<4} {'host':<18} {'seats':>11}  members")
    for cluster in plan.clusters:
        load = loads[cluster.id]
        day = cluster.date.strftime("%a %d %b") if cluster.date else "-"
        seats = f"{load.delegates:,}/{load.capacity or 0:,}"
        members = ", ".join(problem.unit(code).name for code in cluster.members)
        host = problem.unit(cluster.host).name
        print(
            f"{cluster.id:>3} {day:<10} {cluster.trainer_team or '-':<4} {host:<18} {seats:>11}"
            f"  {members}"
        )
    print("objective: " + ", ".join(f"{k} {v:,}" for k, v in plan.breakdown.items()))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SchedcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
