"""``plan --place-what-fits``, ``--max-travel-km``, ``--weight`` and ``schedcore recommend``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from schedcore.cli import main
from tests.cli_programme import Programme

from .test_cli_plan import SCHEMA, _plan_from_json, _problem_from_json


@pytest.fixture
def programme(tmp_path: Path) -> Programme:
    return Programme(tmp_path)


def test_place_what_fits_plans_what_fits_and_lists_the_rest(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    units = programme.units.read_text("utf-8").replace(",100,", ",40,")
    programme.units.write_text(units, "utf-8")  # 90 delegates, halls of 40 seats
    small_halls = programme.problem()
    assert main(["plan", *small_halls]) == 3  # strict by default: infeasible, explained
    capsys.readouterr()
    out = programme.root / "fit.json"
    assert main(["plan", *small_halls, "--place-what-fits", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "left out: 1 unit(s), 20 of 90 delegates" in printed and "hall_capacity" in printed
    document = json.loads(out.read_text("utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["problem"]["place_what_fits"] is True
    left = {u["unit"]: u for u in document["unplaced"]}
    placed = {m for c in document["clusters"] for m in c["members"]}
    assert set(left) | placed == {"A", "B", "C", "D"} and not set(left) & placed
    assert all(u["rules"] == ["hall_capacity"] for u in left.values())
    # the most that fits two halls of 40: Gamma and Delta (25 + 15), Alpha (30); Beta is out
    assert list(left) == ["B"]
    assert document["breakdown"]["unplaced_delegates"] == 20


def test_the_travel_cap_and_weights_reach_the_plan_and_its_json(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    out = programme.root / "plan.json"
    argv = [*programme.problem(), "--max-travel-km", "50", "--weight", "longest_travel=7",
            "--weight", "team_load_spread=2", "--json", str(out)]  # fmt: skip
    assert main(["plan", *argv]) == 0
    printed = capsys.readouterr().out
    assert "longest_travel" in printed and "x 7" in printed
    document = json.loads(out.read_text("utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["problem"]["max_travel_km"] == 50
    assert document["problem"]["weights"]["longest_travel"] == 7
    assert document["breakdown"]["longest_travel"] <= 50
    problem = _problem_from_json(document).with_changes(max_travel_km=50)
    from schedcore.planning import validate

    assert validate(problem, _plan_from_json(document)) == ()


def test_two_trainer_weights_that_disagree_are_refused(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*programme.problem(), "--trainer-weight", "3", "--weight", "trainer_travel=2"]
    assert main(["plan", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--trainer-weight" in err


def test_recommend_lists_options_against_a_plan_file(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = programme.root / "plan.json"
    assert main(["plan", *programme.problem(), "--json", str(plan)]) == 0
    capsys.readouterr()
    argv = ["recommend", *programme.problem(), "--current", str(plan), "--unit", "B",
            "--top", "2", "--json", "-"]  # fmt: skip
    assert main(argv) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["unit"] == "B" and found["violations"] == []
    assert 1 <= len(found["options"]) <= 2
    for option in found["options"]:
        assert option["objective"] == found["current_objective"] + option["delta"]
    assert main([*argv[:-2], "--unit", "b"]) == 2  # codes are exact; names are any spelling
    assert "unknown unit 'b': the programme's units table has A Alpha, B Beta" in (
        capsys.readouterr().err
    )
