"""The plan as JSON: written with names, read back unchanged, bad files refused clearly."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given

from schedcore.errors import InvalidInputError, NotFoundError, UnknownProvinceError
from schedcore.exports import (
    ClusterRecord,
    clusters_from_dict,
    plan_to_dict,
    read_plan_json,
    write_plan_json,
)
from tests.exports.plans import FakeCluster, plausible_2022_plan
from tests.strategies import plan_clusters

HANOI_CLUSTER = FakeCluster(
    id=1, host="01", members=("01", "26", "27"), date=dt.date(2022, 9, 12), trainer_team="A"
)


def test_a_plan_survives_a_round_trip_through_a_json_file(tmp_path: Path) -> None:
    plan = plausible_2022_plan()
    write_plan_json(plan, tmp_path / "plan.json")
    assert read_plan_json(tmp_path / "plan.json") == tuple(ClusterRecord.of(c) for c in plan)


@given(plan_clusters())
def test_any_valid_plan_survives_a_round_trip_through_json(plan: tuple[FakeCluster, ...]) -> None:
    document = json.loads(json.dumps(plan_to_dict(plan)))
    expected = tuple(sorted((ClusterRecord.of(c) for c in plan), key=lambda c: c.id))
    assert clusters_from_dict(document) == expected


def test_the_json_names_the_host_and_every_member() -> None:
    (cluster,) = plan_to_dict([HANOI_CLUSTER])["clusters"]
    assert cluster["host_name"] == "Hà Nội"
    assert cluster["member_names"] == ["Hà Nội", "Vĩnh Phúc", "Bắc Ninh"]
    assert cluster["date"] == "2022-09-12"


def test_the_programme_name_is_kept_when_given() -> None:
    assert plan_to_dict([HANOI_CLUSTER], programme="Pilot")["programme"] == "Pilot"


def test_the_written_file_keeps_vietnamese_names_readable(tmp_path: Path) -> None:
    path = write_plan_json([HANOI_CLUSTER], tmp_path / "plan.json")
    assert "Hà Nội" in path.read_text(encoding="utf-8")


def test_the_planners_json_with_its_other_keys_is_read() -> None:
    document = {
        "status": "OPTIMAL",
        "objective": 12.5,
        "bound": 12.5,
        "wall_seconds": 3.1,
        "breakdown": {"distance": 12.5},
        "clusters": [
            {"id": 2, "host": "79", "members": ["79", "74"], "date": None, "trainer_team": None}
        ],
        "problem": {"units": 2},
    }
    assert clusters_from_dict(document) == (ClusterRecord(2, "79", ("74", "79")),)


def test_a_missing_plan_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        read_plan_json(tmp_path / "absent.json")


def test_malformed_json_is_refused_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"clusters": [\n  {"id": 1,,}\n]}', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"not valid JSON \(line 2, column"):
        read_plan_json(path)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "expected a JSON object"),
        ({"plan": []}, "'clusters' is missing"),
        ({"clusters": [7]}, r"clusters\[0\]: expected an object"),
        ({"clusters": [{"id": "1", "host": "01", "members": ["01"]}]}, r"clusters\[0\]\.id"),
        ({"clusters": [{"id": True, "host": "01", "members": ["01"]}]}, r"clusters\[0\]\.id"),
        ({"clusters": [{"id": 1, "members": ["01"]}]}, r"clusters\[0\]\.host"),
        ({"clusters": [{"id": 1, "host": "01", "members": []}]}, r"clusters\[0\]\.members"),
        (
            {"clusters": [{"id": 1, "host": "01", "members": ["01"], "date": "12/09/2022"}]},
            r"clusters\[0\]\.date: '12/09/2022' is not a date",
        ),
        (
            {"clusters": [{"id": 1, "host": "01", "members": ["01"], "trainer_team": 3}]},
            r"clusters\[0\]\.trainer_team",
        ),
    ],
)
def test_a_malformed_plan_document_names_the_bad_key(document: object, where: str) -> None:
    with pytest.raises(InvalidInputError, match=where):
        clusters_from_dict(document)


def test_an_unknown_unit_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    with pytest.raises(UnknownProvinceError):
        write_plan_json([FakeCluster(1, "01", ("01", "99"))], path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("clusters", "message"),
    [
        ([FakeCluster(1, "02", ("01",))], "host '02' is not one of its members"),
        ([FakeCluster(1, "01", ("01",)), FakeCluster(1, "02", ("02",))], "two clusters"),
        ([FakeCluster(1, "01", ("01",)), FakeCluster(2, "01", ("01",))], "in cluster 1 and"),
        ([FakeCluster(1, "01", ("01", "01"))], "lists unit '01' twice"),
        ([FakeCluster(1, "01", ())], "has no members"),
    ],
)
def test_a_plan_that_is_not_a_partition_is_refused(
    clusters: list[FakeCluster], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        plan_to_dict(clusters)
