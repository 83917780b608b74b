"""``schedcore report``: where the programme stands, from the read models.

Catches the views up with the store first, so the report reflects every event recorded.
``--as-of`` (an ISO 8601 moment with its time zone, e.g. ``2022-09-20T18:00+07:00``) or
``--position`` (a log position) shows the programme as it had been recorded by then: what the
store held at that moment, not the sessions planned for that day.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from schedcore.cli._common import add_json_option, add_store_option, whole_number, write_json
from schedcore.cli._views import add_views_options, open_runner
from schedcore.errors import InvalidInputError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report", help="report coverage, clusters and sessions", description=__doc__
    )
    add_store_option(parser)
    add_json_option(parser)
    add_views_options(parser)
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of",
        metavar="TIMESTAMP",
        help="as recorded by this moment (ISO 8601 with time zone, e.g. 2022-09-20T18:00+07:00)",
    )
    when.add_argument(
        "--position",
        type=whole_number(0),
        metavar="N",
        help="as recorded up to this log position",
    )
    parser.set_defaults(func=run)


def parse_moment(text: str) -> datetime:
    """An aware moment from ISO 8601; a moment without time zone is refused, with the moment
    it probably meant (in the programme's time zone, +07:00) as the suggestion."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"--as-of {text} is not an ISO 8601 moment (e.g. 2022-09-20T18:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        example = moment.isoformat(timespec="minutes" if not moment.second else "seconds")
        if moment.time() == datetime.min.time() and "T" not in text.upper():
            example = f"{text.strip()}T23:59"  # a day: as recorded by the end of it
        raise InvalidInputError(
            f"--as-of {text} has no time zone: write e.g. {example}+07:00 (as recorded by then)"
        )
    return moment


def run(args: argparse.Namespace) -> int:
    from schedcore.projections import views_as_of

    moment = parse_moment(args.as_of) if args.as_of else None
    with open_runner(args) as (app, runner):
        if moment is not None or args.position is not None:
            views = views_as_of(app, position=args.position, moment=moment)
        else:
            runner.catch_up()
            views = runner.views()
        report = views.report()
    if args.json != "-":
        print_text(report)
    write_json(args.json, report)
    return 0


def _pct(value: int, population: int | None) -> str:
    return f"{value / population:6.1%}" if population else "     -"


def print_text(report: dict[str, Any], out: Any = None) -> None:
    """The report as plain-text tables."""
    out = out or sys.stdout

    def line(text: str = "") -> None:
        print(text, file=out)

    when = f"as of {report['as_of']}" if report["as_of"] else f"on {report['today']}"
    line(f"{report['programme']} -- {when}, log position {report['position']}")
    line()
    line("Clusters")
    line(f"  {'id':>3}  {'host':<5} {'date':<10}  {'status':<11} {'trainers':<14} members")
    for cluster in report["clusters"]:
        line(
            f"  {cluster['id']:>3}  {cluster['host'] or '-':<5} {cluster['date'] or '-':<10}  "
            f"{cluster['status']:<11} {cluster['trainer_team'] or '-':<14} "
            f"{' '.join(cluster['members'])}"
        )
    line()
    line("Provinces (share of expected; status of teams trained, course, channel)")
    line(
        f"  {'code':<4} {'province':<22} {'teams':>13} {'hall':>7} {'bridge':>7} "
        f"{'course':>7} {'channel':>7}  status"
    )
    rows = [*report["provinces"].items(), ("", {**report["totals"], "name": "TOTAL"})]
    for code, row in rows:
        status = row["status"]
        line(
            f"  {code:<4} {row['name'][:22]:<22} "
            f"{row['teams_trained']:>6} {_pct(row['teams_trained'], row['teams_expected'])} "
            f"{row['members_hall']:>7} {row['members_bridge']:>7} "
            f"{_pct(row['members_course'], row['members_expected'])} "
            f"{_pct(row['members_channel'], row['members_expected'])}  "
            f"{status['teams_trained']}/{status['members_course']}/{status['members_channel']}"
        )
    bridge = report["bridge"]
    line()
    line(
        f"Bridge: {bridge['connected']:,} of {bridge['expected']:,} communes connected "
        f"({bridge['share']:.1%})"
    )
    for session in bridge["sessions"]:
        line(
            f"  cluster {session['cluster']:>3}: {session['connected']:>6,} of "
            f"{session['expected']:>6,} ({session['share']:.1%})"
        )
