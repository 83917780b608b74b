"""The benchmark harness: alternating runs, medians, ratios, machine facts, JSON and Markdown.

Every comparison times *ours* and a *baseline* on the same work, alternately, in one process
(baseline-ours, then ours-baseline, and so on), so a busy machine slows both alike and a drift
in load or cache warmth does not favour either side.  The figure is the median of the paired
ratios, each ratio being *baseline seconds / our seconds* for the same work: our throughput as
a share of the baseline's, so ``1.0`` is parity and above is faster.

The machine these benchmarks run on is shared: the load average is read before and after every
suite and printed next to its figures.  Trust ratios more than absolute seconds.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "Comparison",
    "Figure",
    "Interleaved",
    "Run",
    "Suite",
    "Table",
    "alternate",
    "interleave",
    "load_average",
    "machine_facts",
    "markdown",
    "median",
    "percentile",
    "run_from_json",
    "timed",
    "write_results",
]

#: Bump when the JSON layout changes in a way a reader must know.
SCHEMA_VERSION = 1

#: Packages whose versions go with every result file.
PACKAGES = (
    "schedcore",
    "eventsourcing",
    "attrs",
    "ortools",
    "highspy",
    "psycopg",
    "psycopg-binary",
    "psycopg-pool",
)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages, or ``None`` where the OS has none."""
    try:
        return os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        return None


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes.  Garbage left by earlier work is collected first, so one
    side does not pay for the other's; collections the action itself causes are its cost."""
    gc.collect()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def alternate(
    ours: Callable[[], float],
    baseline: Callable[[], float],
    *,
    repeat: int,
    warmup: int = 0,
) -> tuple[list[float], list[float]]:
    """Run both sides ``repeat`` times, alternating which goes first (ABBA...).

    Each side is a callable that does its own set-up, times only the work and returns the
    seconds, so creating a fresh database is never part of a figure.  ``warmup`` untimed
    rounds of both sides come first (imports, caches, the file system).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    for _ in range(warmup):
        baseline()
        ours()
    ours_seconds: list[float] = []
    baseline_seconds: list[float] = []
    for rep in range(repeat):
        if rep % 2 == 0:
            baseline_seconds.append(baseline())
            ours_seconds.append(ours())
        else:
            ours_seconds.append(ours())
            baseline_seconds.append(baseline())
    return ours_seconds, baseline_seconds


@attrs.define
class Interleaved:
    """What :func:`interleave` measured: each side's wall and CPU seconds, call by call."""

    wall: dict[str, list[float]] = attrs.Factory(dict)
    cpu: dict[str, list[float]] = attrs.Factory(dict)


def interleave(
    sides: Mapping[str, Sequence[Callable[[], object]]], into: Interleaved
) -> dict[str, float]:
    """Call every side in turn, one call each, rotating which goes first.

    For short operations whose cost swings with the machine (a commit waits for the disk, and
    a shared disk's flush time can change tenfold within a minute), alternating call by call
    makes all sides meet the same conditions.  Returns each side's total seconds; each call's
    wall and CPU seconds are appended to ``into``.
    """
    names = list(sides)
    counts = {len(actions) for actions in sides.values()}
    if len(counts) != 1:
        raise ValueError("interleave needs as many calls on each side")
    wall, cpu = time.perf_counter, time.process_time
    totals = dict.fromkeys(names, 0.0)
    for name in names:
        into.wall.setdefault(name, [])
        into.cpu.setdefault(name, [])
    for index in range(counts.pop()):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started, started_cpu = wall(), cpu()
            sides[name][index]()
            elapsed, elapsed_cpu = wall() - started, cpu() - started_cpu
            totals[name] += elapsed
            into.wall[name].append(elapsed)
            into.cpu[name].append(elapsed_cpu)
    return totals


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@attrs.define
class Comparison:
    """Ours against a baseline on the same ``work`` (rows, commands, events...)."""

    name: str
    baseline_name: str
    work: int
    unit: str
    ours: list[float]
    baseline: list[float]
    #: The ratio (baseline s / ours s) to reach; ``None`` when no goal is set.
    goal: float | None = None
    notes: str = ""

    @property
    def ratios(self) -> list[float]:
        """Paired ratios, one per repetition: baseline seconds / our seconds."""
        return [
            b / o if o > 0 else float("inf") for o, b in zip(self.ours, self.baseline, strict=True)
        ]

    @property
    def ratio(self) -> float:
        return median(self.ratios)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.ratio >= self.goal

    def rate(self, seconds: float) -> float:
        return self.work / seconds if seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        ours, baseline = median(self.ours), median(self.baseline)
        return {
            "name": self.name,
            "baseline_name": self.baseline_name,
            "work": self.work,
            "unit": self.unit,
            "ours_seconds": self.ours,
            "baseline_seconds": self.baseline,
            "ours_median_seconds": ours,
            "baseline_median_seconds": baseline,
            "ours_per_second": self.rate(ours),
            "baseline_per_second": self.rate(baseline),
            "ratios": self.ratios,
            "ratio": self.ratio,
            "goal": self.goal,
            "met": self.met,
            "notes": self.notes,
        }


@attrs.define
class Figure:
    """A measured quantity with no baseline of its own (seconds, events/s, MiB...)."""

    name: str
    value: float
    unit: str
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class Table:
    """Rows that do not fit a comparison, e.g. one line per planner instance."""

    title: str
    columns: list[str]
    rows: list[list[Any]]

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class Suite:
    """The result of one benchmark module: its comparisons, figures and tables."""

    name: str
    title: str
    settings: dict[str, Any] = attrs.Factory(dict)
    comparisons: list[Comparison] = attrs.Factory(list)
    figures: list[Figure] = attrs.Factory(list)
    tables: list[Table] = attrs.Factory(list)
    #: Why the suite (or part of it) did not run, if it did not.
    skipped: str | None = None
    notes: list[str] = attrs.Factory(list)
    load_before: tuple[float, float, float] | None = None
    load_after: tuple[float, float, float] | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "settings": self.settings,
            "comparisons": [c.to_json() for c in self.comparisons],
            "figures": [f.to_json() for f in self.figures],
            "tables": [t.to_json() for t in self.tables],
            "skipped": self.skipped,
            "notes": self.notes,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "seconds": self.seconds,
        }


@attrs.define
class Run:
    """One invocation of ``benchmarks/run.py``: the machine and every suite's result."""

    mode: str
    machine: dict[str, Any]
    started: str
    suites: list[Suite] = attrs.Factory(list)
    finished: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "mode": self.mode,
            "started": self.started,
            "finished": self.finished,
            "seconds": self.seconds,
            "machine": self.machine,
            "suites": [s.to_json() for s in self.suites],
        }


# -- reading results back -----------------------------------------------------------------------


def run_from_json(data: Mapping[str, Any]) -> Run:
    """A :class:`Run` from a result file, e.g. to publish several runs' suites together."""
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"result schema {data.get('schema')!r}, expected {SCHEMA_VERSION}")
    run = Run(
        mode=data["mode"],
        machine=dict(data["machine"]),
        started=data["started"],
        finished=data.get("finished", ""),
        seconds=data.get("seconds", 0.0),
    )
    for item in data["suites"]:
        suite = Suite(
            name=item["name"],
            title=item["title"],
            settings=dict(item.get("settings") or {}),
            skipped=item.get("skipped"),
            notes=list(item.get("notes") or []),
            load_before=_triple(item.get("load_before")),
            load_after=_triple(item.get("load_after")),
            seconds=item.get("seconds", 0.0),
        )
        suite.comparisons = [
            Comparison(
                c["name"],
                c["baseline_name"],
                c["work"],
                c["unit"],
                list(c["ours_seconds"]),
                list(c["baseline_seconds"]),
                goal=c.get("goal"),
                notes=c.get("notes", ""),
            )
            for c in item.get("comparisons", [])
        ]
        suite.figures = [Figure(**f) for f in item.get("figures", [])]
        suite.tables = [Table(**t) for t in item.get("tables", [])]
        run.suites.append(suite)
    return run


def _triple(value: Any) -> tuple[float, float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]), float(value[2]))


# -- machine facts -----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not on Linux
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:  # pragma: no cover - not on Linux
        pass
    return None


def _versions(names: Sequence[str]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _git_commit(folder: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _schedcore_source() -> str:
    """Which schedcore was measured: its folder and that tree's commit."""
    import schedcore

    folder = Path(schedcore.__file__).resolve().parent
    return f"{folder} ({_git_commit(folder) or 'no git'})"


def postgres_version(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except Exception:  # any failure just means "unknown"
        return None
    return None if row is None else str(row[0])


def machine_facts(postgres: str | None = None) -> dict[str, Any]:
    """What a reader needs to weigh the figures: CPU, cores, memory, Python, versions, load."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        usable = os.cpu_count() or 0
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(postgres) if postgres else None,
        "packages": _versions(PACKAGES),
        "git_commit": _git_commit(Path(__file__).resolve().parent),
        "schedcore_source": _schedcore_source(),
        "load_average": load_average(),
        "argv": sys.argv[1:],
    }


# -- writing -----------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.2f} ms"


def _rate(value: float) -> str:
    return f"{value:,.0f}/s" if value >= 10 else f"{value:,.2f}/s"


def _load(load: Sequence[float] | None) -> str:
    return "n/a" if load is None else " / ".join(f"{x:.2f}" for x in load)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def _met(comparison: Comparison) -> str:
    if comparison.goal is None:
        return "-"
    mark = "met" if comparison.met else "**missed**"
    return f"≥ {comparison.goal:g}×: {mark}"


def comparison_table(comparisons: Sequence[Comparison]) -> list[str]:
    lines = [
        "| benchmark | work | ours (median) | baseline (median) | ratio (per repetition) | goal |",
        "|---|---:|---|---|---|---|",
    ]
    for c in comparisons:
        ours, base = median(c.ours), median(c.baseline)
        per_rep = ", ".join(f"{r:.2f}" for r in c.ratios)
        lines.append(
            f"| {c.name} | {c.work:,} {c.unit} | {_seconds(ours)}, {_rate(c.rate(ours))} | "
            f"{c.baseline_name}: {_seconds(base)}, {_rate(c.rate(base))} | "
            f"**{c.ratio:.2f}×** ({per_rep}) | {_met(c)} |"
        )
    return lines


def suite_markdown(suite: Suite, level: int = 3) -> list[str]:
    head = "#" * level
    lines = [f"{head} {suite.title}", ""]
    lines.append(
        f"Load average (1/5/15 min) before {_load(suite.load_before)}, after "
        f"{_load(suite.load_after)}; {suite.seconds:.0f} s in all."
        + (f" Settings: {_settings(suite.settings)}." if suite.settings else "")
    )
    lines.append("")
    if suite.skipped:
        lines += [f"Not run: {suite.skipped}", ""]
    if suite.comparisons:
        lines += [*comparison_table(suite.comparisons), ""]
    if suite.figures:
        lines += ["| figure | value | notes |", "|---|---:|---|"]
        for f in suite.figures:
            lines.append(f"| {f.name} | {_cell(f.value)} {f.unit} | {f.notes or ''} |")
        lines.append("")
    for table in suite.tables:
        lines += [f"**{table.title}**", ""]
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        for row in table.rows:
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
        lines.append("")
    for note in suite.notes:
        lines += [note, ""]
    return lines


def _settings(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def machine_markdown(machine: Mapping[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items())
    return [
        f"- CPU: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['memory_gib']} GiB memory; {machine['os']}",
        f"- {machine['python']}; SQLite {machine['sqlite']}; PostgreSQL "
        f"{machine['postgresql'] or 'not measured'}",
        f"- {packages}",
        f"- harness commit {machine.get('git_commit') or 'unknown'}, schedcore from "
        f"{machine.get('schedcore_source') or 'unknown'}; load average at start "
        f"{_load(machine.get('load_average'))}",
    ]


def markdown(run: Run, level: int = 2) -> str:
    """The whole run as Markdown: the machine, a summary of ratios against goals, each suite."""
    head = "#" * level
    lines = [
        f"{head} Results ({run.mode} run, {run.started[:19].replace('T', ' ')} UTC, "
        f"{run.seconds:.0f} s)",
        "",
        *machine_markdown(run.machine),
        "",
    ]
    goals = [(s, c) for s in run.suites for c in s.comparisons]
    if goals:
        lines += [
            f"{head}# Summary: every ratio against its goal",
            "",
            "| suite | benchmark | ratio | goal |",
            "|---|---|---|---|",
        ]
        for suite, c in goals:
            lines.append(f"| {suite.title} | {c.name} | **{c.ratio:.2f}×** | {_met(c)} |")
        lines.append("")
    for suite in run.suites:
        lines += suite_markdown(suite, level + 1)
    return "\n".join(lines).rstrip() + "\n"


def write_results(run: Run, folder: Path) -> tuple[Path, Path]:
    """Write ``<mode>.json`` and ``<mode>.md`` (the latest) plus a time-stamped JSON copy."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(run.to_json(), indent=2, default=_json_default) + "\n"
    stamp = run.started[:19].replace(":", "").replace("-", "")
    (folder / f"{run.mode}-{stamp}.json").write_text(text, "utf-8")
    json_path = folder / f"{run.mode}.json"
    md_path = folder / f"{run.mode}.md"
    json_path.write_text(text, "utf-8")
    md_path.write_text(markdown(run), "utf-8")
    return json_path, md_path


def _json_default(value: Any) -> Any:
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
