"""``schedcore status``: where each read model stands.

For each read model: its position in the log, its lag behind the head, its version (the
fingerprint of its fold and tables, and the one its tables were built with if that differs),
a build under way in shadow tables, and the events it parked.  It only reads: on a store or
views that were never opened it creates nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import add_json_option, add_store_option, human_output, write_json

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "status", help="show where each read model stands", description=__doc__
    )
    add_store_option(parser)
    parser.add_argument(
        "--views",
        metavar="URL",
        help="where the read models live (default: beside the events, in the same database)",
    )
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.cli._common import require_programme_store

    require_programme_store(args.store)

    from schedcore.application import Scheduler
    from schedcore.projections import default_models
    from schedcore.projections.status import model_status

    views = _existing_views(args.views) if args.views else None
    app = Scheduler.open(args.store)
    try:
        head = int(app.recorder.max_notification_id() or 0)
        database = views if args.views else _views_beside(app)
        try:
            found = model_status(database, "schedcore", default_models(), head)
        finally:
            if database is not None:
                database.close()
    finally:
        app.close()
    out = human_output(args)
    print(f"log head: position {head}", file=out)
    print(
        f"{'model':<12} {'state':<8} {'position':>9} {'lag':>8} {'gen':>4} {'parked':>6}  version",
        file=out,
    )
    for status in found:
        notes = []
        if status.stored_fingerprint not in (None, status.fingerprint):
            notes.append(f"built with {status.stored_fingerprint}")
        if status.building is not None:
            notes.append(f"rebuilding in shadow tables, at {status.building}")
        if status.snapshot is not None:
            notes.append(f"{status.snapshots} snapshots, the latest at {status.snapshot}")
        print(
            f"{status.name:<12} {status.state:<8} {status.position:>9} {status.lag:>8} "
            f"{status.generation:>4} {status.parked:>6}  {status.fingerprint}"
            + (f" ({'; '.join(notes)})" if notes else ""),
            file=out,
        )
    write_json(args.json, {"head": head, "models": [s.as_dict() for s in found]})
    return 0


def _existing_views(url: str) -> Any:
    """The views at ``url`` opened without creating anything (``None``: there are none)."""
    import os

    from schedcore.projections._database import PostgresViews, SqliteViews
    from schedcore.stores import parse_store_url

    location = parse_store_url(url)
    if location.kind == "memory":
        return None
    if location.kind == "sqlite":
        path = location.settings["SQLITE_DBNAME"]
        return SqliteViews(path) if os.path.exists(path) else None
    return PostgresViews(location.settings, location.display)  # a missing schema: no tables


def _views_beside(app: Any) -> Any:
    from schedcore.projections._database import views_for_app

    if (app.env.get("PERSISTENCE_MODULE") or "eventsourcing.popo") == "eventsourcing.popo":
        return None  # an in-memory store's views are private to the runner that made them
    return views_for_app(app)
