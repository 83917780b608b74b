"""The planner at scale, each instance beside the same MIP in HiGHS with the same time limit.

    .venv/bin/python benchmarks/bench_scale.py              # full run (about 50 minutes, 2 cores)
    .venv/bin/python benchmarks/bench_scale.py --quick      # SJC1 and n = 300, short limits

Instances: Lorena and Senne's SJC1-SJC4b and p3038 (``data/cpmp-large``, real-valued distances
kept to 1/100, see :func:`schedcore.planning.cpmp.load_lorena_senne`) and generated ones.  Each
side runs in its own child process, one after the other (peak memory per side, both see the
same machine), with 2 workers / 2 HiGHS threads.  Our plans are re-scored with real-valued
distances against the published values.  Writes ``benchmarks/results/scale[-quick].json|.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "cpmp-large"
RESULTS = HERE / "results"

#: Published optimal (SJC) and best-known (p3038) values, real-valued distances (README there).
PUBLISHED: dict[str, float] = {
    "SJC1": 17288.99,
    "SJC2": 33270.94,
    "SJC3a": 45335.16,
    "SJC3b": 40635.90,
    "SJC4a": 61925.51,
    "SJC4b": 52458.02,
    "p3038_600": 122710.58,
    "p3038_800": 100060.05,
}
#: The HiGHS child may use at most this much memory (the full p3038 MIP may not fit).
HIGHS_MEMORY_BYTES = 8 * 1024**3


def generated(n: int, seed: int, *, clumped: bool, unequal: bool, time_limit: float) -> Any:
    """Points in a 1000 x 1000 square (clumped: around n/30 centres), demand 1..20, p = n/10;
    halls 1.25 x the average cluster load (unequal: 0.6x to 1.9x of that, at random)."""
    from schedcore.planning import Problem, Unit
    from schedcore.planning.problem import ObjectiveKind

    rng = random.Random(seed)
    p = max(2, n // 10)
    centres = [(rng.uniform(100, 900), rng.uniform(100, 900)) for _ in range(max(1, n // 30))]
    points = []
    for _ in range(n):
        if clumped:
            cx, cy = rng.choice(centres)
            x, y = rng.gauss(cx, 40), rng.gauss(cy, 40)
        else:
            x, y = rng.uniform(0, 1000), rng.uniform(0, 1000)
        points.append((min(1000.0, max(0.0, x)), min(1000.0, max(0.0, y)), rng.randint(1, 20)))
    average = 1.25 * sum(d for _, _, d in points) / p
    units = [
        Unit(
            code=str(k + 1),
            name=f"point {k + 1}",
            demand=d,
            capacity=math.ceil(average * (rng.uniform(0.6, 1.9) if unequal else 1.0)),
            x=x,
            y=y,
        )
        for k, (x, y, d) in enumerate(points)
    ]
    kind = ("clumped" if clumped else "uniform") + (", unequal halls" if unequal else "")
    return Problem(
        units=units,
        clusters=p,
        objective=ObjectiveKind.DISTANCE,
        time_limit=time_limit,
        workers=2,
        name=f"generated n={n} p={p} {kind}",
    )


def _problem(name: str, time_limit: float) -> Any:
    from schedcore.planning.cpmp import load_lorena_senne

    if name.startswith("gen"):
        _, n, shape = name.split("-", 2)
        return generated(
            int(n),
            seed=int(n),
            clumped="clumped" in shape,
            unequal="unequal" in shape,
            time_limit=time_limit,
        )
    return load_lorena_senne(DATA / f"{name}.dat", time_limit=time_limit, workers=2)


def _real_cost(problem: Any, host_of: dict[int, int]) -> float:
    scale = 100.0
    units = problem.units
    return sum(
        math.hypot(units[i].x - units[j].x, units[i].y - units[j].y) / scale  # type: ignore[operator]
        for i, j in host_of.items()
    )


def run_one(name: str, side: str, time_limit: float) -> dict[str, Any]:
    """One side on one instance, in this process."""
    from schedcore.planning import solve, validate
    from schedcore.planning.mip import solve_allocation

    problem = _problem(name, time_limit)
    target = PUBLISHED.get(name)
    row: dict[str, Any] = {"instance": name, "side": side, "n": problem.size}
    started = time.perf_counter()
    if side == "ours":
        reached: list[float] = []

        def progress(report: Any) -> None:
            if target is not None and not reached and report.objective <= target * 100 * 1.001:
                reached.append(report.seconds)

        plan = solve(problem, progress=progress)
        seconds = time.perf_counter() - started
        host_of = {problem.position(c): problem.position(h) for c, h in plan.host_of().items()}
        row.update(
            status=plan.status.value,
            objective=plan.objective,
            bound=plan.bound,
            valid=plan.has_solution and validate(problem, plan) == (),
            proven_by=plan.proven_by,
            within_0_1_percent_s=round(reached[0], 2) if reached else None,
        )
    else:
        allocation = solve_allocation(problem, time_limit=time_limit, threads=2)
        seconds = time.perf_counter() - started
        host_of = allocation.host_of or {}
        row.update(
            status="OPTIMAL" if allocation.proven else ("FEASIBLE" if host_of else "UNKNOWN"),
            objective=allocation.cost,
            bound=allocation.bound,
        )
    row["seconds"] = round(seconds, 2)
    row["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if host_of and name in PUBLISHED:
        row["real_cost"] = round(_real_cost(problem, host_of), 2)
        row["gap_to_published"] = round(row["real_cost"] / PUBLISHED[name] - 1, 5)
    return row


def _child(name: str, side: str, time_limit: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", name, "--side", side, "--limit", str(time_limit)]
    limit = None if side == "ours" else HIGHS_MEMORY_BYTES

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=time_limit * 3 + 120,
            preexec_fn=cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"instance": name, "side": side, "status": "no result (stopped at 3x the limit)"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["?"])[-1][:160]
        return {"instance": name, "side": side, "status": f"no result ({reason})"}
    row: dict[str, Any] = json.loads(lines[-1])
    return row


#: (instance, time limit in seconds) per mode: big instances only in the full run.
QUICK: list[tuple[str, float]] = [("gen-300-uniform", 5.0)]
FULL: list[tuple[str, float]] = [
    # the goal is "within 0.1% of the optimum in at most 10 s": each SJC at 10 s, then 30 s
    *[(f"SJC{k}", 10.0) for k in ("1", "2", "3a", "3b", "4a", "4b")],
    *[(f"SJC{k}", 30.0) for k in ("1", "2", "3a", "3b", "4a", "4b")],
    ("p3038_600", 300.0),
    ("p3038_800", 300.0),
    ("gen-300-clumped", 60.0),
    ("gen-1000-uniform-unequal", 60.0),
    ("gen-3000-clumped-unequal", 60.0),
]


def run_pairs(
    plan: list[tuple[str, float]], sides: tuple[str, ...] = ("ours", "highs")
) -> list[dict[str, Any]]:
    """Ours, then HiGHS, on each instance, each side in a child process."""
    rows = []
    for name, limit in plan:
        ours = _child(name, "ours", limit) if "ours" in sides else {}
        print("ours ", ours, flush=True)
        highs = _child(name, "highs", limit) if "highs" in sides else {}
        print("highs", highs, flush=True)
        rows.append({"instance": name, "limit": limit, "ours": ours, "highs": highs})
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']}; mode {results['mode']}; shared with other work "
        "(2 cores): timings are indicative.",
        "",
        "| instance | n | limit s | ours | status | bound | gap to published | 0.1% reached at s | "
        "seconds | peak MiB | HiGHS | HiGHS status | HiGHS bound | HiGHS gap to published | "
        "HiGHS seconds | HiGHS peak MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for pair in results["rows"]:
        ours, highs = pair["ours"], pair["highs"]
        lines.append(
            f"| {pair['instance']} | {ours.get('n', '-')} | {pair['limit']:g} | "
            f"{ours.get('objective')} | {ours.get('status')} | {ours.get('bound')} | "
            f"{_pct(ours.get('gap_to_published'))} | {ours.get('within_0_1_percent_s') or '-'} | "
            f"{ours.get('seconds', '-')} | {ours.get('peak_mib', '-')} | "
            f"{highs.get('objective')} | "
            f"{highs.get('status')} | {highs.get('bound')} | "
            f"{_pct(highs.get('gap_to_published'))} | {highs.get('seconds', '-')} | "
            f"{highs.get('peak_mib', '-')} |"
        )
    return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one")
    parser.add_argument("--side", default="ours")
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--only", help="comma-separated instance names")
    parser.add_argument(
        "--sides", default="ours,highs", help="which sides to run (e.g. ours: HiGHS measured)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.side, args.limit)), flush=True)
        return
    plan = QUICK if args.quick else FULL
    if args.only:
        wanted = set(args.only.split(","))
        plan = [(name, limit) for name, limit in plan if name in wanted]
    rows = run_pairs(plan, tuple(args.sides.split(",")))
    results = {
        "mode": "quick" if args.quick else "full",
        "machine": f"{platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores",
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "scale-quick" if args.quick else "scale"
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    (args.out / f"{stem}.md").write_text(markdown(results), "utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
