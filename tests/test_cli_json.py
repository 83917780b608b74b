"""``--json -`` on every command: standard output holds one JSON document of the documented shape.

One small programme of four units is planned into a SQLite store, then each command runs on it
with ``--json -`` and its output is parsed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schedcore.cli import main
from tests.cli_programme import Programme


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    """The programme planned and applied to its store, with three attendance rows."""
    made = Programme(tmp_path_factory.mktemp("json"))
    assert main(["plan", *made.problem(), "--apply", "--store", made.store]) == 0
    assert main(["record", *made.in_store(), str(made.rows)]) == 0
    return made


def json_of(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> Any:
    """Run a command with ``--json -``; its standard output must be one JSON document."""
    capsys.readouterr()
    assert main([*argv, "--json", "-"]) == code
    return json.loads(capsys.readouterr().out)


def test_plan_json_has_the_plan_and_its_problem(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json_of(["plan", *programme.problem()], capsys)
    assert document["status"] == "OPTIMAL"
    assert sorted(code for c in document["clusters"] for code in c["members"]) == list("ABCD")
    assert len(document["problem"]["units"]) == 4


def test_replan_json_from_the_store_counts_what_moved(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json_of(["replan", *programme.problem(), "--store", programme.store], capsys)
    assert document["breakdown"]["units_moved"] == 0
    assert len(document["clusters"]) == 2


def test_explain_json_of_a_feasible_change_summarises_the_replan(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["explain", *programme.problem(), "--store", programme.store]
    document = json_of([*argv, "--blackout", "B=2025-03-07"], capsys)
    assert document["status"] == "FEASIBLE"
    assert document["against"] == programme.store
    assert document["conflicts"] == [] and document["message"] is None
    assert document["replan"]["breakdown"]["units_moved"] == 0


def test_explain_json_of_an_impossible_change_names_the_conflicts(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    change = ["--blackout", "A=2025-03-05", "--pin", "unit=A,date=2025-03-05"]
    argv = ["explain", *programme.problem(), "--store", programme.store, *change]
    document = json_of(argv, capsys, code=3)
    assert document["status"] == "INFEASIBLE"
    assert [c["name"] for c in document["conflicts"]] == ["allowed_dates", "pin[1]"]


def test_record_json_counts_the_rows(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json_of(["record", *programme.in_store(), str(programme.rows)], capsys)
    assert document["rows"] == 3
    assert document["already_recorded"] == 3 and document["recorded"] == 0


def test_report_json_has_the_clusters_and_provinces(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json_of(["report", *programme.in_store()], capsys)
    assert document["programme"] == programme.name
    assert len(document["clusters"]) == 2
    assert set(document["provinces"]) == set("ABCD")


def test_rebuild_json_gives_its_figures(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json_of(["rebuild", *programme.in_store()], capsys)
    assert document["events"] == document["position"] > 0
    assert document["models"] >= 1 and document["parked"] == 0


def test_history_json_lists_the_entries(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = json_of(["history", *programme.in_store(), "--province", "A"], capsys)
    assert entries and all(entry["province"] == "A" for entry in entries)
    assert {"position", "recorded_at", "actor", "event", "cluster", "summary"} <= set(entries[0])


def test_export_json_describes_the_files_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps({"clusters": [{"id": 1, "host": "01", "members": ["01", "26"],
                                  "date": "2022-09-12", "trainer_team": "T1"}]}),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "plan.ics"
    argv = ["export", "--plan", str(plan), "--format", "ics", "--out", str(out)]
    document = json_of(argv, capsys)
    assert document == {
        "format": "ics",
        "files": [str(out)],
        "clusters": 1,
        "sessions": 1,
        "source": str(plan),
    }
    assert out.exists()
