"""Progress bars on long work: solving, bulk recording, rebuilding the read models.

A bar is drawn with ``rich`` (the ``cli`` extra) on standard error, and only when standard
error is a terminal, the command's output is not JSON on standard output (``--json -``) and
``--quiet`` was not given: a pipe or a log file never receives a bar.  Without ``rich`` the
work runs without a bar.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schedcore.planning.solve import ProgressCallback, SolveProgress

__all__ = [
    "CountCallback",
    "add_quiet_option",
    "bars_wanted",
    "count_progress",
    "solve_progress",
    "stderr_is_terminal",
]

#: Called with (done, total) as bulk work advances: rows recorded, events replayed.
CountCallback = Callable[[int, int], None]


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar (bars only show on a terminal)"
    )


def stderr_is_terminal() -> bool:
    """Whether standard error is a terminal (the one place the CLI asks)."""
    return sys.stderr.isatty()


def bars_wanted(args: argparse.Namespace) -> bool:
    """A bar only on a terminal, without ``--quiet`` and not while JSON goes to stdout."""
    if getattr(args, "quiet", False) or getattr(args, "json", None) == "-":
        return False
    return stderr_is_terminal()


def _rich() -> Any | None:
    try:
        import rich.progress
    except ImportError:  # pragma: no cover - without the cli extra: no bars
        return None
    return rich.progress


def _console() -> Any:
    from rich.console import Console

    # bars_wanted() said stderr is a terminal: draw even if rich's own probe disagrees.
    return Console(stderr=True, force_terminal=True)


@contextmanager
def solve_progress(
    args: argparse.Namespace, description: str, *, feasibility: bool = False
) -> Iterator[ProgressCallback | None]:
    """A callback for :func:`~schedcore.planning.solve.solve` showing elapsed time, the best
    objective, the bound and the gap; ``None`` when no bar is wanted.  With ``feasibility``
    (a search without objective, as ``explain`` runs it) the bar says when a plan is found.

    ``--progress`` (``plan``, ``replan``, ``explain``) also prints each improving solution as
    a plain line, on a terminal or not.
    """
    lines = getattr(args, "progress", False)
    out = sys.stderr if getattr(args, "json", None) == "-" else sys.stdout

    def line(progress: SolveProgress) -> None:
        print(
            f"  solution {progress.solutions}: {progress.objective:,} "
            f"(bound {progress.bound:,}, {progress.seconds:.1f} s)",
            file=out,
        )

    rich_progress = _rich() if bars_wanted(args) else None
    if rich_progress is None:
        yield line if lines else None
        return
    with rich_progress.Progress(
        rich_progress.SpinnerColumn(),
        "[progress.description]{task.description}",
        rich_progress.TimeElapsedColumn(),
        "{task.fields[state]}",
        console=_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None, state="searching")

        def show(progress: SolveProgress) -> None:
            gap = (
                (progress.objective - progress.bound) / progress.objective
                if progress.objective
                else 0.0
            )
            state = (
                "a plan exists"
                if feasibility
                else f"best {progress.objective:,}  bound {progress.bound:,}  gap {gap:.2%}"
            )
            bar.update(task, state=state)
            if lines:
                line(progress)

        yield show


@contextmanager
def count_progress(
    args: argparse.Namespace, description: str, total: int
) -> Iterator[CountCallback | None]:
    """A ``(done, total)`` callback drawing a bar of ``total`` items; ``None`` without a bar."""
    rich_progress = _rich() if bars_wanted(args) else None
    if rich_progress is None:
        yield None
        return
    with rich_progress.Progress(
        "[progress.description]{task.description}",
        rich_progress.BarColumn(),
        rich_progress.MofNCompleteColumn(),
        rich_progress.TimeElapsedColumn(),
        console=_console(),
    ) as bar:
        task = bar.add_task(description, total=max(1, total))

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(1, total))

        yield show
