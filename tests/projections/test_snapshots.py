"""View snapshots: time travel from a snapshot answers exactly as a full replay does."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import SchedcoreError
from schedcore.projections import ProjectionRunner, Views, views_as_of
from schedcore.projections import runner as runner_module
from schedcore.projections._database import SqliteViews
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.snapshots import SNAPSHOTS_TABLE, snapshot_table, snapshots
from schedcore.projections.status import model_status
from tests.conftest import PostgresTarget
from tests.projections.commands import run
from tests.projections.conftest import open_small, postgres_schema, sqlite_file
from tests.projections.reference import events_of, snapshot
from tests.strategies import projection_commands

DAY_1 = date(2022, 9, 12)


def tables_of(views: Views) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table of a time-travel database, rows sorted."""
    database = views.database
    names = [
        r[0]
        for r in database.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'view_%'"
        )
    ]
    return {name: sorted(database.query(f"SELECT * FROM {name}")) for name in sorted(names)}


def replayed(app: Scheduler, **point: Any) -> Views:
    """Time travel by a full replay: snapshots looked for where there are none."""
    return views_as_of(app, views=SqliteViews(":memory:"), **point)


def same_answers(from_snapshot: Views, from_replay: Views) -> None:
    assert from_snapshot.position == from_replay.position
    assert from_snapshot.today == from_replay.today
    assert tables_of(from_snapshot) == tables_of(from_replay)
    assert snapshot(from_snapshot) == snapshot(from_replay)


def answer(app: Scheduler, views: Any, **point: Any) -> tuple[Any, ...]:
    """What time travel answers (or the error it refuses with), comparably."""
    try:
        found = views_as_of(app, views=views, **point)
    except SchedcoreError as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("views", found.position, found.today, tables_of(found), snapshot(found))


def check_time_travel(
    url: str,
    commands: list[tuple[Any, ...]],
    every: int,
    kept: int,
    points: list[float],
) -> None:
    app = open_small(url)
    runner = ProjectionRunner(app, batch_size=3, snapshot_every=every, snapshots_kept=kept)
    try:
        for command in commands:
            if command[0] == "catch_up":
                if command[1] % 2:  # a restarted runner knows nothing of the events it skipped
                    runner.close()
                    runner = ProjectionRunner(
                        app, batch_size=3, snapshot_every=every, snapshots_kept=kept
                    )
                runner.catch_up(until=max(0, runner.head() - command[1]))
            else:
                run(app, command)
        runner.catch_up()
        head = app.max_notification_id()
        taken = snapshots(runner.database, runner.name)
        assert taken, "a log this long has snapshots"
        assert len({s.position for s in taken}) <= kept
        assert max(s.position for s in taken) > head - every - 3
        stamps = [e.timestamp for _, e in events_of(app)]
        for point in points:
            position = round(point * head)
            assert answer(app, runner.database, position=position) == answer(
                app, SqliteViews(":memory:"), position=position
            )
            moment = stamps[min(len(stamps) - 1, round(point * (len(stamps) - 1)))]
            assert answer(app, runner.database, moment=moment) == answer(
                app, SqliteViews(":memory:"), moment=moment
            )
    finally:
        runner.close()
        app.close()


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


HISTORIES = {
    "commands": projection_commands,
    "every": st.integers(1, 12),
    "kept": st.integers(1, 5),
    "points": st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
}


@examples(25)
@given(**HISTORIES)
def test_on_sqlite_time_travel_from_snapshots_equals_a_full_replay(
    commands: list[tuple[Any, ...]], every: int, kept: int, points: list[float]
) -> None:
    with sqlite_file() as url:
        check_time_travel(url, commands, every, kept, points)


@pytest.mark.postgres
@examples(8)
@given(**HISTORIES)
def test_on_postgresql_time_travel_from_snapshots_equals_a_full_replay(
    postgres: PostgresTarget,
    commands: list[tuple[Any, ...]],
    every: int,
    kept: int,
    points: list[float],
) -> None:
    with postgres_schema(postgres) as url:
        check_time_travel(url, commands, every, kept, points)


def record(app: Scheduler, *names: str, activity: Activity = Activity.HALL) -> None:
    app.record_attendance(
        [AttendanceRow(n, f"t-{n}", "01", "Ba Đình", activity, DAY_1) for n in names],
        actor="c",
    )


def test_time_travel_folds_only_the_events_after_the_snapshot(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An", "Bình")
    runner.catch_up()
    position = app.max_notification_id()
    record(app, "Chi")
    read: list[int] = []
    real = runner_module.ProjectionRunner._read

    def spy(self: Any, after: int, *args: Any) -> Any:
        read.append(after)
        return real(self, after, *args)

    monkeypatch.setattr(runner_module.ProjectionRunner, "_read", spy)
    views = views_as_of(app, position=position, views=runner.database)
    assert views.coverage("country")[0].members_hall == 2
    assert read == []  # the snapshot was at that very position: nothing to fold
    later = views_as_of(app, position=app.max_notification_id(), views=runner.database)
    assert later.coverage("country")[0].members_hall == 3
    assert read and min(read) == position
    runner.close()


def test_a_snapshot_of_another_model_version_is_never_used(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An")
    runner.catch_up()
    position = app.max_notification_id()
    # the coverage fold changes: its snapshots no longer describe what it would fold
    monkeypatch.setattr(CoverageModel, "version", CoverageModel.version + 1)
    before = {s.model: s for s in snapshots(runner.database, "schedcore")}
    assert before["coverage"].version != CoverageModel().fingerprint()
    database = runner.database
    # a poisoned old snapshot would show in the answer if it were used
    old = next(t for t in before["coverage"].tables if t.startswith("snap_commune_coverage"))
    with database.transaction() as cursor:
        cursor.execute(f"UPDATE {old} SET members_hall = 99")
    views = views_as_of(app, position=position, views=database)
    assert views.coverage("country")[0].members_hall == 1
    # the runner of the new version rebuilds coverage, then drops the old snapshots
    fresh = ProjectionRunner(app, views=database, snapshot_every=1)
    record(app, "Bình")
    fresh.catch_up()  # coverage is rebuilt in shadow tables and swapped in
    record(app, "Chi")
    fresh.catch_up()  # then every model moves together again, and snapshots are taken
    after = [s for s in snapshots(database, "schedcore") if s.model == "coverage"]
    assert after and all(s.version == CoverageModel().fingerprint() for s in after)
    assert not database.table_exists(old)
    fresh.close()
    runner.close()


def test_snapshots_are_thinned_to_the_number_kept_keeping_the_newest(app: Scheduler) -> None:
    runner = ProjectionRunner(app, snapshot_every=1, snapshots_kept=3)
    for name in ("An", "Bình", "Chi", "Dung", "Em", "Giang"):
        record(app, name, activity=Activity.COURSE)
        runner.catch_up()
    positions = sorted({s.position for s in snapshots(runner.database, "schedcore")})
    assert len(positions) == 3
    assert positions[-1] == app.max_notification_id()
    # spread over the log, not bunched at its end
    assert positions[0] < app.max_notification_id() - 3
    runner.close()


def test_a_snapshot_that_fails_half_way_leaves_nothing_behind(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schedcore.projections import snapshots as snapshots_module

    real = snapshots_module.take_snapshot

    def half(cursor: Any, database: Any, **kwargs: Any) -> list[str]:
        real(cursor, database, **kwargs)  # everything written, then the process "dies"
        raise OSError("disk full")

    monkeypatch.setattr(runner_module, "take_snapshot", half)
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An")
    runner.catch_up()
    # the views moved on (event by event, without snapshots) and no snapshot row is left
    assert runner.views().coverage("country")[0].members_hall == 1
    assert snapshots(runner.database, "schedcore") == []
    for model in runner.models:
        for table in model.tables:
            name = snapshot_table(table, model.fingerprint()).name
            assert not runner.database.table_exists(name)
    runner.close()


def test_a_moment_before_a_snapshot_was_recorded_does_not_use_it(app: Scheduler) -> None:
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An")
    moment = events_of(app)[-1][1].timestamp
    record(app, "Bình")
    runner.catch_up()
    taken = snapshots(runner.database, "schedcore")
    assert taken and all(s.recorded_until and s.recorded_until > moment for s in taken)
    views = views_as_of(app, moment=moment, views=runner.database)
    assert views.coverage("country")[0].members_hall == 1
    same_answers(views, replayed(app, moment=moment))
    assert runner.database.table_exists(SNAPSHOTS_TABLE)
    runner.close()


def test_status_counts_the_snapshots_of_each_model(app: Scheduler) -> None:
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An")
    runner.catch_up()
    first = app.max_notification_id()
    record(app, "Bình")
    runner.catch_up()
    found = {s.name: s for s in model_status(runner.database, "schedcore", runner.models, first)}
    assert {s.snapshots for s in found.values()} == {2}
    assert {s.snapshot for s in found.values()} == {app.max_notification_id()}
    assert found["coverage"].as_dict()["snapshot"] == app.max_notification_id()
    runner.close()


def test_a_rebuild_drops_the_snapshots_of_the_tables_it_replaces(app: Scheduler) -> None:
    # a wrong row in the live tables is copied into snapshots; the rebuild that fixes the live
    # tables must not leave time travel answering from those copies
    runner = ProjectionRunner(app, snapshot_every=1)
    record(app, "An", "Bình")
    runner.catch_up()
    database = runner.database
    with database.transaction() as cursor:
        cursor.execute("UPDATE view_commune_coverage SET members_hall = 99")
    # another province's event: a snapshot of the wrong row is taken, the row left as it is
    app.record_attendance(
        [AttendanceRow("Chi", "t-Chi", "02", "c-02", Activity.HALL, DAY_1)], actor="c"
    )
    runner.catch_up()
    position = app.max_notification_id()

    def hall(views: Views) -> int:
        return int(views.coverage("country")[0].members_hall)

    assert hall(views_as_of(app, position=position, views=database)) > 3  # the copy is served
    runner.rebuild(workers=1)
    assert hall(runner.views()) == 3
    assert not [s for s in snapshots(database, "schedcore") if s.model == "coverage"]
    same_answers(
        views_as_of(app, position=position, views=database), replayed(app, position=position)
    )
    record(app, "Dũng")
    runner.catch_up()  # snapshots are taken again, from the rebuilt tables
    assert [s for s in snapshots(database, "schedcore") if s.model == "coverage"]
    latest = app.max_notification_id()
    same_answers(views_as_of(app, position=latest, views=database), replayed(app, position=latest))
    runner.close()
