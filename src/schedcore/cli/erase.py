"""``schedcore erase``: erase a member's identity, keeping every fact and count about it.

The member's identifier is deleted from the store's identity vault and scrubbed from the
store's files; the events, views and counts keep the member's pseudonym, which nothing links
to the person any more.  ``Attendance.MemberErased`` records who erased it (never the
identifier).  A member named by its identifier in events written before erasure support
cannot be erased (the log is immutable): the command says so and changes nothing.  Backups
taken before still hold the identity.  When another connection keeps a copy of the deleted
row alive (a reader of a SQLite store, an older PostgreSQL transaction) past the store's lock
timeout, the command fails with exit code 4: run it again once that reader is done, it
finishes the scrub and records nothing more.  The programme is the store's only one, or the one
``--programme`` (or ``--programme-file``) names.
"""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    check_writable,
    human_output,
    require_programme_store,
    write_json,
)
from schedcore.cli._programme import add_programme_option, programme_ref

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "erase", help="erase a member's identity (counts stay)", description=__doc__
    )
    add_store_option(parser)
    parser.add_argument(
        "--member",
        required=True,
        metavar="ID",
        help="the member's identifier, as it was recorded (the member column of record)",
    )
    add_programme_option(parser)
    parser.add_argument(
        "--actor",
        default=None,
        help=(
            "who erases, e.g. 'planner:an' (default: $SCHEDCORE_ACTOR or cli:<user name>, an "
            "operator; see docs/how-to/roles.md)"
        ),
    )
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.application import Scheduler
    from schedcore.cli._common import default_actor
    from schedcore.errors import InvalidInputError
    from schedcore.security import Actor

    check_writable("--json", args.json)
    if not args.member.strip():
        raise InvalidInputError("--member must be a member's identifier, not blank")
    actor = Actor.parse(args.actor or default_actor())
    require_programme_store(args.store)  # a store with no programme: create no file for it
    app = Scheduler.open(args.store, programme=programme_ref(args))
    try:
        erased = app.erase_member(args.member, actor=actor)
    finally:
        app.close()
    if erased.already_erased:
        print(
            f"member {args.member!r} is not in the identity vault: its identity is erased "
            "already (or it was never recorded); nothing was recorded, and the store's files "
            "were scrubbed of every erased identity",
            file=human_output(args),
        )
    else:
        where = ", ".join(erased.provinces) or "no province (never written to the log)"
        print(
            f"erased the identity of member {erased.pseudonym} ({where}); its facts and "
            "counts stay under that pseudonym",
            file=human_output(args),
        )
    write_json(
        args.json,
        {
            "actor": str(actor),
            "pseudonym": erased.pseudonym,
            "provinces": list(erased.provinces),
            "events": erased.events,
            "already_erased": erased.already_erased,
        },
    )
    return 0
