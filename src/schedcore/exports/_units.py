"""One way to ask "what is unit X called and where is it?", whatever the caller passed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from schedcore.domain.units import Unit, UnitTable
from schedcore.errors import InvalidInputError, UnknownProvinceError
from schedcore.exports._types import UnitInfo, UnitSource
from schedcore.reference.provinces import ProvinceTable

__all__ = ["Place", "UnitDirectory", "unit_directory"]


@attrs.frozen
class Place:
    """A unit as a picture or a calendar places it: name, and a point that is always two floats.

    ``lat``/``lon`` are the unit's coordinates; for a unit given on a plane (``x``/``y`` in km)
    they hold ``y``/``x`` and ``planar`` is true; for a unit with neither they are NaN.
    """

    code: str
    name: str
    lat: float
    lon: float
    region: str = ""
    venue: str | None = None
    planar: bool = False

    @property
    def label(self) -> str:
        """``01 Hà Nội``: the code and the name."""
        return self.name if self.name == self.code else f"{self.code} {self.name}"

    @property
    def located(self) -> bool:
        """Whether the unit has a point at all."""
        return not (math.isnan(self.lat) or math.isnan(self.lon))

    @classmethod
    def of(cls, unit: Unit) -> Place:
        """Where ``unit`` is, from its lat/lon, else its x/y."""
        planar = unit.lat is None and unit.x is not None
        if unit.lat is not None and unit.lon is not None:
            lat, lon = unit.lat, unit.lon
        elif unit.x is not None and unit.y is not None:
            lat, lon = unit.y, unit.x
        else:
            lat = lon = math.nan
        return cls(
            code=unit.code,
            name=unit.name,
            lat=float(lat),
            lon=float(lon),
            region=unit.region,
            venue=unit.venue,
            planar=planar,
        )


@attrs.frozen
class UnitDirectory:
    """The units an export names, by code; an unknown code raises
    :class:`~schedcore.errors.UnknownProvinceError` (with the nearest unit)."""

    table: UnitTable

    def __getitem__(self, code: str) -> Place:
        return Place.of(self.unit(code))

    def unit(self, code: str) -> Unit:
        """The programme's unit ``code`` itself (counts, aliases, extra columns).

        Codes are matched exactly, except that a number finds its zero-padded code (``1`` is
        ``01``), as spreadsheets drop leading zeros.
        """
        found = self.table.get(code)
        if found is None and isinstance(code, str) and code.strip().isdigit():
            found = self.table.find(code)
        return found if found is not None else self.table[code]

    def __contains__(self, code: object) -> bool:
        return code in self.table

    def name(self, code: str) -> str:
        """The name of unit ``code``."""
        return self.unit(code).name

    def label(self, code: str) -> str:
        """``01 Hà Nội``: the code and the name."""
        return self.unit(code).label

    def venue(self, code: str) -> str:
        """Where unit ``code``'s hall is: its venue, else its name."""
        unit = self.unit(code)
        return unit.venue or unit.name

    def has_coordinates(self, code: str) -> bool:
        """Whether the unit has a point (lat/lon or x/y): a map needs one."""
        return Place.of(self.unit(code)).located


def _finite(code: str, what: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"unit {code!r}: {what} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise InvalidInputError(f"unit {code!r}: {what} {value} is outside {low}..{high}")
    return float(value)


def _from_info(code: str, info: Unit | UnitInfo | tuple[str, float, float]) -> Unit:
    if isinstance(info, Unit):
        return info if info.code == code else attrs.evolve(info, code=code)
    if isinstance(info, tuple):
        if len(info) != 3:
            raise InvalidInputError(
                f"unit {code!r}: expected (name, lat, lon), got a tuple of {len(info)} items"
            )
        name, lat, lon = info
        return Unit(
            code=code,
            name=str(name),
            lat=_finite(code, "lat", lat, -90, 90),
            lon=_finite(code, "lon", lon, -180, 180),
        )
    region = getattr(info, "region", None)
    venue = getattr(info, "venue", None)
    return Unit(
        code=code,
        name=info.name,
        lat=_finite(code, "lat", info.lat, -90, 90),
        lon=_finite(code, "lon", info.lon, -180, 180),
        region=region if isinstance(region, str) else "",
        venue=venue if isinstance(venue, str) else None,
    )


def unit_directory(source: UnitSource | UnitDirectory | None = None) -> UnitDirectory:
    """A directory over a programme's units table, a province table, a mapping of units, or
    (``None``) the built-in 2022 programme's units."""
    if isinstance(source, UnitDirectory):
        return source
    if source is None:
        from schedcore.programmes.builtin import builtin_programme

        return UnitDirectory(builtin_programme().units)
    if isinstance(source, UnitTable):
        return UnitDirectory(source)
    if isinstance(source, ProvinceTable):
        return UnitDirectory(source.unit_table())
    if not isinstance(source, Mapping):
        raise UnknownProvinceError(f"cannot name units from a {type(source).__name__}")
    return UnitDirectory(
        UnitTable(
            tuple(_from_info(code, info) for code, info in source.items()),
            source="the units given",
        )
    )
