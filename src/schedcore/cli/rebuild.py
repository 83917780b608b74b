"""``schedcore rebuild``: rebuild every read model from the first event.

The fresh tables are filled beside the old ones and swapped in when they have caught up:
readers and writers carry on meanwhile.  Shows a progress bar (with the ``cli`` extra).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from schedcore.cli._common import add_store_option
from schedcore.cli._views import add_views_options, open_runner

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rebuild", help="rebuild the read models from zero", description=__doc__
    )
    add_store_option(parser)
    add_views_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_runner(args) as (_, runner):
        done = runner.rebuild() if args.quiet else _with_progress(runner)
    print(
        f"rebuilt {len(runner.models)} read models from {done.events:,} events "
        f"in {done.seconds:.2f} s; views at position {done.position}"
        + (f", {done.parked} events parked" if done.parked else "")
    )
    return 0


def _with_progress(runner: Any) -> Any:
    try:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    except ImportError:  # pragma: no cover - without the cli extra: plain lines
        return runner.rebuild(lambda position, head: print(f"  {position}/{head}", file=sys.stderr))
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("rebuilding", total=max(1, runner.head()))

        def show(position: int, head: int) -> None:
            progress.update(task, completed=position, total=max(1, head))

        return runner.rebuild(show)
