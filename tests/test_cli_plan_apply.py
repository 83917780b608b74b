"""`schedcore plan --apply` records the plan; applying again re-plans and records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from tests.cli_programme import Programme

UNITS = """code,name,lat,lon,demand,capacity,communes
A,Alpha,10.0,105.0,30,100,3
B,Beta,10.1,105.1,20,100,2
C,Gamma,12.0,108.0,25,100,4
D,Delta,12.1,108.2,15,100,1
"""


def plan_args(units: Path, store: str, *extra: str) -> list[str]:
    return [
        "plan", "--units", str(units), "--clusters", "2", "--start", "2025-03-03",
        "--end", "2025-03-07", "--trainer-teams", "1", "--time-limit", "20",
        "--workers", "1", "--apply", "--store", store, *extra,
    ]  # fmt: skip


def test_applying_twice_records_the_plan_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'plan.sqlite'}"

    assert main(plan_args(units, store)) == 0
    first = capsys.readouterr().out
    assert "applied to" in first
    app = Scheduler.open(store, programme=units.stem)
    clusters = {c.number: set(c.members) for c in app.clusters() if not c.dissolved}
    head = app.max_notification_id()
    app.close()
    assert sorted(map(sorted, clusters.values())) == [["A", "B"], ["C", "D"]]

    assert main(plan_args(units, store)) == 0
    second = capsys.readouterr().out
    assert "re-planning the plan in force" in second
    assert "nothing recorded" in second
    app = Scheduler.open(store, programme=units.stem)
    assert app.max_notification_id() == head
    app.close()


def test_replan_from_the_store_with_apply_records_only_the_re_dated_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = Programme(tmp_path)
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    app = Scheduler.open(programme.store, programme=programme.name)
    before = {c.number: (c.host, c.members) for c in app.clusters() if not c.dissolved}
    day_of_a = next(app.session(n).day for n, (_, members) in before.items() if "A" in members)
    head = app.max_notification_id()
    app.close()

    replan = ["replan", *programme.problem(), "--store", programme.store]
    replan += ["--blackout", f"A={day_of_a}"]
    assert main(replan) == 0
    assert main([*replan, "--apply"]) == 0
    out = capsys.readouterr().out
    assert "session hosted by" in out and "1 clusters changed" in out

    app = Scheduler.open(programme.store, programme=programme.name)
    after = {c.number: (c.host, c.members) for c in app.clusters() if not c.dissolved}
    recorded = [item.topic.rsplit(":", 1)[-1] for item in app.notification_log.select(head + 1, 10)]
    new_day = next(app.session(n).day for n, (_, members) in after.items() if "A" in members)
    app.close()
    assert after == before, "a re-plan that moves no unit keeps every cluster's number"
    assert new_day != day_of_a
    # The session moves, its trainer team's day moves with it, the revision is recorded.
    assert recorded == [
        "Session.Rescheduled",
        "Programme.PlanApplied",
        "TrainerTeamDiary.Released",
        "TrainerTeamDiary.Reserved",
    ]
