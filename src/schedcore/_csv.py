"""Reading user CSV files with errors that name file, row and column.

Every CSV the library accepts (reference tables, planning units, distance matrices, attendance
rows) goes through here, so a planner gets the same precise message whatever file was wrong.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from schedcore.errors import ReferenceDataError

__all__ = ["CsvRow", "read_csv"]


class CsvRow:
    """One data row: typed accessors raise :class:`ReferenceDataError` naming the cell."""

    __slots__ = ("_values", "line", "path")

    def __init__(self, path: str, line: int, values: Mapping[str, str]) -> None:
        self.path = path
        self.line = line
        self._values = values

    def error(self, message: str, column: str | None = None) -> ReferenceDataError:
        return ReferenceDataError(message, path=self.path, row=self.line, column=column)

    def cells(self) -> Mapping[str, str]:
        """Every cell of the row by column, as written (stripped)."""
        return {column: value.strip() for column, value in self._values.items()}

    def has(self, column: str) -> bool:
        return bool(self._values.get(column, "").strip())

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self._values.get(column) or "").strip()
        if required and not value:
            raise self.error("value is missing", column)
        return value

    def integer(self, column: str, *, minimum: int | None = 0, maximum: int | None = None) -> int:
        raw = self.text(column)
        try:
            value = int(raw)
        except ValueError:
            raise self.error(f"{raw!r} is not a whole number", column) from None
        self._check_range(column, value, minimum, maximum)
        return value

    def optional_integer(
        self, column: str, *, minimum: int | None = 0, maximum: int | None = None
    ) -> int | None:
        return self.integer(column, minimum=minimum, maximum=maximum) if self.has(column) else None

    def number(
        self, column: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"{raw!r} is not a number", column) from None
        if not math.isfinite(value):
            raise self.error(f"{raw!r} is not a finite number", column)
        self._check_range(column, value, minimum, maximum)
        return value

    def day(self, column: str) -> date:
        raw = self.text(column)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.error(f"{raw!r} is not a date (expected YYYY-MM-DD)", column) from None

    def _check_range(
        self, column: str, value: float, minimum: float | None, maximum: float | None
    ) -> None:
        if minimum is not None and value < minimum:
            raise self.error(f"{value:g} is below the minimum {minimum:g}", column)
        if maximum is not None and value > maximum:
            raise self.error(f"{value:g} is above the maximum {maximum:g}", column)


def read_csv(
    source: str | Path | io.TextIOBase,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    name: str | None = None,
    extra: bool = False,
) -> Iterator[CsvRow]:
    """Yield the data rows of a UTF-8 CSV file (a leading BOM is accepted).

    Fails with :class:`ReferenceDataError` on undecodable bytes, a NUL byte, an empty file,
    missing or duplicated header columns, and rows with too many or too few cells.  Columns outside
    ``required`` and ``optional`` are refused too, since a misspelt optional column would
    otherwise be silently ignored; with ``extra`` other columns are kept, except one whose
    name is a near miss of a known column (``hall_seat`` for ``hall_seats``).
    """
    path_name = name or (str(source) if isinstance(source, str | Path) else "<stream>")
    text = _read_text(source, path_name)
    if "\x00" in text:
        raise ReferenceDataError(
            "contains a NUL byte: not a text CSV file (a binary file, or UTF-16 saved wrong)",
            path=path_name,
            row=text.count("\n", 0, text.index("\x00")) + 1,
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ReferenceDataError("file is empty (no header row)", path=path_name) from None
    except csv.Error as exc:
        raise ReferenceDataError(f"malformed CSV: {exc}", path=path_name, row=1) from None
    header = [column.strip() for column in header]
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise ReferenceDataError("duplicated column", path=path_name, row=1, column=column)
        seen.add(column)
    for column in required:
        if column not in seen:
            raise ReferenceDataError(
                f"required column is missing (header has: {', '.join(header)})",
                path=path_name,
                row=1,
                column=column,
            )
    allowed = set(required) | set(optional)
    for column in header:
        if column in allowed:
            continue
        near = difflib.get_close_matches(column.lower(), sorted(allowed), n=1, cutoff=0.8)
        if extra and not near:
            continue
        if near:
            raise ReferenceDataError(
                f"unknown column (did you mean {near[0]!r}?)", path=path_name, row=1, column=column
            )
        if not extra:
            raise ReferenceDataError(
                f"unknown column (expected: {', '.join([*required, *optional])})",
                path=path_name,
                row=1,
                column=column,
            )
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReferenceDataError(
                f"malformed CSV: {exc}", path=path_name, row=reader.line_num
            ) from None
        line = reader.line_num
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise ReferenceDataError(
                f"expected {len(header)} cells, found {len(cells)} (truncated or misaligned row)",
                path=path_name,
                row=line,
            )
        yield CsvRow(path_name, line, dict(zip(header, cells, strict=True)))


def _read_text(source: str | Path | io.TextIOBase, path_name: str) -> str:
    if isinstance(source, io.TextIOBase):
        return source.read()
    try:
        raw = Path(source).read_bytes()
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", path=path_name) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReferenceDataError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            path=path_name,
            row=line,
        ) from None
