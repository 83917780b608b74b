"""Provinces as typed records, and the table that finds them by code or by name.

The built-in table is Vietnam's 63 provincial-level units of 2022 (GSO codes, which are *not*
ISO 3166-2 codes: GSO ``01`` is Hà Nội, ISO ``VN-01`` is Lai Châu).  A user may load a table of
their own with :func:`load_province_table`; every row is validated.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path

import attrs

from schedcore._csv import read_csv
from schedcore.domain.names import name_key
from schedcore.domain.units import Unit, UnitTable
from schedcore.errors import ReferenceDataError, UnknownProvinceError

__all__ = [
    "ALIASES_2022",
    "Province",
    "ProvinceTable",
    "load_province_table",
    "vietnam_2022",
]

#: Common names that normalisation alone does not reach, mapped to GSO codes (2022 map).
ALIASES_2022: Mapping[str, str] = {
    "hcmc": "79",
    "hcm": "79",
    "tphcm": "79",
    "saigon": "79",
    "hochiminhcity": "79",
    "hue": "46",
    "thuathienhue": "46",
    "vungtau": "77",
    "brvt": "77",
}


@attrs.frozen
class Province:
    """A provincial-level unit: where its capital is, how many communes it has."""

    code: str
    name: str
    name_en: str
    region: str
    lat: float
    lon: float
    communes: int
    population: int | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@attrs.frozen
class ProvinceTable:
    """An immutable set of provinces with lookup by code, name, alias or normalised spelling."""

    provinces: tuple[Province, ...]
    aliases: Mapping[str, str] = attrs.field(factory=dict)
    source: str = "<memory>"
    _by_code: dict[str, Province] = attrs.field(init=False, repr=False, eq=False)
    _by_key: dict[str, Province] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_code: dict[str, Province] = {}
        by_key: dict[str, Province] = {}
        for province in self.provinces:
            by_code[province.code] = province
            for spelling in (province.name, province.name_en):
                by_key.setdefault(name_key(spelling), province)
        for alias, code in self.aliases.items():
            if code in by_code:
                by_key.setdefault(name_key(alias), by_code[code])
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_key", by_key)

    def __iter__(self) -> Iterator[Province]:
        return iter(self.provinces)

    def __len__(self) -> int:
        return len(self.provinces)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        """Every province's code, in the table's order."""
        return tuple(p.code for p in self.provinces)

    @property
    def regions(self) -> tuple[str, ...]:
        """Region names in first-seen order."""
        return tuple(dict.fromkeys(p.region for p in self.provinces))

    def by_code(self, code: str) -> Province:
        """The province with this code; a one-digit code is read with its leading zero."""
        try:
            return self._by_code[code.strip().zfill(2) if code.strip().isdigit() else code]
        except KeyError:
            raise UnknownProvinceError(
                f"unknown province code {code!r} (codes are GSO codes such as '01' for Hà Nội)"
            ) from None

    def by_name(self, name: str) -> Province:
        """The province whose name, English name or alias matches, whatever the spelling."""
        province = self._by_key.get(name_key(name))
        if province is None:
            raise UnknownProvinceError(f"no province is named {name!r}")
        return province

    def find(self, code_or_name: str) -> Province:
        """Look up by code first, then by name."""
        text = code_or_name.strip()
        if text.isdigit() or text in self._by_code:
            return self.by_code(text)
        return self.by_name(text)

    def unit_table(self) -> UnitTable:
        """The provinces as a programme's units table (names, English names, aliases, capitals,
        communes as bridge points and delegates)."""
        aliases: dict[str, list[str]] = {}
        for alias, code in self.aliases.items():
            aliases.setdefault(code, []).append(alias)
        return UnitTable(
            tuple(
                Unit(
                    code=p.code,
                    name=p.name,
                    demand=p.communes,
                    lat=p.lat,
                    lon=p.lon,
                    region=p.region,
                    communes=p.communes,
                    aliases=(p.name_en, *aliases.get(p.code, ())),
                )
                for p in self.provinces
            ),
            source=self.source,
        )

    def in_region(self, region: str) -> tuple[Province, ...]:
        """The provinces of ``region`` (none for an unknown region), in the table's order."""
        return tuple(p for p in self.provinces if p.region == region)


_COLUMNS = ("code", "name_vi", "name_en", "region", "capital_lat", "capital_lon", "communes")


def load_province_table(
    source: str | Path | io.TextIOBase,
    *,
    aliases: Mapping[str, str] | None = None,
    name: str | None = None,
) -> ProvinceTable:
    """Load and validate a province table in the built-in table's CSV format.

    Columns: ``code,name_vi,name_en,region,capital_lat,capital_lon,communes`` and an optional
    ``population``.  Raises :class:`ReferenceDataError` naming the file, row and column of the
    first problem: missing columns, duplicate codes or names, coordinates that are not finite or
    out of range, negative counts, undecodable bytes.
    """
    source_name = name or str(source)
    provinces: list[Province] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for row in read_csv(source, required=_COLUMNS, optional=("population",), name=name):
        code = row.text("code")
        if code in seen_codes:
            raise row.error(f"duplicate code {code!r} (first on row {seen_codes[code]})", "code")
        seen_codes[code] = row.line
        province_name = row.text("name_vi")
        key = name_key(province_name)
        if key in seen_names:
            raise row.error(
                f"name {province_name!r} repeats the province on row {seen_names[key]}",
                "name_vi",
            )
        seen_names[key] = row.line
        provinces.append(
            Province(
                code=code,
                name=province_name,
                name_en=row.text("name_en"),
                region=row.text("region"),
                lat=row.number("capital_lat", minimum=-90, maximum=90),
                lon=row.number("capital_lon", minimum=-180, maximum=180),
                communes=row.integer("communes", minimum=0),
                population=row.optional_integer("population", minimum=0),
            )
        )
    if not provinces:
        raise ReferenceDataError("the table has a header but no provinces", path=source_name)
    return ProvinceTable(tuple(provinces), aliases=dict(aliases or {}), source=source_name)


_VIETNAM_2022: ProvinceTable | None = None


def vietnam_2022() -> ProvinceTable:
    """The built-in table: Vietnam's 63 provincial-level units as they stood in 2022.

    Codes, names and commune counts from the GSO list of 1 Oct 2022; capital coordinates from
    GeoNames (CC BY 4.0).  See ``schedcore/reference/data/SOURCES.md``.
    """
    global _VIETNAM_2022
    if _VIETNAM_2022 is None:
        data = resources.files("schedcore.reference").joinpath("data/provinces_2022.csv")
        with resources.as_file(data) as path:
            _VIETNAM_2022 = load_province_table(
                path, aliases=ALIASES_2022, name="provinces_2022.csv"
            )
    return _VIETNAM_2022
