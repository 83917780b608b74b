"""The built-in province table equals the verified source table, and finds every spelling."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from schedcore import UnknownProvinceError, vietnam_2022
from schedcore.domain.names import name_key

SOURCE = (
    Path(__file__).parent.parent / "src" / "schedcore" / "reference" / "data" / "provinces_2022.csv"
)


def source_rows() -> list[dict[str, str]]:
    with SOURCE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_table_has_63_provinces_in_six_regions_and_10599_communes() -> None:
    table = vietnam_2022()
    assert len(table) == 63
    assert len(set(table.codes)) == 63
    assert len(table.regions) == 6
    assert sum(p.communes for p in table) == 10_599
    sizes = {region: len(table.in_region(region)) for region in table.regions}
    assert sorted(sizes.values()) == [5, 6, 11, 13, 14, 14]


def test_every_field_equals_the_source_row() -> None:
    table = vietnam_2022()
    for row in source_rows():
        province = table.by_code(row["code"])
        assert province.name == row["name_vi"]
        assert province.name_en == row["name_en"]
        assert province.region == row["region"]
        assert province.lat == float(row["capital_lat"])
        assert province.lon == float(row["capital_lon"])
        assert province.communes == int(row["communes"])


def test_codes_are_gso_not_iso() -> None:
    table = vietnam_2022()
    assert table.by_code("01").name == "Hà Nội"
    assert table.by_code("79").name == "Hồ Chí Minh"
    assert table.by_code("1").code == "01"
    with pytest.raises(UnknownProvinceError):
        table.by_code("VN-01")


VARIANTS = [
    ("Hà Nội", "01"),
    ("Hanoi", "01"),
    ("HANOI", "01"),
    ("Thành phố Hà Nội", "01"),
    ("TP. Hà Nội", "01"),
    ("Ha Noi", "01"),
    ("HCMC", "79"),
    ("TP HCM", "79"),
    ("TP.HCM", "79"),
    ("Ho Chi Minh City", "79"),
    ("Thành phố Hồ Chí Minh", "79"),
    ("Saigon", "79"),
    ("Hue", "46"),
    ("Thừa Thiên-Huế", "46"),
    ("Thừa Thiên Huế", "46"),
    ("Hoà Bình", "17"),
    ("Hòa Bình", "17"),
    ("Khánh Hoà", "56"),
    ("Khánh Hòa", "56"),
    ("\u00d0à Nẵng", "48"),
    ("Da Nang", "48"),
    ("Danang", "48"),
    ("Đắk Lắk", "66"),
    ("Dak Lak", "66"),
    ("Tỉnh Đắk Nông", "67"),
    ("Bà Rịa - Vũng Tàu", "77"),
    ("Ba Ria Vung Tau", "77"),
    ("Vung Tau", "77"),
    ("Thanh Hoá", "38"),
    ("Thanh Hóa", "38"),
]


@pytest.mark.parametrize(("spelling", "code"), VARIANTS)
def test_a_variant_spelling_finds_its_province(spelling: str, code: str) -> None:
    assert vietnam_2022().by_name(spelling).code == code


def test_every_province_is_found_by_its_own_names() -> None:
    table = vietnam_2022()
    for province in table:
        assert table.by_name(province.name) is province
        assert table.by_name(province.name_en) is province
        assert table.find(province.code) is province


def test_normalised_names_are_unique_across_the_63() -> None:
    keys = [name_key(p.name) for p in vietnam_2022()]
    assert len(set(keys)) == 63


def test_a_name_matching_no_province_is_refused() -> None:
    with pytest.raises(UnknownProvinceError, match="Atlantis"):
        vietnam_2022().by_name("Atlantis")
    with pytest.raises(LookupError):
        vietnam_2022().find("99")
