"""Where the time goes: cProfile of each hot path, summarised by layer and by function.

    python benchmarks/profile_hot_paths.py                 # every path, Markdown on stdout
    python benchmarks/profile_hot_paths.py --only rebuild  # one of: append, command, rebuild, plan

Each path runs once under ``cProfile``; the summary splits its own time (``tottime``) between
layers -- schedcore's code, ``eventsourcing``, the database driver, encoding (JSON, zlib,
``orjson``-like C helpers), the solver, the rest -- and lists the functions that cost most.
``docs/benchmarks.md`` ("Where the time goes") is written from this output.  Profiling slows
Python code more than C code, so read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_projections  # noqa: E402
import bench_store_append  # noqa: E402

from schedcore import Scheduler  # noqa: E402
from schedcore.domain.values import Activity, AttendanceRow  # noqa: E402
from schedcore.planning import scenario_2022, solve  # noqa: E402
from schedcore.projections import ProjectionRunner  # noqa: E402
from schedcore.reference import programme_2022  # noqa: E402

#: (layer, substrings of a profile entry's file or name that put it there), first match wins.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("solver (OR-Tools)", ("ortools", "cp_model", "mathopt", "highs")),
    ("database driver", ("sqlite3", "psycopg", "execute", "commit", "fetch")),
    ("encoding (JSON, zlib)", ("json", "zlib", "encode", "decode", "dumps", "loads")),
    ("eventsourcing", ("eventsourcing",)),
    ("schedcore", ("schedcore",)),
)


def layer_of(filename: str, function: str) -> str:
    text = f"{filename} {function}".lower()
    for layer, marks in LAYERS:
        if any(mark in text for mark in marks):
            return layer
    return "other (Python, attrs, uuid, ...)"


def summarise(title: str, profiler: cProfile.Profile, wall: float, top: int) -> str:
    stats = pstats.Stats(profiler)
    by_layer: dict[str, float] = {}
    entries: list[tuple[float, str]] = []
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_, calls, tottime, _cum, _) in raw.items():
        layer = layer_of(filename, function)
        by_layer[layer] = by_layer.get(layer, 0.0) + tottime
        where = f"{Path(filename).name}:{line}" if filename != "~" else "built-in"
        entries.append((tottime, f"`{function}` ({where}, {calls:,} calls)"))
    total = sum(by_layer.values()) or 1.0
    lines = [f"### {title}", "", f"Wall time under the profiler: {wall:.2f} s.", ""]
    lines += ["| layer | share of own time |", "|---|---|"]
    for layer, seconds in sorted(by_layer.items(), key=lambda item: -item[1]):
        lines.append(f"| {layer} | {100 * seconds / total:.0f}% |")
    lines += ["", "| function | own time share |", "|---|---|"]
    for seconds, label in sorted(entries, reverse=True)[:top]:
        lines.append(f"| {label} | {100 * seconds / total:.1f}% |")
    return "\n".join(lines) + "\n"


def profiled(work: Callable[[], object]) -> tuple[cProfile.Profile, float]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    work()
    profiler.disable()
    return profiler, time.perf_counter() - started


def append_path(folder: Path, rows: float) -> tuple[cProfile.Profile, float]:
    data = bench_store_append.make_rows(int(rows))
    return profiled(lambda: bench_store_append.schedcore_record(folder / "a.sqlite", data, 1000))


def command_path(folder: Path, commands: float) -> tuple[cProfile.Profile, float]:
    app = Scheduler.open(f"sqlite:///{folder / 'c.sqlite'}")
    app.create_programme(programme_2022(), actor="bench")
    app.apply_plan(bench_store_append._plan(), actor="bench")
    rows = [
        AttendanceRow(f"01-{k:07d}", "01-T1", "01", "X1", Activity.COURSE, date(2022, 9, 20))
        for k in range(int(commands))
    ]

    def work() -> None:
        for row in rows:  # one command, one transaction each
            app.record_attendance([row], actor="bench")

    try:
        return profiled(work)
    finally:
        app.close()


def rebuild_path(folder: Path, scale: float) -> tuple[cProfile.Profile, float]:
    app = Scheduler.open(f"sqlite:///{folder / 'r.sqlite'}")
    bench_projections.ingest(app, bench_projections.scenario(scale))
    runner = ProjectionRunner(app, views=f"sqlite:///{folder / 'views.sqlite'}")
    try:
        return profiled(runner.rebuild)
    finally:
        runner.close()
        app.close()


def plan_path(_folder: Path, _size: float) -> tuple[cProfile.Profile, float]:
    problem = scenario_2022()
    return profiled(lambda: solve(problem))


PATHS: dict[str, tuple[str, Callable[[Path, float], tuple[cProfile.Profile, float]], float]] = {
    "append": ("Bulk attendance recording, 50,000 rows, SQLite file", append_path, 50_000),
    "command": ("One command per transaction, 300 commands, SQLite file", command_path, 300),
    "rebuild": ("Full rebuild of every read model, 10% of the national scale", rebuild_path, 0.1),
    "plan": ("Solving the 2022 scenario (dates, two trainer teams, bridges)", plan_path, 0),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated among {', '.join(PATHS)}")
    parser.add_argument("--top", type=int, default=8, help="functions listed per path")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(PATHS)
    unknown = sorted(set(chosen) - set(PATHS))
    if unknown:
        parser.error(f"unknown path(s): {', '.join(unknown)}")
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            title, path, size = PATHS[name]
            profiler, wall = path(Path(folder), size)
            print(summarise(title, profiler, wall, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
