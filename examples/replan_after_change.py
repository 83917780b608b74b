"""A province asks to move: re-plan the 2022 programme with the least disruption.

Starts from the plan in force (``--current plan.json``, as ``plan_2022.py`` writes it; without
it, the plan is solved first), makes the province unable to attend on its cluster's day (a
blackout), re-plans so that as few provinces as possible change host and as few sessions as
possible change day or team, and prints what changed.  Writes ``plan.json`` and
``changes.txt`` under ``--out`` (default ``out/replan``).

    python examples/replan_after_change.py --province 01
    python examples/replan_after_change.py --current out/plan_2022/plan.json --province 79
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import attrs

from schedcore import SchedcoreError, programme_2022, read_plan_json
from schedcore.exports import write_plan_json
from schedcore.planning import Plan, PlannedCluster, PlanStatus, Problem, replan, scenario_2022
from schedcore.planning import solve as solve_plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current", metavar="PLAN.json", help="the plan in force")
    parser.add_argument("--province", default="01", help="GSO code of the province (01 Hà Nội)")
    parser.add_argument(
        "--day",
        type=date.fromisoformat,
        help="the day it cannot attend (default: its cluster's session day)",
    )
    parser.add_argument("--out", default="out/replan", help="directory to write to")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver seconds at most")
    args = parser.parse_args(argv)

    problem = scenario_2022(time_limit=args.time_limit)
    code = problem.unit(args.province).code
    if args.current:
        current = plan_from_records(args.current)
    else:
        print("No --current plan: solving the 2022 plan first ...")
        current = solve_plan(problem)
        if not current.has_solution:
            print(f"no plan within {args.time_limit:g} s", file=sys.stderr)
            return 1
    before = current.cluster_of(code)
    day = args.day or before.date
    if day is None:
        print("the current plan has no dates: nothing to move", file=sys.stderr)
        return 2
    name = problem.unit(code).name
    print(
        f"{name} ({code}) is in cluster {before.id}, hosted by "
        f"{problem.unit(before.host).name} on {before.date}; it cannot attend on {day}."
    )

    changed = problem.with_changes(
        units=[
            attrs.evolve(u, blackout=u.blackout | {day}) if u.code == code else u
            for u in problem.units
        ]
    )
    new = replan(changed, current)
    if not new.has_solution:
        print(f"no re-plan within {args.time_limit:g} s ({new.status.value})", file=sys.stderr)
        return 1
    lines = describe_changes(problem, current, new)
    print(
        f"Re-plan {new.status.value}: {new.breakdown['units_moved']} province(s) moved, "
        f"{new.breakdown['sessions_redated']} session(s) re-dated, "
        f"{new.breakdown['sessions_reteamed']} given another trainer team"
    )
    for line in lines:
        print("  " + line)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_plan_json(new.clusters, out / "plan.json", programme=programme_2022().name),
    ]
    changes = out / "changes.txt"
    changes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(changes)
    for path in written:
        print(f"wrote {path}")
    return 0


def plan_from_records(path: str) -> Plan:
    """A plan JSON file (``schedcore.exports`` shape) as the planner's :class:`Plan`."""
    clusters = tuple(
        PlannedCluster(c.id, c.host, c.members, c.date, c.trainer_team)
        for c in read_plan_json(path)
    )
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters)


def describe_changes(problem: Problem, before: Plan, after: Plan) -> list[str]:
    """One line per province whose host changed and per session whose day or team changed."""
    lines = []
    old_host, new_host = before.host_of(), after.host_of()
    for code in problem.codes:
        if old_host[code] != new_host[code]:
            lines.append(
                f"{problem.unit(code).name}: host {problem.unit(old_host[code]).name} -> "
                f"{problem.unit(new_host[code]).name}"
            )
    old_sessions = {c.host: c for c in before.clusters}
    for cluster in after.clusters:
        old = old_sessions.get(cluster.host)
        if old is None:
            lines.append(
                f"new session hosted by {problem.unit(cluster.host).name} "
                f"on {cluster.date} with {cluster.trainer_team}"
            )
        elif (old.date, old.trainer_team) != (cluster.date, cluster.trainer_team):
            lines.append(
                f"session hosted by {problem.unit(cluster.host).name}: {old.date} "
                f"{old.trainer_team} -> {cluster.date} {cluster.trainer_team}"
            )
    return lines or ["nothing changed"]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SchedcoreError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
