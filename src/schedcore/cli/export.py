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

import attrs

from schedcore.cli._common import (
    add_json_option,
    add_store_option,
    check_writable,
    human_output,
    whole_number,
    write_json,
)
from schedcore.cli._plan_in_store import stored_programme_and_plan
from schedcore.cli._programme import add_programme_option, programme_ref
from schedcore.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import time

    from schedcore.calendar import WorkingCalendar
    from schedcore.domain.programme_spec import ProgrammeSpec
    from schedcore.domain.units import UnitTable
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
        help="the units table that names the plan's units (default: the programme's)",
    )
    add_programme_option(parser)
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


@attrs.frozen
class _Source:
    """What an export needs besides the clusters: the programme's name, the name its calendar
    UIDs derive from (``uid_name``: the name it was created under; ``None``: its name), its
    units (names and places), time zone, session hours, calendar and country."""

    clusters: tuple[ClusterRecord, ...]
    name: str
    units: UnitTable
    uid_name: str | None = None
    time_zone: str | None = None
    hours: tuple[time, time] | None = None
    calendar: WorkingCalendar | None = None
    country: str | None = None


def _source(args: argparse.Namespace) -> _Source:
    """The plan and its programme: ``--plan`` with ``--programme-file`` (or the plan file's
    own units), else the plan in force in ``--store`` with the programme its events recorded."""
    from schedcore.exports import read_plan_json
    from schedcore.programmes.builtin import builtin_programme
    from schedcore.programmes.file import load_programme_file
    from schedcore.programmes.units_csv import load_unit_table

    override = load_unit_table(args.units) if args.units else None
    if args.plan is None:
        stored = stored_programme_and_plan(args.store, programme_ref(args))
        return attrs.evolve(
            _from_spec(stored.spec, stored.clusters, override), uid_name=stored.name_as_created
        )
    clusters = read_plan_json(args.plan)
    if args.programme_file is not None:
        programme = load_programme_file(args.programme_file)
        return _from_spec(programme.spec(), clusters, override)
    document = _plan_document(args.plan)
    planned = _plan_file_units(document, args.plan)
    if override is None and planned is None:
        return _from_spec(builtin_programme().spec(), clusters, None)
    table = override or planned
    assert table is not None
    said = _plan_file_programme(document)
    problem = document.get("problem")
    stated = problem.get("name") if isinstance(problem, dict) else None
    name = args.programme or said.get("name") or stated
    return _Source(
        clusters=clusters,
        name=name if isinstance(name, str) and name.strip() else Path(args.plan).stem,
        units=table,
        time_zone=said.get("time_zone"),
        hours=_hours(said.get("session_hours")),
        country=said.get("country"),
    )


def _plan_document(path: str) -> dict[str, Any]:
    """The plan file as JSON (read after ``read_plan_json`` has checked it)."""
    import json

    document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    return document if isinstance(document, dict) else {}


def _plan_file_programme(document: dict[str, Any]) -> dict[str, Any]:
    """What a ``plan --json`` file says of its programme (name, time zone, country, session
    hours), as far as it is well formed; nothing for older files."""
    from schedcore.calendar import check_time_zone
    from schedcore.errors import SchedcoreError

    said = document.get("programme")
    if not isinstance(said, dict):
        return {}
    found = {k: v for k, v in said.items() if isinstance(v, str | list)}
    zone = found.get("time_zone")
    try:
        if zone is not None:
            check_time_zone(str(zone))
    except SchedcoreError:
        found.pop("time_zone")
    return found


def _plan_file_units(document: dict[str, Any], path: str) -> UnitTable | None:
    """The units a ``plan --json`` file carries in its problem (names, places), if any."""
    from schedcore.domain.units import Unit, UnitTable
    from schedcore.errors import SchedcoreError

    try:
        units = document["problem"]["units"]
        return UnitTable(
            tuple(Unit.from_record(unit) for unit in units), source=f"the units of {path}"
        )
    except (KeyError, TypeError, AttributeError, SchedcoreError):
        return None  # a plan without its problem (e.g. an export's JSON): names come elsewhere


def _hours(value: object) -> tuple[time, time] | None:
    from datetime import time as clock

    if not isinstance(value, list) or len(value) != 2:
        return None
    try:
        first, last = (clock.fromisoformat(str(v)) for v in value)
    except ValueError:
        return None
    return (first, last) if first < last else None


def _from_spec(
    spec: ProgrammeSpec, clusters: tuple[ClusterRecord, ...], units: UnitTable | None
) -> _Source:
    return _Source(
        clusters=clusters,
        name=spec.name,
        units=units or spec.unit_table(),
        time_zone=spec.time_zone,
        hours=spec.session_hours,
        calendar=spec.calendar,
        country=spec.country,
    )


def run(args: argparse.Namespace) -> int:
    from schedcore.exports import (
        plan_to_csv,
        plan_to_ics,
        plan_to_json,
        unit_directory,
        write_plan_pictures,
    )
    from schedcore.exports._files import write_bytes_atomically

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
    if args.plan is not None and args.programme is not None and args.programme_file is not None:
        raise InvalidInputError("give --programme or --programme-file, not both")
    check_writable("--out", args.out, directory=args.format == "png")
    check_writable("--json", args.json)
    source = _source(args)
    clusters = source.clusters
    units = unit_directory(source.units)
    programme = args.programme or source.name
    page = b""
    if args.format == "html":
        from schedcore.cli._export_html import html_page

        page = html_page(args, source)

    if args.format == "png":
        pictures = write_plan_pictures(
            clusters,
            args.out,
            units=units,
            calendar=calendar_for(clusters, source.calendar),
            country=source.country,
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
        data = plan_to_ics(
            clusters,
            programme=programme,
            units=units,
            sequence=args.sequence,
            time_zone=source.time_zone,
            hours=source.hours,
            uid_name=source.uid_name,
        )
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


def calendar_for(
    clusters: Sequence[ClusterRecord], calendar: WorkingCalendar | None
) -> WorkingCalendar | None:
    """The programme's calendar when every session falls in its window; else days from the
    plan (a plan dated outside the window it came with)."""
    if calendar is None:
        return None
    dates = [c.date for c in clusters if c.date is not None]
    return calendar if dates and all(calendar.in_window(day) for day in dates) else None
