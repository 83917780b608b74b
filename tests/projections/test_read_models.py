"""The read models answer the coordinators' questions."""

from __future__ import annotations

from datetime import date

import pytest

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint, SessionStatus
from schedcore.errors import InvalidInputError
from schedcore.projections import ProjectionRunner, Status, Views, progress

DAY_1, DAY_2 = date(2022, 9, 12), date(2022, 9, 13)


def views_of(app: Scheduler, today: date = DAY_2) -> Views:
    runner = ProjectionRunner(app)
    runner.catch_up()
    return runner.views(today=today)


def row(
    member: str,
    team: str,
    activity: Activity,
    *,
    province: str = "01",
    commune: str = "Ba Đình",
    day: date = DAY_1,
) -> AttendanceRow:
    return AttendanceRow(member, team, province, commune, activity, day)


def province_row(views: Views, code: str) -> object:
    return next(r for r in views.coverage("province") if r.key == code)


# -- roster and calendar -----------------------------------------------------------------------


def test_the_roster_lists_each_cluster_with_members_host_day_and_trainers(app: Scheduler) -> None:
    roster = views_of(app).clusters()
    assert [(c.id, c.host, c.members, c.date, c.trainer_team) for c in roster] == [
        (1, "01", ("01", "02"), DAY_1, "trainers-A"),
        (2, "04", ("04", "06"), DAY_2, "trainers-B"),
    ]


def test_a_moved_province_shows_in_its_new_cluster(app: Scheduler) -> None:
    app.move_province("02", 2, reason="closer to Cao Bằng", actor="planner")
    roster = {c.id: c.members for c in views_of(app).clusters()}
    assert roster == {1: ("01",), 2: ("02", "04", "06")}


def test_a_cancelled_session_leaves_its_cluster_without_a_day(app: Scheduler) -> None:
    app.cancel_session(2, reason="storm", actor="planner")
    cluster = views_of(app).clusters()[1]
    assert (cluster.date, cluster.status) == (None, "cancelled")


def test_the_calendar_finds_sessions_by_day(app: Scheduler) -> None:
    assert [s.cluster for s in views_of(app).sessions(day=DAY_2)] == [2]


def test_the_calendar_finds_the_session_a_province_is_seated_at(app: Scheduler) -> None:
    sessions = views_of(app).sessions(province="06")
    assert [(s.cluster, s.day, s.venue.province) for s in sessions] == [(2, DAY_2, "04")]


def test_the_calendar_shows_a_rescheduled_day(app: Scheduler) -> None:
    app.reschedule_session(1, date(2022, 9, 14), actor="planner")
    session = views_of(app).sessions(cluster=1)[0]
    assert (session.day, session.status) == (date(2022, 9, 14), SessionStatus.SCHEDULED)


# -- coverage ----------------------------------------------------------------------------------


def test_a_team_counts_as_trained_once_any_member_attended(app: Scheduler) -> None:
    app.record_attendance(
        [row("An", "t1", Activity.BRIDGE), row("Bình", "t1", Activity.ABSENT)], actor="c"
    )
    hanoi = province_row(views_of(app), "01")
    assert (hanoi.teams_trained, hanoi.teams_enrolled, hanoi.members_bridge) == (1, 1, 1)


def test_an_absence_trains_no_team(app: Scheduler) -> None:
    app.record_attendance([row("An", "t1", Activity.ABSENT)], actor="c")
    assert province_row(views_of(app), "01").teams_trained == 0


def test_a_member_recorded_twice_counts_once(app: Scheduler) -> None:
    app.record_attendance([row("An", "t1", Activity.COURSE)], actor="c")
    app.record_attendance([row("An", "t1", Activity.COURSE, day=DAY_2)], actor="c")
    assert province_row(views_of(app), "01").members_course == 1


def test_a_voided_record_is_subtracted(app: Scheduler) -> None:
    app.record_attendance(
        [row("An", "t1", Activity.HALL), row("Bình", "t2", Activity.HALL)], actor="c"
    )
    app.void_records("01", Activity.HALL, ["An"], reason="wrong person", actor="c")
    hanoi = province_row(views_of(app), "01")
    assert (hanoi.members_hall, hanoi.teams_trained) == (1, 1)


def test_coverage_by_commune_counts_each_commune_apart(app: Scheduler) -> None:
    app.record_attendance(
        [
            row("An", "t1", Activity.BRIDGE),
            row("Chi", "t3", Activity.BRIDGE, commune="Hoàn Kiếm"),
            row("Dũng", "t3", Activity.CHANNEL, commune="Hoàn Kiếm"),
        ],
        actor="c",
    )
    communes = {
        r.key: (r.members_bridge, r.members_channel) for r in views_of(app).coverage("commune")
    }
    assert communes == {"01/Ba Đình": (1, 0), "01/Hoàn Kiếm": (1, 1)}


def test_coverage_by_region_adds_up_its_provinces(app: Scheduler) -> None:
    app.record_attendance([row("An", "t1", Activity.HALL)], actor="c")
    app.record_attendance(
        [row("Giang", "t9", Activity.HALL, province="04", commune="Hoà An", day=DAY_2)],
        actor="c",
    )
    regions = {r.key: r.members_hall for r in views_of(app).coverage("region")}
    assert sum(regions.values()) == 2
    assert regions["Red River Delta"] == 1


def test_coverage_by_cluster_follows_the_session_attended(app: Scheduler) -> None:
    app.record_attendance([row("An", "t1", Activity.BRIDGE, province="02")], actor="c")
    app.move_province("02", 2, reason="closer", actor="planner")
    clusters = {
        r.key: (r.members_bridge, r.members_enrolled) for r in views_of(app).coverage("cluster")
    }
    assert clusters["1"] == (1, 0)  # attended cluster 1's session
    assert clusters["2"] == (0, 1)  # enrolled in a province of cluster 2 now


def test_the_country_totals_match_the_provinces(app: Scheduler) -> None:
    app.record_attendance(
        [
            row("An", "t1", Activity.COURSE),
            row("Giang", "t9", Activity.COURSE, province="06", commune="Bạch Thông"),
        ],
        actor="c",
    )
    views = views_of(app)
    total = views.coverage("country")[0]
    assert total.members_course == sum(r.members_course for r in views.coverage("province"))
    assert total.teams_expected == 12


def test_an_unknown_grouping_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        views_of(app).coverage("district")


def test_a_province_whose_session_is_still_ahead_is_on_track(app: Scheduler) -> None:
    status = province_row(views_of(app, today=DAY_1), "04").progress["teams_trained"].status
    assert status is Status.ON_TRACK


def test_a_province_whose_session_passed_with_few_teams_trained_is_at_risk(
    app: Scheduler,
) -> None:
    app.record_attendance([row("An", "t1", Activity.HALL)], actor="c")
    hanoi = province_row(views_of(app, today=DAY_2), "01")
    assert hanoi.progress["teams_trained"].status is Status.AT_RISK


def test_a_changed_target_is_the_one_measured_against(app: Scheduler) -> None:
    app.change_target(
        Target(Measure.MEMBERS_ONLINE_COURSE, 0.1, date(2022, 11, 30)), actor="ministry"
    )
    app.record_attendance([row("An", "t1", Activity.COURSE)], actor="c")
    hanoi = province_row(views_of(app), "01")
    assert hanoi.progress["members_course"].status is Status.MET


# -- the status rule (a pure function) ----------------------------------------------------------

TARGET = Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 11, 30))
START = date(2022, 9, 12)


def test_a_target_reached_is_met() -> None:
    assert progress(10, 10, TARGET, start=START, today=START).status is Status.MET


def test_a_linear_pace_that_reaches_the_target_by_the_deadline_is_on_track() -> None:
    # 80 days in the window; half of it gone, half the members done
    halfway = date(2022, 10, 21)
    assert progress(50, 100, TARGET, start=START, today=halfway).status is Status.ON_TRACK


def test_a_pace_that_falls_short_of_the_target_is_at_risk() -> None:
    halfway = date(2022, 10, 21)
    assert progress(30, 100, TARGET, start=START, today=halfway).status is Status.AT_RISK


def test_a_target_not_reached_by_its_deadline_is_missed() -> None:
    after = date(2022, 12, 1)
    assert progress(99, 100, TARGET, start=START, today=after).status is Status.MISSED


def test_before_the_programme_starts_nothing_is_due() -> None:
    before = date(2022, 9, 1)
    assert progress(0, 100, TARGET, start=START, today=before).status is Status.NOT_STARTED


def test_a_measure_without_a_target_has_no_status() -> None:
    assert progress(5, 100, None, start=START, today=START).status is Status.NO_TARGET


# -- bridge ------------------------------------------------------------------------------------


def test_bridge_coverage_is_the_share_of_communes_connected(app: Scheduler) -> None:
    app.connect_bridge_points(
        1, [BridgePoint("01", "Ba Đình"), BridgePoint("02", "Hà Giang")], actor="c"
    )
    bridge = views_of(app).bridge()
    session = next(s for s in bridge.sessions if s.cluster == 1)
    assert (session.connected, session.expected) == (2, 5)
    assert (bridge.connected, bridge.expected) == (2, 9)


def test_a_commune_on_two_bridges_counts_once_overall(app: Scheduler) -> None:
    app.connect_bridge_points(1, [BridgePoint("02", "Hà Giang")], actor="c")
    app.move_province("02", 2, reason="closer", actor="planner")
    app.connect_bridge_points(2, [BridgePoint("02", "Hà Giang")], actor="c")
    bridge = views_of(app).bridge()
    assert bridge.connected == 1
    assert bridge.provinces["02"] == (1, 2)


def test_the_communes_on_a_sessions_bridge_can_be_listed(app: Scheduler) -> None:
    app.connect_bridge_points(2, [BridgePoint("06", "Bạch Thông")], actor="c")
    assert views_of(app).bridge_points(2) == [("06", "Bạch Thông")]


# -- audit -------------------------------------------------------------------------------------


def test_the_audit_trail_records_who_did_what(app: Scheduler) -> None:
    app.set_host(1, "02", actor="planner:minh")
    # the host changes, and the session moves to the new host's venue
    host, venue = views_of(app).history()[-2:]
    assert (host.actor, host.event, host.cluster) == ("planner:minh", "Cluster.HostChanged", 1)
    assert "02 hosts cluster 1" in host.summary
    assert (venue.actor, venue.event) == ("planner:minh", "Session.VenueChanged")


def test_the_audit_trail_filters_by_province(app: Scheduler) -> None:
    app.record_attendance(
        [row("Giang", "t9", Activity.COURSE, province="06", commune="Bạch Thông")],
        actor="coordinator:06",
    )
    entries = views_of(app).history(province="06")
    assert entries
    assert {e.province for e in entries} == {"06"}
    assert entries[-1].actor == "coordinator:06"


def test_the_report_has_the_documented_keys(app: Scheduler) -> None:
    report = views_of(app).report()
    assert {"position", "clusters", "provinces", "totals"} <= set(report)
    assert set(report["clusters"][0]) >= {"id", "host", "members", "date", "trainer_team"}
    assert set(report["provinces"]["01"]) >= {
        "teams_trained",
        "members_hall",
        "members_bridge",
        "members_course",
        "members_channel",
    }
    assert report["position"] == app.max_notification_id()
