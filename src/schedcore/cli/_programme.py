"""Which programme a command is about: a programme file, a units CSV, the store's, or the
built-in one; and unit names on the command line read through its units table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from schedcore.errors import InvalidInputError

if TYPE_CHECKING:
    from schedcore.domain.units import UnitTable
    from schedcore.planning.problem import Pin
    from schedcore.programmes.file import ProgrammeFile

__all__ = [
    "add_programme_file_option",
    "add_programme_option",
    "programme_file",
    "programme_ref",
    "resolve_pin",
]


def add_programme_file_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--programme-file",
        metavar="FILE.toml",
        help="the programme: a programme file (schedcore init writes one; default: the "
        "built-in 2022 programme)",
    )


def add_programme_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--programme NAME`` and ``--programme-file FILE`` for commands on a store."""
    parser.add_argument(
        "--programme",
        metavar="NAME",
        help="the programme's name in the store (default: the store's only programme)",
    )
    parser.add_argument(
        "--programme-file",
        metavar="FILE.toml",
        help="the programme named in this programme file (instead of --programme)",
    )


def programme_ref(args: argparse.Namespace) -> str | None:
    """The programme a store command names, or ``None`` for the store's only one."""
    name = getattr(args, "programme", None)
    path = getattr(args, "programme_file", None)
    if name is not None and path is not None:
        raise InvalidInputError("give --programme or --programme-file, not both")
    if path is not None:
        from schedcore.programmes.file import load_programme_file

        return load_programme_file(path).name
    return name


def programme_file(args: argparse.Namespace) -> ProgrammeFile:
    """The programme a planning command plans: ``--programme-file``, else a programme made
    of ``--units`` and the window given, else the built-in 2022 programme."""
    from schedcore.programmes.builtin import builtin_programme
    from schedcore.programmes.file import load_programme_file

    path = getattr(args, "programme_file", None)
    units = getattr(args, "units", None)
    if path is not None and units is not None:
        raise InvalidInputError(
            "give --programme-file or --units, not both (the file names its units table)"
        )
    if path is not None:
        if getattr(args, "distances", None) is not None:
            raise InvalidInputError(
                "--distances goes in the programme file ([units] distances = ...)"
            )
        return load_programme_file(path)
    if units is None:
        if getattr(args, "distances", None) is not None:
            raise InvalidInputError("--distances needs --units (the matrix names their codes)")
        return builtin_programme()
    return _from_units_csv(args)


def _from_units_csv(args: argparse.Namespace) -> ProgrammeFile:
    """A programme of the units in ``--units``: named after the file, in UTC, on the window
    ``--start``/``--end`` (required unless ``--no-dates``: no programme's dates are assumed)."""
    from schedcore.calendar import WorkingCalendar
    from schedcore.programmes.file import ProgrammeFile
    from schedcore.programmes.units_csv import load_distances, read_unit_table

    table, open_halls = read_unit_table(args.units)  # a bad file first: it is what to fix
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    no_dates = getattr(args, "no_dates", False)
    if not no_dates and (start is None or end is None):
        raise InvalidInputError(
            "--units plans your own units: give the window with --start and --end (or "
            "--no-dates for clusters only), or describe the programme in a programme file "
            "(schedcore init DIR)"
        )
    distances = None
    if args.distances is not None:
        distances = tuple(tuple(row) for row in load_distances(args.distances, table.codes))
    first = start or end
    if first is None:
        from datetime import date

        first = date.today()
    return ProgrammeFile(
        name=Path(args.units).stem,
        time_zone="UTC",
        calendar=WorkingCalendar(first, end or first),
        units=table,
        clusters=min(10, len(table)),
        distances=distances,
        open_halls=open_halls,
        # a units CSV without hall seats meant "halls hold everyone" before programme files
        hall_seats=sum(unit.demand for unit in table) or None,
        path=str(args.units),
    )


def resolve_pin(pin: Pin, units: UnitTable) -> Pin:
    """``pin`` with every unit named by a code the table knows (names in any spelling)."""
    import attrs

    return attrs.evolve(
        pin,
        unit=units.code_of(pin.unit, what="unit in --pin"),
        host=units.code_of(pin.host, what="host in --pin") if pin.host else None,
        with_unit=units.code_of(pin.with_unit, what="unit in --pin with=")
        if pin.with_unit
        else None,
    )
