"""A test per rule: breaking it raises its typed error and the store stays unchanged.

Each case starts from the standard plan (cluster 1 = 01 02 04 06 08 10, hosted by 01, on
Mon 12 Sep 2022; cluster 2 = 11 12 14 15 17 19, hosted by 11, on Tue 13 Sep) and breaks one
rule; the store's last notification id must not move.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.values import Activity, AttendanceRow, Venue
from schedcore.errors import (
    InvalidInputError,
    RuleViolationError,
    SchedcoreError,
    UnknownProvinceError,
)
from tests.core.conftest import Planned, spec_2022, standard_plan

MON, TUE, SAT = date(2022, 9, 12), date(2022, 9, 13), date(2022, 9, 17)


def row(
    member: str, activity: Activity, day: date, province: str = "01", **kw: str
) -> AttendanceRow:
    return AttendanceRow(
        member=member,
        team=kw.get("team", "T1"),
        province=province,
        commune=kw.get("commune", "Ba Dinh"),
        activity=activity,
        day=day,
        line=2,
    )


def record(app: Scheduler, *rows: AttendanceRow) -> None:
    app.record_attendance(list(rows), actor="coordinator")


def _fill_hall_of_02(app: Scheduler) -> None:
    seats = app.session(1).seats["02"]
    record(app, *(row(f"m{i}", Activity.HALL, MON, "02") for i in range(seats)))


def _merge_cluster_10_into_1(app: Scheduler) -> None:
    plan = standard_plan()
    merged = Planned(1, "01", plan[0].members + plan[9].members, MON, "trainers-A")
    app.apply_plan([merged, *plan[1:9]], actor="planner")


def _blackout_programme(app: Scheduler) -> None:
    spec = spec_2022("blacked out")
    spec = attrs.evolve(spec, calendar=spec.calendar.with_blackout("02", [MON]))
    app.create_programme(spec, actor="ministry")


def _one_target_per_measure(app: Scheduler) -> None:
    spec = spec_2022()
    target = spec.targets[0]
    app.create_programme(attrs.evolve(spec, targets=(target, target)), actor="ministry")


Step = Callable[[Scheduler], object]
Case = tuple[str, type[SchedcoreError], Step | None, Step]

CASES: list[Case] = [
    (
        "programme_unique",
        RuleViolationError,
        None,
        lambda a: a.create_programme(a.programme().spec(), actor="x"),
    ),
    ("one_target_per_measure", RuleViolationError, None, _one_target_per_measure),
    (
        "deadline_after_start",
        RuleViolationError,
        None,
        lambda a: a.change_target(
            Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 1, 1)), actor="m"
        ),
    ),
    ("actor_required", InvalidInputError, None, lambda a: a.set_host(1, "02", actor=" ")),
    ("host_is_member", RuleViolationError, None, lambda a: a.set_host(1, "11", actor="p")),
    (
        "province_in_one_cluster",
        RuleViolationError,
        None,
        lambda a: a.assign_province("02", 2, actor="p"),
    ),
    (
        "province_in_cluster",
        RuleViolationError,
        lambda a: a.withdraw_province("02", reason="late", actor="p"),
        lambda a: a.move_province("02", 2, reason="r", actor="p"),
    ),
    (
        "reason_required",
        RuleViolationError,
        None,
        lambda a: a.move_province("02", 2, reason="", actor="p"),
    ),
    (
        "move_elsewhere",
        RuleViolationError,
        None,
        lambda a: a.move_province("02", 1, reason="r", actor="p"),
    ),
    (
        "host_leaves_last",
        RuleViolationError,
        None,
        lambda a: a.move_province("01", 2, reason="r", actor="p"),
    ),
    (
        "cluster_active",
        RuleViolationError,
        _merge_cluster_10_into_1,
        lambda a: a.assign_trainer_team(10, "trainers-C", actor="p"),
    ),
    (
        "unknown_province",
        UnknownProvinceError,
        None,
        lambda a: a.assign_province("99", 1, actor="p"),
    ),
    (
        "date_in_window",
        RuleViolationError,
        None,
        lambda a: a.reschedule_session(1, date(2022, 10, 3), actor="p"),
    ),
    ("working_day", RuleViolationError, None, lambda a: a.reschedule_session(1, SAT, actor="p")),
    (
        "override_needs_reason",
        RuleViolationError,
        None,
        lambda a: a.reschedule_session(1, SAT, actor="p", override_reason=" "),
    ),
    (
        "not_blacked_out",
        RuleViolationError,
        _blackout_programme,
        lambda a: a.apply_plan(standard_plan(), actor="p", programme="blacked out"),
    ),
    (
        "hall_capacity",
        RuleViolationError,
        None,
        lambda a: a.change_capacity(1, hall_capacity=10, actor="p"),
    ),
    (
        "bridge_capacity",
        RuleViolationError,
        lambda a: a.connect_bridge_points(1, [("01", "Ba Dinh"), ("01", "Hoan Kiem")], actor="p"),
        lambda a: a.change_capacity(1, bridge_capacity=1, actor="p"),
    ),
    (
        "bridge_point_in_cluster",
        RuleViolationError,
        None,
        lambda a: a.connect_bridge_points(1, [("11", "X")], actor="p"),
    ),
    (
        "bridge_point_connected",
        RuleViolationError,
        None,
        lambda a: a.disconnect_bridge_points(1, [("01", "X")], actor="p"),
    ),
    ("session_unique", RuleViolationError, None, lambda a: a.schedule_session(1, TUE, actor="p")),
    (
        "session_not_cancelled",
        RuleViolationError,
        lambda a: a.cancel_session(1, reason="typhoon", actor="p"),
        lambda a: a.reschedule_session(1, TUE, actor="p"),
    ),
    (
        "session_cancelled",
        RuleViolationError,
        None,
        lambda a: a.reinstate_session(1, TUE, actor="p"),
    ),
    (
        "session_not_held",
        RuleViolationError,
        lambda a: a.mark_session_held(1, on=MON, actor="p"),
        lambda a: a.reschedule_session(1, TUE, actor="p"),
    ),
    (
        "held_not_before_day",
        RuleViolationError,
        None,
        lambda a: a.mark_session_held(1, on=date(2022, 9, 1), actor="p"),
    ),
    (
        "venue_in_cluster",
        RuleViolationError,
        None,
        lambda a: a.change_venue(1, Venue("11"), actor="p"),
    ),
    (
        "attendance_on_session_day",
        RuleViolationError,
        None,
        lambda a: record(a, row("An", Activity.HALL, TUE)),
    ),
    (
        "session_not_cancelled_attendance",
        RuleViolationError,
        lambda a: a.cancel_session(1, reason="typhoon", actor="p"),
        lambda a: record(a, row("An", Activity.BRIDGE, MON)),
    ),
    (
        "session_scheduled",
        RuleViolationError,
        lambda a: a.withdraw_province("02", reason="late", actor="p"),
        lambda a: record(a, row("An", Activity.HALL, MON, "02")),
    ),
    (
        "one_in_person_outcome",
        RuleViolationError,
        lambda a: record(a, row("An", Activity.HALL, MON)),
        lambda a: record(a, row("An", Activity.BRIDGE, MON)),
    ),
    (
        "hall_seats",
        RuleViolationError,
        _fill_hall_of_02,
        lambda a: record(a, row("one too many", Activity.HALL, MON, "02")),
    ),
    (
        "activity_in_programme",
        RuleViolationError,
        None,
        lambda a: record(a, row("An", Activity.COURSE, date(2022, 8, 1))),
    ),
    (
        "member_in_one_team",
        RuleViolationError,
        lambda a: record(a, row("An", Activity.COURSE, TUE, team="T1")),
        lambda a: record(a, row("An", Activity.CHANNEL, TUE, team="T2")),
    ),
    (
        "team_in_one_commune",
        RuleViolationError,
        lambda a: record(a, row("An", Activity.COURSE, TUE, team="T1", commune="Ba Dinh")),
        lambda a: record(a, row("Binh", Activity.COURSE, TUE, team="T1", commune="Hoan Kiem")),
    ),
    (
        "void_recorded_fact",
        RuleViolationError,
        lambda a: record(a, row("An", Activity.COURSE, TUE)),
        lambda a: a.void_records("01", Activity.COURSE, ["Binh"], reason="typo", actor="c"),
    ),
    (
        "plan_cluster_number_unique",
        RuleViolationError,
        None,
        lambda a: a.apply_plan([*standard_plan(), standard_plan()[0]], actor="p"),
    ),
    (
        "plan_cluster_has_members",
        RuleViolationError,
        None,
        lambda a: a.apply_plan([Planned(11, "01", ())], actor="p"),
    ),
    (
        "plan_host_is_member",
        RuleViolationError,
        None,
        lambda a: a.apply_plan([Planned(1, "11", ("01",))], actor="p"),
    ),
    (
        "plan_province_in_one_cluster",
        RuleViolationError,
        None,
        lambda a: a.apply_plan(
            [Planned(1, "01", ("01",)), Planned(2, "02", ("01", "02"))], actor="p"
        ),
    ),
    (
        "plan_trainer_one_session_a_day",
        RuleViolationError,
        None,
        lambda a: a.apply_plan(
            [Planned(1, "01", ("01",), MON, "T"), Planned(2, "02", ("02",), MON, "T")], actor="p"
        ),
    ),
    (
        "plan_unknown_province",
        UnknownProvinceError,
        None,
        lambda a: a.apply_plan([Planned(1, "99", ("99",))], actor="p"),
    ),
    (
        "plan_dates_on_working_days",
        RuleViolationError,
        None,
        lambda a: a.apply_plan(
            [attrs.evolve(c, date=SAT) if c.id == 3 else c for c in standard_plan()], actor="p"
        ),
    ),
]


def _expected_rule(name: str) -> str | None:
    aliases = {
        "actor_required": None,
        "unknown_province": None,
        "plan_unknown_province": None,
        "host_leaves_last": "host_is_member",
        "override_needs_reason": "reason_required",
        "venue_in_cluster": "host_is_member",
        "session_not_cancelled_attendance": "session_not_cancelled",
        "plan_dates_on_working_days": "working_day",
    }
    if name in aliases:
        return aliases[name]
    return name.removeprefix("plan_")


@pytest.mark.parametrize(("rule", "error", "setup", "break_it"), CASES, ids=[c[0] for c in CASES])
def test_breaking_a_rule_raises_its_typed_error_and_writes_nothing(
    planned: Scheduler,
    rule: str,
    error: type[SchedcoreError],
    setup: Step | None,
    break_it: Step,
) -> None:
    if setup is not None:
        setup(planned)
    before = planned.max_notification_id()
    with pytest.raises(error) as raised:
        break_it(planned)
    expected = _expected_rule(rule)
    if expected is not None:
        assert isinstance(raised.value, RuleViolationError)
        assert raised.value.rule == expected
    assert planned.max_notification_id() == before
