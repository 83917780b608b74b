"""Calendar changes racing the commands that decide on the calendar, on SQLite and PostgreSQL.

Whatever commits first, the store never holds a fact the calendar refuses: no session on a
holiday or outside the window, no online activity dated before the window's start.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import schedcore.application.attendance as attendance_module
from schedcore.application import RetryPolicy, Scheduler
from schedcore.calendar import Holiday
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import NotFoundError, RuleViolationError
from tests.core.conftest import planned_programme, spec_2022, store_url_for

KINDS = ["sqlite", "postgres"]
#: A free working day of the standard plan (its sessions are on the first ten working days),
#: on which cluster 1's trainer team has no other session.
FREE_DAY = date(2022, 9, 27)


@pytest.mark.parametrize("kind", KINDS)
def test_an_online_activity_on_a_day_a_concurrent_window_change_took_away_is_refused(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attendance batch is decided on the window's start; the window moves after that
    decision and before the batch's save: the save fails, the batch is decided again on the
    new start and refused, and nothing of it is written."""
    url = store_url_for(kind, tmp_path, request)
    spec = spec_2022()
    recorder, planner = (Scheduler.open(url, programme=spec.name) for _ in range(2))
    try:
        recorder.create_programme(spec, actor="ministry")
        start = spec.calendar.start
        day = date(2022, 9, 14)  # in the window now, before the start it moves to
        moved_to = date(2022, 9, 19)
        decide = attendance_module._decide
        moved: list[bool] = []

        def decide_then_move(*args: Any) -> Any:
            outcome = decide(*args)
            if not moved:  # between the first decision and its save
                moved.append(True)
                planner.change_window(start=moved_to, reason="late funding", actor="planner")
            return outcome

        monkeypatch.setattr(attendance_module, "_decide", decide_then_move)
        row = AttendanceRow("m1", "t1", "02", "c1", Activity.COURSE, day)
        before = planner.max_notification_id()
        with pytest.raises(RuleViolationError) as refused:
            recorder.record_attendance([row], actor="coordinator")
        assert refused.value.rule == "activity_in_programme"
        assert f"({moved_to})" in str(refused.value)
        assert moved and start < day < moved_to
        assert planner.programme().calendar.start == moved_to
        # the window change is the only thing written: no attendance at all
        assert planner.max_notification_id() == before + 1
        with pytest.raises(NotFoundError):
            planner.attendance("02")
    finally:
        recorder.close()
        planner.close()


@pytest.mark.parametrize("retries", [True, False], ids=["cached-reads", "fresh-reads"])
@pytest.mark.parametrize("kind", KINDS)
def test_an_online_activity_after_a_window_change_is_checked_against_the_new_start(
    kind: str, retries: bool, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A store that read the programme before another store moved the window decides the
    next upload on the window as moved, not as it had cached it (with retries, the upload
    decides on cached reads first and again on fresh ones when they moved on)."""
    url = store_url_for(kind, tmp_path, request)
    spec = spec_2022()
    recorder, planner = (Scheduler.open(url, programme=spec.name) for _ in range(2))
    if not retries:
        recorder.retry = RetryPolicy.never()
    try:
        recorder.create_programme(spec, actor="ministry")
        assert recorder.programme().calendar.start == spec.calendar.start  # cached
        planner.change_window(start=date(2022, 9, 19), reason="late funding", actor="planner")
        row = AttendanceRow("m1", "t1", "02", "c1", Activity.COURSE, date(2022, 9, 14))
        with pytest.raises(RuleViolationError, match="before the programme starts"):
            recorder.record_attendance([row], actor="coordinator")
        later = AttendanceRow("m1", "t1", "02", "c1", Activity.COURSE, date(2022, 9, 20))
        assert recorder.record_attendance([later], actor="coordinator").recorded == 1
    finally:
        recorder.close()
        planner.close()


def _race(url: str, name: str, change: dict[str, Any]) -> list[Any]:
    """A calendar change and cluster 1's session moved to :data:`FREE_DAY`, at once."""
    apps = [Scheduler.open(url, programme=name) for _ in range(2)]
    gate = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(index: int) -> None:
        gate.wait()
        try:
            if index == 0:
                outcomes[0] = apps[0].change_calendar(**change, reason="decree", actor="planner")
            else:
                outcomes[1] = apps[1].reschedule_session(1, FREE_DAY, actor="planner")
        except Exception as exc:  # every outcome, refusals included, is asserted on below
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        for app in apps:
            app.close()
    return outcomes


#: Calendar changes that take :data:`FREE_DAY` away.
CHANGES: dict[str, dict[str, Any]] = {
    "holiday": {"add_holidays": [Holiday(FREE_DAY, "Day of mourning")]},
    "window": {"end": date(2022, 9, 26)},
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("kind", KINDS)
def test_a_calendar_change_and_a_reschedule_onto_the_day_it_takes_away_one_wins(
    kind: str, change: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url_for(kind, tmp_path, request)
    asked = CHANGES[change]
    for _ in range(3):  # each round: a programme of its own, the race run again
        name = planned_programme(url)
        outcomes = _race(url, name, asked)
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert won[0].events >= 1
        (refusal,) = lost
        assert isinstance(refusal, RuleViolationError), refusal
        if isinstance(outcomes[0], Exception):  # the reschedule won
            assert refusal.rule == "calendar_keeps_sessions"
            assert f"cluster 1 on {FREE_DAY}" in str(refusal)
        else:  # the calendar change won
            assert refusal.rule in {"working_day", "date_in_window"}
        app = Scheduler.open(url, programme=name)
        try:
            calendar = app.programme().calendar
            days = [app.session(n).day for n in range(1, 11)]
            assert all(d is not None and calendar.is_working_day(d) for d in days), days
            moved = app.session(1).day == FREE_DAY
            taken = not calendar.is_working_day(FREE_DAY)
            assert moved != taken  # exactly one of the two is in the store
        finally:
            app.close()


@pytest.mark.parametrize("first", ["reschedule", "calendar"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_command_that_commits_second_is_decided_again_and_refused(
    kind: str,
    first: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both orders, made certain: one command decides, the other commits before the first
    one's save; the first is then decided again on what the other wrote, and refused."""
    import schedcore.application.programme as programme_commands
    import schedcore.application.sessions as session_commands

    url = store_url_for(kind, tmp_path, request)
    name = planned_programme(url)
    deciding, other = (Scheduler.open(url, programme=name) for _ in range(2))
    holiday = Holiday(FREE_DAY, "Day of mourning")
    try:
        done: list[Any] = []
        if first == "reschedule":  # the calendar change decides; the reschedule commits
            read = programme_commands._session_days

            def read_then_reschedule(work: Any) -> Any:
                found = read(work)
                if not done:
                    done.append(other.reschedule_session(1, FREE_DAY, actor="planner"))
                return found

            monkeypatch.setattr(programme_commands, "_session_days", read_then_reschedule)
            with pytest.raises(RuleViolationError) as refused:
                deciding.add_holiday(FREE_DAY, holiday.name, reason="decree", actor="planner")
            assert refused.value.rule == "calendar_keeps_sessions"
        else:  # the reschedule decides; the calendar change commits
            reschedule = session_commands.reschedule

            def reschedule_then_change(work: Any, **arguments: Any) -> Any:
                result = reschedule(work, **arguments)
                if not done:
                    done.append(other.add_holiday(FREE_DAY, holiday.name, reason="d", actor="p"))
                return result

            monkeypatch.setattr(session_commands, "reschedule", reschedule_then_change)
            with pytest.raises(RuleViolationError) as refused:
                deciding.reschedule_session(1, FREE_DAY, actor="planner")
            assert refused.value.rule == "working_day"
        assert done and done[0].events >= 1
        check = Scheduler.open(url, programme=name)
        try:
            moved = check.session(1).day == FREE_DAY
            taken = holiday in check.programme().calendar.holidays
            assert (moved, taken) == ((True, False) if first == "reschedule" else (False, True))
        finally:
            check.close()
    finally:
        deciding.close()
        other.close()
