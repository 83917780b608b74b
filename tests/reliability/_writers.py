"""What each concurrent writer process does (run in freshly spawned processes).

Every command carries an idempotency key and is retried with the same key after a
``ConcurrencyError``, as a service would; anything else ends the worker with a report the test
turns into a failure.  Each worker reports what it sent and how many conflicts it was told of.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import ConcurrencyError
from schedcore.security import Actor

MAX_ATTEMPTS = 200

#: The planners' commands, by planner index (two planners per kind, so they collide).
PLANNER_KINDS = ("trainers", "capacity", "reschedule", "trainers")
#: Clusters the planners change (their sessions' days change too, so coordinators record
#: attendance in provinces of other clusters, on their sessions' days).
PLANNED_CLUSTERS = (1, 2, 3)
#: The two days each planned cluster's reschedules alternate between: days no other session
#: uses, so that a trainer team is never sent to two sessions on one day (clusters 1 and 3
#: share trainers-A in the standard plan; 14 Sep is cluster 3's own day).
SPARE_DAYS = {
    1: (date(2022, 9, 26), date(2022, 9, 27)),
    2: (date(2022, 9, 28), date(2022, 9, 29)),
    3: (date(2022, 9, 30), date(2022, 9, 14)),
}


def _retrying(command: Callable[[], object], report: dict[str, Any]) -> None:
    for _ in range(MAX_ATTEMPTS):
        try:
            command()
        except ConcurrencyError as exc:
            report["conflicts"] += 1
            report["told"].add(type(exc).__name__)
            time.sleep(random.uniform(0, 0.03))
        else:
            report["accepted"] += 1
            return
    raise RuntimeError(f"gave up after {MAX_ATTEMPTS} conflicts")


def _report(name: str) -> dict[str, Any]:
    return {"worker": name, "accepted": 0, "conflicts": 0, "told": set(), "error": None}


def _finish(report: dict[str, Any], results: Any) -> None:
    report["told"] = sorted(report["told"])
    results.put(report)


def planner(
    url: str, programme: str, index: int, commands: int, barrier: Any, results: Any
) -> None:
    """Planner ``index`` sends ``commands`` commands of its kind to clusters 1-3 in turn."""
    report = _report(f"planner-{index}")
    try:
        app = Scheduler.open(url, programme=programme)
        actor = Actor.planner(f"p{index}")
        kind = PLANNER_KINDS[index % len(PLANNER_KINDS)]
        barrier.wait(timeout=120)
        for number in range(commands):
            cluster = PLANNED_CLUSTERS[number % len(PLANNED_CLUSTERS)]
            key = f"planner-{index}-{number}"
            turn = number // len(PLANNED_CLUSTERS)
            command: Callable[[], object]
            if kind == "trainers":
                command = partial(
                    app.assign_trainer_team,
                    cluster,
                    f"team-p{index}-{number}",
                    actor=actor,
                    idempotency_key=key,
                )
            elif kind == "capacity":
                command = partial(
                    app.change_capacity,
                    cluster,
                    bridge_capacity=100_000 + number,
                    actor=actor,
                    idempotency_key=key,
                )
            else:
                command = partial(
                    app.reschedule_session,
                    cluster,
                    SPARE_DAYS[cluster][turn % 2],
                    actor=actor,
                    idempotency_key=key,
                )
            _retrying(command, report)
        app.close()
    except BaseException:
        report["error"] = traceback.format_exc()
    _finish(report, results)


def coordinator_rows(
    index: int, province: str, session_day: date, call: int, rows: int
) -> list[AttendanceRow]:
    """Rows only coordinator ``index`` sends in call ``call``: members of its own teams."""
    activities = (Activity.COURSE, Activity.CHANNEL, Activity.BRIDGE)
    found = []
    for i in range(rows):
        activity = activities[i % 3]
        day = session_day if activity is Activity.BRIDGE else date(2022, 9, 20 + call % 10)
        found.append(
            AttendanceRow(
                f"w{index}-c{call}-m{i}",
                f"w{index}-team{i // 8}",
                province,
                f"w{index}-commune{i // 40}",
                activity,
                day,
            )
        )
    return found


def coordinator(
    url: str,
    programme: str,
    index: int,
    province: str,
    session_day: date,
    calls: int,
    rows: int,
    barrier: Any,
    results: Any,
) -> None:
    """A province coordinator recording ``calls`` bulk calls of ``rows`` rows each."""
    report = _report(f"coordinator-{index}")
    try:
        app = Scheduler.open(url, programme=programme)
        actor = Actor.province_coordinator(f"w{index}", province=province)
        barrier.wait(timeout=120)
        for call in range(calls):
            batch = coordinator_rows(index, province, session_day, call, rows)
            _retrying(
                partial(
                    app.record_attendance,
                    batch,
                    actor=actor,
                    idempotency_key=f"coordinator-{index}-{call}",
                    batch_size=max(1, rows // 3),
                ),
                report,
            )
        app.close()
    except BaseException:
        report["error"] = traceback.format_exc()
    _finish(report, results)


def cli_importer(
    url: str, programme: str, index: int, path: str, province: str, barrier: Any, results: Any
) -> None:
    """``schedcore record`` of one file, run again with its key while it exits 4."""
    from schedcore.cli import main

    report = _report(f"cli-{index}")
    try:
        argv = [
            "record",
            "--store",
            url,
            "--programme",
            programme,
            "--actor",
            f"province_coordinator[{province}]:cli{index}",
            "--idempotency-key",
            f"cli-{index}",
            "--batch-size",
            "50",
            path,
        ]
        barrier.wait(timeout=120)
        for _ in range(MAX_ATTEMPTS):
            code = main(argv)
            if code == 0:
                report["accepted"] += 1
                break
            if code != 4:
                raise RuntimeError(f"schedcore record exited {code}")
            report["conflicts"] += 1
            report["told"].add("exit code 4")
            time.sleep(random.uniform(0, 0.03))
    except BaseException:
        report["error"] = traceback.format_exc()
    _finish(report, results)


def runner(url: str, programme: str, index: int, barrier: Any, stop: Any, results: Any) -> None:
    """A projection runner catching the views up while the writers write, until ``stop``.

    Every runner keeps the same views (beside the events) with the same tracked position, so
    they race each other as well as the writers; the compare-and-set on the position keeps
    each event applied once (``CountsApplications`` counts).
    """
    from schedcore.projections import ProjectionRunner, default_models
    from tests.projections.models import CountsApplications

    report = _report(f"runner-{index}")
    report.update(catch_ups=0, events=0, positions=[])
    try:
        app = Scheduler.open(url, programme=programme)
        views = ProjectionRunner(app, [*default_models(), CountsApplications()], batch_size=500)
        barrier.wait(timeout=120)
        while not stop.is_set():
            try:
                done = views.catch_up()
            except ConcurrencyError as exc:  # the SQLite file's lock, held by a writer
                report["conflicts"] += 1
                report["told"].add(type(exc).__name__)
                continue
            report["catch_ups"] += 1
            report["events"] += done.events
            report["positions"].append(done.position)
            if done.events == 0:
                stop.wait(random.uniform(0.02, 0.1))
        views.close()
        app.close()
    except BaseException:
        report["error"] = traceback.format_exc()
    _finish(report, results)
