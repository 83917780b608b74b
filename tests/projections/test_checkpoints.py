"""Each read model has its own checkpoint and version: added and changed models are built alone,
in shadow tables, while the others keep answering; stores of earlier releases migrate."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import InvalidInputError, ProjectionError
from schedcore.projections import (
    CoverageModel,
    Envelope,
    ProjectionRunner,
    ReadModel,
    default_models,
)
from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.tracking import table_columns
from tests.projections.commands import run
from tests.projections.conftest import open_small, small_spec, sqlite_file
from tests.projections.models import CountsApplications, applications
from tests.projections.reference import reference_snapshot, snapshot
from tests.strategies import projection_commands

ONLINE_DAY = date(2022, 9, 20)


def record_course(app: Scheduler, *members: str, province: str = "01") -> None:
    rows = [
        AttendanceRow(m, f"team-{m}", province, "Ba Đình", Activity.COURSE, ONLINE_DAY)
        for m in members
    ]
    app.record_attendance(rows, actor="platform", batch_size=1)


def many_events(app: Scheduler, count: int = 40) -> None:
    for n in range(count):
        record_course(app, f"m{n}", province=("01", "02", "04", "06")[n % 4])


def generations(runner: ProjectionRunner) -> dict[str, tuple[int, int]]:
    return {s.name: (s.generation, s.position) for s in runner.status()}


def agrees_with_the_log(runner: ProjectionRunner) -> bool:
    return snapshot(runner.views()) == reference_snapshot(runner.app, small_spec().name)


class WatchesTheBuild(CountsApplications):
    """Counts applications; at its ``at``-th event, runs ``during`` (once)."""

    def __init__(self, during: Any, at: int = 10) -> None:
        super().__init__()
        self.during, self.at, self.seen = during, at, 0

    def fold(self, events: Sequence[Envelope]) -> None:
        for _ in events:
            self.seen += 1
            if self.seen == self.at and self.during is not None:
                during, self.during = self.during, None
                during()
        super().fold(events)


# -- a model added to a store with many events ---------------------------------------------------


def test_a_model_added_later_is_built_alone_while_the_others_keep_answering(
    app: Scheduler,
) -> None:
    many_events(app)
    first = ProjectionRunner(app)
    first.catch_up()
    before = generations(first)
    seen: dict[str, Any] = {}

    def meanwhile() -> None:
        # mid-build: the other models answer, and the new model's live table shows nothing
        # half-built; a write now is picked up by the others between the build's batches
        watcher = ProjectionRunner(
            app, [*default_models(), CountsApplications()], views=first.database
        )
        seen["course"] = watcher.views().coverage("country")[0].members_course
        seen["live applied"] = len(applications(watcher.database))
        seen["status"] = {s.name: s for s in watcher.status()}
        watcher.close()
        record_course(app, "late")

    runner = ProjectionRunner(
        app,
        [*default_models(), WatchesTheBuild(meanwhile)],
        rebuild_batch_size=5,
        page_size=5,
    )
    assert runner.pending() == ["applied"]
    runner.catch_up()
    assert seen["course"] == 40
    assert seen["live applied"] == 0
    assert seen["status"]["applied"].state == "new"
    assert seen["status"]["applied"].building is not None
    head = app.max_notification_id()
    after = generations(runner)
    # the others were not rebuilt (same generation) and went on to the head
    assert {n: g for n, (g, _) in after.items() if n != "applied"} == {
        n: g for n, (g, _) in before.items()
    }
    assert {p for _, p in after.values()} == {head}
    counted = applications(runner.database)
    assert len(counted) == head and set(counted.values()) == {1}
    assert runner.views().coverage("country")[0].members_course == 41
    assert agrees_with_the_log(runner)


def test_a_changed_model_version_rebuilds_that_model_alone(app: Scheduler) -> None:
    many_events(app, 8)
    first = ProjectionRunner(app)
    first.catch_up()
    before = generations(first)

    class CoverageV2(CoverageModel):
        version = CoverageModel.version + 1

    models = [CoverageV2() if m.name == "coverage" else m for m in default_models()]
    runner = ProjectionRunner(app, models, views=first.database)
    assert runner.pending() == ["coverage"]
    assert {s.name: s.state for s in runner.status()}["coverage"] == "changed"
    runner.catch_up()
    after = generations(runner)
    assert after["coverage"][0] == before["coverage"][0] + 1
    assert {n: g for n, (g, _) in after.items() if n != "coverage"} == {
        n: g for n, (g, _) in before.items() if n != "coverage"
    }
    assert runner.pending() == []
    assert agrees_with_the_log(runner)
    # the old tables were dropped after the swap
    assert table_columns(runner.database, "view_member_state__retired") is None
    assert table_columns(runner.database, "view_member_state__rebuild") is None


def test_a_rebuild_of_one_model_leaves_the_others_alone(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    runner.catch_up()
    done = runner.rebuild(models=["audit"])
    assert done.position == app.max_notification_id()
    status = {s.name: s.generation for s in runner.status()}
    assert status == {n: (1 if n == "audit" else 0) for n in status}
    assert agrees_with_the_log(runner)


def test_a_rebuild_of_an_unknown_model_is_refused(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    with pytest.raises(InvalidInputError, match="unknown read model 'nope'"):
        runner.rebuild(models=["nope"])


# -- errors per model ----------------------------------------------------------------------------


class FailsAt(ReadModel):
    """Fails on the event at ``position``; otherwise counts what it is given."""

    name = "fragile"
    tables = ()

    def __init__(self, position: int) -> None:
        self.position = position

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        pass

    def fold(self, events: Sequence[Envelope]) -> None:
        if any(e.position == self.position for e in events):
            raise ValueError("cannot apply this one")

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        pass


def test_an_event_parked_by_one_model_is_applied_by_the_others(app: Scheduler) -> None:
    record_course(app, "An")
    bad = app.max_notification_id()
    runner = ProjectionRunner(app, [*default_models(), FailsAt(bad)], on_error={"fragile": "park"})
    assert runner.catch_up().parked == 1
    assert [(d.model, d.notification_id) for d in runner.dead_letters()] == [("fragile", bad)]
    assert runner.views().coverage("country")[0].members_course == 1
    assert {s.name: s.parked for s in runner.status()}["fragile"] == 1


def test_a_model_that_stops_does_not_hold_the_others_back(app: Scheduler) -> None:
    record_course(app, "An")
    bad = app.max_notification_id()
    record_course(app, "Bình")
    runner = ProjectionRunner(app, [*default_models(), FailsAt(bad)])
    with pytest.raises(ProjectionError, match="'fragile'") as raised:
        runner.catch_up()
    assert raised.value.notification_id == bad
    positions = {s.name: s.position for s in runner.status()}
    assert positions.pop("fragile") == bad - 1
    assert set(positions.values()) == {app.max_notification_id()}
    assert runner.views().coverage("country")[0].members_course == 2


def test_an_error_policy_for_an_unknown_model_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError, match="unknown read model"):
        ProjectionRunner(app, on_error={"nope": "park"})


# -- declared event types ------------------------------------------------------------------------


class OnlyCourses(CountsApplications):
    name = "courses"
    tables = ()
    handles = frozenset({domain_events.ATTENDANCE_ONLINE_COURSE_COMPLETED})

    def __init__(self) -> None:
        super().__init__()
        self.kinds: set[type] = set()

    def fold(self, events: Sequence[Envelope]) -> None:
        self.kinds.update(type(e.event) for e in events)

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        pass


def test_a_model_receives_only_the_event_types_it_declares_and_reads_only_their_topics(
    app: Scheduler,
) -> None:
    record_course(app, "An", "Bình")
    read: list[int] = []
    select = app.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        read.extend(n.id for n in found)
        return found

    app.recorder.select_notifications = counted  # type: ignore[method-assign]
    model = OnlyCourses()
    runner = ProjectionRunner(app, [model])
    runner.catch_up()
    assert model.kinds == {domain_events.ATTENDANCE_ONLINE_COURSE_COMPLETED}
    # the catalogue reads its own few topics; the log's other events are never read
    assert 0 < len(read) < app.max_notification_id()
    assert runner.lag().lag == 0


# -- stores of earlier releases ------------------------------------------------------------------


def make_legacy(runner: ProjectionRunner, *, old_coverage: bool) -> int:
    """Turn the views into the layout of the release before per-model checkpoints: one
    shared position row (and, with ``old_coverage``, a coverage table of another shape)."""
    position = runner.position().position
    integer = runner.database.type_name("INTEGER")
    with runner.database.transaction() as cursor:
        cursor.execute("DROP TABLE projection_checkpoints")
        cursor.execute("DROP TABLE projection_parked")
        cursor.execute(
            f"CREATE TABLE projection_positions (name TEXT PRIMARY KEY, position {integer} "
            f"NOT NULL, generation {integer} NOT NULL, updated_at TEXT)"
        )
        cursor.execute(
            "INSERT INTO projection_positions VALUES ('schedcore', ?, 0, NULL)", (position,)
        )
        if old_coverage:
            cursor.execute("ALTER TABLE view_member_state ADD COLUMN legacy_column TEXT")
    return position


def test_an_existing_store_migrates_on_open_without_a_full_rebuild(app: Scheduler) -> None:
    many_events(app, 8)
    first = ProjectionRunner(app, [*default_models(), CountsApplications()])
    first.catch_up()
    position = make_legacy(first, old_coverage=True)
    runner = ProjectionRunner(app, [*default_models(), CountsApplications()], views=first.database)
    status = {s.name: s for s in runner.status()}
    # every model whose tables still have the declared shape is adopted at the old position
    assert {n for n, s in status.items() if s.state == "current"} == {
        "programmes",
        "roster",
        "calendar",
        "bridge",
        "audit",
        "applied",
    }
    assert {s.position for n, s in status.items() if n != "coverage"} == {position}
    assert runner.pending() == ["coverage"]
    record_course(app, "new")
    runner.catch_up()
    # adopted models were caught up, not rebuilt: each event applied exactly once
    counted = applications(runner.database)
    assert len(counted) == app.max_notification_id() and set(counted.values()) == {1}
    assert {s.name: s.state for s in runner.status()}["coverage"] == "current"
    assert "legacy_column" not in (table_columns(runner.database, "view_member_state") or [])
    assert agrees_with_the_log(runner)


def test_the_views_of_an_earlier_release_keep_their_parked_events(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    runner.catch_up()
    make_legacy(runner, old_coverage=False)
    with runner.database.transaction() as cursor:
        cursor.execute(
            "CREATE TABLE projection_dead_letters (name TEXT NOT NULL, generation INTEGER "
            "NOT NULL, notification_id INTEGER NOT NULL, topic TEXT NOT NULL, error TEXT NOT "
            "NULL, parked_at TEXT NOT NULL, PRIMARY KEY (name, generation, notification_id))"
        )
        cursor.execute(
            "INSERT INTO projection_dead_letters VALUES ('schedcore', 0, 2, 't', 'e', ?)",
            ("2022-09-01T00:00:00+00:00",),
        )
    again = ProjectionRunner(app, views=runner.database)
    parked = again.dead_letters()
    assert {d.model for d in parked} == {m.name for m in default_models()}
    assert {d.notification_id for d in parked} == {2}


# -- the daemon ----------------------------------------------------------------------------------


def test_a_postgres_daemon_wakes_on_the_notification_of_a_write(
    postgres_app: Scheduler,
) -> None:
    app = postgres_app  # notifications are PostgreSQL's: no SQLite variant
    # polling would take a minute: only the notification can wake it in time
    runner = ProjectionRunner(app, poll_interval=60, fallback_interval=60)
    runner.catch_up()
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        time.sleep(0.5)  # listening
        record_course(app, "An")
        deadline = time.monotonic() + 10
        while runner.lag().lag and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.lag().lag == 0
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


FIXTURE = Path(__file__).parent.parent / "fixtures" / "views_before_checkpoints.sqlite"


def test_views_written_by_the_release_before_checkpoints_migrate_on_open(tmp_path: Path) -> None:
    store = tmp_path / "events.sqlite"
    shutil.copyfile(FIXTURE, store)
    app = Scheduler.open(f"sqlite:///{store}", programme=small_spec().name)
    with sqlite3.connect(store) as connection:  # a row no rebuild would keep
        connection.execute(
            "INSERT INTO view_audit (position, programme, recorded_at, actor, event, "
            "aggregate, version, summary) VALUES (999999, 1, '2022-09-01T00:00:00+00:00', "
            "'sentinel', 'X', 'x', 1, 'kept')"
        )
    runner = ProjectionRunner(app)
    status = {s.name: s for s in runner.status()}
    assert {n: (s.state, s.position, s.generation) for n, s in status.items()} == {
        **{n: ("current", 27, 0) for n in ("roster", "calendar", "bridge", "audit")},
        # their tables changed shape since: not adopted, built alone (the catalogue gained
        # its aggregates table; the others meanwhile read each aggregate's creation again)
        "coverage": ("new", 0, 0),
        "programmes": ("new", 0, 0),
    }
    record_course(app, "An")
    runner.catch_up()
    assert runner.pending() == []
    assert {s.position for s in runner.status()} == {app.max_notification_id()}
    kept = runner.database.query("SELECT summary FROM view_audit WHERE position = 999999")
    assert kept == [("kept",)]
    with runner.database.transaction() as cursor:
        cursor.execute("DELETE FROM view_audit WHERE position = 999999")
    assert agrees_with_the_log(runner)
    runner.close()
    app.close()


# -- models added or changed at any point, in any batches ----------------------------------------


class CoverageV3(CoverageModel):
    version = CoverageModel.version + 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    commands=projection_commands,
    change_at=st.integers(0, 30),
    batch_size=st.integers(1, 9),
    rebuild_batch_size=st.integers(1, 9),
)
def test_a_model_added_and_one_changed_at_any_point_end_exactly_as_a_plain_fold(
    commands: list[tuple[Any, ...]], change_at: int, batch_size: int, rebuild_batch_size: int
) -> None:
    with sqlite_file() as url:
        app = open_small(url)
        runner = ProjectionRunner(app, batch_size=batch_size)
        try:
            for number, command in enumerate(commands):
                if number == change_at:
                    # a new release: coverage's fold changed and a model was added
                    runner.close()
                    models = [CoverageV3() if m.name == "coverage" else m for m in default_models()]
                    runner = ProjectionRunner(
                        app,
                        [*models, CountsApplications()],
                        batch_size=batch_size,
                        rebuild_batch_size=rebuild_batch_size,
                        page_size=2,
                    )
                if command[0] == "catch_up":
                    runner.catch_up(until=max(0, runner.head() - command[1]))
                else:
                    run(app, command)
            runner.catch_up()
            assert snapshot(runner.views()) == reference_snapshot(app, small_spec().name)
            if change_at < len(commands):
                assert runner.pending() == []
                counted = applications(runner.database)
                assert len(counted) == app.max_notification_id()
                assert set(counted.values()) == {1}
        finally:
            runner.close()
            app.close()


def test_a_daemon_whose_notification_connection_is_lost_goes_on_polling(
    postgres_app: Scheduler,
) -> None:
    app = postgres_app  # notifications are PostgreSQL's: no SQLite variant
    from schedcore.projections._wakeup import wakeup_for

    wakeup = wakeup_for(app)
    assert wakeup is not None
    stop = threading.Event()
    wakeup._connection.close()  # type: ignore[attr-defined]  # the server went away
    started = time.monotonic()
    assert wakeup.wait(0.2, stop) is False  # no error: it waits out the interval
    assert time.monotonic() - started >= 0.15
    wakeup.close()
