"""A user's own province table is validated row by row; each fault names file, row, column."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedcore import ReferenceDataError, load_province_table

HEADER = "code,name_vi,name_en,region,capital_lat,capital_lon,communes,population\n"
GOOD_ROW = "01,Alpha,Alpha,North,10.5,105.2,12,\n"


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "units.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def fault(tmp_path: Path, text: str | bytes) -> ReferenceDataError:
    path = write(tmp_path, text)
    with pytest.raises(ReferenceDataError) as caught:
        load_province_table(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_a_valid_table_loads_with_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, ("\ufeff" + HEADER + GOOD_ROW + "02,Beta,Beta,South,-5,20,3,900\n"))
    table = load_province_table(path)
    assert table.codes == ("01", "02")
    assert table.by_code("02").population == 900
    assert table.by_code("01").population is None


def test_duplicate_code_names_the_row_and_column(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER + GOOD_ROW + "01,Beta,Beta,North,1,1,1,\n")
    assert (error.row, error.column) == (3, "code")
    assert "first on row 2" in str(error)


def test_duplicate_name_is_refused(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER + GOOD_ROW + "02,ALPHA,Alpha,North,1,1,1,\n")
    assert (error.row, error.column) == (3, "name_vi")


@pytest.mark.parametrize(
    ("lat", "lon", "column"),
    [
        ("95", "105", "capital_lat"),
        ("10", "-181", "capital_lon"),
        ("nan", "105", "capital_lat"),
        ("north", "105", "capital_lat"),
        ("10", "inf", "capital_lon"),
    ],
)
def test_bad_coordinates_are_refused(tmp_path: Path, lat: str, lon: str, column: str) -> None:
    error = fault(tmp_path, HEADER + f"01,Alpha,Alpha,North,{lat},{lon},12,\n")
    assert (error.row, error.column) == (2, column)


@pytest.mark.parametrize(
    ("communes", "population", "column"),
    [("-1", "", "communes"), ("3.5", "", "communes"), ("4", "-10", "population")],
)
def test_negative_or_fractional_counts_are_refused(
    tmp_path: Path, communes: str, population: str, column: str
) -> None:
    error = fault(tmp_path, HEADER + f"01,Alpha,Alpha,North,1,1,{communes},{population}\n")
    assert (error.row, error.column) == (2, column)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    error = fault(tmp_path, "code,name_vi,name_en,region,capital_lat,communes\n01,A,A,N,1,1\n")
    assert (error.row, error.column) == (1, "capital_lon")


def test_an_unknown_column_is_named(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER.strip() + ",popluation\n" + GOOD_ROW.strip() + ",1\n")
    assert error.column == "popluation"


def test_a_missing_value_is_named(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER + "01,,Alpha,North,1,1,1,\n")
    assert (error.row, error.column) == (2, "name_vi")


def test_a_truncated_row_is_refused(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER + GOOD_ROW + "02,Beta,Beta\n")
    assert error.row == 3
    assert "truncated" in str(error)


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    data = (HEADER + GOOD_ROW).encode() + "02,Hà Nam,Ha Nam,North,1,1,1,\n".encode("cp1258")
    error = fault(tmp_path, data)
    assert error.row == 3
    assert "UTF-8" in str(error)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert "empty" in str(fault(tmp_path, ""))


def test_a_header_without_rows_is_refused(tmp_path: Path) -> None:
    assert "no provinces" in str(fault(tmp_path, HEADER))


def test_a_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read"):
        load_province_table(tmp_path / "nope.csv")


def test_an_unclosed_quote_is_malformed_csv(tmp_path: Path) -> None:
    error = fault(tmp_path, HEADER + '01,"Alpha,Alpha,North,1,1,1,\n')
    assert "malformed" in str(error) or "truncated" in str(error)


def test_errors_are_value_errors_for_callers_that_do_not_know_schedcore(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_province_table(write(tmp_path, HEADER + "01,A,A,N,1,1,-3,\n"))
