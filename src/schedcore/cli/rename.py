"""``schedcore rename``: give a programme in the store a new name.

The programme keeps its id, and with it every cluster, session, attendance record and view row;
only its name changes (``Programme.Renamed``, with the reason).  From then on every command,
view, report and export finds it by the new name; the old name is refused with the new one
named.  No other programme may hold the new name.
"""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import (
    add_actor_options,
    add_json_option,
    add_store_option,
    default_actor,
    human_output,
    require_programme_store,
    write_json,
)
from schedcore.cli._programme import add_programme_option, programme_ref

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rename", help="give a programme in the store a new name", description=__doc__
    )
    add_store_option(parser)
    add_programme_option(parser)
    parser.add_argument("--to", required=True, metavar="NAME", help="the programme's new name")
    parser.add_argument("--reason", required=True, help="why it is renamed (recorded)")
    add_actor_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.application import Scheduler
    from schedcore.security import Actor

    actor = Actor.parse(args.actor or default_actor())
    require_programme_store(args.store)  # a store with no programme: create no file for it
    app = Scheduler.open(args.store, programme=programme_ref(args))
    try:
        previous = app.programme().name
        result = app.rename_programme(
            args.to,
            reason=args.reason,
            actor=actor,
            idempotency_key=args.idempotency_key,
        )
        now = app.programme().name
    finally:
        app.close()
    out = human_output(args)
    if result.events:
        print(f"renamed programme {previous!r} to {now!r} ({result.events} events)", file=out)
    else:
        print(f"programme {now!r} already has that name: nothing recorded", file=out)
    write_json(
        args.json,
        {
            "previous": previous,
            "name": now,
            "actor": str(actor),
            "events": result.events,
            "replayed": result.replayed,
        },
    )
    return 0
