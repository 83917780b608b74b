"""Calendar changes are events with rules: a day a session in force is on is never taken away
(no holiday on it, the window keeps it, its weekday stays worked), the window stays a range,
and what the programme records (its spec, the session rules) follows the calendar as changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.calendar import Holiday
from schedcore.errors import InvalidInputError, RuleViolationError
from tests.core.conftest import spec_2022, standard_plan

WINDOW = spec_2022().calendar
#: The days of the standard plan's sessions, by cluster.
SESSION_DAYS = {planned.id: planned.date for planned in standard_plan()}
days_around = st.dates(WINDOW.start - timedelta(days=20), WINDOW.end + timedelta(days=20))


def planned_store() -> Scheduler:
    spec = spec_2022()
    app = Scheduler.open("memory://", programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner")
    return app


def session_days(app: Scheduler) -> dict[int, date]:
    return {s.cluster: s.day for s in (app.session(n) for n in range(1, 11))}


FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FAST
@given(day=days_around)
def test_a_holiday_is_refused_exactly_on_the_days_a_session_is_on(day: date) -> None:
    app = planned_store()
    before = app.max_notification_id()
    on_it = sorted(n for n, d in SESSION_DAYS.items() if d == day)
    if on_it:
        with pytest.raises(RuleViolationError) as refused:
            app.add_holiday(day, "new holiday", reason="decree", actor="planner")
        assert refused.value.rule == "calendar_keeps_sessions"
        assert all(f"cluster {n} on {day}" in str(refused.value) for n in on_it)
        assert app.max_notification_id() == before
    else:
        recorded = app.add_holiday(day, "new holiday", reason="decree", actor="planner")
        assert recorded.events == (0 if Holiday(day, "new holiday") in WINDOW.holidays else 1)
        assert Holiday(day, "new holiday") in app.programme().calendar.holidays
        assert app.programme().spec().calendar == app.programme().calendar
    assert session_days(app) == SESSION_DAYS


@FAST
@given(start=days_around, end=days_around)
def test_a_window_change_keeps_every_session_and_stays_a_range(start: date, end: date) -> None:
    app = planned_store()
    before = app.max_notification_id()
    deadlines = [t.deadline for t in app.programme().targets]
    if end < start:
        with pytest.raises(InvalidInputError):
            app.change_window(start=start, end=end, reason="r", actor="planner")
    elif any(not start <= d <= end for d in SESSION_DAYS.values()):
        with pytest.raises(RuleViolationError) as refused:
            app.change_window(start=start, end=end, reason="r", actor="planner")
        assert refused.value.rule == "calendar_keeps_sessions"
        outside = [n for n, d in SESSION_DAYS.items() if not start <= d <= end]
        assert all(f"cluster {n} on" in str(refused.value) for n in outside)
    elif any(d < start for d in deadlines):
        with pytest.raises(RuleViolationError) as refused:
            app.change_window(start=start, end=end, reason="r", actor="planner")
        assert refused.value.rule == "deadline_after_start"
    else:
        app.change_window(start=start, end=end, reason="r", actor="planner")
        calendar = app.programme().calendar
        assert (calendar.start, calendar.end) == (start, end)
        assert (app.programme().start, app.programme().end) == (start, end)
        return
    assert app.max_notification_id() == before
    assert (app.programme().start, app.programme().end) == (WINDOW.start, WINDOW.end)


@FAST
@given(weekdays=st.sets(st.integers(0, 6), max_size=7))
def test_weekdays_change_only_when_no_session_is_on_a_weekday_dropped(weekdays: set[int]) -> None:
    app = planned_store()
    before = app.max_notification_id()
    dropped = WINDOW.weekdays - weekdays
    if not weekdays:
        with pytest.raises(InvalidInputError):
            app.change_calendar(weekdays=weekdays, reason="r", actor="planner")
    elif any(d.weekday() in dropped for d in SESSION_DAYS.values()):
        with pytest.raises(RuleViolationError, match="cannot stop being working days"):
            app.change_calendar(weekdays=weekdays, reason="r", actor="planner")
    else:
        app.change_calendar(weekdays=weekdays, reason="r", actor="planner")
        assert app.programme().calendar.weekdays == frozenset(weekdays)
        return
    assert app.max_notification_id() == before


def test_changes_asked_together_are_all_recorded_or_none(planned: Scheduler) -> None:
    app = planned
    before = app.max_notification_id()
    busy = SESSION_DAYS[2]
    with pytest.raises(RuleViolationError):
        app.change_calendar(
            end=WINDOW.end + timedelta(days=30),
            add_holidays=[Holiday(busy, "clash")],
            reason="both",
            actor="planner",
        )
    assert app.max_notification_id() == before
    assert app.programme().end == WINDOW.end
    result = app.change_calendar(
        end=WINDOW.end + timedelta(days=30),
        add_holidays=[Holiday(WINDOW.end + timedelta(days=3), "new year's day off")],
        remove_holidays=[WINDOW.holidays[0].day],
        weekdays=[0, 1, 2, 3, 4, 5],
        reason="more time",
        actor="planner",
    )
    assert result.events == 4
    calendar = app.programme().calendar
    assert calendar.end == WINDOW.end + timedelta(days=30)
    assert WINDOW.holidays[0] not in calendar.holidays
    assert 5 in calendar.weekdays


def test_the_session_rules_use_the_calendar_as_changed(planned: Scheduler) -> None:
    app = planned
    free = next(d for d in WINDOW.working_days() if d not in SESSION_DAYS.values())
    app.add_holiday(free, "a new holiday", reason="decree", actor="planner")
    with pytest.raises(RuleViolationError) as refused:
        app.reschedule_session(1, free, actor="planner")
    assert refused.value.rule == "working_day"
    later = WINDOW.end + timedelta(days=7)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    with pytest.raises(RuleViolationError) as outside:
        app.reschedule_session(1, later, actor="planner")
    assert outside.value.rule == "date_in_window"
    app.change_window(end=later, reason="extended", actor="planner")
    app.reschedule_session(1, later, actor="planner")
    assert app.session(1).day == later
    # the window cannot now be cut back before the session moved there
    with pytest.raises(RuleViolationError, match=f"cluster 1 on {later}"):
        app.change_window(end=WINDOW.end, reason="cut", actor="planner")


def test_a_cancelled_session_does_not_hold_its_day(planned: Scheduler) -> None:
    app = planned
    app.cancel_session(4, reason="storm", actor="planner")
    app.add_holiday(SESSION_DAYS[4], "storm day", reason="decree", actor="planner")
    assert SESSION_DAYS[4] in app.programme().calendar.holiday_dates


def test_removing_a_day_that_is_no_holiday_records_nothing(app: Scheduler) -> None:
    day = next(d for d in WINDOW.working_days())
    assert app.remove_holiday(day, reason="r", actor="planner").events == 0
    with pytest.raises(RuleViolationError) as refused:
        app.add_holiday(day, "x", reason="  ", actor="planner")
    assert refused.value.rule == "reason_required"


def test_coordinators_may_not_change_the_calendar(app: Scheduler) -> None:
    from schedcore.errors import PermissionDeniedError
    from schedcore.security import Actor

    with pytest.raises(PermissionDeniedError):
        app.add_holiday(
            WINDOW.start, "x", reason="r", actor=Actor.cluster_coordinator("lan", cluster=1)
        )


@pytest.mark.parametrize(
    "change",
    [
        {"start": datetime(2022, 9, 13, 10, 0)},
        {"end": datetime(2022, 10, 1, 5, 0)},
        {"remove_holidays": [datetime(2022, 9, 2)]},
        {"add_holidays": [Holiday(datetime(2022, 9, 20, 1, 0), "A day off")]},  # type: ignore[arg-type]
        {"weekdays": [0, 1, True]},
        {"weekdays": {0: 1, 1: 1}},
        {"weekdays": "mon-fri"},
    ],
    ids=["start", "end", "remove", "add", "bool-weekday", "mapping", "text"],
)
def test_a_time_of_day_or_a_weekday_that_is_no_number_is_refused_and_writes_nothing(
    change: dict[str, object],
) -> None:
    app = planned_store()
    before = app.max_notification_id()
    with pytest.raises(InvalidInputError):
        app.change_calendar(**change, reason="decree", actor="planner")  # type: ignore[arg-type]
    assert app.max_notification_id() == before
    with pytest.raises(InvalidInputError):
        app.add_holiday(datetime(2022, 9, 20, 1, 0), "A day off", reason="x", actor="planner")
    assert app.programme().calendar == WINDOW


def test_a_reason_that_is_not_text_is_refused_and_writes_nothing() -> None:
    app = planned_store()
    before = app.max_notification_id()
    with pytest.raises(InvalidInputError, match="reason in words"):
        app.change_window(end=date(2022, 10, 7), reason=7, actor="planner")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="reason in words"):
        app.rename_programme("Another name", reason=b"x", actor="planner")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="reason in words"):
        app.cancel_session(1, reason=["x"], actor="planner")  # type: ignore[arg-type]
    assert app.max_notification_id() == before
