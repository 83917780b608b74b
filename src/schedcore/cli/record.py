"""``schedcore record``: record attendance rows from a CSV file into the event store.

Columns ``member,team,province,commune,activity,date``; ``activity`` is ``hall``, ``bridge``,
``course`` or ``channel``; ``province`` (or ``unit``) is a unit's code or its name in any
spelling the programme's units table knows; hall and bridge rows are dated on the session day of
the unit's cluster.  Every row is checked before anything is written.  The programme is the
store's only one, or the one ``--programme`` (or ``--programme-file``) names.
A progress bar counts the rows written, batch by batch (on a terminal; ``--quiet`` hides it).
"""

from __future__ import annotations

import argparse
from typing import Any

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    check_writable,
    default_actor,
    human_output,
    require_programme_store,
    whole_number,
    write_json,
)
from schedcore.cli._programme import add_programme_option, programme_ref
from schedcore.cli._progress import add_quiet_option, count_progress

__all__ = ["register"]


#: ``RetryPolicy().attempts - 1``, spelt out so that ``--help`` does not import the application
#: (tests/test_fast_start.py checks it).
DEFAULT_RETRIES = 7


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "record", help="record attendance rows from a CSV file", description=__doc__
    )
    add_store_option(parser)
    parser.add_argument("file", metavar="FILE.csv", help="the attendance rows")
    add_programme_option(parser)
    parser.add_argument(
        "--actor",
        default=None,
        help=(
            "who records, e.g. 'province_coordinator[02]:an' (default: $SCHEDCORE_ACTOR or "
            "cli:<user name>, an operator; see docs/how-to/roles.md)"
        ),
    )
    parser.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="a key for this import: run again with the same key and nothing is recorded twice",
    )
    parser.add_argument(
        "--batch-size",
        type=whole_number(1),
        default=1000,
        metavar="N",
        help="rows per transaction (default: 1000)",
    )
    parser.add_argument(
        "--retries",
        type=whole_number(0, 100),
        default=DEFAULT_RETRIES,
        metavar="N",
        help=(
            "how often a batch that lost a race with another writer is decided again and "
            f"retried before giving up with exit code 4 (default: {DEFAULT_RETRIES}; "
            "0: never)"
        ),
    )
    add_json_option(parser)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.application import RetryPolicy, Scheduler
    from schedcore.application.attendance import read_attendance_csv
    from schedcore.security import Actor

    check_writable("--json", args.json)

    # The CLI is a local tool (whoever runs it holds the store's credentials), so the actor's
    # text form is taken at its word; a service builds Actor values from its own logins.
    actor = Actor.parse(args.actor or default_actor())

    retry = RetryPolicy(attempts=args.retries + 1)
    require_programme_store(args.store)  # a store with no programme: create no file for it
    app = Scheduler.open(args.store, programme=programme_ref(args), retry=retry)
    try:
        programme = app.programme()
        rows = read_attendance_csv(args.file, programme.unit_table)
        with count_progress(args, "recording rows", len(rows)) as progress:
            result = app.record_attendance(
                rows,
                actor=actor,
                idempotency_key=args.idempotency_key,
                batch_size=args.batch_size,
                source=args.file,
                progress=progress,
            )
    finally:
        app.close()
    print(
        f"recorded {result.recorded} rows ({result.already_recorded} already recorded) "
        f"from {args.file} in {result.batches} batches, {result.events} events",
        file=human_output(args),
    )
    write_json(
        args.json,
        {
            "file": args.file,
            "actor": str(actor),
            "rows": result.rows,
            "recorded": result.recorded,
            "already_recorded": result.already_recorded,
            "batches": result.batches,
            "events": result.events,
            "replayed": result.replayed,
        },
    )
    return 0
