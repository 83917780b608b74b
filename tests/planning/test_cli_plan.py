"""``schedcore plan``: the 2022 plan proven optimal, JSON that matches its schema, exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from schedcore.cli import main
from schedcore.planning import Plan, PlannedCluster, PlanStatus, Problem, validate
from schedcore.planning.problem import Unit

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "reference" / "plan.schema.json").read_text("utf-8"))


def _problem_from_json(document: dict) -> Problem:  # type: ignore[type-arg]
    """Rebuild the problem from the JSON alone, as an outside checker would."""
    spec = document["problem"]
    from schedcore.planning.problem import TrainerTeam, Weights

    return Problem(
        units=[
            Unit(
                code=u["code"],
                name=u["name"],
                demand=u["demand"],
                capacity=u["capacity"],
                region=u["region"],
                communes=u["communes"],
                blackout={date.fromisoformat(d) for d in u["blackout"]},
            )
            for u in spec["units"]
        ],
        clusters=spec["clusters"],
        min_size=spec["min_size"],
        max_size=spec["max_size"],
        days=None
        if spec["working_days"] is None
        else [date.fromisoformat(d) for d in spec["working_days"]],
        trainer_teams=[TrainerTeam(name) for name in spec["trainer_teams"]],
        bridge_capacity=spec["bridge_capacity"],
        travel_day_km=spec["travel_day_km"],
        weights=Weights(**spec["weights"]),
        distances=spec["distances"],
    )


def _plan_from_json(document: dict) -> Plan:  # type: ignore[type-arg]
    return Plan(
        status=PlanStatus(document["status"]),
        clusters=tuple(
            PlannedCluster(
                id=c["id"],
                host=c["host"],
                members=tuple(c["members"]),
                date=date.fromisoformat(c["date"]) if c["date"] else None,
                trainer_team=c["trainer_team"],
            )
            for c in document["clusters"]
        ),
    )


@pytest.mark.slow
def test_plan_json_on_2022_is_optimal_matches_the_schema_and_validates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "--json", "-", "--time-limit", "120"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == "OPTIMAL"
    assert document["objective"] == document["bound"]
    assert len(document["clusters"]) == 10
    problem = _problem_from_json(document)
    assert validate(problem, _plan_from_json(document)) == ()


def test_infeasible_input_prints_the_conflicts_and_exits_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "--no-dates", "--capacity", "1000"]) == 3
    err = capsys.readouterr().err
    assert "hall_capacity" in err and "cluster_count" in err


def test_a_bad_pin_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--pin", "unit=01,hots=01"]) == 2
    assert "bad pin" in capsys.readouterr().err


def test_own_units_and_distances_are_planned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,x,y,demand,capacity,can_host,communes,blackout\n"
        "A,Alpha,0,0,10,30,yes,3,2022-09-12\n"
        "B,Beta,1,0,10,30,no,3,\n"
        "C,Gamma,9,0,10,30,yes,3,\n"
        "D,Delta,10,0,10,30,yes,3,\n",
        encoding="utf-8",
    )
    distances = tmp_path / "distances.csv"
    distances.write_text(
        "code,A,B,C,D\nA,0,1,9,10\nB,1,0,8,9\nC,9,8,0,1\nD,10,9,1,0\n", encoding="utf-8"
    )
    out = tmp_path / "plan.json"
    code = main(
        [
            "plan",
            "--units",
            str(units),
            "--distances",
            str(distances),
            "--clusters",
            "2",
            "--start",
            "2022-09-12",
            "--end",
            "2022-09-14",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    document = json.loads(out.read_text("utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == "OPTIMAL"
    hosts = {c["host"] for c in document["clusters"]}
    assert "B" not in hosts
    cluster_of_a = next(c for c in document["clusters"] if "A" in c["members"])
    assert cluster_of_a["date"] != "2022-09-12"
    assert "OPTIMAL" in capsys.readouterr().out


def test_a_malformed_units_file_names_the_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,name,x,y,demand\nA,Alpha,0,0,ten\n", encoding="utf-8")
    assert main(["plan", "--units", str(units)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "'demand'" in err


def test_replan_from_a_plan_file_re_dates_only_the_blacked_out_cluster(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,x,y,demand\nA,Alpha,0,0,3\nB,Beta,1,0,3\nC,Gamma,50,0,3\nD,Delta,51,0,3\n",
        encoding="utf-8",
    )
    common = ["--units", str(units), "--clusters", "2", "--trainer-teams", "1", "--workers", "1"]
    common += ["--start", "2022-09-12", "--end", "2022-09-14"]
    first = tmp_path / "plan.json"
    assert main(["plan", *common, "--json", str(first)]) == 0
    before = json.loads(first.read_text("utf-8"))
    day_of_b = next(c["date"] for c in before["clusters"] if "B" in c["members"])
    second = tmp_path / "replan.json"
    changes = ["--current", str(first), "--blackout", f"B={day_of_b}"]
    code = main(["replan", *changes, *common, "--json", str(second)])
    assert code == 0
    after = json.loads(second.read_text("utf-8"))
    jsonschema.validate(after, SCHEMA)
    assert after["breakdown"]["units_moved"] == 0
    assert after["breakdown"]["sessions_redated"] == 1
    assert next(c["date"] for c in after["clusters"] if "B" in c["members"]) != day_of_b


def test_replan_refuses_a_file_that_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"clusters": [{"id": 1}]}', encoding="utf-8")
    assert main(["replan", "--current", str(bad)]) == 2
    assert "not a plan --json document" in capsys.readouterr().err
