"""Working days come from weekday rules minus holidays; blackouts are per unit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedcore import Holiday, InvalidInputError, WorkingCalendar, calendar_2022
from schedcore.calendar import ensure_aware, local_date


def test_the_2022_window_has_15_working_days_from_monday_12_to_friday_30() -> None:
    days = calendar_2022().working_days()
    assert len(days) == 15
    assert days[0] == date(2022, 9, 12)
    assert days[-1] == date(2022, 9, 30)
    assert all(day.weekday() < 5 for day in days)


def test_national_day_2022_is_a_holiday_just_before_the_window() -> None:
    wide = WorkingCalendar(date(2022, 8, 29), date(2022, 9, 9), holidays=calendar_2022().holidays)
    days = wide.working_days()
    assert date(2022, 9, 1) not in days
    assert date(2022, 9, 2) not in days
    assert date(2022, 8, 31) in days
    assert date(2022, 9, 5) in days
    assert "National Day" in (wide.why_not_working(date(2022, 9, 2)) or "")


def test_a_user_holiday_removes_its_day() -> None:
    calendar = calendar_2022().with_holidays([Holiday(date(2022, 9, 14), "Storm day")])
    assert date(2022, 9, 14) not in calendar.working_days()
    assert len(calendar.working_days()) == 14
    assert not calendar.is_working_day(date(2022, 9, 14))


def test_a_blackout_removes_the_day_only_for_clusters_containing_the_unit() -> None:
    calendar = calendar_2022().with_blackout("02", [date(2022, 9, 12), date(2022, 9, 13)])
    assert date(2022, 9, 12) not in calendar.allowed_days(["01", "02"])
    assert date(2022, 9, 12) in calendar.allowed_days(["01", "04"])
    assert len(calendar.allowed_days(["02"])) == 13


def test_weekends_and_days_outside_the_window_are_explained() -> None:
    calendar = calendar_2022()
    assert "Saturday" in (calendar.why_not_working(date(2022, 9, 17)) or "")
    assert "outside" in (calendar.why_not_working(date(2022, 10, 3)) or "")
    assert calendar.why_not_working(date(2022, 9, 13)) is None


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        WorkingCalendar(date(2022, 9, 30), date(2022, 9, 12))


def test_naive_timestamps_are_refused_and_aware_ones_map_to_the_local_date() -> None:
    with pytest.raises(InvalidInputError, match="time zone"):
        ensure_aware(datetime(2022, 9, 12, 8, 0))
    late_utc = datetime(2022, 9, 12, 20, 0, tzinfo=UTC)
    assert local_date(late_utc, "Asia/Ho_Chi_Minh") == date(2022, 9, 13)
    assert local_date(late_utc, "UTC") == date(2022, 9, 12)


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    length=st.integers(min_value=0, max_value=60),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    holiday_offsets=st.frozensets(st.integers(0, 60), max_size=10),
)
def test_working_days_equal_a_plain_day_by_day_filter(
    start: date, length: int, weekdays: frozenset[int], holiday_offsets: frozenset[int]
) -> None:
    end = start + timedelta(days=length)
    holidays = [Holiday(start + timedelta(days=o), "h") for o in holiday_offsets]
    calendar = WorkingCalendar(start, end, weekdays=weekdays, holidays=holidays)
    expected = [
        start + timedelta(days=i)
        for i in range(length + 1)
        if (start + timedelta(days=i)).weekday() in weekdays and i not in holiday_offsets
    ]
    assert list(calendar.working_days()) == expected
    assert all(calendar.is_working_day(day) for day in expected)
