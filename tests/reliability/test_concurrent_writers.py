"""Many real processes writing one store at once: nothing lost, nothing doubled.

Planners (two per kind of command, on the same clusters) change trainer teams, capacities and
session days; pairs of province coordinators record attendance in bulk for the same province;
``schedcore record`` imports a file meanwhile.  Every command carries an idempotency key and is
retried with it after a ``ConcurrencyError``.  Afterwards every accepted command's events are
in the store exactly once, every member's fact once, the final state is what the log says, and
the store is sound.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schedcore.application import Scheduler
from schedcore.domain import Attendance, Session
from schedcore.projections import ProjectionRunner, default_models
from schedcore.reference import programme_2022, vietnam_2022
from tests.core.conftest import spec_2022, standard_plan
from tests.projections.conftest import postgres_schema
from tests.projections.models import CountsApplications, applications
from tests.projections.reference import events_of, reference_snapshot, snapshot
from tests.reliability import _writers
from tests.reliability.conftest import Sizes

SPAWN = multiprocessing.get_context("spawn")
ATTENDANCE_EVENTS = {
    "OnlineCourseCompleted": "course",
    "ChannelFollowed": "channel",
    "AttendedAtBridgePoints": "bridge",
}


def _coordinated_provinces(count: int) -> list[tuple[str, date]]:
    """One province of each cluster from 4 on (clusters 1-3 are re-dated by the planners),
    then the next province of each, with its session's day."""
    codes = vietnam_2022().codes
    days = programme_2022().calendar.working_days()
    found = []
    for offset in range(6):
        for cluster in range(4, 11):
            code = codes[(cluster - 1) * 6 + offset]
            found.append((code, days[cluster - 1]))
    return found[:count]


def _run_writers(
    url: str, programme: str, sizes: Sizes, folder: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Start the writers and the projection runners at once; when every writer is done, stop
    the runners.  Returns the writers' reports and the runners'."""
    provinces = _coordinated_provinces(sizes.coordinator_provinces + sizes.cli_imports)
    barrier = SPAWN.Barrier(sizes.processes)
    results = SPAWN.Queue()
    stop = SPAWN.Event()
    processes = [
        SPAWN.Process(
            target=_writers.planner,
            args=(url, programme, index, sizes.commands, barrier, results),
        )
        for index in range(sizes.planners)
    ]
    for index in range(2 * sizes.coordinator_provinces):
        province, day = provinces[index // 2]
        processes.append(
            SPAWN.Process(
                target=_writers.coordinator,
                args=(
                    *(url, programme, index, province, day),
                    *(sizes.calls, sizes.rows, barrier, results),
                ),
            )
        )
    for index in range(sizes.cli_imports):
        province, _ = provinces[sizes.coordinator_provinces + index]
        path = folder / f"cli-{index}.csv"
        lines = [
            f"cli{index}-m{i},cli{index}-team{i // 8},{province},cli-commune,course,2022-09-21"
            for i in range(sizes.rows)
        ]
        path.write_text("member,team,province,commune,activity,date\n" + "\n".join(lines))
        processes.append(
            SPAWN.Process(
                target=_writers.cli_importer,
                args=(url, programme, index, str(path), province, barrier, results),
            )
        )
    runners = [
        SPAWN.Process(target=_writers.runner, args=(url, programme, index, barrier, stop, results))
        for index in range(sizes.runners)
    ]
    for process in [*processes, *runners]:
        process.start()
    reports = []
    while len(reports) < len(processes):
        report = results.get(timeout=600)
        reports.append(report)
        if report["error"]:
            break
    stop.set()
    missing = len(processes) + len(runners) - len(reports)
    reports += [results.get(timeout=600) for _ in range(missing)]
    for process in [*processes, *runners]:
        process.join(timeout=60)
        if process.is_alive():  # pragma: no cover - a hung writer is the failure we look for
            process.kill()
            pytest.fail(f"writer {process.name} did not finish")
    return (
        [r for r in reports if not r["worker"].startswith("runner")],
        [r for r in reports if r["worker"].startswith("runner")],
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_many_writers_at_once_lose_nothing_and_double_nothing(
    kind: str,
    sizes: Sizes,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    assert sizes.writers >= 8 and sizes.processes >= 8
    with ExitStack() as stack:
        if kind == "postgres":
            url = stack.enter_context(postgres_schema(request.getfixturevalue("postgres")))
        else:
            url = f"sqlite:///{tmp_path / 'events.sqlite'}"
        _writers_and_runners(url, kind, sizes, tmp_path)


def _writers_and_runners(url: str, kind: str, sizes: Sizes, tmp_path: Path) -> None:
    spec = spec_2022()
    setup = Scheduler.open(url, programme=spec.name)
    setup.create_programme(spec, actor="ministry")
    setup.apply_plan(standard_plan(), actor="ministry")
    start = setup.max_notification_id()
    setup.close()  # no connection (or pool thread) of the parent outlives the setup

    reports, runners = _run_writers(url, spec.name, sizes, tmp_path)

    errors = [r["error"] for r in reports + runners if r["error"]]
    assert not errors, errors[0]
    conflicts = sum(r["conflicts"] for r in reports)
    told = {reason for r in reports for reason in r["told"]}
    assert told <= {"ConcurrencyError", "StoreBusyError", "exit code 4"}, told
    expected_commands = (
        sizes.planners * sizes.commands
        + 2 * sizes.coordinator_provinces * sizes.calls
        + sizes.cli_imports
    )
    assert sum(r["accepted"] for r in reports) == expected_commands

    app = Scheduler.open(url, programme=spec.name)
    log = [
        (n, app.mapper.to_domain_event(n))
        for n in app.recorder.select_notifications(start=start + 1, limit=10**7)
    ]
    names = Counter(type(e).__qualname__ for _, e in log)
    by_actor = Counter((type(e).__qualname__, e.actor) for _, e in log)  # type: ignore[attr-defined]

    # Every keyed command left exactly one receipt: none lost, none doubled.
    assert names["Receipt.Issued"] == expected_commands
    # Every planner command is in the log exactly once (each one changes something).
    for index in range(sizes.planners):
        kind_of = _writers.PLANNER_KINDS[index % len(_writers.PLANNER_KINDS)]
        event = {
            "trainers": "Cluster.TrainerTeamAssigned",
            "capacity": "Session.CapacityChanged",
            "reschedule": "Session.Rescheduled",
        }[kind_of]
        assert by_actor[(event, f"planner:p{index}")] == sizes.commands
    # The state is what the log says last, for every cluster the planners changed.
    for cluster in _writers.PLANNED_CLUSTERS:
        last_team = [
            e.trainer_team for _, e in log if _is(e, "Cluster.TrainerTeamAssigned", cluster)
        ]  # type: ignore[attr-defined]
        last_day = [e.day for _, e in log if _is(e, "Session.Rescheduled", cluster)]  # type: ignore[attr-defined]
        assert app.cluster(cluster).trainer_team == last_team[-1]
        assert app.session(cluster).day == last_day[-1]

    # Every member's fact is recorded exactly once, and every row sent is there.
    seen: Counter[tuple[str, str, str]] = Counter()
    # the events name members by pseudonyms: the identity vault names them back
    named = app.member_identities(
        {m for _, e in log if type(e).__name__ in ATTENDANCE_EVENTS for m in e.members.members}  # type: ignore[attr-defined]
    )
    for _, event in log:
        activity = ATTENDANCE_EVENTS.get(type(event).__name__)
        if activity is not None:
            for member in event.members.members:  # type: ignore[attr-defined]
                seen[(event.province, activity, named[member])] += 1  # type: ignore[attr-defined]
    assert seen and max(seen.values()) == 1
    provinces = _coordinated_provinces(sizes.coordinator_provinces + sizes.cli_imports)
    sent = set()
    for index in range(2 * sizes.coordinator_provinces):
        province, day = provinces[index // 2]
        for call in range(sizes.calls):
            for row in _writers.coordinator_rows(index, province, day, call, sizes.rows):
                sent.add((row.province, str(row.activity), row.member))
    for index in range(sizes.cli_imports):
        province, _ = provinces[sizes.coordinator_provinces + index]
        sent |= {(province, "course", f"cli{index}-m{i}") for i in range(sizes.rows)}
    assert set(seen) == sent
    # Replay equals the live aggregates: a fresh reader agrees with the facts in the log.
    for province, _ in provinces:
        book = app.attendance(province)
        assert isinstance(book, Attendance)
        assert len(book.course) == sum(1 for p, a, _ in sent if p == province and a == "course")
    assert all(isinstance(app.session(c), Session) for c in _writers.PLANNED_CLUSTERS)

    # The runners caught up while the writers wrote; one last catch-up, then their views
    # equal a fold of the log by hand and a rebuild, each event applied exactly once.
    applied_meanwhile = sum(r["events"] for r in runners)
    assert all(r["catch_ups"] > 0 for r in runners) and applied_meanwhile > 0, runners
    assert {reason for r in runners for reason in r["told"]} <= {"StoreBusyError"}
    with ProjectionRunner(app, [*default_models(), CountsApplications()]) as views:
        last = views.catch_up()
        counted = applications(views.database)
        # (PostgreSQL's positions have holes where a conflicting insert was rolled back)
        positions = [position for position, _ in events_of(app)]
        assert sorted(counted) == positions and set(counted.values()) == {1}
        caught_up = snapshot(views.views())
        assert caught_up == reference_snapshot(app, spec.name)
        views.rebuild()
        assert snapshot(views.views()) == caught_up
    app.close()
    if kind == "sqlite":
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    print(
        f"\n{kind}: {sizes.writers} writers and {sizes.runners} runners, {expected_commands} "
        f"commands accepted, {conflicts} conflicts told and retried, {len(seen)} facts, "
        f"{len(log)} events; the runners applied {applied_meanwhile} of {len(positions)} "
        f"events while the writers wrote ({sum(r['catch_ups'] for r in runners)} catch-ups, "
        f"{sum(r['conflicts'] for r in runners)} lock waits told), the last catch-up "
        f"{last.events}"
    )


def _is(event: Any, name: str, cluster: int) -> bool:
    return type(event).__qualname__ == name and event.cluster == cluster
