"""Reading a user's units (``--units``) and distance matrix (``--distances``) from CSV.

Units: columns ``code,name``, then ``lat,lon`` or ``x,y``, then ``demand``; optional
``capacity`` (hall seats), ``can_host`` (yes/no), ``region``, ``communes`` (bridge points) and
``blackout`` (dates ``YYYY-MM-DD`` separated by ``;`` or spaces).  A unit hosts when
``can_host`` is not "no" and it has a capacity (its own, else ``default_capacity``); with
neither, its hall is taken as large enough for everyone.
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
from schedcore.errors import ReferenceDataError
from schedcore.planning.distances import MAX_DISTANCE
from schedcore.planning.problem import Unit

__all__ = ["load_distances", "load_units"]

_OPTIONAL = ("lat", "lon", "x", "y", "capacity", "can_host", "region", "communes", "blackout")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def load_units(
    source: str | Path | io.TextIOBase, *, default_capacity: int | None = None
) -> list[Unit]:
    """The units of a CSV file, validated row by row; ``default_capacity`` is the hall of a
    unit without a ``capacity`` cell."""
    if default_capacity is not None:
        check_count(default_capacity, "the default capacity (--capacity)")
    rows = list(read_csv(source, required=("code", "name", "demand"), optional=_OPTIONAL))
    if not rows:
        name = str(source) if isinstance(source, str | Path) else "<stream>"
        raise ReferenceDataError("the file has a header but no units", path=name)
    total = sum(row.integer("demand", minimum=0, maximum=MAX_COUNT) for row in rows)
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for row in rows:
        code = row.text("code")
        if code in seen:
            raise row.error(f"duplicate code {code!r} (first on row {seen[code]})", "code")
        seen[code] = row.line
        units.append(_unit(row, code, default_capacity, total))
    return units


def _unit(row: CsvRow, code: str, default_capacity: int | None, total: int) -> Unit:
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
    capacity = row.optional_integer("capacity", minimum=0, maximum=MAX_COUNT)
    if capacity is None:
        capacity = default_capacity if default_capacity is not None else min(total, MAX_COUNT)
    return Unit(
        code=code,
        name=row.text("name"),
        demand=row.integer("demand", minimum=0, maximum=MAX_COUNT),
        capacity=capacity if can_host else None,
        lat=lat,
        lon=lon,
        x=x,
        y=y,
        region=row.text("region", required=False),
        communes=row.optional_integer("communes", minimum=0, maximum=MAX_COUNT) or 0,
        blackout=_blackout(row),
    )


def _blackout(row: CsvRow) -> frozenset[date]:
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
