"""Progress bars: drawn on a terminal while solving and recording, never into a pipe."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schedcore.application import Scheduler
from schedcore.cli import _progress, main
from schedcore.planning.solve import SolveProgress
from tests.cli_programme import Programme

ESCAPE = "\x1b["


@pytest.fixture
def programme(tmp_path: Path) -> Programme:
    return Programme(tmp_path)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard error counts as a terminal (pytest captures it into a pipe otherwise)."""
    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: True)


def test_solving_calls_the_progress_callback_with_improving_solutions(
    programme: Programme, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[SolveProgress] = []
    # The command imports the solver when it runs: spy on the solver's module.
    solver_module = importlib.import_module("schedcore.planning.solve")
    solve = solver_module.solve

    def spying(problem: Any, *, progress: Callable[[SolveProgress], None] | None = None) -> Any:
        assert progress is not None, "the plan command passed no progress callback"

        def both(report: SolveProgress) -> None:
            seen.append(report)
            progress(report)

        return solve(problem, progress=both)

    monkeypatch.setattr(solver_module, "solve", spying)
    assert main(["plan", *programme.problem()]) == 0
    assert seen and all(report.objective >= report.bound for report in seen)


def test_solving_on_a_terminal_shows_the_best_objective_and_gap(
    programme: Programme, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *programme.problem()]) == 0
    err = capsys.readouterr().err
    assert "planning" in err and "best" in err and "gap" in err


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not sys.stderr.isatty()
    assert main(["plan", *programme.problem()]) == 0
    assert capsys.readouterr().err == ""


def test_quiet_turns_the_bar_off_on_a_terminal(
    programme: Programme, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *programme.problem(), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_json_on_stdout_turns_the_bar_off(
    programme: Programme, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *programme.problem(), "--json", "-"]) == 0
    err = capsys.readouterr().err
    assert ESCAPE not in err and "OPTIMAL" in err


def test_explain_on_a_terminal_says_when_a_plan_exists(
    programme: Programme, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", *programme.problem()]) == 0
    captured = capsys.readouterr()
    assert "a plan exists" in captured.err
    assert captured.out == "feasible: nothing to explain\n"


def test_recording_calls_back_after_each_batch(programme: Programme) -> None:
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    from schedcore.application.attendance import read_attendance_csv

    calls: list[tuple[int, ...]] = []
    app = Scheduler.open(programme.store, programme=programme.name)
    try:
        rows = read_attendance_csv(str(programme.rows), app.programme().units)
        app.record_attendance(
            rows, actor="test", batch_size=1, progress=lambda *counts: calls.append(counts)
        )
    finally:
        app.close()
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_recording_on_a_terminal_shows_the_rows_written(
    programme: Programme, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    capsys.readouterr()
    argv = ["record", *programme.in_store(), "--batch-size", "1", str(programme.rows)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "recording rows" in err and "3/3" in err


def test_recording_into_a_pipe_draws_no_bar(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    capsys.readouterr()
    assert main(["record", *programme.in_store(), str(programme.rows)]) == 0
    assert capsys.readouterr().err == ""
