"""A rebuild with coverage split by province across processes gives the tables of a rebuild in
one process."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import InvalidInputError
from schedcore.projections import ProjectionRunner
from schedcore.projections import partitioned as partitioned_module
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.partitioned import partition_of
from tests.projections.commands import run
from tests.projections.conftest import PROVINCES, open_small, sqlite_file
from tests.projections.test_snapshots import DAY_1
from tests.strategies import projection_commands


def view_tables(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    """Every live table of every model, rows sorted."""
    return {
        table.name: sorted(runner.database.query(f"SELECT * FROM view_{table.name}"))
        for model in runner.models
        for table in model.tables
    }


def record_everywhere(app: Scheduler) -> None:
    for province in PROVINCES:
        rows = [
            AttendanceRow(
                f"{province}-m{n}",
                f"{province}-t{n // 2}",
                province,
                f"{province}-c{n // 4}",
                activity,
                DAY_1,
            )
            for n in range(6)
            for activity in (Activity.COURSE, Activity.CHANNEL)
        ]
        app.record_attendance(rows, actor="sync", batch_size=3)
    app.void_records("02", Activity.COURSE, ["02-m1"], reason="duplicate", actor="audit")


def test_the_provinces_are_shared_among_the_workers() -> None:
    assert {partition_of(p, 2) for p in ("01", "02", "04", "06", "08", "10")} == {0, 1}
    assert partition_of("01", 3) == partition_of("01", 3)


def test_a_parallel_rebuild_gives_the_tables_of_a_sequential_one(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_everywhere(app)
    runner = ProjectionRunner(app)
    runner.rebuild()
    sequential = view_tables(runner)
    report = runner.views().report()
    folded_here: set[str] = set()
    province = CoverageModel._province

    def seen(self: CoverageModel, slot: tuple[int, str]) -> Any:
        folded_here.add(slot[1])  # in a worker, this set is the worker's copy
        return province(self, slot)

    monkeypatch.setattr(CoverageModel, "_province", seen)
    done = runner.rebuild(workers=2)
    # this process folded its share of the provinces only; a worker folded the others
    assert folded_here == {p for p in PROVINCES if partition_of(p, 2) == 0}
    assert view_tables(runner) == sequential
    assert runner.views().report() == report
    assert done.position == app.max_notification_id()
    assert {s.generation for s in runner.status()} == {2}
    runner.close()


def test_coverage_alone_rebuilt_in_parallel_swaps_in_at_the_head(app: Scheduler) -> None:
    record_everywhere(app)
    runner = ProjectionRunner(app)
    runner.catch_up()
    before = view_tables(runner)
    runner.rebuild(models=["coverage"], workers=3)
    assert view_tables(runner) == before
    assert {s.name: s.generation for s in runner.status()}["coverage"] == 1
    runner.close()


def test_a_failing_worker_leaves_coverage_to_be_built_here(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_everywhere(app)
    runner = ProjectionRunner(app)
    runner.rebuild()
    sequential = view_tables(runner)

    def broken(*args: Any) -> None:
        raise RuntimeError("the worker died")

    monkeypatch.setattr(partitioned_module, "fold_partition", broken)
    runner.rebuild(workers=2)
    assert view_tables(runner) == sequential
    runner.close()


def test_workers_must_be_a_whole_number_of_at_least_one(app: Scheduler) -> None:
    runner = ProjectionRunner(app)
    for wrong in (0, -1, 1.5, True):
        with pytest.raises(InvalidInputError):
            runner.rebuild(workers=wrong)  # type: ignore[arg-type]
    runner.close()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commands=projection_commands)
def test_on_random_histories_parallel_and_sequential_rebuilds_agree(
    commands: list[tuple[Any, ...]],
) -> None:
    with sqlite_file() as url:
        app = open_small(url)
        runner = ProjectionRunner(app)
        try:
            for command in commands:
                if command[0] != "catch_up":
                    run(app, command)
            runner.rebuild()
            sequential = view_tables(runner)
            runner.rebuild(workers=2)
            assert view_tables(runner) == sequential
        finally:
            runner.close()
            app.close()


def test_workers_open_the_store_without_creating_its_tables(
    app: Scheduler, capfd: pytest.CaptureFixture[str]
) -> None:
    # workers that each created the store's tables raced in PostgreSQL's catalogue ("tuple
    # concurrently updated"): a worker died, and coverage was folded again here
    record_everywhere(app)
    runner = ProjectionRunner(app)
    runner.rebuild()
    sequential = view_tables(runner)
    capfd.readouterr()
    for _ in range(4):
        runner.rebuild(workers=3)
        assert view_tables(runner) == sequential
    assert "Traceback" not in capfd.readouterr().err
    runner.close()
