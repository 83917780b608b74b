"""kill -9 in the middle of bulk recording: the store opens, nothing is lost, nothing doubles.

A child process records an import of many batches.  At a chosen *kill point* it tells the
parent where it is and waits; the parent sends SIGKILL.  Kill points, in the order a bulk
import meets them, four per batch: checking the batch's rows (nothing written yet), about to
write the batch, the batch's rows inserted but not committed, the batch committed.  After each
kill the parent opens the store again (the restart), checks that exactly the committed batches
are there, runs the same import again with the same idempotency key, and checks that every row
is then recorded exactly once.  A few runs of the real ``schedcore record`` command are also
killed at random moments.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from schedcore.application import Scheduler
from schedcore.domain.attendance import Attendance
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.projections import ProjectionRunner, default_models
from schedcore.projections.tracking import Checkpoints
from schedcore.reference import programme_2022, vietnam_2022
from tests.core.conftest import ATTENDANCE_EVENTS, planned_programme, store_url_for
from tests.projections.conftest import open_small, postgres_schema, small_spec
from tests.projections.models import CountsApplications, applications
from tests.projections.reference import reference_snapshot, snapshot
from tests.reliability.conftest import Sizes

FORK = multiprocessing.get_context("fork")
BATCHES = 13
BATCH_SIZE = 10
POINTS_PER_BATCH = ("checking", "about to write", "inserted, not committed", "committed")
POINTS = BATCHES * len(POINTS_PER_BATCH)
#: The province recorded: the first of cluster 4, whose session is on Thursday 15 Sep.
PROVINCE = vietnam_2022().codes[18]
SESSION_DAY = programme_2022().calendar.working_days()[3]


def import_rows(run: int, count: int = BATCHES * BATCH_SIZE) -> list[AttendanceRow]:
    """The rows of import ``run``: members of their own, three activities."""
    activities = (Activity.COURSE, Activity.CHANNEL, Activity.BRIDGE)
    return [
        AttendanceRow(
            f"run{run}-m{i}",
            f"run{run}-team{i // 5}",
            PROVINCE,
            f"run{run}-commune",
            activities[i % 3],
            SESSION_DAY if activities[i % 3] is Activity.BRIDGE else date(2022, 9, 21),
        )
        for i in range(count)
    ]


def _wrap(owner: Any, name: str, before: Callable[[], None], after: Callable[[], None]) -> None:
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before()
        result = original(*args, **kwargs)
        after()
        return result

    setattr(owner, name, wrapped)


def _child(url: str, programme: str, run: int, kill_at: int, channel: Any) -> None:
    """Record import ``run``; at kill point ``kill_at``, say so and wait to be killed."""
    points = itertools.count()

    def point(label: str) -> None:
        if next(points) == kill_at:
            channel.send(("at", label))
            time.sleep(600)

    def nothing() -> None:
        pass

    app = Scheduler.open(url, programme=programme)
    recorder = type(app.recorder)
    _wrap(Attendance, "record", lambda: point("checking"), nothing)
    _wrap(
        Scheduler,
        "_save",
        lambda: point("about to write"),
        lambda: (channel.send(("committed", None)), point("committed")),
    )
    if hasattr(recorder, "_fetch_ids_after_insert_events"):  # PostgreSQL, inside the transaction
        _wrap(
            recorder,
            "_fetch_ids_after_insert_events",
            nothing,
            lambda: point("inserted, not committed"),
        )
    else:  # SQLite: the INSERTs are done, COMMIT is next
        _wrap(recorder, "_insert_events", nothing, lambda: point("inserted, not committed"))
    app.record_attendance(
        import_rows(run),
        actor=f"province_coordinator[{PROVINCE}]:crash-test",
        idempotency_key=f"import-{run}",
        batch_size=BATCH_SIZE,
    )
    channel.send(("done", None))
    os._exit(0)


def _facts(app: Scheduler, run: int, since: int) -> Counter[tuple[Activity, str]]:
    """How many times each (activity, member) of import ``run`` is recorded after ``since``."""
    found: Counter[tuple[Activity, str]] = Counter()
    prefix = f"run{run}-"
    facts = []
    for notification in app.recorder.select_notifications(start=since + 1, limit=10**7):
        event = app.mapper.to_domain_event(notification)
        activity = ATTENDANCE_EVENTS.get(type(event).__name__)
        if activity is not None:
            facts += [(activity, m) for m in event.members.members]  # type: ignore[attr-defined]
    # the events name members by pseudonyms: the identity vault names them back
    named = app.member_identities({member for _, member in facts})
    for activity, member in facts:
        if named[member].startswith(prefix):
            found[(activity, named[member])] += 1
    return found


def _expected(rows: list[AttendanceRow]) -> Counter[tuple[Activity, str]]:
    return Counter((row.activity, row.member) for row in rows)


def _kill_and_restart(url: str, programme: str, run: int, kill_at: int) -> str:
    """One kill: returns the label of the point the child was killed at."""
    app = Scheduler.open(url, programme=programme)
    since = app.max_notification_id()
    app.close()  # nothing of the parent's store is open across the fork
    receiver, sender = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_child, args=(url, programme, run, kill_at, sender))
    label, commits = _kill_when_told(child, receiver, sender, f"run {run}: kill point {kill_at}")
    committed = len(commits)

    # The restart: the store opens cleanly and holds exactly the committed batches.
    rows = import_rows(run)
    restarted = Scheduler.open(url, programme=programme)
    assert _facts(restarted, run, since) == _expected(rows[: committed * BATCH_SIZE])
    # The same import again, with the same key: every row exactly once, nothing more.
    again = restarted.record_attendance(
        rows,
        actor=f"province_coordinator[{PROVINCE}]:crash-test",
        idempotency_key=f"import-{run}",
        batch_size=BATCH_SIZE,
    )
    assert again.rows == len(rows)
    if committed < BATCHES:
        assert (again.recorded, again.already_recorded) == (
            len(rows) - committed * BATCH_SIZE,
            committed * BATCH_SIZE,
        )
    assert _facts(restarted, run, since) == _expected(rows)
    restarted.close()
    return label


def _integrity(url: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_bulk_import_killed_at_any_point_loses_nothing_and_doubles_nothing_on_rerun(
    kind: str, sizes: Sizes, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url_for(kind, tmp_path, request)
    programme = planned_programme(url)
    kills = sizes.store_kills if kind == "postgres" else sizes.kills - sizes.store_kills
    labels: Counter[str] = Counter()
    for run in range(kills):
        # Spread the kills over every point (on SQLite, one run per point while they last).
        kill_at = run % POINTS if kind == "sqlite" else (run * POINTS // kills) % POINTS
        labels[_kill_and_restart(url, programme, run, kill_at)] += 1
        if kind == "sqlite" and run % 10 == 9:
            _integrity(url)
    if kind == "sqlite":
        _integrity(url)
    assert sum(labels.values()) == kills and "finished" not in labels
    assert set(labels) == set(POINTS_PER_BATCH)
    print(f"\n{kind}: {kills} kills at {dict(labels)}")


@pytest.mark.slow
def test_the_record_command_killed_at_random_moments_loses_and_doubles_nothing(
    sizes: Sizes, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    programme = planned_programme(url)
    rounds = max(3, sizes.kills // 20)
    randomness = random.Random(20220912)
    for run in range(rounds):
        rows = import_rows(10_000 + run, count=2000)
        path = tmp_path / f"import-{run}.csv"
        path.write_text(
            "member,team,province,commune,activity,date\n"
            + "".join(
                f"{r.member},{r.team},{r.province},{r.commune},{r.activity},{r.day}\n" for r in rows
            ),
            encoding="utf-8",
        )
        argv = [sys.executable, "-m", "schedcore", "record", "--store", url]
        argv += ["--programme", programme, "--batch-size", "5", "--idempotency-key", f"cli-{run}"]
        argv += [str(path)]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(randomness.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        _integrity(url)
        app = Scheduler.open(url, programme=programme)
        partial = _facts(app, 10_000 + run, 0)
        assert not partial or max(partial.values()) == 1
        assert set(partial) <= set(_expected(rows))
        app.close()
        finished = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert finished.returncode == 0, finished.stderr
        app = Scheduler.open(url, programme=programme)
        assert _facts(app, 10_000 + run, 0) == _expected(rows)
        app.close()


# -- kill -9 inside projection apply ---------------------------------------------------------

#: Where a runner is killed inside a batch, in the order a batch meets them.
APPLY_POINTS = (
    "decoded, not applied",
    "position written, not committed",
    "applied, not committed",
    "committed",
)
#: Events per batch of the killed runners: small, so that every child meets several batches.
RUNNER_BATCH = 3


def _hook(owner: Any, name: str, after: Callable[[Any], None]) -> None:
    """Call ``after(result)`` when ``owner.name`` returns."""
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(result)
        return result

    setattr(owner, name, wrapped)


def _runner_child(url: str, programme: str, kill_at: int, channel: Any) -> None:
    """Catch the views up in small batches; at kill point ``kill_at``, say so and wait."""
    points = itertools.count()

    def point(label: str) -> None:
        if next(points) == kill_at:
            channel.send(("at", label))
            time.sleep(600)

    def committed(outcome: Any) -> None:
        channel.send(("committed", outcome.position))
        point("committed")

    _hook(ProjectionRunner, "_read", lambda read: point(APPLY_POINTS[0]) if read[0] else None)
    # every model's checkpoint is written first; the catalogue's is the batch's first
    _hook(
        Checkpoints,
        "advance",
        lambda moved: point(APPLY_POINTS[1]) if moved.model == "programmes" else None,
    )
    _hook(ProjectionRunner, "_flush", lambda _: point(APPLY_POINTS[2]))
    _hook(ProjectionRunner, "_batch", committed)
    app = Scheduler.open(url, programme=programme)
    runner = ProjectionRunner(
        app,
        [*default_models(), CountsApplications()],
        batch_size=RUNNER_BATCH,
        page_size=RUNNER_BATCH,
    )
    runner.catch_up()
    channel.send(("done", runner.position().position))
    os._exit(0)


def _write_more(url: str, programme: str, run: int) -> None:
    """A few more events for the runners: attendance imports and a trainer team change."""
    app = Scheduler.open(url, programme=programme)
    for k, province in enumerate(("01", "02", "04", "06")):
        activity = (Activity.COURSE, Activity.CHANNEL)[(run + k) % 2]
        rows = [
            AttendanceRow(
                f"k{run}-{province}-m{i}",
                f"k{run}-t{i // 2}",
                province,
                f"c{i // 2}",
                activity,
                date(2022, 9, 20),
            )
            for i in range(4)
        ]
        app.record_attendance(rows, actor=f"province_coordinator[{province}]:k", batch_size=2)
    app.assign_trainer_team(1 + run % 2, f"trainers-{run}", actor="planner")
    app.close()


def _kill_runner(url: str, programme: str, kill_at: int) -> tuple[str, int]:
    """One runner killed at ``kill_at``: the point's label and the last committed position."""
    receiver, sender = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_runner_child, args=(url, programme, kill_at, sender))
    label, commits = _kill_when_told(child, receiver, sender, f"the runner's point {kill_at}")
    return label, commits[-1] if commits else -1


def _kill_when_told(
    child: Any, receiver: Connection, sender: Connection, point: str
) -> tuple[str, list[Any]]:
    """Start ``child``; SIGKILL it when it says it is at its kill point ("at", label).

    Returns the label ("finished" if it ended first) and the values of its "committed"
    messages before then.
    """
    child.start()
    sender.close()
    label, commits = "finished", []
    while True:
        if not receiver.poll(60):
            child.kill()
            pytest.fail(f"the child neither reached {point} nor ended")
        kind, value = receiver.recv()
        if kind == "committed":
            commits.append(value)
        elif kind == "at":
            label = value
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
            break
        else:
            break
    child.join(timeout=30)
    assert child.exitcode in (-signal.SIGKILL, 0)
    return label, commits


def _applied_exactly_up_to(url: str, programme: str, position: int) -> None:
    """The restart: the views hold events 1..``position``, each applied once."""
    app = Scheduler.open(url, programme=programme)
    with ProjectionRunner(app, [*default_models(), CountsApplications()]) as runner:
        assert runner.position().position == position
        counted = applications(runner.database)
        assert sorted(counted) == list(range(1, position + 1))
        assert set(counted.values()) <= {1}
    app.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_runner_killed_at_any_point_of_a_batch_resumes_losing_and_doubling_nothing(
    kind: str, sizes: Sizes, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with ExitStack() as stack:
        if kind == "postgres":
            url = stack.enter_context(postgres_schema(request.getfixturevalue("postgres")))
        else:
            url = f"sqlite:///{tmp_path / 'events.sqlite'}"
        open_small(url).close()
        programme = small_spec().name
        _write_more(url, programme, 0)
        labels: Counter[str] = Counter()
        distinct = set()
        position = 0
        for run in range(sizes.projection_kills):
            # each of the four points of the child's first two batches in turn
            kill_at = run % (2 * len(APPLY_POINTS))
            label, committed = _kill_runner(url, programme, kill_at)
            labels[label] += 1
            distinct.add((kill_at, position))
            if committed >= 0:
                position = committed
            _applied_exactly_up_to(url, programme, position)
            _write_more(url, programme, run + 1)
            if kind == "sqlite" and run % 8 == 7:
                _integrity(url)
        assert "finished" not in labels and set(labels) == set(APPLY_POINTS), labels
        assert sum(labels.values()) == sizes.projection_kills == len(distinct)

        # A runner that is not killed finishes the job: views == rebuild == a fold by hand.
        label, _ = _kill_runner(url, programme, 10**9)
        assert label == "finished"
        app = Scheduler.open(url, programme=programme)
        with ProjectionRunner(app, [*default_models(), CountsApplications()]) as runner:
            head = app.max_notification_id()
            assert runner.position().position == head
            counted = applications(runner.database)
            assert sorted(counted) == list(range(1, head + 1)) and set(counted.values()) == {1}
            views = snapshot(runner.views())
            assert views == reference_snapshot(app, programme)
            runner.rebuild()
            assert snapshot(runner.views()) == views
        app.close()
        if kind == "sqlite":
            _integrity(url)
    print(f"\n{kind}: {sizes.projection_kills} runner kills at {dict(labels)}; {head} events")
