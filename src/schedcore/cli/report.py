"""``schedcore report``: where the programme stands, from the read models.

Catches the views up with the store first, so the report reflects every event recorded.
Every option that looks back means "as recorded by": ``--on DAY`` shows the plan and coverage
as they stood at the end of that programme day (in the programme's time zone), statuses judged
on that day; ``--as-of`` (an ISO 8601 moment with its time zone, e.g.
``2022-09-20T18:00+07:00``) and ``--position`` (a log position) show what the store held at
that moment or position.  None of them means "the sessions planned for that day".
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    calendar_date,
    whole_number,
    write_json,
)
from schedcore.cli._views import add_views_options, open_runner
from schedcore.errors import InvalidInputError

__all__ = ["parse_moment", "register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="report coverage, clusters and sessions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_store_option(parser)
    add_json_option(parser)
    add_views_options(parser)
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--on",
        type=calendar_date,
        metavar="YYYY-MM-DD",
        help="the plan and coverage on this programme day: as recorded by the end of that day "
        "in the programme's time zone, statuses judged on that day",
    )
    when.add_argument(
        "--as-of",
        metavar="TIMESTAMP",
        help="as recorded by this moment (ISO 8601 with time zone, e.g. 2022-09-20T18:00+07:00); "
        "for a whole day use --on",
    )
    when.add_argument(
        "--position",
        type=whole_number(0),
        metavar="N",
        help="as recorded up to this log position",
    )
    parser.set_defaults(func=run)


def check_moment(text: str) -> None:
    """What can be said of ``--as-of`` before the store is opened: ISO 8601, and not a bare
    day (that is ``--on``)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"--as-of {text} is not an ISO 8601 moment (e.g. 2022-09-20T18:00Z, or with the "
            "programme's UTC offset)"
        ) from None
    if moment.tzinfo is None and moment.time() == datetime.min.time() and "T" not in text.upper():
        day = moment.date().isoformat()
        raise InvalidInputError(
            f"--as-of {text} is a day, not a moment: use --on {day} (the plan and coverage as "
            "recorded by the end of that day in the programme's time zone), or a moment with "
            f"its UTC offset such as {day}T18:00Z"
        )


def parse_moment(text: str, time_zone: str) -> datetime:
    """An aware moment from ISO 8601.  A bare day is pointed to ``--on``; a moment without a
    time zone is refused, with the moment it probably meant (in the programme's time zone) as
    the suggestion."""
    from schedcore.projections.zone import offset_text, programme_zone

    check_moment(text)
    zone = programme_zone(time_zone)
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        offset = offset_text(moment.date(), zone, moment.time())
        example = moment.isoformat(timespec="minutes" if not moment.second else "seconds")
        raise InvalidInputError(
            f"--as-of {text} has no time zone: write e.g. {example}{offset} "
            f"({zone} time; as recorded by then)"
        )
    return moment


def run(args: argparse.Namespace) -> int:
    from schedcore.projections import views_as_of
    from schedcore.projections.time_travel import views_on

    day: date | None = args.on
    if args.as_of:
        check_moment(args.as_of)  # before the store is opened
    with open_runner(args) as (app, runner):
        moment = parse_moment(args.as_of, app.programme().time_zone) if args.as_of else None
        if day is not None:
            runner.catch_up()
            views = views_on(
                app, day, facts=runner.views().facts, views=runner.database, runner=runner.name
            )
            basis = "day"
        elif moment is not None or args.position is not None:
            views = views_as_of(
                app,
                position=args.position,
                moment=moment,
                views=runner.database,
                runner=runner.name,
            )
            basis = "moment" if moment is not None else "position"
        else:
            runner.catch_up()
            views = runner.views()
            basis = "now"
        report = views.report(on=day)
    report = {**report, "recorded_by": basis}
    if args.json != "-":
        print_text(report)
    write_json(args.json, report)
    return 0


def print_text(report: dict[str, Any], out: Any = None) -> None:
    """The report as plain-text tables (standard output by default)."""
    from schedcore.cli._report_text import print_report

    print_report(report, out or sys.stdout)
