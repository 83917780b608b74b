"""The roster, calendar and coverage as of a log position or a moment."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import InvalidInputError
from schedcore.projections import views_as_of

DAY_1 = date(2022, 9, 12)


def test_the_roster_as_of_a_position_is_the_roster_then(app: Scheduler) -> None:
    before = app.max_notification_id()
    app.move_province("02", 2, reason="closer", actor="planner")
    then = {c.id: c.members for c in views_as_of(app, position=before).clusters()}
    assert then == {1: ("01", "02"), 2: ("04", "06")}


def test_coverage_as_of_a_position_leaves_out_later_records(app: Scheduler) -> None:
    app.record_attendance(
        [AttendanceRow("An", "t1", "01", "Ba Đình", Activity.HALL, DAY_1)], actor="c"
    )
    before = app.max_notification_id()
    app.record_attendance(
        [AttendanceRow("Bình", "t2", "01", "Ba Đình", Activity.HALL, DAY_1)], actor="c"
    )
    views = views_as_of(app, position=before)
    assert views.position == before
    assert views.coverage("country")[0].members_hall == 1


def test_the_calendar_as_of_a_moment_has_the_day_of_that_moment(app: Scheduler) -> None:
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    app.reschedule_session(1, date(2022, 9, 15), actor="planner")
    views = views_as_of(app, moment=moment)
    assert views.sessions(cluster=1)[0].day == DAY_1
    assert views.position < app.max_notification_id()


def test_a_moment_without_a_time_zone_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        views_as_of(app, moment=datetime(2022, 9, 10, 12, 0))


def test_a_position_beyond_the_log_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        views_as_of(app, position=app.max_notification_id() + 1)


def test_either_a_position_or_a_moment_is_given_not_both(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        views_as_of(app, position=1, moment=datetime.now(UTC))
