"""The plan as CSV: one row per (cluster, member), read back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given

from schedcore.errors import ReferenceDataError
from schedcore.exports import (
    PLAN_CSV_COLUMNS,
    ClusterRecord,
    plan_to_csv,
    read_plan_csv,
    write_plan_csv,
)
from tests.exports.plans import FakeCluster, plausible_2022_plan
from tests.strategies import plan_clusters


def test_there_is_one_row_per_cluster_member() -> None:
    plan = plausible_2022_plan()
    rows = list(csv.DictReader(io.StringIO(plan_to_csv(plan))))
    assert len(rows) == 63
    assert {row["member"] for row in rows} == {code for c in plan for code in c.members}


def test_a_row_carries_cluster_host_date_team_and_member_names() -> None:
    cluster = FakeCluster(3, "48", ("48", "49"), dt.date(2022, 9, 14), "Team South")
    header, first, _ = list(csv.reader(io.StringIO(plan_to_csv([cluster]))))
    assert tuple(header) == PLAN_CSV_COLUMNS
    assert first == ["3", "48", "Đà Nẵng", "2022-09-14", "Team South", "48", "Đà Nẵng"]


def test_a_plan_survives_a_round_trip_through_a_csv_file(tmp_path: Path) -> None:
    plan = plausible_2022_plan()
    write_plan_csv(plan, tmp_path / "plan.csv")
    assert read_plan_csv(tmp_path / "plan.csv") == tuple(ClusterRecord.of(c) for c in plan)


@given(plan_clusters())
def test_any_valid_plan_survives_a_round_trip_through_csv(plan: tuple[FakeCluster, ...]) -> None:
    expected = tuple(sorted((ClusterRecord.of(c) for c in plan), key=lambda c: c.id))
    assert read_plan_csv(io.StringIO(plan_to_csv(plan))) == expected


def test_units_of_ones_own_are_named_from_a_mapping() -> None:
    units = {"N": ("North", 10.0, 100.0), "S": ("South", 9.0, 100.5)}
    text = plan_to_csv([FakeCluster(1, "N", ("N", "S"))], units=units)
    assert "1,N,North,,,S,South" in text.splitlines()


def test_rows_of_one_cluster_that_disagree_on_the_host_are_refused() -> None:
    text = "cluster_id,host,date,trainer_team,member\n1,01,2022-09-12,A,01\n1,26,2022-09-12,A,26\n"
    with pytest.raises(ReferenceDataError, match="row 3, column 'host'"):
        read_plan_csv(io.StringIO(text))


def test_a_bad_date_in_the_csv_names_row_and_column() -> None:
    text = "cluster_id,host,date,trainer_team,member\n1,01,12 Sep,A,01\n"
    with pytest.raises(ReferenceDataError, match="row 2, column 'date'"):
        read_plan_csv(io.StringIO(text))
