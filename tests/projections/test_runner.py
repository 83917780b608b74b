"""The projection runner: catch-up, lag, read-your-writes, exactly once, rebuild, error policy."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import InvalidInputError, ProjectionError
from schedcore.projections import Envelope, ProjectionRunner, ReadModel, default_models
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.tracking import Checkpoint, Checkpoints, Position, PositionConflict
from tests.projections.conftest import small_spec
from tests.projections.models import CountsApplications, applications
from tests.projections.reference import reference_snapshot, snapshot

HALL_DAY = date(2022, 9, 12)


def record_hall(app: Scheduler, *members: str, province: str = "01") -> None:
    app.record_attendance(
        [
            AttendanceRow(m, f"team-{m}", province, "Ba Đình", Activity.HALL, HALL_DAY)
            for m in members
        ],
        actor="coordinator",
    )


def hall_total(runner: ProjectionRunner) -> int:
    return runner.views(today=HALL_DAY).coverage("country")[0].members_hall


def agrees_with_the_log(runner: ProjectionRunner) -> bool:
    return snapshot(runner.views()) == reference_snapshot(runner.app, small_spec().name)


class Spy(ReadModel):
    """A read model that runs ``on_fold`` with each event it is given (and writes nothing)."""

    name = "spy"
    tables = ()

    def __init__(self, on_fold: Any = None) -> None:
        self.on_fold = on_fold or (lambda envelope: None)

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        pass

    def fold(self, events: Sequence[Envelope]) -> None:
        for envelope in events:
            self.on_fold(envelope)

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        pass


# -- catching up -------------------------------------------------------------------------------


def test_a_new_runner_catches_up_to_the_head_of_the_log(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    assert runner.lag().lag == app.max_notification_id()
    done = runner.catch_up()
    assert done.events == app.max_notification_id()
    assert runner.lag().lag == 0
    assert agrees_with_the_log(runner)


def test_catching_up_again_with_nothing_new_applies_nothing(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    runner.catch_up()
    assert runner.catch_up().events == 0


def test_the_lag_counts_the_events_recorded_since_the_last_catch_up(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    runner.catch_up()
    record_hall(app, "An", "Bình")
    lag = runner.lag()
    assert lag.head == app.max_notification_id()
    assert lag.lag == lag.head - lag.position > 0


def test_batches_smaller_than_the_log_still_reach_the_head(app: Scheduler) -> None:
    runner = ProjectionRunner(app, batch_size=3, page_size=2)
    done = runner.catch_up()
    assert done.batches > 1
    assert done.position == app.max_notification_id()
    assert agrees_with_the_log(runner)


def test_catching_up_until_a_position_stops_there(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    assert runner.catch_up(until=5).position == 5


def test_waiting_until_a_command_is_applied_lets_a_caller_read_its_own_write(
    app: Scheduler,
) -> None:
    runner = ProjectionRunner(app)
    record_hall(app, "An")
    assert runner.wait_until(app.max_notification_id(), timeout=5)
    assert hall_total(runner) == 1


def test_waiting_for_a_position_the_log_does_not_reach_gives_up(app: Scheduler) -> None:
    runner = ProjectionRunner(app, poll_interval=0.01)
    assert not runner.wait_until(app.max_notification_id() + 10, timeout=0.05)


def test_a_runner_in_a_thread_follows_new_events(app: Scheduler) -> None:
    runner = ProjectionRunner(app, poll_interval=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        record_hall(app, "An", "Bình")
        watcher = ProjectionRunner(app)
        assert watcher.wait_until(app.max_notification_id(), timeout=10, drive=False)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert hall_total(runner) == 2


def test_the_views_live_beside_the_events_by_default(tmp_path: Path) -> None:
    from tests.projections.conftest import open_small

    path = tmp_path / "events.sqlite"
    app = open_small(f"sqlite:///{path}")
    ProjectionRunner(app).catch_up()
    with sqlite3.connect(path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert {"view_clusters", "view_commune_coverage", "projection_checkpoints"} <= tables


def test_the_views_may_live_in_a_database_of_their_own(app: Scheduler, tmp_path: Path) -> None:
    runner = ProjectionRunner(app, views=f"sqlite:///{tmp_path / 'views.sqlite'}")
    runner.catch_up()
    assert agrees_with_the_log(runner)
    assert (tmp_path / "views.sqlite").exists()


def test_a_batch_size_below_one_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        ProjectionRunner(app, batch_size=0)


def test_an_unknown_error_policy_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        ProjectionRunner(app, on_error="ignore")


# -- exactly once ------------------------------------------------------------------------------


def test_a_checkpoint_is_only_moved_from_the_value_a_batch_started_from(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    runner.catch_up(until=3)
    checkpoints = Checkpoints(runner.name)
    stale = Checkpoint("coverage", "live", CoverageModel().fingerprint(), 1, 0)
    with runner.database.transaction() as cursor, pytest.raises(PositionConflict):
        checkpoints.advance(cursor, stale, 9)
    assert runner.position() == Position(3, 0)


def test_a_runner_that_loses_a_race_applies_nothing_twice(app: Scheduler) -> None:
    record_hall(app, "An", "Bình", "Chi")
    rival = ProjectionRunner(app, [*default_models(), CountsApplications()])
    raced = []

    def race(envelope: Envelope) -> None:
        if not raced:  # while our batch is folded, a rival runner applies the same events
            raced.append(envelope.position)
            rival.catch_up()

    runner = ProjectionRunner(
        app, [*default_models(), CountsApplications(), Spy(race)], views=rival.database
    )
    runner.catch_up()
    assert raced
    assert set(applications(runner.database).values()) == {1}
    assert len(applications(runner.database)) == app.max_notification_id()
    assert agrees_with_the_log(runner)


# -- rebuilding --------------------------------------------------------------------------------


def test_a_rebuild_gives_the_same_views_in_a_new_generation(app: Scheduler) -> None:
    record_hall(app, "An", "Bình")
    runner = ProjectionRunner(app)
    runner.catch_up()
    before = snapshot(runner.views())
    done = runner.rebuild()
    assert done.position == app.max_notification_id()
    assert runner.position().generation == 1
    assert snapshot(runner.views()) == before


def test_writers_keep_writing_while_a_rebuild_runs(app: Scheduler) -> None:
    runner = ProjectionRunner(app, rebuild_batch_size=4, page_size=2)
    runner.catch_up()
    written = []

    def write_midway(position: int, head: int) -> None:
        if not written and position < head:
            record_hall(app, f"late-{position}")
            written.append(position)

    runner.rebuild(write_midway)
    assert written
    assert runner.position().position == app.max_notification_id()
    assert hall_total(runner) == 1
    assert agrees_with_the_log(runner)


def test_a_live_runner_goes_on_from_the_tables_another_runner_rebuilt(app: Scheduler) -> None:
    live = ProjectionRunner(app)
    live.catch_up()
    ProjectionRunner(app, views=live.database).rebuild()
    record_hall(app, "An")
    live.catch_up()
    assert hall_total(live) == 1
    assert agrees_with_the_log(live)


# -- errors ------------------------------------------------------------------------------------


class Fails(Spy):
    name = "fails"

    def __init__(self, position: int) -> None:
        def fail(envelope: Envelope) -> None:
            if envelope.position == position:
                raise ValueError("cannot apply this one")

        super().__init__(fail)


def test_the_stop_policy_names_the_failing_event_and_keeps_what_came_before(
    app: Scheduler,
) -> None:
    record_hall(app, "An")
    bad = app.max_notification_id() - 1
    runner = ProjectionRunner(app, [*default_models(), Fails(bad)])
    with pytest.raises(ProjectionError) as raised:
        runner.catch_up()
    assert raised.value.notification_id == bad
    assert raised.value.topic.startswith("schedcore.domain.")
    assert runner.position().position == bad - 1


def test_the_park_policy_sets_the_failing_event_aside_and_goes_on(app: Scheduler) -> None:
    record_hall(app, "An")
    bad = app.max_notification_id() - 1
    runner = ProjectionRunner(app, [*default_models(), Fails(bad)], on_error="park")
    done = runner.catch_up()
    assert done.parked == 1
    assert runner.position().position == app.max_notification_id()
    assert [d.notification_id for d in runner.dead_letters()] == [bad]


def test_an_event_that_cannot_be_decoded_is_named(app: Scheduler) -> None:
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid.uuid4(),
                originator_version=1,
                topic="schedcore.domain.cluster:Cluster.HostSet",
                state=b"not json",
            )
        ]
    )
    runner = ProjectionRunner(app)
    with pytest.raises(ProjectionError) as raised:
        runner.catch_up()
    assert raised.value.notification_id == app.max_notification_id()
    assert "Cluster.HostSet" in raised.value.topic
    assert runner.position().position == app.max_notification_id() - 1


def test_a_runner_whose_rival_moved_the_views_on_rereads_what_it_held_in_memory(
    app: Scheduler,
) -> None:
    # Two runners keep the same views (two processes of a service, say).  Each holds the
    # member state of the provinces it folded; when the rival applies events in between, that
    # state is stale and writing it back would drop the rival's members.
    def course(*members: str) -> None:
        rows = [
            AttendanceRow(m, f"team-{m}", "01", "Ba Đình", Activity.COURSE, date(2022, 9, 20))
            for m in members
        ]
        app.record_attendance(rows, actor="platform")

    def completed(runner: ProjectionRunner) -> int:
        return runner.views().coverage("country")[0].members_course

    first, rival = ProjectionRunner(app), ProjectionRunner(app)
    try:
        course("m1", "m2")
        first.catch_up()  # holds province 01's members in memory: m1, m2
        course("m3")
        rival.catch_up()  # the views now have m3 too
        course("m4")
        first.catch_up()  # must not write back its own m1, m2 + m4 over the rival's m3
        assert completed(first) == 4
        assert agrees_with_the_log(first)
    finally:
        first.close()
        rival.close()
