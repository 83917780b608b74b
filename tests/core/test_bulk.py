"""Bulk attendance: many rows in few events and transactions; a bad row writes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from schedcore.application import RetryPolicy, Scheduler
from schedcore.application.attendance import read_attendance_csv
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    ReferenceDataError,
    RuleViolationError,
    UnknownProvinceError,
)

MON, TUE = date(2022, 9, 12), date(2022, 9, 13)


def rows_for(province: str, count: int, activity: Activity, day: date) -> list[AttendanceRow]:
    return [
        AttendanceRow(
            f"{province}-m{i}", f"{province}-t{i // 5}", province, f"c{i // 20}", activity, day
        )
        for i in range(count)
    ]


def test_bulk_rows_become_one_event_per_province_activity_and_day(planned: Scheduler) -> None:
    rows = rows_for("01", 2500, Activity.BRIDGE, MON) + rows_for("02", 500, Activity.COURSE, TUE)
    before = planned.max_notification_id()
    result = planned.record_attendance(rows, actor="coordinator", batch_size=1000)
    assert (result.rows, result.recorded, result.already_recorded) == (3000, 3000, 0)
    # A batch holds rows of one province: 01 in three batches, 02 in one.
    assert result.batches == 4
    # 01: opened + 3 bridge events (one per batch); 02: opened + 1 course event
    assert result.events == 6
    assert planned.max_notification_id() - before == 6
    book = planned.attendance("01")
    assert len(book.members) == 2500
    assert len(book.teams_trained_in_person()) == 500


def test_recording_the_same_rows_again_changes_nothing(planned: Scheduler) -> None:
    rows = rows_for("01", 300, Activity.HALL, MON)
    planned.record_attendance(rows, actor="coordinator")
    before = planned.max_notification_id()
    again = planned.record_attendance(rows, actor="coordinator")
    assert (again.recorded, again.already_recorded, again.events) == (0, 300, 0)
    assert planned.max_notification_id() == before


def test_a_bad_row_rejects_the_call_names_the_row_and_writes_nothing(planned: Scheduler) -> None:
    rows = rows_for("01", 2500, Activity.BRIDGE, MON)
    rows[1800] = AttendanceRow("late", "t", "01", "c", Activity.BRIDGE, TUE, line=1802)
    before = planned.max_notification_id()
    with pytest.raises(RuleViolationError, match="row 1802"):
        planned.record_attendance(rows, actor="coordinator", batch_size=1000)
    assert planned.max_notification_id() == before
    with pytest.raises(LookupError):
        planned.attendance("01")


def test_a_row_of_an_unknown_province_is_refused(planned: Scheduler) -> None:
    rows = [AttendanceRow("a", "t", "99", "c", Activity.COURSE, TUE)]
    with pytest.raises(UnknownProvinceError):
        planned.record_attendance(rows, actor="coordinator")


def test_a_row_with_a_blank_member_is_refused(planned: Scheduler) -> None:
    rows = [AttendanceRow(" ", "t", "01", "c", Activity.COURSE, TUE)]
    with pytest.raises(InvalidInputError, match="member"):
        planned.record_attendance(rows, actor="coordinator")


def test_a_retried_import_with_its_idempotency_key_returns_the_first_result(
    planned: Scheduler,
) -> None:
    rows = rows_for("01", 100, Activity.CHANNEL, TUE)
    first = planned.record_attendance(rows, actor="c", idempotency_key="import-1")
    before = planned.max_notification_id()
    again = planned.record_attendance(rows, actor="c", idempotency_key="import-1")
    assert again == first
    assert planned.max_notification_id() == before


def test_a_voided_hall_record_frees_its_seat(planned: Scheduler) -> None:
    seats = planned.session(1).seats["02"]
    rows = rows_for("02", seats, Activity.HALL, MON)
    planned.record_attendance(rows, actor="c")
    planned.void_records("02", Activity.HALL, [rows[0].member], reason="duplicate", actor="c")
    extra = [AttendanceRow("newcomer", "02-t0", "02", "c0", Activity.HALL, MON)]
    assert planned.record_attendance(extra, actor="c").recorded == 1


def _conflicting_saves(
    planned: Scheduler, monkeypatch: pytest.MonkeyPatch, conflicting: Callable[[int], bool]
) -> list[int]:
    """Make the saves whose number ``conflicting`` picks lose a race (the store is untouched)."""
    original = planned._save
    calls: list[int] = []

    def save(*objs: Any, **kwargs: Any) -> int:
        calls.append(1)
        if conflicting(len(calls)):
            raise ConcurrencyError("simulated")
        return original(*objs, **kwargs)

    monkeypatch.setattr(planned, "_save", save)
    return calls


def test_a_batch_that_loses_a_race_is_decided_again_and_recorded(
    planned: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = rows_for("01", 2000, Activity.COURSE, TUE)
    calls = _conflicting_saves(planned, monkeypatch, lambda n: n == 2)
    result = planned.record_attendance(rows, actor="c", batch_size=1000)
    assert len(calls) == 3  # batch 1, batch 2 lost, batch 2 again
    assert (result.recorded, result.already_recorded, result.batches) == (2000, 0, 2)
    assert len(planned.attendance("01").course) == 2000


def test_a_batch_that_keeps_losing_is_reported_with_what_was_written(
    planned: Scheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = rows_for("01", 2000, Activity.COURSE, TUE)
    monkeypatch.setattr(planned, "retry", RetryPolicy(attempts=3, base_delay=0))
    calls = _conflicting_saves(planned, monkeypatch, lambda n: n >= 2)
    with pytest.raises(
        ConcurrencyError, match=r"batch 2 of 2.*gave up after 3 attempts.*1000 rows"
    ):
        planned.record_attendance(rows, actor="c", batch_size=1000)
    assert len(calls) == 4
    monkeypatch.undo()
    retried = planned.record_attendance(rows, actor="c", batch_size=1000)
    assert (retried.recorded, retried.already_recorded) == (1000, 1000)
    assert len(planned.attendance("01").course) == 2000


CSV = "member,team,province,commune,activity,date\n"


def test_a_csv_file_is_read_into_rows_with_their_lines() -> None:
    text = CSV + "An,T1,1,Ba Dinh,hall,2022-09-12\nBinh,T1,01,Ba Dinh,Course,2022-09-20\n"
    rows = read_attendance_csv(io.StringIO(text), ["01", "02"], name="a.csv")
    assert [(r.province, r.activity, r.line) for r in rows] == [
        ("01", Activity.HALL, 2),
        ("01", Activity.COURSE, 3),
    ]


def test_a_csv_activity_outside_the_four_is_refused_naming_row_and_column() -> None:
    text = CSV + "An,T1,01,Ba Dinh,absent,2022-09-12\n"
    with pytest.raises(ReferenceDataError, match=r"a\.csv, row 2, column 'activity'"):
        read_attendance_csv(io.StringIO(text), ["01"], name="a.csv")


def test_a_csv_unknown_province_names_the_row() -> None:
    text = CSV + "An,T1,01,Ba Dinh,hall,2022-09-12\nAn,T1,98,Ba Dinh,hall,2022-09-12\n"
    with pytest.raises(UnknownProvinceError, match="row 3"):
        read_attendance_csv(io.StringIO(text), ["01"], name="a.csv")


def test_a_csv_bad_date_names_the_row_and_column() -> None:
    text = CSV + "An,T1,01,Ba Dinh,hall,12/09/2022\n"
    with pytest.raises(ReferenceDataError, match="row 2, column 'date'"):
        read_attendance_csv(io.StringIO(text), ["01"], name="a.csv")


def test_a_member_in_two_teams_within_one_batch_is_refused_naming_the_second_row(
    planned: Scheduler,
) -> None:
    rows = [
        AttendanceRow("An", "T1", "01", "Ba Dinh", Activity.COURSE, TUE, line=2),
        AttendanceRow("Binh", "T1", "01", "Ba Dinh", Activity.COURSE, TUE, line=3),
        AttendanceRow("An", "T2", "01", "Ba Dinh", Activity.CHANNEL, TUE, line=4),
    ]
    with pytest.raises(RuleViolationError, match="row 4") as raised:
        planned.record_attendance(rows, actor="c")
    assert raised.value.rule == "member_in_one_team"


def test_a_member_in_the_hall_and_at_a_bridge_in_one_batch_is_refused(
    planned: Scheduler,
) -> None:
    rows = [
        AttendanceRow("An", "T1", "01", "Ba Dinh", Activity.HALL, MON, line=2),
        AttendanceRow("An", "T1", "01", "Ba Dinh", Activity.BRIDGE, MON, line=3),
    ]
    with pytest.raises(RuleViolationError, match="row 3") as raised:
        planned.record_attendance(rows, actor="c")
    assert raised.value.rule == "one_in_person_outcome"


def test_the_first_hall_row_beyond_the_seats_is_named(planned: Scheduler) -> None:
    seats = planned.session(1).seats["02"]
    rows = [
        AttendanceRow(f"m{i}", "T1", "02", "c", Activity.HALL, MON, line=i + 2)
        for i in range(seats + 5)
    ]
    with pytest.raises(RuleViolationError, match=f"row {seats + 2}: .*attendee {seats + 1}"):
        planned.record_attendance(rows, actor="c")


def test_online_rows_of_several_days_become_one_event_per_day(planned: Scheduler) -> None:
    rows = [
        AttendanceRow(f"m{i}", "T1", "01", "c", Activity.COURSE, date(2022, 9, 20 + i % 3))
        for i in range(30)
    ]
    result = planned.record_attendance(rows, actor="c")
    assert (result.recorded, result.events) == (30, 4)  # opened + three days
