"""``schedcore history``: the audit trail -- who did what, when.

Catches the views up first; filter by ``--province`` (a unit's code or name), ``--cluster`` or
``--actor``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from schedcore.cli._common import add_json_option, add_store_option, whole_number, write_json
from schedcore.cli._views import add_views_options, open_runner

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "history", help="show the audit trail", description=__doc__
    )
    add_store_option(parser)
    add_json_option(parser)
    add_views_options(parser)
    parser.add_argument("--province", metavar="CODE", help="events about this unit (code or name)")
    parser.add_argument(
        "--cluster", type=whole_number(1), metavar="ID", help="events about this cluster"
    )
    parser.add_argument("--actor", help="events recorded by this actor")
    parser.add_argument(
        "--limit", type=whole_number(1), metavar="N", help="the last N entries only"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.calendar import time_zone

    with open_runner(args) as (app, runner):
        province = None
        if args.province is not None:
            from schedcore.errors import UnknownProvinceError

            try:
                province = app.programme().unit_table.code_of(args.province)
            except UnknownProvinceError as exc:
                raise UnknownProvinceError(f"--province: {exc}") from None
        runner.catch_up()
        views = runner.views()
        zone = time_zone(views.time_zone)  # moments shown in the programme's time
        entries = views.history(
            province=province, cluster=args.cluster, actor=args.actor, limit=args.limit
        )
    data = [
        {
            "position": e.position,
            "recorded_at": e.recorded_at.astimezone(zone).isoformat(),
            "actor": e.actor,
            "event": e.event,
            "province": e.province,
            "cluster": e.cluster,
            "summary": e.summary,
        }
        for e in entries
    ]
    if args.json == "-":
        write_json(args.json, data)
        return 0
    out = sys.stdout
    for e in entries:
        print(
            f"{e.position:>8}  {e.recorded_at.astimezone(zone).isoformat(timespec='seconds')}  "
            f"{e.actor:<20} "
            f"{e.event:<32} {e.summary}",
            file=out,
        )
    if not entries:
        print("no events match", file=out)
    write_json(args.json, data)
    return 0
