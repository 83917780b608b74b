"""Planner benchmark: the 2022 scenario, the OR-Library p-median instances, a scaling curve.

    .venv/bin/python benchmarks/bench_planner.py            # full run (about 40 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_planner.py --quick    # under two minutes

Writes ``benchmarks/results/planner.json`` and ``benchmarks/results/planner.md``.  On the
OR-Library instances our planner and the same MIP in HiGHS (through OR-Tools MathOpt, default
HiGHS settings) run alternately in one process, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
from pathlib import Path
from typing import Any

import ortools

from schedcore.planning import Problem, Unit, load_cpmp, scenario_2022, solve, validate
from schedcore.planning.mip import solve_allocation
from schedcore.planning.problem import ObjectiveKind

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "cpmp"
RESULTS = HERE / "results"


def bench_2022(repeats: int, time_limit: float) -> list[dict[str, Any]]:
    rows = []
    for run in range(repeats):
        for with_dates in (True, False):
            problem = scenario_2022(with_dates=with_dates, time_limit=time_limit)
            started = time.perf_counter()
            plan = solve(problem)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "run": run + 1,
                    "model": "allocation + dates + 2 teams + bridges"
                    if with_dates
                    else "allocation",
                    "status": plan.status.value,
                    "objective": plan.objective,
                    "trainer_km": plan.breakdown.get("trainer_travel"),
                    "seconds": round(seconds, 2),
                    "valid": validate(problem, plan) == (),
                }
            )
            print("2022", rows[-1], flush=True)
    return rows


def bench_cpmp(names: list[str], time_limit: float) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        instance = load_cpmp(DATA / f"{name}.txt", time_limit=time_limit)
        started = time.perf_counter()
        plan = solve(instance.problem)
        ours = time.perf_counter() - started
        baseline = solve_allocation(instance.problem, time_limit=time_limit, threads=None)
        rows.append(
            {
                "instance": name,
                "optimum": instance.optimum,
                "ours": plan.objective,
                "proven": plan.status.value == "OPTIMAL",
                "seconds": round(ours, 2),
                "highs": baseline.cost,
                "highs_proven": baseline.proven,
                "highs_seconds": round(baseline.seconds, 2),
                "ratio": round(ours / baseline.seconds, 2) if baseline.seconds else None,
            }
        )
        print("cpmp", rows[-1], flush=True)
    return rows


def generated(n: int, p: int, seed: int, time_limit: float) -> Problem:
    """Random points in a 100 x 100 square, demand 1..20, halls 1.2 x the average load."""
    rng = random.Random(seed)
    points = [(rng.randint(0, 100), rng.randint(0, 100), rng.randint(1, 20)) for _ in range(n)]
    capacity = math.ceil(1.2 * sum(d for _, _, d in points) / p)
    units = [
        Unit(code=str(k + 1), name=f"point {k + 1}", demand=d, capacity=capacity, x=x, y=y)
        for k, (x, y, d) in enumerate(points)
    ]
    distances = [[math.floor(math.hypot(a[0] - b[0], a[1] - b[1])) for b in points] for a in points]
    return Problem(
        units=units,
        clusters=p,
        objective=ObjectiveKind.DISTANCE,
        distances=distances,
        time_limit=time_limit,
        name=f"random n={n} p={p}",
    )


def bench_scaling(sizes: list[int], clusters: list[int], time_limit: float) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        for p in clusters:
            problem = generated(n, p, seed=n * 100 + p, time_limit=time_limit)
            started = time.perf_counter()
            plan = solve(problem)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "n": n,
                    "p": p,
                    "status": plan.status.value,
                    "objective": plan.objective,
                    "bound": plan.bound,
                    "gap": None if plan.gap is None else round(plan.gap, 4),
                    "seconds": round(seconds, 2),
                    "time_limit": time_limit,
                }
            )
            print("scaling", rows[-1], flush=True)
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']}; OR-Tools {results['ortools']}; mode: {results['mode']}.",
        "",
        "### The 2022 scenario",
        "",
        "| run | model | status | objective (person-km) | trainer km | seconds | valid |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["scenario_2022"]:
        lines.append(
            f"| {r['run']} | {r['model']} | {r['status']} | {r['objective']:,} | "
            f"{r['trainer_km'] if r['trainer_km'] is not None else '-'} | {r['seconds']} | "
            f"{'yes' if r['valid'] else 'NO'} |"
        )
    lines += [
        "",
        "### OR-Library capacitated p-median (Osman & Christofides)",
        "",
        "| instance | published optimum | ours | proven? | seconds | HiGHS seconds | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    total_ours = total_highs = 0.0
    for r in results["cpmp"]:
        total_ours += r["seconds"]
        total_highs += r["highs_seconds"]
        highs = f"{r['highs_seconds']}" + ("" if r["highs_proven"] else " (not proven)")
        lines.append(
            f"| {r['instance']} | {r['optimum']} | {r['ours']} | "
            f"{'yes' if r['proven'] else 'no'} | {r['seconds']} | {highs} | {r['ratio']} |"
        )
    if results["cpmp"]:
        ratio = total_ours / total_highs if total_highs else float("nan")
        lines.append(
            f"| **total** | | | | **{total_ours:.1f}** | **{total_highs:.1f}** | **{ratio:.2f}** |"
        )
    lines += [
        "",
        "### Scaling (random instances, Euclidean distances truncated)",
        "",
        "| n | p | status | objective | bound | gap | seconds (limit) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["scaling"]:
        gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
        lines.append(
            f"| {r['n']} | {r['p']} | {r['status']} | {r['objective']} | {r['bound']} | {gap} | "
            f"{r['seconds']} ({r['time_limit']:g}) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run, under two minutes")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        names = [f"pmedcap{k:02d}" for k in (1, 2, 3)]
        results_2022 = bench_2022(1, 60)
        cpmp = bench_cpmp(names, 20)
        scaling = bench_scaling([63, 100], [10], 10)
    else:
        names = [f"pmedcap{k:02d}" for k in range(1, 21)]
        results_2022 = bench_2022(3, 120)
        cpmp = bench_cpmp(names, 300)
        scaling = bench_scaling([63, 100, 200, 400], [10, 20], 60)
    results = {
        "mode": "quick" if args.quick else "full",
        "machine": f"{platform.machine()}, {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores",
        "ortools": ortools.__version__,
        "scenario_2022": results_2022,
        "cpmp": cpmp,
        "scaling": scaling,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "planner-quick" if args.quick else "planner"
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    (args.out / f"{stem}.md").write_text(markdown(results), "utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
