"""Reading a programme's units table and distance matrix from CSV: one format everywhere.

Units (``plan``, ``plan --apply``, ``record``, ``report``, ``export`` and the Python API all read
this one format):

- ``code`` and ``name`` (the built-in province table's ``name_vi`` is read as ``name``);
- coordinates ``lat,lon`` (great-circle km) or ``x,y`` (planar), optional when a distance matrix
  is given (``capital_lat,capital_lon`` are read as ``lat,lon``);
- ``delegates`` (people sent to the cluster's hall; ``demand`` is the older spelling) and
  ``hall_seats`` (``capacity``): a unit hosts when ``can_host`` is not "no" and it has seats (its
  own, else the default the caller gives); with neither, its hall holds everyone;
- optional ``region``, ``teams``, ``members``, ``communes`` (bridge points), ``blackout`` (dates
  ``YYYY-MM-DD`` separated by ``;`` or spaces), ``can_host``, ``venue`` and ``aliases`` (other
  spellings separated by ``;``);
- every other column is kept (``name_en`` and any ``name_*`` column is also a spelling a unit
  can be found by), except one whose name is a near miss of a known column.

Distances: a square matrix whose header row and first column are the unit codes.
Every problem raises :class:`~schedcore.errors.ReferenceDataError` naming file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from schedcore._csv import CsvRow, read_csv
from schedcore.domain.rules import MAX_COUNT, check_count
from schedcore.domain.units import Unit, UnitTable
from schedcore.errors import ReferenceDataError
from schedcore.planning.distances import MAX_DISTANCE

__all__ = ["load_distances", "load_unit_table", "load_units", "read_unit_table"]

#: Columns read as another: older spellings, and the built-in province table's headers.
_SYNONYMS = {
    "name_vi": "name",
    "demand": "delegates",
    "capacity": "hall_seats",
    "capital_lat": "lat",
    "capital_lon": "lon",
}
_KNOWN = (
    "code",
    "name",
    "lat",
    "lon",
    "x",
    "y",
    "delegates",
    "hall_seats",
    "can_host",
    "region",
    "teams",
    "members",
    "communes",
    "blackout",
    "venue",
    "aliases",
)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class _Row(CsvRow):
    """A row read through the synonyms: ``row.text("delegates")`` reads a ``demand`` column,
    and an error names the column as the file spells it."""

    __slots__ = ("columns",)

    def __init__(self, row: CsvRow, columns: dict[str, str]) -> None:
        super().__init__(row.path, row.line, row.cells())
        self.columns = columns  # canonical name -> the column in the file

    def error(self, message: str, column: str | None = None) -> ReferenceDataError:
        return super().error(message, self.columns.get(column, column) if column else None)

    def has(self, column: str) -> bool:
        return super().has(self.columns.get(column, column))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells().get(self.columns.get(column, column), "")
        if required and not value:
            raise self.error("value is missing", column)
        return value


def load_unit_table(
    source: str | Path | io.TextIOBase,
    *,
    default_capacity: int | None = None,
    name: str | None = None,
) -> UnitTable:
    """The units of a CSV file, validated row by row; ``default_capacity`` is the hall of a
    unit without a ``hall_seats`` cell (none given: a hall large enough for everyone)."""
    return read_unit_table(source, default_capacity=default_capacity, name=name)[0]


def read_unit_table(
    source: str | Path | io.TextIOBase,
    *,
    default_capacity: int | None = None,
    name: str | None = None,
) -> tuple[UnitTable, frozenset[str]]:
    """:func:`load_unit_table`, and the codes of the units that may host but whose row gives
    no ``hall_seats`` (a programme file sizes those halls itself)."""
    if default_capacity is not None:
        check_count(default_capacity, "the default hall seats")
    display = name or (str(source) if isinstance(source, str | Path) else "<stream>")
    optional = [*_KNOWN[2:], *_SYNONYMS]
    rows = list(read_csv(source, required=("code",), optional=optional, name=display, extra=True))
    if not rows:
        raise ReferenceDataError("the file has a header but no units", path=display)
    header = list(rows[0].cells())
    columns = _canonical(header, display)
    if "name" not in columns:
        raise ReferenceDataError(
            f"required column is missing (header has: {', '.join(header)})",
            path=display,
            row=1,
            column="name",
        )
    wrapped = [_Row(row, columns) for row in rows]
    total = sum(
        row.integer("delegates", minimum=0, maximum=MAX_COUNT)
        for row in wrapped
        if row.has("delegates")
    )
    units: list[Unit] = []
    open_halls: set[str] = set()
    seen: dict[str, int] = {}
    extras = [column for column in header if column not in columns.values()]
    for row in wrapped:
        code = row.text("code")
        if code in seen:
            raise row.error(f"duplicate code {code!r} (first on row {seen[code]})", "code")
        seen[code] = row.line
        unit = _unit(row, code, default_capacity, total, extras)
        units.append(unit)
        if unit.can_host and not row.has("hall_seats"):
            open_halls.add(code)
    return UnitTable(tuple(units), source=display), frozenset(open_halls)


def load_units(
    source: str | Path | io.TextIOBase, *, default_capacity: int | None = None
) -> list[Unit]:
    """The units of a CSV file as a list (see :func:`load_unit_table`)."""
    return list(load_unit_table(source, default_capacity=default_capacity))


def _canonical(header: list[str], display: str) -> dict[str, str]:
    columns: dict[str, str] = {}
    for column in header:
        canonical = _SYNONYMS.get(column, column)
        if canonical not in _KNOWN:
            continue
        if canonical in columns:
            raise ReferenceDataError(
                f"columns {columns[canonical]!r} and {column!r} say the same thing: keep one",
                path=display,
                row=1,
                column=column,
            )
        columns[canonical] = column
    return columns


def _unit(
    row: _Row, code: str, default_capacity: int | None, total: int, extras: list[str]
) -> Unit:
    lat = lon = x = y = None
    if row.has("lat") or row.has("lon"):
        lat = row.number("lat", minimum=-90, maximum=90)
        lon = row.number("lon", minimum=-180, maximum=180)
    elif row.has("x") or row.has("y"):
        x = row.number("x")
        y = row.number("y")
    can_host = True
    if row.has("can_host"):
        flag = row.text("can_host").lower()
        if flag not in _YES | _NO:
            raise row.error(f"{flag!r} is not yes or no", "can_host")
        can_host = flag in _YES
    capacity = row.optional_integer("hall_seats", minimum=0, maximum=MAX_COUNT)
    if capacity is None:
        capacity = default_capacity if default_capacity is not None else min(total, MAX_COUNT)
    cells = row.cells()
    return Unit(
        code=code,
        name=row.text("name"),
        demand=row.optional_integer("delegates", minimum=0, maximum=MAX_COUNT) or 0,
        capacity=capacity if can_host else None,
        lat=lat,
        lon=lon,
        x=x,
        y=y,
        region=row.text("region", required=False),
        communes=row.optional_integer("communes", minimum=0, maximum=MAX_COUNT) or 0,
        blackout=_blackout(row),
        teams=row.optional_integer("teams", minimum=0, maximum=MAX_COUNT) or 0,
        members=row.optional_integer("members", minimum=0, maximum=MAX_COUNT) or 0,
        aliases=[a for a in re.split(r"\s*;\s*", row.text("aliases", required=False)) if a],
        venue=row.text("venue", required=False) or None,
        extra=[(column, cells[column]) for column in extras],
    )


def _blackout(row: _Row) -> frozenset[date]:
    days = set()
    for part in re.split(r"[;\s]+", row.text("blackout", required=False)):
        if not part:
            continue
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise row.error(f"{part!r} is not a date (expected YYYY-MM-DD)", "blackout") from None
    return frozenset(days)


def load_distances(path: str | Path, codes: list[str] | tuple[str, ...]) -> list[list[int]]:
    """The matrix in the order of ``codes``; every code must appear once as row and column."""
    name = str(path)
    try:
        first_line = Path(path).read_text(encoding="utf-8-sig").splitlines()[:1]
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"cannot read file: {exc}", path=name) from None
    if not first_line:
        raise ReferenceDataError("file is empty (no header row)", path=name)
    header = [cell.strip() for cell in next(csv.reader(first_line))]
    corner = header[0]
    if sorted(header[1:]) != sorted(codes):
        missing = sorted(set(codes) - set(header[1:]))
        extra = sorted(set(header[1:]) - set(codes))
        raise ReferenceDataError(
            f"the header must list every unit code once (missing: {missing}, unknown: {extra})",
            path=name,
            row=1,
        )
    by_code: dict[str, list[int]] = {}
    for row in read_csv(path, required=[corner, *codes]):
        code = row.text(corner)
        if code not in codes:
            raise row.error(f"unknown unit code {code!r}", corner)
        if code in by_code:
            raise row.error(f"unit {code!r} has two rows", corner)
        by_code[code] = [
            round(row.number(other, minimum=0, maximum=MAX_DISTANCE)) for other in codes
        ]
    missing_rows = [code for code in codes if code not in by_code]
    if missing_rows:
        raise ReferenceDataError(f"no row for units {missing_rows}", path=name)
    return [by_code[code] for code in codes]
