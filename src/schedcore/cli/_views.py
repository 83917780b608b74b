"""What ``report``, ``rebuild`` and ``history`` share: opening the store and its views."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from schedcore.cli._programme import add_programme_option, programme_ref

__all__ = ["add_views_options", "open_runner"]


def add_views_options(parser: argparse.ArgumentParser) -> None:
    add_programme_option(parser)
    parser.add_argument(
        "--views",
        metavar="URL",
        help="where the read models live (default: beside the events, in the same database)",
    )


@contextmanager
def open_runner(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """(application, projection runner) for the store and views named in ``args``.

    A store without events is refused before it is opened: these commands read, and opening
    would create the store's file or tables, and the views' tables.
    """
    from schedcore.cli._common import require_programme_store

    require_programme_store(args.store)

    from schedcore.application import Scheduler
    from schedcore.projections import ProjectionRunner

    app = Scheduler.open(args.store, programme=programme_ref(args))
    try:
        runner = ProjectionRunner(app, views=args.views)
        try:
            yield app, runner
        finally:
            runner.close()
    finally:
        app.close()
