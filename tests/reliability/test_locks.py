"""A locked store: a bounded wait, then a clear ``StoreBusyError`` (exit code 4), never a hang.

Another connection holds the write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``LOCK TABLE``)
while a command tries to write; the command waits for the store URL's ``lock_timeout`` (each of
``eventsourcing``'s 10 attempts, on PostgreSQL), gives up, writes nothing, and succeeds once the
lock is gone.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import StoreBusyError
from tests.conftest import PostgresTarget
from tests.core.conftest import spec_2022, standard_plan


def _planned(url: str) -> tuple[Scheduler, str]:
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner")
    return app, spec.name


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[Path, str, Scheduler]]:
    path = tmp_path / "events.sqlite"
    app, _ = _planned(f"sqlite:///{path}?lock_timeout=1")
    yield path, f"sqlite:///{path}?lock_timeout=1", app
    app.close()


def _hold_sqlite_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_sqlite_write_behind_a_held_lock_gives_up_after_its_timeout_and_writes_nothing(
    sqlite_store: tuple[Path, str, Scheduler],
) -> None:
    path, _, app = sqlite_store
    before = app.max_notification_id()
    holder = _hold_sqlite_lock(path)
    started = time.monotonic()
    with pytest.raises(StoreBusyError, match="locked by another writer"):
        app.set_host(1, "02", actor="planner", idempotency_key="host-02")
    waited = time.monotonic() - started
    holder.execute("ROLLBACK")
    assert 0.9 <= waited < 5
    assert app.max_notification_id() == before
    app.set_host(1, "02", actor="planner", idempotency_key="host-02")
    assert app.cluster(1).host == "02"


def test_a_bulk_import_behind_a_held_lock_says_which_batch_and_a_rerun_records_it_all(
    sqlite_store: tuple[Path, str, Scheduler],
) -> None:
    path, _, app = sqlite_store
    rows = [
        AttendanceRow(f"m{i}", f"t{i // 5}", "01", "Ba Đình", Activity.COURSE, date(2022, 9, 20))
        for i in range(300)
    ]
    before = app.max_notification_id()
    holder = _hold_sqlite_lock(path)
    # new members: their pseudonyms are kept in the identity vault first, before batch 1
    with pytest.raises(StoreBusyError, match=r"identity vault .* kept the store locked"):
        app.record_attendance(rows, actor="coordinator", batch_size=100)
    holder.execute("ROLLBACK")
    assert app.max_notification_id() == before
    result = app.record_attendance(rows, actor="coordinator", batch_size=100)
    assert (result.recorded, result.already_recorded) == (300, 0)


def test_the_cli_behind_a_held_lock_exits_4_with_one_line(
    sqlite_store: tuple[Path, str, Scheduler],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, url, app = sqlite_store
    name = app.programme().name
    before = app.max_notification_id()
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "member,team,province,commune,activity,date\nAn,T1,01,Ba Đình,course,2022-09-20\n",
        encoding="utf-8",
    )
    holder = _hold_sqlite_lock(path)
    try:
        assert main(["record", "--store", url, "--programme", name, str(rows)]) == 4
    finally:
        holder.execute("ROLLBACK")
    err = capsys.readouterr().err
    assert err.startswith("error: identity vault in ") and err.count("\n") == 1
    assert "kept the store locked" in err
    assert app.max_notification_id() == before


def test_a_writer_killed_while_holding_the_lock_does_not_block_the_next_one(
    sqlite_store: tuple[Path, str, Scheduler],
) -> None:
    path, _, app = sqlite_store
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"INSERT INTO stored_events VALUES (X'00', 1, 'x', X'00')\")\n"
            "print('holding', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    app.set_host(1, "02", actor="planner")
    reopened = Scheduler.open(f"sqlite:///{path}", programme=app.programme().name)
    assert reopened.cluster(1).host == "02"
    topics = {n.topic for n in reopened.recorder.select_notifications(start=None, limit=10_000)}
    assert "x" not in topics  # the killed writer's uncommitted row is gone
    reopened.close()


def test_a_postgresql_write_behind_a_held_table_lock_gives_up_with_store_busy_error(
    postgres: PostgresTarget,
) -> None:
    import psycopg

    app, _ = _planned(f"{postgres.store_url}&lock_timeout=1")
    for number in range(6):  # enough writes on this connection for psycopg to prepare them
        app.assign_trainer_team(2, f"team {number}", actor="planner")
    before = app.max_notification_id()
    with psycopg.connect(postgres.url) as holder:
        holder.execute(f'LOCK TABLE "{postgres.schema}"."schedcore_events" IN EXCLUSIVE MODE')
        started = time.monotonic()
        with pytest.raises(StoreBusyError, match="lock timeout"):
            app.set_host(1, "02", actor="planner", idempotency_key="pg-host-02")
        waited = time.monotonic() - started
        holder.rollback()
    assert waited < 120  # 10 attempts of 1 s each (slower on a loaded machine), never for ever
    assert app.max_notification_id() == before
    # The same connection writes again at once (psycopg's prepared statements once fell out of
    # step with the server here: "prepared statement _pg3_4 does not exist").
    app.set_host(1, "02", actor="planner", idempotency_key="pg-host-02")
    assert app.cluster(1).host == "02"
    app.close()


def test_a_process_keeps_one_postgresql_connection_unless_its_threads_need_more() -> None:
    """eventsourcing's default pool (5 connections at once per process) let 22 writers
    exhaust a server of 100 connections; schedcore keeps 1, and up to 4 more on demand."""
    from schedcore.stores import parse_store_url

    settings = parse_store_url("postgresql://postgres@db/events").settings
    assert (settings["POSTGRES_POOL_SIZE"], settings["POSTGRES_MAX_OVERFLOW"]) == ("1", "4")
    tuned = parse_store_url("postgresql://postgres@db/events?pool_size=3&max_overflow=0")
    assert (tuned.settings["POSTGRES_POOL_SIZE"], tuned.settings["POSTGRES_MAX_OVERFLOW"]) == (
        "3",
        "0",
    )


def test_a_postgresql_store_really_keeps_one_connection_and_prepares_no_statement(
    postgres: PostgresTarget,
) -> None:
    """What the store URL's defaults promise, checked on the server: after a planned
    programme's writes, the process's pool allows 1 + 4 connections, holds at most two (one
    more is opened while ``eventsourcing`` sets the store up: its first request waits for the
    pool's first connection, and a pool grows when a request waits; it is closed after ten
    idle minutes), and its connections prepared nothing."""
    spec = spec_2022()
    app = Scheduler.open(postgres.store_url, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="ministry")
    for n in range(5):
        app.assign_trainer_team(1 + n % 3, f"team-{n}", actor="planner")
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    pool = datastore.pool
    assert (pool.min_size, pool.max_size) == (1, 1 + 4)  # pool_size=1, max_overflow=4
    with datastore.get_connection() as connection:
        assert connection.prepare_threshold is None
        prepared = connection.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
        assert prepared is not None and prepared["count"] == 0
    stats = pool.get_stats()
    assert stats["pool_size"] <= 2, stats
    app.close()
