"""The coordinator's report: its figures agree with each other, shares are honest, "on a day".

The report is read the way a planner reads it: the text tables are parsed back and every total
is checked against the sum of its rows, the bridge figures against the attendance table, the
cluster table against the national totals, and the JSON against the text.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.calendar import WorkingCalendar
from schedcore.cli import main
from schedcore.cli._report_text import print_report
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint
from schedcore.errors import InvalidInputError
from schedcore.projections import ProjectionRunner, Views
from schedcore.projections.shares import Share, percent
from schedcore.projections.time_travel import views_on
from schedcore.projections.zone import end_of_day, programme_days, programme_zone
from tests.projections.conftest import small_spec
from tests.report_checks import cells, check_report, number

DAY_1, DAY_2 = date(2022, 9, 12), date(2022, 9, 13)


def views_of(app: Scheduler) -> Views:
    runner = ProjectionRunner(app)
    runner.catch_up()
    return runner.views(today=DAY_2)


def at(member: str, team: str, province: str, commune: str, activity: Activity) -> AttendanceRow:
    day = DAY_1 if province in ("01", "02") else DAY_2
    return AttendanceRow(member, team, province, commune, activity, day)


# -- honest shares -----------------------------------------------------------------------------


@given(whole=st.integers(1, 10**9), data=st.data())
def test_a_share_reads_100_percent_exactly_when_nothing_is_missing(
    whole: int, data: st.DataObject
) -> None:
    value = data.draw(st.integers(0, whole))
    printed = percent(value, whole)
    share = Share(value, whole, "teams")
    assert (printed == "100.0%") == (value == whole) == (share.missing == 0)
    shown = Fraction(printed.removesuffix("%")) / 100
    assert shown <= Fraction(value, whole) < shown + Fraction(1, 1000)


def test_the_reported_shortfall_of_2022_is_not_rounded_up() -> None:
    share = Share(46_103, 46_105, "teams")
    assert str(share) == "46,103 of 46,105 teams (99.9%), 2 missing"
    assert percent(0, 0) == "-" and percent(7, 5) == "100.0%"


# -- the bridge and the attendance table -------------------------------------------------------


def test_the_bridge_figures_agree_with_the_attendance_recorded_at_bridges(app: Scheduler) -> None:
    app.record_attendance(
        [
            at("An", "t1", "01", "Ba Đình", Activity.BRIDGE),
            at("Bình", "t2", "01", "Ba Đình", Activity.BRIDGE),
            at("Chi", "t3", "01", "Hoàn Kiếm", Activity.BRIDGE),
            at("Dũng", "t4", "01", "Hoàn Kiếm", Activity.HALL),
            at("Giang", "t9", "04", "Hoà An", Activity.BRIDGE),
        ],
        actor="c",
    )
    app.connect_bridge_points(1, [BridgePoint("02", "Hà Giang")], actor="c")
    report = views_of(app).report()
    bridge, totals = report["bridge"], report["totals"]
    assert bridge["members"] == totals["members_bridge"] == 4
    assert bridge["communes_attended"] == 3  # Ba Đình, Hoàn Kiếm, Hoà An
    assert bridge["connected"] == 4  # ... and Hà Giang, connected by its coordinator
    sessions = {s["cluster"]: s for s in bridge["sessions"]}
    assert (sessions[1]["connected"], sessions[1]["communes_attended"]) == (3, 2)
    assert (sessions[1]["members"], sessions[2]["members"]) == (3, 1)
    assert sessions[1]["percent"] == "60.0%" and sessions[1]["missing"] == 2  # 3 of 5 communes


def test_members_at_the_bridges_of_two_sessions_are_counted_with_each(app: Scheduler) -> None:
    app.record_attendance([at("Lan", "t20", "02", "Hà Giang", Activity.BRIDGE)], actor="c")
    app.move_province("02", 2, reason="closer", actor="planner")
    app.record_attendance(
        [AttendanceRow("Mai", "t21", "02", "Vị Xuyên", Activity.BRIDGE, DAY_2)], actor="c"
    )
    views = views_of(app)
    sessions = {s.cluster: s for s in views.bridge().sessions}
    assert (sessions[1].members, sessions[1].communes_attended) == (1, 1)
    assert (sessions[2].members, sessions[2].communes_attended) == (1, 1)
    by_cluster = {r.key: r.members_bridge for r in views.coverage("cluster")}
    assert by_cluster == {"1": 1, "2": 1}
    assert views.bridge().provinces["02"] == (2, 2)


# -- every line of the text report agrees with the others ---------------------------------------


@pytest.fixture
def recorded(app: Scheduler) -> Scheduler:
    """A store with attendance of every kind: hall, bridges, absences, the course, the channel,
    a province beyond its estimate (06: 7 members of 5 expected), one short (02), a province
    moved after its session and one withdrawn."""
    rows = [
        at("An", "t1", "01", "Ba Đình", Activity.HALL),
        at("Bình", "t1", "01", "Ba Đình", Activity.BRIDGE),
        at("Chi", "t2", "01", "Hoàn Kiếm", Activity.BRIDGE),
        at("Dũng", "t3", "01", "Hoàn Kiếm", Activity.ABSENT),
        at("Em", "t4", "01", "Tây Hồ", Activity.BRIDGE),
        at("An", "t1", "01", "Ba Đình", Activity.COURSE),
        at("Chi", "t2", "01", "Hoàn Kiếm", Activity.CHANNEL),
        at("Lan", "t20", "02", "Hà Giang", Activity.BRIDGE),
        at("Giang", "t9", "04", "Hoà An", Activity.HALL),
        at("Hà", "t10", "04", "Hoà An", Activity.BRIDGE),
        at("Khoa", "t11", "04", "Bảo Lạc", Activity.BRIDGE),
        at("Khoa", "t11", "04", "Bảo Lạc", Activity.COURSE),
    ]
    rows += [at(f"m{i}", f"t3{i % 3}", "06", f"xã {i % 3 % 2}", Activity.BRIDGE) for i in range(7)]
    rows += [at(f"m{i}", f"t3{i % 3}", "06", f"xã {i % 3 % 2}", Activity.CHANNEL) for i in range(6)]
    app.record_attendance(rows, actor="c")
    app.connect_bridge_points(2, [BridgePoint("04", "Thạch An")], actor="c")
    app.move_province("02", 2, reason="closer", actor="planner")
    app.withdraw_province("06", reason="flood", actor="planner")
    return app


def test_every_figure_of_the_text_report_agrees_with_the_others(
    recorded: Scheduler,
) -> None:
    runner = ProjectionRunner(recorded)
    runner.catch_up()
    document = {**runner.views(today=DAY_2).report(), "recorded_by": "now"}
    out = io.StringIO()
    print_report(document, out)
    text = out.getvalue()

    parsed = check_report(text, document)
    assert [row[0] for row in parsed.provinces] == ["01", "02", "04", "06"]
    assert parsed.provinces[0][1] == "Hà Nội" and parsed.provinces[3][2] == "-"  # 06: no cluster
    # Hà Giang: 2 seats in Cao Bằng's hall, 132 km away (1.28° of longitude at 22.7° N)
    assert parsed.provinces[1][3:5] == ["2", "132"]
    assert [row[0] for row in parsed.clusters] == ["1", "2", "no cluster"]
    # the attendance table's bridge column: 01, 02, 04, 06
    assert number(parsed.national[5]) == 3 + 1 + 2 + 7
    assert number(parsed.bridge_total[-5]) == 9  # 8 communes with attendance and Thạch An
    assert "Hà Nội (01), Hà Giang (02)" not in text  # 02 moved: cluster 1 is Hà Nội alone


def test_the_cli_writes_the_figures_it_prints(
    recorded: Scheduler, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "--store", store_url, "--programme", small_spec().name]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert main([*args, "--json", "-"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["recorded_by"] == "now"
    assert document["units"]["members_bridge"] == "members"
    assert document["clusters"][0]["host_name"] == "Hà Nội"
    bridge = document["bridge"]
    assert (
        f"Bridge points: {bridge['connected']:,} of {bridge['expected']:,} communes connected "
        f"({bridge['percent']})" in text
    )
    for code, row in document["provinces"].items():
        teams = row["shares"]["teams_trained"]
        line = next(line for line in text.splitlines() if line.startswith(f"  {code}  "))
        assert cells(line)[5:9] == [
            f"{teams['value']:,}",
            f"{teams['of']:,}",
            teams["percent"],
            f"{teams['missing']:,}",
        ]


# -- a programme day ---------------------------------------------------------------------------


@given(moment=st.datetimes(timezones=st.just(UTC)), day=st.dates())
def test_the_end_of_a_day_takes_in_exactly_what_was_recorded_by_then(
    moment: datetime, day: date
) -> None:
    zone = programme_zone("Asia/Ho_Chi_Minh")
    if day >= date.max - timedelta(days=1):
        return
    assert (moment <= end_of_day(day, zone)) == (moment.astimezone(zone.tz).date() <= day)


def test_a_day_before_the_programme_was_recorded_is_refused(app: Scheduler) -> None:
    with pytest.raises(InvalidInputError, match="recorded later"):
        views_on(app, date(2022, 9, 20), facts=views_of(app).facts)


def test_on_a_day_is_as_recorded_by_its_end(store_url: str) -> None:
    zone = programme_zone("Asia/Ho_Chi_Minh")
    today = datetime.now(zone.tz).date()
    spec = attrs.evolve(
        small_spec("Running now"),
        calendar=WorkingCalendar(today - timedelta(days=3), today + timedelta(days=20)),
        targets=(Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, today + timedelta(days=30)),),
    )
    app = Scheduler.open(store_url, programme=spec.name)
    try:
        app.create_programme(spec, actor="ministry")
        app.record_attendance(
            [AttendanceRow("An", "t1", "01", "Ba Đình", Activity.COURSE, today)], actor="c"
        )
        runner = ProjectionRunner(app)
        runner.catch_up()
        facts = runner.views().facts
        views = views_on(app, today, facts=facts)
        assert views.today == today
        assert views.position == app.max_notification_id()
        report = views.report(on=today)
        assert report["on"] == today.isoformat()
        assert report["totals"]["members_course"] == 1
        with pytest.raises(InvalidInputError, match="recorded later"):
            views_on(app, today - timedelta(days=1), facts=facts)
        with pytest.raises(InvalidInputError, match="outside the programme"):
            views_on(app, today + timedelta(days=31), facts=facts)
    finally:
        app.close()


def test_a_day_outside_the_programme_is_refused(app: Scheduler) -> None:
    facts = views_of(app).facts
    first, last = programme_days(facts)
    assert (first, last) == (date(2022, 9, 12), date(2022, 11, 30))
    for day in (first - timedelta(days=1), last + timedelta(days=1)):
        with pytest.raises(InvalidInputError, match="outside the programme"):
            views_on(app, day, facts=facts)
