"""The units of a programme (provinces, states, districts): one type, one table.

A :class:`Unit` is a row of the programme's units table: what the planner needs (delegates,
hall seats, coordinates, bridge points, blackout dates) and what people read (the name, other
spellings, the region).  A :class:`UnitTable` finds a unit by its code or by any spelling of
its name, and answers a near miss with "did you mean 01 Hà Nội?".  Plain values: no files, no
storage (reading the CSV is :mod:`schedcore.programmes.units_csv`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import attrs

from schedcore.domain.names import name_key
from schedcore.domain.rules import check_count
from schedcore.errors import InvalidInputError, UnknownProvinceError

__all__ = ["HasUnitTable", "Unit", "UnitTable", "unit_table_of"]


def _dates(days: Iterable[date]) -> frozenset[date]:
    return frozenset(days)


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v for v in (str(value).strip() for value in values) if v)


def _pairs(values: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = values.items() if isinstance(values, Mapping) else values
    return tuple((str(k), str(v)) for k, v in items)


@attrs.frozen
class Unit:
    """A unit of a programme (a province in the 2022 programme).

    ``demand`` is the number of in-person delegates it sends to its cluster's hall;
    ``capacity`` the seats of its own hall if it hosts (``None``: it cannot host);
    ``communes`` the bridge points that follow its cluster's session by video;
    ``blackout`` the dates on which it cannot take part in a session;
    ``teams`` and ``members`` the people the programme trains there (0 when not counted).
    Give coordinates as ``lat``/``lon`` (great-circle km) or ``x``/``y`` (Euclidean), or
    neither when the problem carries its own distance matrix.  ``aliases`` are other spellings
    of the name (an English name, an abbreviation); ``venue`` where its hall is; ``extra`` the
    units table's other columns, kept as they were written.
    """

    code: str
    name: str
    demand: int = 0
    capacity: int | None = None
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    region: str = ""
    communes: int = 0
    blackout: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)
    teams: int = 0
    members: int = 0
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    venue: str | None = None
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise InvalidInputError("a unit needs a non-empty code")
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"unit {self.code}: a unit needs a name")
        # whole numbers of people within reason: a negative, NaN or absurd count is a typo,
        # and would overflow the solver's integer arithmetic
        check_count(self.demand, f"unit {self.code}: demand")
        if self.capacity is not None:
            check_count(self.capacity, f"unit {self.code}: capacity")
        check_count(self.communes, f"unit {self.code}: communes")
        check_count(self.teams, f"unit {self.code}: teams")
        check_count(self.members, f"unit {self.code}: members")
        if (self.lat is None) != (self.lon is None) or (self.x is None) != (self.y is None):
            raise InvalidInputError(f"unit {self.code}: give both lat and lon, or both x and y")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):  # type: ignore[operator]
            raise InvalidInputError(f"unit {self.code}: coordinates out of range")

    @property
    def can_host(self) -> bool:
        """Whether the unit has a hall (a ``capacity``) and so may host a cluster."""
        return self.capacity is not None

    @property
    def label(self) -> str:
        """``01 Hà Nội``: code and name, as output shows a unit."""
        return self.name if self.name == self.code else f"{self.code} {self.name}"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    # -- as plain data (events, JSON) ---------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """The unit as JSON-ready plain values (what ``Programme.Created`` records)."""
        record: dict[str, Any] = {"code": self.code, "name": self.name}
        for key in ("lat", "lon", "x", "y", "venue"):
            value = getattr(self, key)
            if value is not None:
                record[key] = value
        if self.region:
            record["region"] = self.region
        if self.aliases:
            record["aliases"] = list(self.aliases)
        if self.extra:
            record["extra"] = dict(self.extra)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Unit:
        """The inverse of :meth:`to_record` (counts are the programme's, not the record's)."""
        return cls(
            code=str(record["code"]),
            name=str(record["name"]),
            lat=record.get("lat"),
            lon=record.get("lon"),
            x=record.get("x"),
            y=record.get("y"),
            region=str(record.get("region") or ""),
            aliases=record.get("aliases") or (),
            venue=record.get("venue"),
            extra=record.get("extra") or {},
        )


def _unit_tuple(units: Iterable[Unit]) -> tuple[Unit, ...]:
    return tuple(units)


@attrs.frozen
class UnitTable:
    """The programme's units, found by code or by any spelling of a name.

    Spellings compared are the name, the aliases and every ``name_*`` extra column (e.g.
    ``name_en``), normalised (accents, case, "Thành phố" and such prefixes dropped), so ``Hanoi``,
    ``Ha Noi`` and ``Thành phố Hà Nội`` all find ``01 Hà Nội``.
    """

    units: tuple[Unit, ...] = attrs.field(converter=_unit_tuple)
    #: What the table is called in messages ("the units of programme X", a file name).
    source: str = "the units table"
    _by_code: dict[str, Unit] = attrs.field(init=False, repr=False, eq=False)
    _by_key: dict[str, Unit] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_code: dict[str, Unit] = {}
        for unit in self.units:
            if not isinstance(unit, Unit):
                raise InvalidInputError(f"a unit table holds Units, not {type(unit).__name__}")
            if unit.code in by_code:
                raise InvalidInputError(f"{self.source}: unit code {unit.code!r} appears twice")
            by_code[unit.code] = unit
        by_key: dict[str, Unit] = {}
        for unit in self.units:
            for spelling in self.spellings(unit):
                key = name_key(spelling)
                if key:
                    by_key.setdefault(key, unit)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_key", by_key)

    @staticmethod
    def spellings(unit: Unit) -> tuple[str, ...]:
        """Every way the table knows to write ``unit``'s name."""
        names = [unit.name, *unit.aliases]
        names += [value for column, value in unit.extra if column.startswith("name") and value]
        return tuple(dict.fromkeys(names))

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        """Every unit's code, in the table's order."""
        return tuple(unit.code for unit in self.units)

    def get(self, code: str) -> Unit | None:
        """The unit with exactly this code, or ``None``."""
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> Unit:
        unit = self._by_code.get(code)
        if unit is None:
            raise UnknownProvinceError(self.unknown(code))
        return unit

    def find(self, text: str, *, what: str = "unit") -> Unit:
        """The unit whose code or name (in any spelling the table knows) is ``text``.

        A code wins over a name; a one-digit number also finds a zero-padded code (``1`` ->
        ``01``).  Anything else raises :class:`~schedcore.errors.UnknownProvinceError` with the
        nearest unit ("did you mean 01 Hà Nội?").
        """
        given = str(text).strip()
        unit = self._by_code.get(given)
        if unit is None and given.isdigit():
            unit = next((u for u in self.units if u.code.lstrip("0") == given.lstrip("0")), None)
        if unit is None:
            unit = self._by_key.get(name_key(given)) if given else None
        if unit is None:
            raise UnknownProvinceError(self.unknown(given, what=what))
        return unit

    def code_of(self, text: str, *, what: str = "unit") -> str:
        """The code of the unit :meth:`find` finds."""
        return self.find(text, what=what).code

    def name(self, code: str) -> str:
        """The name of the unit with ``code``; the code itself for a unit not in the table."""
        unit = self._by_code.get(code)
        return unit.name if unit is not None else code

    def label(self, code: str) -> str:
        """``01 Hà Nội`` for a known code, the code alone otherwise."""
        unit = self._by_code.get(code)
        return unit.label if unit is not None else code

    def unknown(self, given: str, *, what: str = "unit") -> str:
        """The message for a unit the table does not know, with the nearest ones."""
        near = self.nearest(given)
        if near:
            guesses = " or ".join(unit.label for unit in near)
            return f"unknown {what} {given!r} (did you mean {guesses}?)"
        if len(self.units) <= 12:
            known = ", ".join(unit.label for unit in self.units)
            return f"unknown {what} {given!r}: {self.source} has {known}"
        return f"unknown {what} {given!r}: {self.source} has no unit with that code or name"

    def nearest(self, given: str, *, limit: int = 2) -> tuple[Unit, ...]:
        """Units whose code or name is close to ``given`` (for "did you mean")."""
        key = name_key(given)
        found: list[Unit] = []
        for code in difflib.get_close_matches(given.strip(), list(self._by_code), limit, 0.6):
            found.append(self._by_code[code])
        if key:
            for match in difflib.get_close_matches(key, list(self._by_key), limit, 0.7):
                found.append(self._by_key[match])
        return tuple(dict.fromkeys(found))[:limit]

    # -- as plain data ------------------------------------------------------------------------

    def to_records(self) -> list[dict[str, Any]]:
        """Every unit as plain values (see :meth:`Unit.to_record`)."""
        return [unit.to_record() for unit in self.units]

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]], *, source: str = "") -> UnitTable:
        """The table :meth:`to_records` wrote."""
        return cls(
            tuple(Unit.from_record(record) for record in records),
            source=source or "the units table",
        )


class HasUnitTable(Protocol):
    """Anything that can say its units as a :class:`UnitTable` (a province table does)."""

    def unit_table(self) -> UnitTable: ...


def unit_table_of(source: UnitTable | HasUnitTable | None) -> UnitTable:
    """``source`` as a unit table; ``None`` is an empty table (units are then shown by code)."""
    if source is None:
        return UnitTable(())
    if isinstance(source, UnitTable):
        return source
    return source.unit_table()
