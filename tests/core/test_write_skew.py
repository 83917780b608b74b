"""A decision taken on an aggregate that is only read cannot outlive a concurrent change to it.

Recording hall attendance reads the province's session day without changing the session. The
versions read go into the batch's transaction: a reschedule committed in between makes the
batch lose, be decided again against the new day, and refuse the rows dated on the old one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schedcore.application import RetryPolicy, Scheduler
from schedcore.domain.cluster import Cluster
from schedcore.domain.ids import cluster_id
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import ConcurrencyError, NotFoundError, RuleViolationError

# Tuesday: a day trainers-A (cluster 1's team in the standard plan) has free.
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
