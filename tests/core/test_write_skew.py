"""A decision taken on an aggregate that is only read cannot outlive a concurrent change to it.

Recording hall attendance reads the province's session day without changing the session. The
versions read go into the batch's transaction: a reschedule committed in between makes the
batch lose, be decided again against the new day, and refuse the rows dated on the old one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from schedcore.application import RetryPolicy, Scheduler, attendance
from schedcore.domain.cluster import Cluster
from schedcore.domain.ids import cluster_id, trainer_team_diary_id
from schedcore.domain.reservations import TrainerTeamDiary
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import ConcurrencyError, NotFoundError, RuleViolationError

# Tuesday: a day trainers-A (cluster 1's team in the standard plan) has free.
from tests.core.conftest import spec_2022, standard_plan

MON, TUE = date(2022, 9, 12), date(2022, 9, 13)


def _hall_rows(count: int, day: date) -> list[AttendanceRow]:
    return [
        AttendanceRow(f"01-m{i}", f"01-t{i // 5}", "01", "c0", Activity.HALL, day)
        for i in range(count)
    ]


def _reschedule_before_first_save(
    planned: Scheduler, monkeypatch: pytest.MonkeyPatch, rival: Scheduler
) -> None:
    """Just before the batch is saved, another writer moves cluster 1's session to Tuesday."""
    original = planned._save
    done: list[bool] = []

    def save(*objs: Any, **kwargs: Any) -> int:
        if not done:
            done.append(True)
            rival.reschedule_session(1, TUE, actor="planner")
        return original(*objs, **kwargs)

    monkeypatch.setattr(planned, "_save", save)


@pytest.fixture
def rival(planned: Scheduler, store_url: str) -> Scheduler:
    """A second writer of the same store (the same application object for memory://)."""
    if store_url == "memory://":
        return planned
    other = Scheduler.open(store_url, programme=planned.default_programme)
    return other


def test_hall_rows_checked_against_a_day_that_a_reschedule_moved_are_refused(
    planned: Scheduler, rival: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert planned.session(1).day == MON
    _reschedule_before_first_save(planned, monkeypatch, rival)
    with pytest.raises(RuleViolationError) as refused:
        planned.record_attendance(_hall_rows(10, MON), actor="coordinator")
    assert refused.value.rule == "attendance_on_session_day"
    assert planned.session(1).day == TUE
    with pytest.raises(NotFoundError):
        planned.attendance("01")  # nothing of the batch was written


def test_rows_on_the_new_day_are_recorded_after_the_reschedule(
    planned: Scheduler, rival: Scheduler
) -> None:
    rival.reschedule_session(1, TUE, actor="planner")
    result = planned.record_attendance(_hall_rows(10, TUE), actor="coordinator")
    assert result.recorded == 10
    assert planned.attendance("01").hall_seats_used == {1: 10}


def test_a_save_whose_read_version_moved_on_is_refused_by_the_store(planned: Scheduler) -> None:
    planned.retry = RetryPolicy.never()
    cluster = planned.cluster(1)
    read_version = cluster.version
    planned.assign_trainer_team(1, "trainers-Z", actor="planner")
    session = planned.session(2)
    session.change_capacity(hall_capacity=999, bridge_capacity=None, actor="planner")
    with pytest.raises(ConcurrencyError):
        stale = {cluster_id(planned.programme_id(), 1): read_version}
        planned._save(session, expected_versions=stale)
    assert planned.session(2).hall_capacity != 999
    assert planned.cluster(1).version == read_version + 1
    assert isinstance(planned.cluster(1), Cluster)


# -- decisions taken on aggregates a command loaded but did not change ---------------------


def _before_first_save(app: Scheduler, monkeypatch: pytest.MonkeyPatch, rival: Any) -> None:
    """Run ``rival()`` (another command, committed) just before ``app``'s next save."""
    original = app._save
    done: list[bool] = []

    def save(*objs: Any, **kwargs: Any) -> int:
        if not done:
            done.append(True)
            rival()
        return original(*objs, **kwargs)

    monkeypatch.setattr(app, "_save", save)


def _diary(app: Scheduler, team: str) -> dict[date, int]:
    found = app._find(TrainerTeamDiary, trainer_team_diary_id(app.programme_id(), team))
    return {} if found is None else dict(found.days)


def test_a_team_change_racing_a_new_session_keeps_the_teams_diaries_true(
    app: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = standard_plan()
    unscheduled = attrs.evolve(plan[0], date=None, trainer_team="trainers-A")
    app.apply_plan([unscheduled, *plan[1:]], actor="planner")
    day = date(2022, 9, 28)
    _before_first_save(app, monkeypatch, lambda: app.schedule_session(1, day, actor="planner"))
    app.assign_trainer_team(1, "trainers-B", actor="planner")
    monkeypatch.undo()
    assert (app.cluster(1).trainer_team, app.session(1).day) == ("trainers-B", day)
    assert _diary(app, "trainers-B").get(day) == 1
    assert day not in _diary(app, "trainers-A")
    with pytest.raises(RuleViolationError) as refused:  # B is busy that day now
        app.reschedule_session(2, day, actor="planner")
    assert refused.value.rule == "trainer_one_session_a_day"


def test_bridge_points_racing_a_lower_daily_cap_cannot_exceed_it(
    planned: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = [("01", f"commune {k}") for k in range(5)]
    planned.connect_bridge_points(1, points[:2], actor="coordinator")
    _before_first_save(
        planned,
        monkeypatch,
        lambda: planned.change_daily_bridge_capacity(2, actor="planner"),
    )
    with pytest.raises(RuleViolationError) as refused:
        planned.connect_bridge_points(1, points, actor="coordinator")
    assert refused.value.rule == "bridge_capacity"
    assert planned.programme().daily_bridge_capacity == 2
    assert len(planned.session(1).bridge_points) == 2


def test_an_upload_checked_on_a_stale_cached_session_writes_nothing_when_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'two-workers.sqlite'}"
    spec = spec_2022()
    worker = Scheduler.open(url, programme=spec.name)
    worker.create_programme(spec, actor="ministry")
    worker.apply_plan(standard_plan(), actor="planner")
    other = Scheduler.open(url, programme=spec.name)
    first, second = standard_plan()[0].members[1], standard_plan()[1].members[1]
    tue = date(2022, 9, 13)
    # This worker caches the sessions of both clusters, then another one re-dates session 2.
    worker.record_attendance(_rows(first, MON, 1, "w") + _rows(second, tue, 1, "w"), actor="c")
    other.reschedule_session(2, date(2022, 9, 26), actor="planner")
    before = other.max_notification_id()
    # The batch of the province whose session did not move is written first.
    monkeypatch.setattr(attendance.random, "randrange", lambda _: 0)
    with pytest.raises(RuleViolationError) as refused:
        worker.record_attendance(_rows(first, MON, 3, "x") + _rows(second, tue, 3, "x"), actor="c")
    assert refused.value.rule == "attendance_on_session_day"
    assert other.max_notification_id() == before  # nothing of it written
    worker.close()
    other.close()


def _rows(province: str, day: date, count: int, tag: str) -> list[AttendanceRow]:
    return [
        AttendanceRow(f"{tag}-{province}-{k}", f"t-{province}", province, "c", Activity.HALL, day)
        for k in range(count)
    ]
