"""Units and distance files: every mistake is named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedcore.errors import ReferenceDataError
from schedcore.planning import load_distances, load_units


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_units_with_lat_lon_and_optional_columns_load(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "u.csv",
        "code,name,lat,lon,demand,capacity,can_host,region,communes,blackout\n"
        "01,Hà Nội,21.0,105.8,579,1272,yes,Red River Delta,579,2022-09-12;2022-09-13\n"
        "02,Hà Giang,22.8,105.0,193,,no,North,193,\n",
    )
    first, second = load_units(path, default_capacity=900)
    assert first.capacity == 1272 and len(first.blackout) == 2
    assert second.capacity is None and not second.can_host


def test_a_unit_without_capacity_takes_the_default(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.csv", "code,name,x,y,demand\nA,Alpha,0,0,4\n")
    assert load_units(path, default_capacity=7)[0].capacity == 7


def test_a_bad_blackout_date_names_its_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.csv", "code,name,x,y,demand,blackout\nA,Alpha,0,0,4,12/09/2022\n")
    with pytest.raises(ReferenceDataError) as error:
        load_units(path)
    assert (error.value.row, error.value.column) == (2, "blackout")


def test_a_distance_matrix_missing_a_unit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "code,A,B\nA,0,1\nB,1,0\n")
    with pytest.raises(ReferenceDataError, match="missing"):
        load_distances(path, ["A", "B", "C"])


def test_a_distance_matrix_is_read_in_the_units_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", "code,B,A\nA,5,0\nB,0,5\n")
    assert load_distances(path, ["A", "B"]) == [[0, 5], [5, 0]]
