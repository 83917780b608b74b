"""Smoke tests: each example runs from the repository root and writes what it says it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.examples.conftest import run_example


def test_plan_2022_prints_ten_clusters_and_writes_the_plan_calendar_and_pictures(
    planned_2022: tuple[Path, str],
) -> None:
    out, stdout = planned_2022
    assert "Planning 63 provinces into 10 clusters" in stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert len(plan["clusters"]) == 10
    assert sorted(m for c in plan["clusters"] for m in c["members"]) == sorted(
        {m for c in plan["clusters"] for m in c["members"]}
    )
    assert sum(len(c["members"]) for c in plan["clusters"]) == 63
    for picture in ("cluster_map.png", "session_calendar.png"):
        assert (out / picture).stat().st_size > 20_000


def test_plan_2022_calendar_has_one_event_per_session(planned_2022: tuple[Path, str]) -> None:
    icalendar = pytest.importorskip("icalendar")
    out, _ = planned_2022
    calendar = icalendar.Calendar.from_ical((out / "sessions.ics").read_bytes())
    assert len(list(calendar.walk("VEVENT"))) == 10


def test_replan_after_change_moves_the_province_off_its_blacked_out_day(
    planned_2022: tuple[Path, str], tmp_path: Path
) -> None:
    plan_file = planned_2022[0] / "plan.json"
    before = {
        m: c["date"]
        for c in json.loads(plan_file.read_text(encoding="utf-8"))["clusters"]
        for m in c["members"]
    }
    done = run_example(
        "replan_after_change.py",
        *("--current", str(plan_file), "--province", "01"),
        *("--out", str(tmp_path), "--time-limit", "60"),
    )
    assert "Re-plan" in done.stdout
    after = {
        m: c["date"]
        for c in json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["clusters"]
        for m in c["members"]
    }
    assert after["01"] != before["01"]
    assert (tmp_path / "changes.txt").read_text(encoding="utf-8").strip()


def test_national_attendance_records_in_bulk_and_reports_coverage(
    planned_2022: tuple[Path, str], tmp_path: Path
) -> None:
    pytest.importorskip("schedcore.projections", reason="projections not merged into this tree")
    done = run_example(
        "national_attendance.py",
        *("--plan", str(planned_2022[0] / "plan.json")),
        *("--out", str(tmp_path), "--scale", "0.01"),
    )
    assert "recorded" in done.stdout
    assert "whole country" in done.stdout
    assert (tmp_path / "national.sqlite").exists()
    assert (tmp_path / "coverage.png").stat().st_size > 20_000


def test_custom_programme_plans_other_units_and_records_them(tmp_path: Path) -> None:
    pytest.importorskip("schedcore.planning", reason="the planner is not merged into this tree")
    done = run_example("custom_programme.py", "--out", str(tmp_path), "--time-limit", "10")
    assert "16 units in 4 clusters" in done.stdout
    assert "read back 4 clusters from the store" in done.stdout
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert sum(len(c["members"]) for c in plan["clusters"]) == 16
    assert (tmp_path / "cluster_map.png").stat().st_size > 20_000
