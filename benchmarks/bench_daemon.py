"""Write-to-view latency of a projection daemon on PostgreSQL: woken by NOTIFY, or polling.

    python benchmarks/bench_daemon.py --postgres URL [--writes 200] [--repeat 3]

A daemon (``ProjectionRunner.run`` in a thread) follows a store on a schema of its own, holding
the small test programme.  A writer records one online-course completion at a time, at random
intervals (20 to 80 ms); the latency of a write is the time from the command's return to the
moment the views' position reaches its event (read on a connection of its own, every
millisecond).  Measured alternately, ``--repeat`` times each: the daemon woken by the
recorder's notification (``LISTEN``), and the same daemon polling every 0.2 s (the default
``poll_interval``, which was the only way before).  Reported: p50 and p99 of each, and the
ratio of the polling p50 to the notified p50 (how many times sooner a write is visible).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Comparison, Figure, Suite  # noqa: E402

from schedcore.application import Scheduler  # noqa: E402
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target  # noqa: E402
from schedcore.domain.values import Activity, AttendanceRow  # noqa: E402
from schedcore.projections import ProjectionRunner  # noqa: E402
from schedcore.reference import calendar_2022  # noqa: E402

ONLINE_DAY = date(2022, 9, 20)


def _spec() -> ProgrammeSpec:
    return ProgrammeSpec(
        name="Latency programme",
        calendar=calendar_2022(),
        clusters=1,
        teams={"01": 4, "02": 3},
        members={"01": 100_000, "02": 100_000},
        delegates={"01": 3, "02": 2},
        bridge_points={"01": 3, "02": 2},
        targets=(Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 11, 30)),),
    )


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latencies(app: Scheduler, *, listen: bool, writes: int, seed: int) -> list[float]:
    """Seconds from each write's return to the views reaching it, with the daemon ``listen``ing
    (or polling every 0.2 s)."""
    daemon = ProjectionRunner(app, listen=listen, poll_interval=0.2, fallback_interval=5.0)
    watcher = ProjectionRunner(app)
    daemon.catch_up()
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,), daemon=True)
    thread.start()
    rng = random.Random(seed)
    found: list[float] = []
    try:
        time.sleep(0.3)  # listening (or polling) before the first write
        for n in range(writes):
            time.sleep(rng.uniform(0.02, 0.08))
            row = AttendanceRow(
                f"{'listen' if listen else 'poll'}-{seed}-{n}",
                f"team-{n % 4}",
                "01",
                "Ba Đình",
                Activity.COURSE,
                ONLINE_DAY,
            )
            app.record_attendance([row], actor="platform")
            written = time.perf_counter()
            target = app.max_notification_id()
            while watcher.position().position < target:
                time.sleep(0.001)
            found.append(time.perf_counter() - written)
    finally:
        stop.set()
        thread.join(timeout=30)
        watcher.close()
        daemon.close()
    return found


def suite(*, postgres: str | None, writes: int = 200, repeat: int = 3, **_: Any) -> Suite:
    result = Suite(
        "daemon",
        "Projection daemon: write-to-view latency on PostgreSQL, NOTIFY against polling",
        settings={"writes": writes, "repeat": repeat},
    )
    if not postgres:
        result.skipped = "no PostgreSQL server given"
        return result
    import psycopg

    schema = f"bench_daemon_{uuid.uuid4().hex[:8]}"
    app = Scheduler.open(f"{postgres}?schema={schema}", programme=_spec().name)
    try:
        app.create_programme(_spec(), actor="ministry")
        notified: list[list[float]] = []
        polled: list[list[float]] = []
        for rep in range(repeat):
            notified.append(latencies(app, listen=True, writes=writes, seed=2 * rep))
            polled.append(latencies(app, listen=False, writes=writes, seed=2 * rep + 1))
    finally:
        app.close()
        with psycopg.connect(postgres, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    result.comparisons.append(
        Comparison(
            "write-to-view latency, p50, daemon woken by NOTIFY",
            "the same daemon polling every 0.2 s",
            writes,
            "writes",
            [statistics.median(r) for r in notified],
            [statistics.median(r) for r in polled],
            notes="ratio: how many times sooner a write is visible (p50 of each repetition)",
        )
    )
    every_notified = [x for r in notified for x in r]
    every_polled = [x for r in polled for x in r]
    for label, values in (("NOTIFY", every_notified), ("polling 0.2 s", every_polled)):
        result.figures += [
            Figure(f"{label}: p50", round(1000 * _percentile(values, 0.5), 1), "ms"),
            Figure(f"{label}: p99", round(1000 * _percentile(values, 0.99), 1), "ms"),
        ]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    done = suite(postgres=args.postgres, writes=args.writes, repeat=args.repeat)
    for comparison in done.comparisons:
        print(
            f"{comparison.name}: ratios "
            + ", ".join(f"{r:.1f}" for r in comparison.ratios)
            + f" (median {statistics.median(comparison.ratios):.1f}x)"
        )
    for figure in done.figures:
        print(f"{figure.name:<22} {figure.value:>8} {figure.unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
