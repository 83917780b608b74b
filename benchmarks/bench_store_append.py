"""Bulk attendance recording vs raw ``sqlite3.executemany`` of the same rows, same process.

    python benchmarks/bench_store_append.py [--rows 212761] [--batch-size 1000] [--repeat 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Both sides write the same rows (member, team, province, commune, activity, date) to a fresh
SQLite file in WAL mode (as eventsourcing opens it), one transaction per ``--batch-size`` rows.
The raw side inserts tuples into a plain six-column table; schedcore checks every row against
the aggregates' rules and stores a few events per batch.  Runs alternate and the best of
``--repeat`` is kept for each side, so a busy machine hurts both alike.  Prints rows/second and
the ratio schedcore / raw (the benchmarks issue sets the bar at 0.5).  With ``--postgres``
the same comparison runs on PostgreSQL too (raw: psycopg ``executemany``), each run in a fresh
schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import attrs

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.reference import programme_2022, vietnam_2022

MEMBERS_2022 = 212_761


@attrs.frozen
class _Cluster:
    id: int
    host: str
    members: tuple[str, ...]
    date: date | None
    trainer_team: str | None = None


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _plan() -> list[_Cluster]:
    codes = vietnam_2022().codes
    days = programme_2022().calendar.working_days()
    size = -(-len(codes) // 10)
    return [
        _Cluster(n + 1, codes[n * size], tuple(codes[n * size : (n + 1) * size]), days[n])
        for n in range(10)
        if codes[n * size : (n + 1) * size]
    ]


def make_rows(count: int) -> list[AttendanceRow]:
    """``count`` members spread over the provinces like a real import (grouped by province),
    five per team, twenty per commune; a third each at a bridge point, on the online course,
    following the channel."""
    spec = programme_2022()
    session_day = {code: c.date for c in _plan() for code in c.members}
    codes = list(spec.members)
    kinds = (Activity.BRIDGE, Activity.COURSE, Activity.CHANNEL)
    rows = []
    for i in range(count):
        province = codes[i * len(codes) // count]
        activity = kinds[i % 3]
        day = session_day[province] if activity is Activity.BRIDGE else date(2022, 9, 20)
        rows.append(
            AttendanceRow(
                member=f"Nguyễn Văn {i:06d}",
                team=f"T{i // 5:05d}",
                province=province,
                commune=f"C{i // 20:05d}",
                activity=activity,
                day=day,
                line=i + 2,
            )
        )
    return rows


def raw_executemany(path: Path, rows: Sequence[AttendanceRow], batch_size: int) -> float:
    _fresh(path)
    tuples = [
        (r.member, r.team, r.province, r.commune, str(r.activity), r.day.isoformat()) for r in rows
    ]
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE attendance (member TEXT, team TEXT, province TEXT, commune TEXT, "
        "activity TEXT, date TEXT)"
    )
    started = time.perf_counter()
    for start in range(0, len(tuples), batch_size):
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO attendance VALUES (?,?,?,?,?,?)", tuples[start : start + batch_size]
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def schedcore_record(path: Path, rows: Sequence[AttendanceRow], batch_size: int) -> float:
    _fresh(path)
    app = Scheduler.open(f"sqlite:///{path.resolve()}")
    app.create_programme(programme_2022(), actor="bench")
    app.apply_plan(_plan(), actor="bench")
    started = time.perf_counter()
    result = app.record_attendance(rows, actor="bench", batch_size=batch_size)
    elapsed = time.perf_counter() - started
    assert result.recorded == len(rows), result
    app.close()
    return elapsed


def raw_postgres(url: str, rows: Sequence[AttendanceRow], batch_size: int) -> float:
    import psycopg

    tuples = [
        (r.member, r.team, r.province, r.commune, str(r.activity), r.day.isoformat()) for r in rows
    ]
    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            connection.execute(
                f'CREATE TABLE "{schema}".attendance (member TEXT, team TEXT, province TEXT, '
                "commune TEXT, activity TEXT, date TEXT)"
            )
            started = time.perf_counter()
            for start in range(0, len(tuples), batch_size):
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.executemany(
                        f'INSERT INTO "{schema}".attendance VALUES (%s,%s,%s,%s,%s,%s)',
                        tuples[start : start + batch_size],
                    )
            return time.perf_counter() - started
        finally:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def schedcore_postgres(url: str, rows: Sequence[AttendanceRow], batch_size: int) -> float:
    import psycopg

    schema = f"bench_events_{uuid.uuid4().hex[:8]}"
    try:
        app = Scheduler.open(f"{url}?schema={schema}")
        app.create_programme(programme_2022(), actor="bench")
        app.apply_plan(_plan(), actor="bench")
        started = time.perf_counter()
        result = app.record_attendance(rows, actor="bench", batch_size=batch_size)
        elapsed = time.perf_counter() - started
        assert result.recorded == len(rows), result
        app.close()
        return elapsed
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _report(label: str, count: int, raw: float, ours: float) -> None:
    print(f"{label}: raw executemany {count / raw:>10,.0f} rows/s ({raw:.2f} s)")
    print(f"{label}: schedcore      {count / ours:>10,.0f} rows/s ({ours:.2f} s)")
    print(f"{label}: ratio schedcore / raw: {raw / ours:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=MEMBERS_2022)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also compare on this PostgreSQL server")
    args = parser.parse_args(argv)
    rows = make_rows(args.rows)
    raw_best = ours_best = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            raw_best = min(
                raw_best, raw_executemany(Path(folder) / "raw.sqlite", rows, args.batch_size)
            )
            ours_best = min(
                ours_best, schedcore_record(Path(folder) / "events.sqlite", rows, args.batch_size)
            )
    print(f"rows: {len(rows):,}, batch size {args.batch_size}, best of {args.repeat}")
    _report("sqlite", len(rows), raw_best, ours_best)
    if args.postgres:
        raw_pg = ours_pg = float("inf")
        for _ in range(args.repeat):
            raw_pg = min(raw_pg, raw_postgres(args.postgres, rows, args.batch_size))
            ours_pg = min(ours_pg, schedcore_postgres(args.postgres, rows, args.batch_size))
        _report("postgresql", len(rows), raw_pg, ours_pg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
