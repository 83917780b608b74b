"""How long ``recommend`` takes for each province of the 2022 programme, against re-planning.

    python benchmarks/bench_recommend.py [--units 5] [--repeat 3] [--time-limit 60]

The 2022 plan is solved once; then, for every one of the 63 provinces, ``recommend(problem,
plan, unit)`` lists its five best other placements (the issue's goal: under a second each).
The in-process baseline is the solver's way to the same question, ``replan`` of the plan with
the unit's session day blacked out for it, timed alternately with ``recommend`` for a few
units (``--units``): the ratio is replan seconds / recommend seconds (above 1: recommend is
faster).  No goal is asserted anywhere; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Comparison, Figure, Suite, alternate  # noqa: E402

from schedcore.planning import Plan, Problem, recommend, replan, scenario_2022, solve  # noqa: E402


def blacked_out(problem: Problem, plan: Plan, code: str) -> Problem:
    """``problem`` with ``code`` away on its session's day: what sends a planner looking."""
    day = plan.cluster_of(code).date
    units = [
        attrs.evolve(u, blackout=u.blackout | {day}) if u.code == code and day else u
        for u in problem.units
    ]
    return problem.with_changes(units=units)


def seconds(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def suite(*, units: int = 5, repeat: int = 3, time_limit: float = 60.0, **_: Any) -> Suite:
    result = Suite(
        "recommend",
        "Recommendations for one province of the 2022 programme",
        settings={"units": units, "repeat": repeat, "time_limit": time_limit},
    )
    problem = scenario_2022(time_limit=time_limit)
    plan = solve(problem)
    per_unit = {
        code: seconds(lambda code=code: recommend(problem, plan, code)) for code in problem.codes
    }
    values = sorted(per_unit.values())
    slowest = max(per_unit, key=per_unit.__getitem__)
    result.figures += [
        Figure(
            "recommend, 63 provinces: median",
            round(statistics.median(values), 4),
            "s",
            "per province",
        ),
        Figure(
            "recommend, 63 provinces: slowest", round(values[-1], 4), "s", f"province {slowest}"
        ),
    ]
    for code in problem.codes[:: max(1, len(problem.codes) // units)][:units]:
        changed = blacked_out(problem, plan, code)
        ours, baseline = alternate(
            lambda changed=changed, code=code: seconds(lambda: recommend(changed, plan, code)),
            lambda changed=changed: seconds(lambda: replan(changed, plan)),
            repeat=repeat,
        )
        result.comparisons.append(
            Comparison(
                f"recommend {code} (its day blacked out)",
                "replan of the same change (CP-SAT)",
                1,
                "question",
                ours,
                baseline,
                goal=None,
                notes="ratio = replan s / recommend s",
            )
        )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5, help="provinces timed against replan")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--time-limit", type=float, default=60.0, help="for the 2022 plan")
    args = parser.parse_args(argv)
    found = suite(units=args.units, repeat=args.repeat, time_limit=args.time_limit)
    for figure in found.figures:
        print(f"{figure.name:<45} {figure.value:>8.4f} {figure.unit}  {figure.notes}")
    for comparison in found.comparisons:
        ours, base = statistics.median(comparison.ours), statistics.median(comparison.baseline)
        print(
            f"{comparison.name:<45} recommend {ours:.4f} s, replan {base:.2f} s: "
            f"ratio {base / ours:,.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
