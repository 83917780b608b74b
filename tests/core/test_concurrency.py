"""Two real processes writing the same aggregate at the same moment.

Each child process loads its aggregates, then waits at a barrier just before its first save,
so both save against the same version: the store lets exactly one win.  Without retries the
other gets ``ConcurrencyError`` (exit code 4 from the CLI); retried with its idempotency key it
succeeds, and retrying the winner doubles nothing.  With the library's retries (the default)
the loser is decided again on the winner's state and both changes are recorded.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schedcore.application import RetryPolicy, Scheduler
from schedcore.cli import main
from schedcore.errors import ConcurrencyError
from tests.core.conftest import planned_programme, store_url_for

CONTEXT = multiprocessing.get_context("fork")
#: The events of a new host and a new trainer team for cluster 1, each sent with a key.
BOTH_CHANGES = [
    "HostChanged",
    "Issued",
    "Issued",
    "Opened",  # trainers-Z's diary ...
    "Released",  # ... trainers-A's day freed ...
    "Reserved",  # ... and taken by trainers-Z
    "TrainerTeamAssigned",
    "VenueChanged",
]


@pytest.fixture(params=["sqlite", "postgres"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """A store two processes can share, holding a planned programme: (url, programme)."""
    url = store_url_for(request.param, tmp_path, request)
    return url, planned_programme(url)


def _in_child(
    url: str,
    programme: str,
    barrier: Any,
    results: Any,
    name: str,
    command: Callable[[Scheduler], object],
    retry: RetryPolicy | None,
) -> None:
    _meet_before_first_save(barrier)
    app = Scheduler.open(url, programme=programme, retry=retry)
    try:
        command(app)
        results.put((name, "ok"))
    except ConcurrencyError:
        results.put((name, "conflict"))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put((name, f"error: {exc!r}"))
    finally:
        app.close()


def _meet_before_first_save(barrier: Any) -> None:
    """Make this process's first save wait for the other's: both then save against the same
    versions.  Later saves (retries) go straight through."""
    original = Scheduler._save
    waited = []

    def save_after_barrier(self: Scheduler, *objs: Any, **kwargs: Any) -> int:
        if not waited:
            waited.append(True)
            barrier.wait(timeout=30)
        return original(self, *objs, **kwargs)

    Scheduler._save = save_after_barrier  # type: ignore[method-assign]


def _race(
    url: str,
    programme: str,
    commands: dict[str, Callable[[Scheduler], object]],
    retry: RetryPolicy | None = None,
) -> dict[str, str]:
    barrier = CONTEXT.Barrier(len(commands))
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(
            target=_in_child, args=(url, programme, barrier, results, name, command, retry)
        )
        for name, command in commands.items()
    ]
    for process in processes:
        process.start()
    outcome = dict(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    return outcome


def _last_id(url: str, programme: str) -> int:
    """Read in a short-lived app: no pool threads of the parent are alive when children fork."""
    app = Scheduler.open(url, programme=programme)
    try:
        return app.max_notification_id()
    finally:
        app.close()


def _set_host(app: Scheduler) -> object:
    return app.set_host(1, "02", actor="planner A", idempotency_key="host-02")


def _assign_trainers(app: Scheduler) -> object:
    return app.assign_trainer_team(1, "trainers-Z", actor="planner B", idempotency_key="team-Z")


def test_two_processes_updating_one_cluster_without_retries_one_wins_and_one_conflicts(
    shared_store: tuple[str, str],
) -> None:
    url, programme = shared_store
    before = _last_id(url, programme)
    outcome = _race(
        url,
        programme,
        {"host": _set_host, "trainers": _assign_trainers},
        retry=RetryPolicy.never(),
    )
    app = Scheduler.open(url, programme=programme)
    assert sorted(outcome.values()) == ["conflict", "ok"], outcome
    loser = "host" if outcome["host"] == "conflict" else "trainers"
    # The loser retries with its key and succeeds; the winner's retry doubles nothing.
    (_set_host if loser == "host" else _assign_trainers)(app)
    after_retry = app.max_notification_id()
    _set_host(app)
    _assign_trainers(app)
    assert app.max_notification_id() == after_retry
    cluster = app.cluster(1)
    assert (cluster.host, cluster.trainer_team) == ("02", "trainers-Z")
    # No event lost, none doubled: host change, venue change, trainer team, two receipts.
    # (PostgreSQL's ids may have gaps where a refused insert took a number: count rows.)
    stored = app.recorder.select_notifications(start=before + 1, limit=100)
    assert sorted(n.topic.rsplit(".", 1)[-1] for n in stored) == BOTH_CHANGES
    app.close()


def test_two_processes_updating_one_cluster_with_retries_both_changes_are_recorded(
    shared_store: tuple[str, str],
) -> None:
    url, programme = shared_store
    before = _last_id(url, programme)
    outcome = _race(url, programme, {"host": _set_host, "trainers": _assign_trainers})
    assert outcome == {"host": "ok", "trainers": "ok"}
    app = Scheduler.open(url, programme=programme)
    cluster = app.cluster(1)
    assert (cluster.host, cluster.trainer_team) == ("02", "trainers-Z")
    stored = app.recorder.select_notifications(start=before + 1, limit=100)
    assert sorted(n.topic.rsplit(".", 1)[-1] for n in stored) == BOTH_CHANGES
    app.close()


def _cli_child(url: str, programme: str, barrier: Any, results: Any, name: str, path: str) -> None:
    _meet_before_first_save(barrier)
    try:
        code: object = main(["record", "--store", url, "--programme", programme, path])
    except BaseException as exc:  # reported to the parent, which fails the test
        code = repr(exc)
    results.put((name, code))


def test_two_cli_imports_for_one_province_at_once_both_exit_0_and_lose_nothing(
    shared_store: tuple[str, str], tmp_path: Path
) -> None:
    url, programme = shared_store
    files = {}
    for name in ("morning", "evening"):
        lines = [f"{name}-{i},T-{name},01,Ba Dinh,course,2022-09-20" for i in range(50)]
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text("member,team,province,commune,activity,date\n" + "\n".join(lines))
    barrier = CONTEXT.Barrier(2)
    results = CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_cli_child, args=(url, programme, barrier, results, name, str(path)))
        for name, path in files.items()
    ]
    for process in processes:
        process.start()
    codes = dict(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    # The import that lost the race was decided again and retried inside the library.
    assert codes == {"morning": 0, "evening": 0}, codes
    for path in files.values():  # running both again records nothing more
        assert main(["record", "--store", url, "--programme", programme, str(path)]) == 0
    app = Scheduler.open(url, programme=programme)
    assert len(app.attendance("01").course) == 100
    app.close()


def test_two_processes_sending_one_command_with_one_key_at_once_both_get_its_result_once(
    shared_store: tuple[str, str],
) -> None:
    url, programme = shared_store
    before = _last_id(url, programme)
    outcome = _race(url, programme, {"first": _set_host, "duplicate": _set_host})
    app = Scheduler.open(url, programme=programme)
    assert outcome == {"first": "ok", "duplicate": "ok"}
    stored = app.recorder.select_notifications(start=before + 1, limit=100)
    assert sorted(n.topic.rsplit(".", 1)[-1] for n in stored) == [
        "HostChanged",
        "Issued",
        "VenueChanged",
    ]
    app.close()
