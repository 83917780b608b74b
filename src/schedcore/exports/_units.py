"""One way to ask "what is unit X called and where is it?", whatever the caller passed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources

import attrs

from schedcore._csv import read_csv
from schedcore.errors import InvalidInputError, UnknownProvinceError
from schedcore.exports._types import Unit, UnitInfo, UnitSource
from schedcore.reference.provinces import Province, ProvinceTable, vietnam_2022

__all__ = ["UnitDirectory", "unit_directory"]


@attrs.frozen
class UnitDirectory:
    """Units by code; an unknown code raises :class:`UnknownProvinceError`."""

    _find: Callable[[str], Unit]

    def __getitem__(self, code: str) -> Unit:
        return self._find(code)

    def name(self, code: str) -> str:
        """The name of unit ``code``; raises :class:`~schedcore.errors.UnknownProvinceError` for a
        unit the directory does not know.
        """
        return self._find(code).name

    def venue(self, code: str) -> str:
        """Where unit ``code``'s hall is: its venue, else its name; raises
        :class:`~schedcore.errors.UnknownProvinceError` for a unit the directory does not know.
        """
        unit = self._find(code)
        return unit.venue or unit.name


@cache
def _capitals_2022() -> Mapping[str, str]:
    """Capital unit names of the built-in table (GSO names; coordinates from GeoNames)."""
    data = resources.files("schedcore.reference").joinpath("data/provinces_2022_capitals.csv")
    with resources.as_file(data) as path:
        rows = read_csv(
            path, required=("code", "capital_unit", "geonameid"), name="provinces_2022_capitals.csv"
        )
        return {row.text("code"): row.text("capital_unit") for row in rows}


def _from_province(province: Province) -> Unit:
    venue = None
    builtin = vietnam_2022()
    if province.code in builtin and builtin.by_code(province.code) == province:
        capital = _capitals_2022().get(province.code)
        venue = f"{capital}, {province.name}" if capital else None
    return Unit(
        name=province.name, lat=province.lat, lon=province.lon, region=province.region, venue=venue
    )


def _from_info(code: str, info: UnitInfo | tuple[str, float, float]) -> Unit:
    if isinstance(info, Unit):
        return info
    if isinstance(info, tuple):
        if len(info) != 3:
            raise InvalidInputError(
                f"unit {code!r}: expected (name, lat, lon), got a tuple of {len(info)} items"
            )
        name, lat, lon = info
        return Unit(name=str(name), lat=lat, lon=lon)
    region = getattr(info, "region", None)
    venue = getattr(info, "venue", None)
    return Unit(
        name=info.name,
        lat=info.lat,
        lon=info.lon,
        region=region if isinstance(region, str) else None,
        venue=venue if isinstance(venue, str) else None,
    )


def unit_directory(source: UnitSource | UnitDirectory | None = None) -> UnitDirectory:
    """A directory over a province table, a mapping of units, or the built-in 2022 table."""
    if isinstance(source, UnitDirectory):
        return source
    if source is None:
        source = vietnam_2022()
    if isinstance(source, ProvinceTable):
        table = source
        converted: dict[str, Unit] = {}

        def find_province(code: str) -> Unit:
            province = table.by_code(code)
            if province.code not in converted:
                converted[province.code] = _from_province(province)
            return converted[province.code]

        return UnitDirectory(find_province)

    units = {code: _from_info(code, info) for code, info in source.items()}

    def find_unit(code: str) -> Unit:
        try:
            return units[code]
        except KeyError:
            raise UnknownProvinceError(f"unit {code!r} is not among the units given") from None

    return UnitDirectory(find_unit)
