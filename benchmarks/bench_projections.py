"""Projections at national scale: ingest, incremental catch-up, full rebuild, report.

    python benchmarks/bench_projections.py [--quick] [--scale 1.0] [--repeat 3]
        [--per-event-events 3000] [--store-file PATH] [--postgres URL]

The 2022 programme, generated day by day as it could have happened: 46,105 teams and 212,761
members in 10,599 communes of 63 provinces (``--scale`` shrinks every count; ``--quick`` is
``--scale 0.05 --per-event-events 1500``).  Members are enrolled province by
province; on each cluster's session day the hall (one delegate per commune) and the bridge
points (every other member, 5% absent; uploaded by district, 100 rows per transaction) are
recorded through the core's bulk recording; the online course (70% of members, 12 Sep to
30 Nov) and the channel (95%, 12 to 30 Sep) are synced daily; a few records are voided.

Measured, all in one process on one store (a SQLite file unless ``--postgres``):

* **ingest**: recording the whole programme (rows/s, events/s), with a runner catching up
  after every simulated day (**incremental catch-up**: total seconds, events/s);
* **rebuild** from zero (events/s, member facts/s), against **raw read-and-decode** of the same
  events (``recorder.select_notifications`` + ``mapper.to_domain_event``, the same page size,
  each page kept as a list like any consumer would) -- runs alternate, median of ``--repeat``;
  goal: rebuild >= 0.5x raw;
* the **parallel rebuild** (coverage split by province over ``--workers`` processes) against
  the same rebuild in one process, alternating, the tables compared;
* the **one-transaction-per-event** pattern (``eventsourcing``'s projection runner's: the same
  read models, one event per transaction) against the runner's default batches, catching up
  fresh view files (SQLite, default durability, no view snapshots) on the whole log (or its
  first ``--per-event-events``), alternating, median; goal >= 25x;
* **time travel**: coverage by province as of the end of 20 Sep 2022 (a log position), from
  the view snapshots the ingest's runner took, against a full replay into an empty database,
  alternating, median, the answers compared; goal >= 10x;
* the national **report** (seconds), and the **peak memory** of a rebuild (tracemalloc, in a
  separate untimed run).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import attrs

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint
from schedcore.projections import ProjectionRunner
from schedcore.projections.runner import DEFAULT_BATCH_SIZE
from schedcore.reference import programme_2022, vietnam_2022

COURSE_END = date(2022, 11, 30)


@attrs.frozen
class PlannedCluster:
    id: int
    host: str
    members: tuple[str, ...]
    date: date | None
    trainer_team: str | None = None


@attrs.frozen
class Member:
    id: str
    team: str
    commune: str
    province: str


def plan_2022() -> list[PlannedCluster]:
    """63 provinces in 10 clusters of 6 to 9 (code order), one session per working day, two
    trainer teams taking turns."""
    codes = vietnam_2022().codes
    days = programme_2022().calendar.working_days()
    return [
        PlannedCluster(
            n + 1,
            codes[n * 6],
            tuple(codes[n * 6 : (n + 1) * 6] if n < 9 else codes[54:]),
            days[n],
            f"trainers-{'AB'[n % 2]}",
        )
        for n in range(10)
    ]


@attrs.define
class Scenario:
    """Who exists, and what happens on which day."""

    members: dict[str, list[Member]]
    communes: dict[str, list[str]]
    delegates: set[str]
    rows_by_day: dict[date, list[AttendanceRow]]
    voids_by_day: dict[date, list[tuple[str, Activity, list[str]]]]

    @property
    def member_count(self) -> int:
        return sum(len(m) for m in self.members.values())


def scenario(scale: float = 1.0, seed: int = 2022) -> Scenario:
    """The national programme (``scale`` shrinks teams, members and communes alike)."""
    spec = programme_2022()
    plan = plan_2022()
    session_day = {code: c.date for c in plan for code in c.members}
    rnd = random.Random(seed)
    members: dict[str, list[Member]] = {}
    communes: dict[str, list[str]] = {}
    delegates: set[str] = set()
    rows: dict[date, list[AttendanceRow]] = {}
    voids: dict[date, list[tuple[str, Activity, list[str]]]] = {}
    for code in spec.members:
        n_communes = max(1, round(spec.bridge_points[code] * scale))
        n_teams = max(n_communes, round(spec.teams[code] * scale))
        n_members = max(n_teams, round(spec.members[code] * scale))
        names = [f"{code}-X{k:04d}" for k in range(n_communes)]
        teams = [(f"{code}-T{t:05d}", names[t % n_communes]) for t in range(n_teams)]
        people = [
            Member(f"{code}-{m:07d}", *teams[m % n_teams], province=code) for m in range(n_members)
        ]
        members[code], communes[code] = people, names
        day = session_day[code]
        assert day is not None
        seen_communes: set[str] = set()
        voided: list[str] = []
        for person in people:
            if person.commune not in seen_communes:  # the commune's first member: its delegate
                seen_communes.add(person.commune)
                delegates.add(person.id)
                activity = Activity.HALL
            else:
                activity = Activity.BRIDGE if rnd.random() < 0.95 else Activity.ABSENT
                if activity is Activity.BRIDGE and rnd.random() < 0.001:
                    voided.append(person.id)
            rows.setdefault(day, []).append(_row(person, activity, day))
            if rnd.random() < 0.70:
                first = max(day - timedelta(days=3), date(2022, 9, 12))
                done = first + timedelta(days=rnd.randrange((COURSE_END - first).days + 1))
                rows.setdefault(done, []).append(_row(person, Activity.COURSE, done))
            if rnd.random() < 0.95:
                followed = date(2022, 9, 12) + timedelta(days=rnd.randrange(19))
                rows.setdefault(followed, []).append(_row(person, Activity.CHANNEL, followed))
        if voided:
            voids.setdefault(day + timedelta(days=1), []).append((code, Activity.BRIDGE, voided))
    return Scenario(members, communes, delegates, rows, voids)


def _row(member: Member, activity: Activity, day: date) -> AttendanceRow:
    return AttendanceRow(member.id, member.team, member.province, member.commune, activity, day)


@attrs.define
class Ingest:
    seconds: float = 0.0
    rows: int = 0
    catch_up_seconds: float = 0.0
    catch_up_events: int = 0
    catch_ups: int = 0
    #: the log position at the end of each simulated day
    day_ends: dict[date, int] = attrs.Factory(dict)


def ingest(
    app: Scheduler,
    world: Scenario,
    *,
    bridge_batch: int = 100,
    after_day: Callable[[], tuple[float, int]] | None = None,
) -> Ingest:
    """Record the programme day by day; ``after_day`` (a runner's catch-up) runs after each
    day and returns (seconds, events)."""
    done = Ingest()
    plan = plan_2022()
    started = time.perf_counter()
    app.create_programme(programme_2022(), actor="ministry")
    app.apply_plan(plan, actor="ministry")
    for cluster in plan:
        for code in cluster.members:
            points = [BridgePoint(code, commune) for commune in world.communes[code]]
            app.connect_bridge_points(cluster.id, points, actor=f"province:{code}")
    for code, people in world.members.items():
        app.enrol_members(
            code, [(m.id, m.team, m.commune) for m in people], actor=f"province:{code}"
        )
    done.seconds += time.perf_counter() - started
    if after_day is not None:
        seconds, events = after_day()
        done.catch_up_seconds += seconds
        done.catch_up_events += events
        done.catch_ups += 1
    sessions = {c.date: c for c in plan}
    day = date(2022, 9, 12)
    while day <= COURSE_END:
        started = time.perf_counter()
        rows = world.rows_by_day.get(day, [])
        in_person = [r for r in rows if r.activity in (Activity.BRIDGE, Activity.ABSENT)]
        hall = [r for r in rows if r.activity is Activity.HALL]
        online = [r for r in rows if r.activity in (Activity.COURSE, Activity.CHANNEL)]
        if hall:
            app.record_attendance(hall, actor="hall-registration")
        if in_person:
            app.record_attendance(in_person, actor="bridge-points", batch_size=bridge_batch)
        if day in sessions:
            app.mark_session_held(sessions[day].id, on=day, actor="trainers")
        if online:
            app.record_attendance(online, actor="platform-sync")
        for code, activity, members in world.voids_by_day.get(day, []):
            app.void_records(code, activity, members, reason="duplicate identity", actor="audit")
        done.rows += len(rows)
        done.seconds += time.perf_counter() - started
        done.day_ends[day] = app.max_notification_id()
        if after_day is not None:
            seconds, events = after_day()
            done.catch_up_seconds += seconds
            done.catch_up_events += events
            done.catch_ups += 1
        day += timedelta(days=1)
    return done


# -- measurements ------------------------------------------------------------------------------


def read_and_decode(app: Scheduler, page_size: int, stop: int | None = None) -> tuple[float, int]:
    """The raw rate: ``select_notifications`` pages + ``to_domain_event`` of each event."""
    recorder, mapper = app.recorder, app.mapper
    started = time.perf_counter()
    position, count = 0, 0
    while True:
        page = recorder.select_notifications(position + 1, page_size, stop=stop)
        if not page:
            break
        events = [mapper.to_domain_event(n) for n in page]
        count += len(events)
        position = page[-1].id
    return time.perf_counter() - started, count


def member_facts(app: Scheduler) -> int:
    """How many member facts (member x event) the log holds: the rebuild's real work."""
    total, position = 0, 0
    while True:
        page = app.recorder.select_notifications(position + 1, 1000)
        if not page:
            return total
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            members = getattr(event, "members", None)
            if members is not None and hasattr(members, "teams"):
                total += len(members)
        position = page[-1].id


@attrs.frozen
class Comparison:
    ours: list[float]
    theirs: list[float]

    @property
    def ratios(self) -> list[float]:
        return [t / o for o, t in zip(self.ours, self.theirs, strict=True)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)


def compare_rebuild(app: Scheduler, repeat: int) -> tuple[Comparison, float]:
    """Rebuild vs raw read-and-decode, alternating; returns seconds and the events count."""
    runner = ProjectionRunner(app)
    ours, raw = [], []
    events = 0
    try:
        for _ in range(repeat):
            seconds, events = read_and_decode(app, runner.page_size)
            raw.append(seconds)
            started = time.perf_counter()
            runner.rebuild()
            ours.append(time.perf_counter() - started)
    finally:
        runner.close()
    return Comparison(ours, raw), events


def compare_parallel_rebuild(app: Scheduler, repeat: int, workers: int) -> Comparison:
    """A rebuild of every model with coverage folded by ``workers`` processes (split by
    province) vs the same rebuild in one process, alternating; the tables must be the same."""
    runner = ProjectionRunner(app)
    parallel, sequential = [], []

    def tables() -> list[list[tuple[object, ...]]]:
        return [
            sorted(runner.database.query(f"SELECT * FROM view_{table.name}"))
            for model in runner.models
            for table in model.tables
        ]

    try:
        for _ in range(repeat):
            started = time.perf_counter()
            runner.rebuild()
            sequential.append(time.perf_counter() - started)
            alone = tables()
            started = time.perf_counter()
            runner.rebuild(workers=workers)
            parallel.append(time.perf_counter() - started)
            assert tables() == alone, "a parallel rebuild differs from a sequential one"
    finally:
        runner.close()
    return Comparison(parallel, sequential)


def compare_per_event(app: Scheduler, events: int, repeat: int, folder: Path) -> Comparison:
    """The same read models on the first ``events`` events: batched vs one transaction per
    event (``eventsourcing``'s pattern), each into a fresh view file, alternating."""
    batched, per_event = [], []

    def timed(batch_size: int) -> float:
        path = folder / f"views-{uuid.uuid4().hex[:8]}.sqlite"
        # no view snapshots on either side: one transaction per event would take one at every
        # 250th event, batches only at the end of a batch, and this compares batching alone
        runner = ProjectionRunner(
            app, views=f"sqlite:///{path}", batch_size=batch_size, snapshot_every=0
        )
        try:
            started = time.perf_counter()
            runner.catch_up(until=events)
            return time.perf_counter() - started
        finally:
            runner.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    for _ in range(repeat):
        batched.append(timed(DEFAULT_BATCH_SIZE))
        per_event.append(timed(1))
    return Comparison(batched, per_event)


#: The day of the time-travel question: "coverage as of 20 Sep 2022".
TIME_TRAVEL_DAY = date(2022, 9, 20)


def compare_time_travel(app: Scheduler, position: int, repeat: int) -> Comparison:
    """Coverage as of ``position``: from the views' snapshots vs a full replay (the views of a
    database with no snapshot), alternating; the answers must be the same."""
    from schedcore.projections import views_as_of
    from schedcore.projections._database import SqliteViews, views_for_app

    views = views_for_app(app)
    ours, replay = [], []

    def timed(source: object) -> tuple[float, object]:
        started = time.perf_counter()
        found = views_as_of(app, position=position, views=source)  # type: ignore[arg-type]
        rows = found.coverage("province")
        return time.perf_counter() - started, rows

    try:
        for _ in range(repeat):
            seconds, fast = timed(views)
            ours.append(seconds)
            empty = SqliteViews(":memory:")
            seconds, slow = timed(empty)
            empty.close()
            replay.append(seconds)
            assert fast == slow, "time travel from snapshots differs from a full replay"
    finally:
        views.close()
    return Comparison(ours, replay)


def peak_rebuild_memory(app: Scheduler) -> int:
    runner = ProjectionRunner(app)
    gc.collect()
    tracemalloc.start()
    try:
        runner.rebuild()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        runner.close()


def timed_report(app: Scheduler, repeat: int) -> float:
    runner = ProjectionRunner(app)
    try:
        runner.catch_up()
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            report = runner.views().report()
            seconds.append(time.perf_counter() - started)
        assert report["totals"]["members_enrolled"] > 0
        return statistics.median(seconds)
    finally:
        runner.close()


# -- main --------------------------------------------------------------------------------------


def _rate(count: float, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s" if seconds else "           -"


def _store_urls(args: argparse.Namespace, folder: Path) -> Iterator[tuple[str, str, bool]]:
    """(label, url, needs ingest) for each store to measure."""
    if args.store_file:
        path = Path(args.store_file).resolve()
        yield "SQLite", f"sqlite:///{path}", not path.exists()
    else:
        yield "SQLite", f"sqlite:///{folder / 'events.sqlite'}", True
    if args.postgres:
        schema = f"bench_projections_{uuid.uuid4().hex[:8]}"
        yield "PostgreSQL", f"{args.postgres}?schema={schema}", True


def _drop_schema(url: str) -> None:
    import psycopg

    base, _, query = url.partition("?schema=")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{query}" CASCADE')


def measure(label: str, url: str, needs_ingest: bool, args: argparse.Namespace) -> None:
    world = scenario(args.scale)
    app = Scheduler.open(url)
    try:
        print(
            f"\n== {label}: {world.member_count:,} members, "
            f"{sum(len(c) for c in world.communes.values()):,} communes, scale {args.scale}"
        )
        if needs_ingest:
            live = ProjectionRunner(app)

            def after_day() -> tuple[float, int]:
                done = live.catch_up()
                return done.seconds, done.events

            done = ingest(app, world, after_day=after_day)
            live.close()
            day_ends = done.day_ends
            if args.store_file:
                Path(f"{args.store_file}.days.json").write_text(
                    json.dumps({d.isoformat(): p for d, p in day_ends.items()})
                )
            events = app.max_notification_id()
            print(
                f"ingest            {done.seconds:8.2f} s  {_rate(done.rows, done.seconds)} rows"
                f"  {_rate(events, done.seconds)} events  ({done.rows:,} rows, {events:,} events)"
            )
            print(
                f"incremental       {done.catch_up_seconds:8.2f} s  "
                f"{_rate(done.catch_up_events, done.catch_up_seconds)} events"
                f"  ({done.catch_ups} catch-ups after each day)"
            )
        else:
            days = Path(f"{args.store_file}.days.json")
            day_ends = (
                {date.fromisoformat(d): p for d, p in json.loads(days.read_text()).items()}
                if days.exists()
                else {}
            )
        if TIME_TRAVEL_DAY in day_ends:
            at = day_ends[TIME_TRAVEL_DAY]
            travel = compare_time_travel(app, at, args.repeat)
            print(
                f"as of {TIME_TRAVEL_DAY} (position {at:,}): from snapshots "
                f"{statistics.median(travel.ours):.3f} s, full replay "
                f"{statistics.median(travel.theirs):.3f} s, "
                f"{travel.median_ratio:.1f}x (goal >= 10; per rep: "
                + ", ".join(f"{r:.1f}" for r in travel.ratios)
                + ")"
            )
        facts = member_facts(app)
        rebuild, events = compare_rebuild(app, args.repeat)
        ours = statistics.median(rebuild.ours)
        raw = statistics.median(rebuild.theirs)
        print(
            f"rebuild           {ours:8.2f} s  {_rate(events, ours)} events"
            f"  {_rate(facts, ours)} member facts  ({events:,} events, {facts:,} facts)"
        )
        print(f"read+decode (raw) {raw:8.2f} s  {_rate(events, raw)} events")
        print(
            f"rebuild / raw     {rebuild.median_ratio:8.2f}x  (goal >= 0.5; per rep: "
            + ", ".join(f"{r:.2f}" for r in rebuild.ratios)
            + ")"
        )
        parallel = compare_parallel_rebuild(app, args.repeat, args.workers)
        print(
            f"rebuild, {args.workers} workers {statistics.median(parallel.ours):6.2f} s vs one "
            f"process {statistics.median(parallel.theirs):.2f} s: {parallel.median_ratio:.2f}x "
            "(per rep: " + ", ".join(f"{r:.2f}" for r in parallel.ratios) + ")"
        )
        per_event_events = min(args.per_event_events or events, events)
        with tempfile.TemporaryDirectory() as folder:
            per_event = compare_per_event(app, per_event_events, args.repeat, Path(folder))
        batched_rate = per_event_events / statistics.median(per_event.ours)
        per_event_rate = per_event_events / statistics.median(per_event.theirs)
        print(
            f"first {per_event_events:,} events: batched {batched_rate:,.0f}/s, one transaction "
            f"per event {per_event_rate:,.0f}/s"
        )
        print(
            f"batched / per-event {per_event.median_ratio:6.1f}x  (goal >= 25; per rep: "
            + ", ".join(f"{r:.1f}" for r in per_event.ratios)
            + ")"
        )
        print(f"report            {timed_report(app, args.repeat):8.2f} s  (national, JSON-ready)")
        peak = peak_rebuild_memory(app)
        print(f"rebuild peak mem  {peak / 2**20:8.1f} MiB (tracemalloc)")
    finally:
        app.close()
        if label == "PostgreSQL":
            _drop_schema(url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 5%% programme, fewer repeats")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--per-event-events",
        type=int,
        default=0,
        help="compare with one transaction per event on the first N events (0: all of them)",
    )
    parser.add_argument("--store-file", help="reuse (or create) this SQLite store")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes of the parallel rebuild (default 2)"
    )
    parser.add_argument("--postgres", help="also measure on PostgreSQL at this URL")
    args = parser.parse_args(argv)
    if args.quick:
        args.scale, args.per_event_events = 0.05, 1500
    with tempfile.TemporaryDirectory() as folder:
        for label, url, needs_ingest in _store_urls(args, Path(folder)):
            measure(label, url, needs_ingest, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
