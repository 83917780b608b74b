"""``schedcore export``: every format from a plan file; mistakes are one line and exit 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

from schedcore.cli import main
from schedcore.exports import ClusterRecord, read_plan_csv, read_plan_json
from tests.exports.plans import FakeCluster, plausible_2022_plan


def planner_json(clusters: tuple[FakeCluster, ...] | list[FakeCluster]) -> dict[str, object]:
    """What the planner's ``plan --json`` writes (the keys the export reads, and the others)."""
    return {
        "status": "OPTIMAL",
        "objective": 1234,
        "bound": 1234,
        "wall_seconds": 4.2,
        "breakdown": {"distance": 1234},
        "clusters": [
            {
                "id": c.id,
                "host": c.host,
                "members": list(c.members),
                "date": c.date.isoformat() if c.date else None,
                "trainer_team": c.trainer_team,
            }
            for c in clusters
        ],
        "problem": {"units": sum(len(c.members) for c in clusters)},
    }


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(planner_json(plausible_2022_plan())), encoding="utf-8")
    return path


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_export_json_writes_the_plan(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    assert main(["export", "--format", "json", "--plan", str(plan_file), "--out", str(out)]) == 0
    expected = tuple(ClusterRecord.of(c) for c in plausible_2022_plan())
    assert read_plan_json(out) == expected


def test_export_csv_writes_one_row_per_member(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    assert main(["export", "--format", "csv", "--plan", str(plan_file), "--out", str(out)]) == 0
    assert sum(len(c.members) for c in read_plan_csv(out)) == 63


def test_export_ics_writes_one_event_per_session(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.ics"
    assert main(["export", "--format", "ics", "--plan", str(plan_file), "--out", str(out)]) == 0
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    assert len(calendar.walk("VEVENT")) == 10


def test_export_ics_sequence_is_written(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.ics"
    argv = ["export", "--format", "ics", "--plan", str(plan_file), "--out", str(out)]
    assert main([*argv, "--sequence", "3"]) == 0
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    assert {event.decoded("SEQUENCE") for event in calendar.walk("VEVENT")} == {3}


def test_export_png_writes_both_pictures_into_a_directory(tmp_path: Path) -> None:
    day = dt.date(2022, 9, 13)
    plan = [FakeCluster(1, "01", ("01", "26", "27"), day, "A"), FakeCluster(2, "79", ("74", "79"))]
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(planner_json(plan)), encoding="utf-8")
    out = tmp_path / "pictures"
    assert main(["export", "--format", "png", "--plan", str(plan_path), "--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "cluster_map.png",
        "session_calendar.png",
    ]


def test_export_to_standard_output(plan_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "csv", "--plan", str(plan_file), "--out", "-"]) == 0
    assert capsys.readouterr().out.startswith("cluster_id,host,host_name")


def test_export_with_units_of_ones_own(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name_vi,name_en,region,capital_lat,capital_lon,communes\n"
        "N,North,North,Top,12,100,5\nS,South,South,Bottom,10,100.5,4\n",
        encoding="utf-8",
    )
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(planner_json([FakeCluster(1, "N", ("N", "S"))])))
    out = tmp_path / "plan.csv"
    argv = ["export", "--format", "csv", "--plan", str(plan_path), "--units", str(units)]
    assert main([*argv, "--out", str(out)]) == 0
    assert "1,N,North,,,S,South" in out.read_text(encoding="utf-8").splitlines()


def test_a_missing_plan_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    argv = ["export", "--format", "json", "--plan", str(tmp_path / "no.json"), "--out", str(out)]
    assert main(argv) == 2
    assert "does not exist" in one_line_error(capsys)
    assert not out.exists()


def test_malformed_json_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text('{"clusters": [', encoding="utf-8")
    out = tmp_path / "x.ics"
    argv = ["export", "--format", "ics", "--plan", str(plan_path), "--out", str(out)]
    assert main(argv) == 2
    assert "not valid JSON" in one_line_error(capsys)
    assert not out.exists()


def test_an_unknown_format_is_one_line_and_exit_2(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--format", "xlsx", "--plan", str(plan_file), "--out", str(tmp_path / "x")]
    assert main(argv) == 2
    assert "unknown format 'xlsx'; choose one of json, csv, ics, png" in one_line_error(capsys)


def test_without_a_plan_file_an_empty_store_says_to_create_the_programme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--format", "json", "--store", "memory://", "--out", str(tmp_path / "x")]
    assert main(argv) == 2
    message = one_line_error(capsys)
    assert "the store memory:// holds no programme yet" in message
    assert "create one with 'schedcore plan --apply --store memory://'" in message


def test_without_a_plan_file_the_plan_in_force_is_read_from_the_store(tmp_path: Path) -> None:
    from schedcore import Scheduler, programme_2022

    store = f"sqlite:///{tmp_path / 'events.sqlite'}"
    app = Scheduler.open(store)
    app.create_programme(programme_2022(), actor="test")
    planned = [FakeCluster(1, "01", ("01", "26"), dt.date(2022, 9, 12), "T1")]
    app.apply_plan(planned, actor="test")
    app.close()
    out = tmp_path / "plan.json"
    assert main(["export", "--format", "json", "--store", store, "--out", str(out)]) == 0
    clusters = read_plan_json(out)
    assert [(c.id, c.host, c.members, c.date, c.trainer_team) for c in clusters] == [
        (1, "01", ("01", "26"), dt.date(2022, 9, 12), "T1")
    ]


def test_a_plan_with_an_unknown_province_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(planner_json([FakeCluster(1, "01", ("01", "00"))])))
    argv = ["export", "--format", "csv", "--plan", str(plan_path), "--out", str(tmp_path / "x")]
    assert main(argv) == 2
    assert "unknown unit '00'" in one_line_error(capsys)


def test_export_help_names_the_formats_and_the_store(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "json, csv, ics, png" in text and "--store" in text and "--plan" in text
