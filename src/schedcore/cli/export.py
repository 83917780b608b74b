"""``schedcore export``: write a plan as JSON, CSV, iCalendar (.ics), pictures (PNG) or a page.

The plan is read from ``--plan PLAN.json`` (what ``schedcore plan --json`` writes) or, without
``--plan``, from the event store (``--store`` or ``$SCHEDCORE_STORE``): the plan in force.  With
``--format png``, ``--out`` is a directory that receives ``cluster_map.png`` and, when the
sessions have dates, ``session_calendar.png``.  ``--out -`` writes JSON, CSV or iCalendar to
standard output.  ``--format html`` writes one self-contained page that opens offline: map,
calendar, rosters and, from a store, coverage against every target.  ``--json PATH`` (or
``-``) describes what was written: the format, the files, the number of clusters and of dated
sessions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    check_writable,
    human_output,
    whole_number,
    write_json,
)
from schedcore.cli._plan_in_store import plan_in_store
from schedcore.errors import InvalidInputError

if TYPE_CHECKING:
    from schedcore.calendar import WorkingCalendar
    from schedcore.exports import ClusterRecord

__all__ = ["FORMATS", "register"]

FORMATS = ("json", "csv", "ics", "png", "html")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write a plan as JSON, CSV, iCalendar, pictures or an HTML page",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--format", metavar="FORMAT", help=f"one of {', '.join(FORMATS)} (required)"
    )
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="file to write ('-' for standard output); a directory for png (required)",
    )
    parser.add_argument(
        "--plan",
        metavar="PLAN.json",
        help="the plan to export, as written by 'schedcore plan --json'",
    )
    parser.add_argument(
        "--units",
        metavar="UNITS.csv",
        help="your own province table (see docs/how-to/own-units.md); default: Vietnam 2022",
    )
    parser.add_argument(
        "--programme",
        metavar="NAME",
        help="programme name; calendar event UIDs derive from it "
        "(default: the built-in 2022 programme's name)",
    )
    parser.add_argument(
        "--sequence",
        type=whole_number(0),
        default=0,
        metavar="N",
        help="iCalendar SEQUENCE: raise it on each re-export of a changed plan (default 0)",
    )
    add_store_option(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.exports import (
        plan_to_csv,
        plan_to_ics,
        plan_to_json,
        read_plan_json,
        unit_directory,
        write_plan_pictures,
    )
    from schedcore.exports._files import write_bytes_atomically
    from schedcore.reference import load_province_table, programme_2022

    if args.format not in FORMATS:
        given = (
            "no --format was given" if args.format is None else f"unknown format {args.format!r}"
        )
        raise InvalidInputError(f"{given}; choose one of {', '.join(FORMATS)}")
    if not args.out:
        raise InvalidInputError("no --out was given: say where to write the export")
    if args.sequence < 0:
        raise InvalidInputError(f"--sequence must be 0 or more, got {args.sequence}")
    if args.out == "-" and args.json == "-":
        raise InvalidInputError("--out - and --json - both want standard output: choose one")
    check_writable("--out", args.out, directory=args.format == "png")
    check_writable("--json", args.json)
    if args.format == "html":
        from schedcore.cli._export_html import html_page

        table = load_province_table(args.units) if args.units else None
        clusters, page = html_page(args, table)
    else:
        clusters = (
            read_plan_json(args.plan) if args.plan else plan_in_store(args.store, args.programme)
        )
        table = load_province_table(args.units) if args.units else None
    units = unit_directory(table)
    programme = args.programme or programme_2022().name

    if args.format == "png":
        pictures = write_plan_pictures(
            clusters, args.out, units=units, calendar=_calendar_for(clusters, table is None)
        )
        out = human_output(args)
        for picture in pictures:
            print(f"wrote {picture}", file=out)
        if len(pictures) == 1:
            print("no cluster has a date: session_calendar.png was not drawn", file=out)
        write_json(args.json, _described(args, clusters, [str(p) for p in pictures]))
        return 0

    if args.format == "html":
        data = page
        summary = f"{len(clusters)} clusters"
    elif args.format == "ics":
        data = plan_to_ics(clusters, programme=programme, units=units, sequence=args.sequence)
        summary = f"{sum(1 for c in clusters if c.date is not None)} sessions"
    elif args.format == "csv":
        data = plan_to_csv(clusters, units=units).encode("utf-8")
        summary = f"{sum(len(c.members) for c in clusters)} rows"
    else:
        data = plan_to_json(clusters, units=units, programme=programme).encode("utf-8")
        summary = f"{len(clusters)} clusters"
    if args.out == "-":
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            binary.write(data)
        sys.stdout.flush()
        written = ["-"]
    else:
        path = write_bytes_atomically(Path(args.out), data)
        print(f"wrote {path} ({summary})", file=human_output(args))
        written = [str(path)]
    write_json(args.json, _described(args, clusters, written))
    return 0


def _described(
    args: argparse.Namespace, clusters: Sequence[ClusterRecord], written: list[str]
) -> dict[str, Any]:
    """The ``--json`` document of an export: what was written, and from how much."""
    return {
        "format": args.format,
        "files": written,
        "clusters": len(clusters),
        "sessions": sum(1 for c in clusters if c.date is not None),
        "source": args.plan or args.store,
    }


def _calendar_for(clusters: Sequence[ClusterRecord], builtin: bool) -> WorkingCalendar | None:
    """The 2022 calendar for a 2022 plan on the built-in units; else days from the plan."""
    from schedcore.reference import calendar_2022

    if not builtin:
        return None
    calendar = calendar_2022()
    dates = [c.date for c in clusters if c.date is not None]
    return calendar if dates and all(calendar.in_window(day) for day in dates) else None
