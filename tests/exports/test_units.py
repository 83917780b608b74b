"""Unit names, places and venues come from a province table or from the caller's mapping."""

from __future__ import annotations

import attrs
import pytest

from schedcore.errors import InvalidInputError, UnknownProvinceError
from schedcore.exports import Unit, unit_directory
from schedcore.reference import load_province_table, vietnam_2022


def test_the_built_in_table_is_the_default() -> None:
    assert unit_directory()["01"].name == "Hà Nội"


def test_a_built_in_province_has_its_capital_as_venue() -> None:
    assert unit_directory().venue("02") == "Thành phố Hà Giang, Hà Giang"


def test_a_one_digit_code_finds_its_province() -> None:
    assert unit_directory(vietnam_2022())["1"].name == "Hà Nội"
    assert unit_directory(vietnam_2022()).unit("1").code == "01"


def test_an_unknown_code_is_an_unknown_province() -> None:
    with pytest.raises(UnknownProvinceError):
        unit_directory()["99"]


def test_a_table_of_ones_own_has_no_invented_venue(tmp_path: object) -> None:
    import io

    table = load_province_table(
        io.StringIO(
            "code,name_vi,name_en,region,capital_lat,capital_lon,communes\n"
            "01,Alpha,Alpha,North,10,100,3\n"
        ),
        name="mine.csv",
    )
    assert unit_directory(table).venue("01") == "Alpha"
    assert unit_directory(table)["01"].region == "North"


def test_a_mapping_of_tuples_gives_names_and_places() -> None:
    units = unit_directory({"X": ("Xanadu", 40.0, 116.0)})
    assert (units["X"].name, units["X"].lat, units["X"].lon) == ("Xanadu", 40.0, 116.0)
    assert units.unit("X") == Unit("X", "Xanadu", lat=40.0, lon=116.0)


def test_any_object_with_name_lat_lon_is_a_unit() -> None:
    @attrs.frozen
    class Site:
        name: str
        lat: float
        lon: float
        region: str

    assert unit_directory({"S": Site("Site", 1.0, 2.0, "Coast")})["S"].region == "Coast"


def test_an_unknown_code_in_a_mapping_names_the_code() -> None:
    with pytest.raises(UnknownProvinceError, match="'Y'"):
        unit_directory({"X": ("Xanadu", 40.0, 116.0)})["Y"]


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_coordinates_out_of_range_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInputError):
        Unit("N", "Nowhere", lat=lat, lon=lon)


def test_a_tuple_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="expected \\(name, lat, lon\\)"):
        unit_directory({"X": ("Xanadu", 40.0)})  # type: ignore[dict-item]
