"""Probes of two promises: an idempotency key belongs to its first actor, and a session
cancelled and reinstated holds its seats once, within its hall.

A key reused by another actor must not hand that actor the first one's result (its own command
silently dropped): it is refused with :class:`InvalidInputError` and writes nothing.  A session
cancelled and reinstated, however its cluster changed meanwhile, seats each province in exactly
one session, within the hall's capacity, and no province's hall attendance exceeds its seats.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.values import Activity, AttendanceRow, SessionStatus
from schedcore.errors import InvalidInputError, RuleViolationError
from schedcore.security import Actor
from tests.core.conftest import spec_2022, standard_plan, store_url_for

PLANNER_A = Actor.planner("an")
PLANNER_B = Actor.planner("binh")


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Scheduler:
    spec = spec_2022()
    scheduler = Scheduler.open(store_url_for(request.param, tmp_path, request), programme=spec.name)
    scheduler.create_programme(spec, actor="ministry")
    scheduler.apply_plan(standard_plan(), actor="ministry")
    return scheduler


def _clear_cache(app: Scheduler) -> None:
    if app.repository.cache is not None:
        app.repository.cache.cache.clear()


# -- idempotency keys --------------------------------------------------------------------------


@pytest.mark.parametrize("from_the_log", [False, True])
def test_a_key_reused_by_another_actor_for_the_same_command_is_refused(
    app: Scheduler, from_the_log: bool
) -> None:
    app.assign_trainer_team(1, "team-an", actor=PLANNER_A, idempotency_key="teams-1")
    if from_the_log:
        _clear_cache(app)
    before = app.max_notification_id()
    with pytest.raises(InvalidInputError, match="another actor"):
        app.assign_trainer_team(1, "team-an", actor=PLANNER_B, idempotency_key="teams-1")
    with pytest.raises(InvalidInputError, match="another actor"):
        app.assign_trainer_team(1, "team-binh", actor=PLANNER_B, idempotency_key="teams-1")
    assert app.max_notification_id() == before
    assert app.cluster(1).trainer_team == "team-an"


def test_the_first_actor_retrying_its_key_gets_its_own_result_and_writes_nothing(
    app: Scheduler,
) -> None:
    first = app.assign_trainer_team(1, "team-an", actor=PLANNER_A, idempotency_key="teams-1")
    before = app.max_notification_id()
    _clear_cache(app)
    again = app.assign_trainer_team(1, "team-an", actor=PLANNER_A, idempotency_key="teams-1")
    assert again == first
    assert app.max_notification_id() == before


def test_a_key_reused_by_another_actor_on_the_command_line_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = spec_2022()
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    setup = Scheduler.open(url, programme=spec.name)
    setup.create_programme(spec, actor="ministry")
    setup.apply_plan(standard_plan(), actor="ministry")
    setup.close()
    path = tmp_path / "rows.csv"
    path.write_text(
        "member,team,province,commune,activity,date\nAn,T1,01,Ba Dinh,course,2022-09-20\n",
        encoding="utf-8",
    )
    base = ["record", "--store", url, "--programme", spec.name, "--idempotency-key", "k-1"]
    assert main([*base, "--actor", "province_coordinator[01]:an", str(path)]) == 0
    reader = Scheduler.open(url, programme=spec.name)
    before = reader.max_notification_id()
    reader.close()
    capsys.readouterr()
    code = main([*base, "--actor", "province_coordinator[01]:binh", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "another actor" in err, err
    reader = Scheduler.open(url, programme=spec.name)
    assert reader.max_notification_id() == before
    reader.close()


# -- cancelled, then reinstated ----------------------------------------------------------------


def _seated(app: Scheduler) -> Counter[str]:
    """How many scheduled sessions seat each province (one each, when consistent)."""
    found: Counter[str] = Counter()
    for number in range(1, 11):
        session = app.session(number)
        if session.status is SessionStatus.SCHEDULED:
            found.update(list(session.seats))
    return found


def _assert_consistent(app: Scheduler) -> None:
    seated = _seated(app)
    assert set(seated.values()) == {1}, {p: n for p, n in seated.items() if n != 1}
    for number in range(1, 11):
        session, cluster = app.session(number), app.cluster(number)
        assert session.seats_allotted <= session.hall_capacity
        if session.status is SessionStatus.SCHEDULED:
            assert set(session.seats) == set(cluster.members)
            for province, seats in session.seats.items():
                assert seats == app.programme().seats_for(province)


def test_a_session_cancelled_and_reinstated_seats_the_same_provinces_once(
    app: Scheduler,
) -> None:
    before = dict(app.session(2).seats)
    app.cancel_session(2, reason="storm", actor="ministry")
    app.reinstate_session(2, date(2022, 9, 27), actor="ministry")
    _clear_cache(app)
    session = app.session(2)
    assert session.status is SessionStatus.SCHEDULED and session.day == date(2022, 9, 27)
    assert session.seats == before
    _assert_consistent(app)


def test_cancelling_and_reinstating_twice_allots_no_seat_twice(app: Scheduler) -> None:
    start = app.max_notification_id()
    for day in (date(2022, 9, 27), date(2022, 9, 28)):
        app.cancel_session(2, reason="storm", actor="ministry")
        app.reinstate_session(2, day, actor="ministry")
    with pytest.raises(RuleViolationError):
        app.reinstate_session(2, date(2022, 9, 29), actor="ministry")
    names = Counter(
        type(app.mapper.to_domain_event(n)).__qualname__
        for n in app.recorder.select_notifications(start + 1, 1000)
    )
    # seats were allotted when the plan was applied; nothing changed, so none again
    assert names["Session.SeatsAllotted"] == 0 and names["Session.SeatsReleased"] == 0
    assert names["Session.Cancelled"] == names["Session.Reinstated"] == 2
    _assert_consistent(app)


def test_a_province_moved_out_while_its_session_was_cancelled_is_seated_once(
    app: Scheduler,
) -> None:
    moved = app.cluster(2).members[-1]
    app.change_capacity(3, hall_capacity=5000, actor="ministry")
    app.cancel_session(2, reason="storm", actor="ministry")
    app.move_province(moved, 3, reason="closer", actor="ministry")
    app.reinstate_session(2, date(2022, 9, 27), actor="ministry")
    assert moved not in app.session(2).seats and moved in app.session(3).seats
    _assert_consistent(app)


def test_hall_attendance_before_a_cancellation_still_fits_the_seats_after_reinstatement(
    app: Scheduler,
) -> None:
    session = app.session(1)
    province = session.venue.province
    seats = session.seats[province]
    rows = [
        AttendanceRow(f"m{i}", f"T{i // 5}", province, "c", Activity.HALL, session.day)
        for i in range(seats)
    ]
    app.record_attendance(rows, actor="ministry")
    app.cancel_session(1, reason="storm", actor="ministry")
    app.reinstate_session(1, date(2022, 9, 27), actor="ministry")
    assert app.session(1).seats[province] == seats
    extra = AttendanceRow("late", "T99", province, "c", Activity.HALL, date(2022, 9, 27))
    before = app.max_notification_id()
    with pytest.raises(RuleViolationError):
        app.record_attendance([extra], actor="ministry")
    assert app.max_notification_id() == before
    used = app.attendance(province).hall_seats_used[1]
    assert used == seats <= app.session(1).seats[province]
    _assert_consistent(app)
