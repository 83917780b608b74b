"""One command per transaction through ``Scheduler`` vs a raw single-row insert per transaction.

    python benchmarks/bench_command_latency.py [--commands 500] [--repeat 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--profile]

What a coordinator's screen or a service does all day: one small command, one transaction.
Three commands are timed, each against a raw insert of the same facts as one row, one row per
transaction, into a plain table of the same store kind (SQLite file in WAL mode as
``eventsourcing`` opens it, with SQLite's default ``synchronous=FULL``; or a PostgreSQL schema):

* ``record_attendance`` of one row (a member completed the online course): 1 event;
* ``reschedule_session`` of a cluster to another working day: 1 event;
* ``set_host`` of a cluster to another member province, whose session moves with it: 2 events.

Every command runs the rules, loads its aggregates (the application's cache fast-forwards them
from the store, so other writers are seen) and commits one transaction.  Each command is
interleaved with one raw insert (swapping which goes first), so both meet the same disk: a
commit waits for the flush to disk, and a shared machine's flush time swings from half a
millisecond to several within a minute.  Both SQLite logs are grown to a running service's
size first (see :func:`steady_wal`).  The ratio is raw seconds / our seconds per repetition,
median of ``--repeat`` (goal >= 0.8); p50/p99 latencies and CPU per command are reported too.
Last, per store, ``reschedule_session``, ``eventsourcing`` alone (one tiny aggregate: get, one
event, save, per transaction) and a raw insert are interleaved three ways (no goal): the
library's own ratio to raw is the floor under any command built on it.

``--profile`` prints a cProfile of our side instead (where the time goes).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Comparison, Figure, Interleaved, Suite, interleave, median, percentile

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.reference import programme_2022, vietnam_2022

GOAL = 0.8
COMMANDS = ("record_attendance", "reschedule_session", "set_host")


@attrs.frozen
class PlannedCluster:
    id: int
    host: str
    members: tuple[str, ...]
    date: date | None
    trainer_team: str | None = None


def plan_2022() -> list[PlannedCluster]:
    """63 provinces in 10 clusters of 6 to 9 (code order), one session per working day."""
    codes = vietnam_2022().codes
    days = programme_2022().calendar.working_days()
    return [
        PlannedCluster(
            n + 1, codes[n * 6], tuple(codes[n * 6 : (n + 1) * 6] if n < 9 else codes[54:]), days[n]
        )
        for n in range(10)
    ]


# -- the stores --------------------------------------------------------------------------------


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def steady_wal(path: Path, megabytes: int = 8) -> None:
    """Bring a SQLite file's write-ahead log to the size a running service's has.

    While the log file grows, every commit also changes its size, and the file system makes
    that durable too: on the machines measured a commit took twice as long as one that
    overwrites a log already grown (and wrapped after a checkpoint).  Both sides of a
    comparison get this treatment, so neither pays the growing phase the other does not.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS bench_scratch (filler BLOB)")
        connection.execute("BEGIN")
        connection.execute("INSERT INTO bench_scratch VALUES (?)", (bytes(megabytes * 2**20),))
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(RESTART)")
        connection.execute("DROP TABLE bench_scratch")
        connection.execute("PRAGMA wal_checkpoint(RESTART)")
    finally:
        connection.close()


@attrs.define
class Store:
    """Where one comparison writes: a folder for SQLite files, or a PostgreSQL server."""

    kind: str  # "sqlite" or "postgresql"
    folder: Path
    postgres: str | None = None
    schemas: list[str] = attrs.Factory(list)

    def label(self) -> str:
        return "SQLite file" if self.kind == "sqlite" else "PostgreSQL"

    def event_store_url(self, name: str) -> str:
        if self.kind == "sqlite":
            path = self.folder / f"{name}.sqlite"
            _fresh(path)
            return f"sqlite:///{path}"
        assert self.postgres is not None
        import psycopg

        schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.postgres, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return f"{self.postgres}?schema={schema}"

    def drop(self) -> None:
        if self.kind != "postgresql" or not self.schemas:
            return
        import psycopg

        with psycopg.connect(self.postgres, autocommit=True) as connection:
            for schema in self.schemas:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.schemas.clear()


class RawTable:
    """A plain table and one ``INSERT`` per transaction: the floor a command cannot go under."""

    def __init__(self, store: Store, name: str, columns: Sequence[str]) -> None:
        self.kind = store.kind
        marks = ", ".join("?" if store.kind == "sqlite" else "%s" for _ in columns)
        definition = ", ".join(f"{c} TEXT" for c in columns)
        if store.kind == "sqlite":
            path = store.folder / f"raw_{name}.sqlite"
            _fresh(path)
            self.sqlite = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.sqlite.execute("PRAGMA journal_mode=WAL")
            self.sqlite.execute(f"CREATE TABLE {name} ({definition})")
            steady_wal(path)
        else:
            import psycopg

            schema = f"bench_raw_{name}_{uuid.uuid4().hex[:8]}"
            store.schemas.append(schema)
            self.postgres = psycopg.connect(store.postgres, autocommit=True)
            self.postgres.execute(f'CREATE SCHEMA "{schema}"')
            self.postgres.execute(f'CREATE TABLE "{schema}".{name} ({definition})')
            name = f'"{schema}".{name}'
        self.insert_sql = f"INSERT INTO {name} VALUES ({marks})"

    def insert(self, row: Sequence[str]) -> None:
        if self.kind == "sqlite":
            self.sqlite.execute("BEGIN")
            self.sqlite.execute(self.insert_sql, row)
            self.sqlite.execute("COMMIT")
        else:
            with self.postgres.transaction():
                self.postgres.execute(self.insert_sql, row)

    def close(self) -> None:
        if self.kind == "sqlite":
            self.sqlite.close()
        else:
            self.postgres.close()


# -- eventsourcing alone -----------------------------------------------------------------------


class Note(Aggregate):
    """The smallest useful aggregate: one text field changed by one event."""

    @event("Created")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Changed")
    def change(self, text: str) -> None:
        self.text = text


class Notes(Application[uuid.UUID]):
    env = {"AGGREGATE_CACHE_MAXSIZE": "1000"}  # noqa: RUF012 - as eventsourcing declares it

    def create(self, text: str) -> uuid.UUID:
        note = Note(text)
        self.save(note)
        return note.id

    def change(self, note_id: uuid.UUID, text: str) -> None:
        note: Note = self.repository.get(note_id)
        note.change(text)
        self.save(note)


def notes_env(url: str) -> dict[str, str]:
    from schedcore.stores import store_environment

    return store_environment(url)


# -- the commands ------------------------------------------------------------------------------


@attrs.define
class Workload:
    """A prepared store and the n-th command of each kind, ours and raw."""

    app: Scheduler
    plan: list[PlannedCluster]
    days: tuple[date, ...]
    counter: int = 0

    def command(self, kind: str) -> tuple[Callable[[], object], tuple[str, ...]]:
        """The next command of ``kind`` and the row the raw side inserts for it."""
        self.counter += 1
        n = self.counter
        cluster = self.plan[n % len(self.plan)]
        if kind == "record_attendance":
            province = cluster.members[n % len(cluster.members)]
            row = AttendanceRow(
                f"{province}-M{n:07d}",
                f"{province}-T{n // 5:06d}",
                province,
                f"{province}-C{n // 20:05d}",
                Activity.COURSE,
                date(2022, 9, 20),
            )
            raw = (row.member, row.team, row.province, row.commune, "course", "2022-09-20")
            return (lambda: self.app.record_attendance([row], actor="coordinator")), raw
        if kind == "reschedule_session":
            # Each cluster's session moves between two of the 15 working days, its own and the
            # one five later (a working day no holiday or blackout blocks).
            day = self.days[(cluster.id - 1 + 5 * (n // len(self.plan) % 2)) % len(self.days)]
            raw_row = (str(cluster.id), day.isoformat(), "planner")
            return (
                lambda: self.app.reschedule_session(cluster.id, day, actor="planner"),
                raw_row,
            )
        if kind == "set_host":
            host = cluster.members[n // len(self.plan) % 2]
            return (
                lambda: self.app.set_host(cluster.id, host, actor="planner"),
                (str(cluster.id), host, "planner"),
            )
        raise ValueError(f"unknown command {kind!r}")


RAW_COLUMNS = {
    "record_attendance": ("member", "team", "province", "commune", "activity", "day"),
    "reschedule_session": ("cluster", "day", "actor"),
    "set_host": ("cluster", "host", "actor"),
}


def prepare(url: str) -> Workload:
    app = Scheduler.open(url)
    app.create_programme(programme_2022(), actor="ministry")
    plan = plan_2022()
    app.apply_plan(plan, actor="ministry")
    work = Workload(app, plan, programme_2022().calendar.working_days())
    # Open every province's attendance book and load every aggregate once: a running service.
    for cluster in plan:
        for province in cluster.members:
            app.record_attendance(
                [
                    AttendanceRow(
                        f"{province}-warm",
                        f"{province}-Twarm",
                        province,
                        f"{province}-Cwarm",
                        Activity.COURSE,
                        date(2022, 9, 19),
                    )
                ],
                actor="coordinator",
            )
    for kind in COMMANDS:
        for _ in range(len(plan) * 2):
            work.command(kind)[0]()
    if url.startswith("sqlite:///"):
        steady_wal(Path(url.removeprefix("sqlite:///")))
    return work


def compare_command(
    store: Store, work: Workload, kind: str, count: int, repeat: int
) -> tuple[Comparison, list[Figure]]:
    """``repeat`` rounds of ``count`` commands, each command interleaved with a raw insert."""
    raw = RawTable(store, kind, RAW_COLUMNS[kind])
    calls = Interleaved()
    ours_s: list[float] = []
    raw_s: list[float] = []
    try:
        for _ in range(repeat):
            pairs = [work.command(kind) for _ in range(count)]
            totals = interleave(
                {
                    "ours": [action for action, _ in pairs],
                    "raw": [_bind(raw.insert, row) for _, row in pairs],
                },
                calls,
            )
            ours_s.append(totals["ours"])
            raw_s.append(totals["raw"])
    finally:
        raw.close()
    events = 2 if kind == "set_host" else 1
    comparison = Comparison(
        name=f"{store.label()}: {kind} ({events} event{'s' if events > 1 else ''})",
        baseline_name="raw single-row INSERT",
        work=count,
        unit="commands",
        ours=ours_s,
        baseline=raw_s,
        goal=GOAL,
    )
    return comparison, [_latency_figure(f"{store.label()}: {kind}", calls, "ours", "raw")]


def _latency_figure(label: str, calls: Interleaved, side: str, baseline: str) -> Figure:
    ms = 1000
    wall, cpu = calls.wall, calls.cpu
    return Figure(
        f"{label}: latency p50 ({side})",
        round(percentile(wall[side], 0.5) * ms, 2),
        "ms",
        f"p99 {percentile(wall[side], 0.99) * ms:.2f} ms, CPU {median(cpu[side]) * ms:.2f} ms; "
        f"{baseline} p50 {percentile(wall[baseline], 0.5) * ms:.2f} ms, p99 "
        f"{percentile(wall[baseline], 0.99) * ms:.2f} ms, CPU {median(cpu[baseline]) * ms:.2f} ms",
    )


def _bind(function: Callable[[Sequence[str]], None], row: Sequence[str]) -> Callable[[], None]:
    return lambda: function(row)


def compare_eventsourcing_alone(
    store: Store, work: Workload, count: int, repeat: int
) -> tuple[list[Comparison], list[Figure]]:
    """``reschedule_session``, ``eventsourcing`` alone (one tiny aggregate: get, one event,
    save) and a raw single-row insert, interleaved three ways: where between the raw floor and
    the library our command stands."""
    url = store.event_store_url("notes")
    notes = Notes(env=notes_env(url))
    note_ids = [notes.create("first") for _ in range(10)]
    if url.startswith("sqlite:///"):
        steady_wal(Path(url.removeprefix("sqlite:///")))
    raw = RawTable(store, "notes", ("note", "text"))
    calls = Interleaved()
    seconds: dict[str, list[float]] = {"ours": [], "library": [], "raw": []}
    try:
        for rep in range(repeat):
            texts = [f"text {rep}-{n}" for n in range(count)]
            totals = interleave(
                {
                    "ours": [work.command("reschedule_session")[0] for _ in range(count)],
                    "library": [
                        _bind_note(notes, note_ids[n % len(note_ids)], text)
                        for n, text in enumerate(texts)
                    ],
                    "raw": [_bind(raw.insert, (str(n % 10), text)) for n, text in enumerate(texts)],
                },
                calls,
            )
            for side, total in totals.items():
                seconds[side].append(total)
    finally:
        notes.close()
        raw.close()
    label = store.label()
    comparisons = [
        Comparison(
            f"{label}: reschedule_session vs eventsourcing alone",
            "eventsourcing: get + 1 event + save",
            count,
            "commands",
            seconds["ours"],
            seconds["library"],
        ),
        Comparison(
            f"{label}: eventsourcing alone vs raw (same interleaved run)",
            "raw single-row INSERT",
            count,
            "commands",
            seconds["library"],
            seconds["raw"],
            notes="not a schedcore figure: the floor the library sets under any command",
        ),
    ]
    return comparisons, [_latency_figure(f"{label}: eventsourcing alone", calls, "library", "raw")]


def _bind_note(notes: Notes, note_id: uuid.UUID, text: str) -> Callable[[], None]:
    return lambda: notes.change(note_id, text)


@contextmanager
def stores(folder: Path, postgres: str | None) -> Iterator[list[Store]]:
    found = [Store("sqlite", folder)]
    if postgres:
        found.append(Store("postgresql", folder, postgres))
    try:
        yield found
    finally:
        for store in found:
            store.drop()


def suite(*, commands: int = 500, repeat: int = 5, postgres: str | None = None, **_: Any) -> Suite:
    """The harness's entry point: every command on every store, alternating with raw."""
    result = Suite(
        "command_latency",
        "Single command latency",
        settings={"commands": commands, "repeat": repeat, "postgres": bool(postgres)},
    )
    with tempfile.TemporaryDirectory() as folder, stores(Path(folder), postgres) as found:
        for store in found:
            work = prepare(store.event_store_url("events"))
            try:
                for kind in COMMANDS:
                    comparison, figures = compare_command(store, work, kind, commands, repeat)
                    result.comparisons.append(comparison)
                    result.figures.extend(figures)
                comparisons, figures = compare_eventsourcing_alone(store, work, commands, repeat)
                result.comparisons += comparisons
                result.figures += figures
            finally:
                work.app.close()
    return result


def profile(commands: int, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder, stores(Path(folder), postgres) as found:
        store = found[-1]
        work = prepare(store.event_store_url("events"))
        actions = [work.command(kind)[0] for kind in COMMANDS for _ in range(commands)]
        profiler = cProfile.Profile()
        profiler.enable()
        for action in actions:
            action()
        profiler.disable()
        work.app.close()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500, help="commands per repetition")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also compare on this PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="cProfile our side instead")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.commands, args.postgres)
        return 0
    result = suite(commands=args.commands, repeat=args.repeat, postgres=args.postgres)
    for c in result.comparisons:
        ours, raw = statistics.median(c.ours), statistics.median(c.baseline)
        print(
            f"{c.name:<58} ours {c.work / ours:8,.0f}/s  {c.baseline_name} "
            f"{c.work / raw:8,.0f}/s  ratio {c.ratio:.2f}" + (f" (goal {c.goal})" if c.goal else "")
        )
    for f in result.figures:
        print(f"{f.name:<58} {f.value} {f.unit}  ({f.notes})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
