"""Roles and scopes at the application boundary: who may send which command, about what.

A refused command raises ``PermissionDeniedError`` before anything is read or written, and the
actor, with its role and scope, is recorded on every event of an accepted one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.values import Activity, AttendanceRow, Venue
from schedcore.errors import InvalidInputError, PermissionDeniedError, SchedcoreError
from schedcore.security import Actor, Role
from tests.core.conftest import spec_2022, standard_plan, store_url_for
from tests.strategies import actors

PLANNER = Actor.planner("minh")
OWN_CLUSTER = Actor.cluster_coordinator("lan", cluster=1)
OTHER_CLUSTER = Actor.cluster_coordinator("hoa", cluster=2)
OWN_PROVINCE = Actor.province_coordinator("an", province="01")
OTHER_PROVINCE = Actor.province_coordinator("binh", province="02")
ACTORS = {
    "planner": PLANNER,
    "coordinator of cluster 1": OWN_CLUSTER,
    "coordinator of cluster 2": OTHER_CLUSTER,
    "coordinator of province 01": OWN_PROVINCE,
    "coordinator of province 02": OTHER_PROVINCE,
}
ROW_01 = AttendanceRow("Nguyễn Văn An", "T1", "01", "Ba Đình", Activity.COURSE, date(2022, 9, 20))

Command = Callable[[Scheduler, Actor], object]

#: Every command of the Scheduler, about cluster 1 or province 01 (cluster 1 holds 01 and 02).
COMMANDS: dict[str, Command] = {
    "create_programme": lambda app, a: app.create_programme(spec_2022(), actor=a),
    "change_target": lambda app, a: app.change_target(
        Target(Measure.MEMBERS_ONLINE_COURSE, 0.9, date(2022, 11, 30)), actor=a
    ),
    "change_daily_bridge_capacity": lambda app, a: app.change_daily_bridge_capacity(50, actor=a),
    "rename_programme": lambda app, a: app.rename_programme("renamed", reason="r", actor=a),
    "change_calendar": lambda app, a: app.change_calendar(
        end=date(2022, 12, 31), reason="more time", actor=a
    ),
    "apply_plan": lambda app, a: app.apply_plan(standard_plan(), actor=a),
    "assign_province": lambda app, a: app.assign_province("02", 2, actor=a),
    "move_province": lambda app, a: app.move_province("02", 2, reason="closer", actor=a),
    "withdraw_province": lambda app, a: app.withdraw_province("02", reason="late", actor=a),
    "set_host": lambda app, a: app.set_host(1, "02", actor=a),
    "assign_trainer_team": lambda app, a: app.assign_trainer_team(1, "trainers-Z", actor=a),
    "schedule_session": lambda app, a: app.schedule_session(1, date(2022, 9, 13), actor=a),
    "reschedule_session": lambda app, a: app.reschedule_session(1, date(2022, 9, 14), actor=a),
    "change_venue": lambda app, a: app.change_venue(1, Venue("01", "Hall A"), actor=a),
    "change_capacity": lambda app, a: app.change_capacity(1, bridge_capacity=5000, actor=a),
    "cancel_session": lambda app, a: app.cancel_session(1, reason="storm", actor=a),
    "reinstate_session": lambda app, a: app.reinstate_session(1, date(2022, 9, 14), actor=a),
    "connect_bridge_points": lambda app, a: app.connect_bridge_points(
        1, [("01", "Ba Đình")], actor=a
    ),
    "disconnect_bridge_points": lambda app, a: app.disconnect_bridge_points(
        1, [("01", "Ba Đình")], actor=a
    ),
    "mark_session_held": lambda app, a: app.mark_session_held(1, on=date(2022, 9, 30), actor=a),
    "enrol_members": lambda app, a: app.enrol_members("01", [("An", "T1", "Ba Đình")], actor=a),
    "record_attendance": lambda app, a: app.record_attendance([ROW_01], actor=a),
    "void_records": lambda app, a: app.void_records(
        "01", Activity.COURSE, ["An"], reason="duplicate", actor=a
    ),
    "erase_member": lambda app, a: app.erase_member("An", actor=a),
}

_SESSION_COMMANDS = {
    "schedule_session",
    "reschedule_session",
    "change_venue",
    "change_capacity",
    "cancel_session",
    "reinstate_session",
    "connect_bridge_points",
    "disconnect_bridge_points",
    "mark_session_held",
}
#: The expected matrix, written out rather than computed from schedcore.security.PERMISSIONS.
ALLOWED = {
    "planner": set(COMMANDS) - {"enrol_members", "record_attendance", "void_records"},
    "coordinator of cluster 1": _SESSION_COMMANDS,
    "coordinator of cluster 2": set(),
    "coordinator of province 01": {"enrol_members", "record_attendance", "void_records"},
    "coordinator of province 02": set(),
}


@pytest.fixture
def app() -> Iterator[Scheduler]:
    spec = spec_2022()
    scheduler = Scheduler.open("memory://", programme=spec.name)
    scheduler.create_programme(spec, actor="ministry")
    scheduler.apply_plan(standard_plan(), actor="ministry")
    yield scheduler
    scheduler.close()


def test_the_matrix_names_every_command_of_the_scheduler() -> None:
    from schedcore.security import PERMISSIONS

    assert set(COMMANDS) == set(PERMISSIONS)


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_role_may_send_exactly_the_commands_of_its_scope(
    app: Scheduler, command: str, who: str
) -> None:
    before = app.max_notification_id()
    if command in ALLOWED[who]:
        try:
            COMMANDS[command](app, ACTORS[who])
        except PermissionDeniedError:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"{who} was refused {command}")
        except SchedcoreError:
            pass  # a domain rule may refuse it; the role did not
    else:
        with pytest.raises(PermissionDeniedError):
            COMMANDS[command](app, ACTORS[who])
        assert app.max_notification_id() == before


def test_an_accepted_command_records_the_actor_with_its_role_on_every_event(
    app: Scheduler,
) -> None:
    before = app.max_notification_id()
    app.cancel_session(1, reason="storm", actor=OWN_CLUSTER)
    app.record_attendance([ROW_01], actor=OWN_PROVINCE, idempotency_key="import-1")
    events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=before + 1, limit=100)
    ]
    # cancelled, its trainer team's day released; attendance opened, course completed; receipt
    assert len(events) == 5
    assert [e.actor for e in events] == [  # type: ignore[attr-defined]
        "cluster_coordinator[1]:lan",
        "cluster_coordinator[1]:lan",
        "province_coordinator[01]:an",
        "province_coordinator[01]:an",
        "province_coordinator[01]:an",
    ]


def test_one_row_of_another_province_refuses_the_whole_import(app: Scheduler) -> None:
    rows = [ROW_01] * 1 + [
        AttendanceRow(f"m{i}", "T1", "01", "Ba Đình", Activity.COURSE, date(2022, 9, 20))
        for i in range(500)
    ]
    rows.append(AttendanceRow("Hà", "T9", "02", "Hà Giang", Activity.COURSE, date(2022, 9, 20)))
    before = app.max_notification_id()
    with pytest.raises(PermissionDeniedError, match="province 02"):
        app.record_attendance(rows, actor=OWN_PROVINCE, batch_size=100)
    assert app.max_notification_id() == before


def test_a_plain_string_actor_is_an_operator_who_may_send_every_command(
    app: Scheduler,
) -> None:
    app.cancel_session(2, reason="storm", actor="ministry")
    app.record_attendance([ROW_01], actor="ministry")
    assert app.session(2).cancel_reason == "storm"
    assert app.attendance("01").course == {"Nguyễn Văn An"}


def test_an_operator_may_lower_its_rights_with_a_roles_text_form(app: Scheduler) -> None:
    row_02 = AttendanceRow("Hà", "T9", "02", "Hà Giang", Activity.COURSE, date(2022, 9, 20))
    with pytest.raises(PermissionDeniedError):
        app.record_attendance([row_02], actor="province_coordinator[01]:an")
    app.record_attendance([ROW_01], actor="province_coordinator[01]:an")
    assert app.attendance("01").course == {"Nguyễn Văn An"}


def test_text_that_starts_like_a_role_but_is_malformed_is_refused_not_trusted(
    app: Scheduler,
) -> None:
    before = app.max_notification_id()
    with pytest.raises(InvalidInputError):
        app.cancel_session(2, reason="storm", actor="cluster_coordinator:lan")
    assert app.max_notification_id() == before


@pytest.fixture
def strict_app() -> Iterator[Scheduler]:
    spec = spec_2022()
    scheduler = Scheduler.open("memory://", programme=spec.name)
    scheduler.create_programme(spec, actor=PLANNER, require_roles=True)
    scheduler.apply_plan(standard_plan(), actor=PLANNER)
    yield scheduler
    scheduler.close()


@pytest.mark.parametrize(
    "actor",
    ["ministry", "planner:minh", Actor.operator("ministry")],
    ids=["plain text", "a role's text form", "an operator"],
)
def test_a_programme_that_requires_roles_refuses_text_and_operators(
    strict_app: Scheduler, actor: object
) -> None:
    before = strict_app.max_notification_id()
    with pytest.raises(PermissionDeniedError, match="requires an"):
        strict_app.set_host(1, "02", actor=actor)  # type: ignore[arg-type]
    assert strict_app.max_notification_id() == before


def test_a_programme_that_requires_roles_accepts_actors_with_a_role(
    strict_app: Scheduler,
) -> None:
    strict_app.set_host(1, "02", actor=PLANNER)
    strict_app.record_attendance([ROW_01], actor=OWN_PROVINCE)
    assert strict_app.cluster(1).host == "02"


def test_a_programme_that_requires_roles_must_be_created_by_an_actor_with_a_role() -> None:
    app = Scheduler.open("memory://")
    with pytest.raises(PermissionDeniedError):
        app.create_programme(spec_2022(), actor="ministry", require_roles=True)
    assert app.max_notification_id() == 0


def test_requiring_roles_is_recorded_so_every_opener_of_the_store_enforces_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    spec = spec_2022()
    first = Scheduler.open(url, programme=spec.name)
    first.create_programme(spec, actor=PLANNER, require_roles=True)
    first.close()
    careless = Scheduler.open(url, programme=spec.name, require_roles=False)
    with pytest.raises(PermissionDeniedError):
        careless.change_target(
            Target(Measure.MEMBERS_ONLINE_COURSE, 0.5, date(2022, 11, 30)), actor="script"
        )
    assert careless.max_notification_id() == 2  # the programme created, its name claimed
    careless.close()


def test_a_store_opened_with_require_roles_refuses_plain_strings(app: Scheduler) -> None:
    strict = Scheduler.open("memory://", require_roles=True)
    with pytest.raises(PermissionDeniedError):
        strict.create_programme(spec_2022(), actor="ministry")
    assert strict.max_notification_id() == 0


def test_the_environment_can_require_roles_for_every_store_a_process_opens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCHEDCORE_REQUIRE_ROLES", "1")
    strict = Scheduler.open("memory://")
    with pytest.raises(PermissionDeniedError):
        strict.create_programme(spec_2022(), actor="ministry")
    strict.create_programme(spec_2022(), actor=PLANNER)
    assert strict.max_notification_id() == 2  # the programme created, its name claimed


def test_an_idempotency_key_answers_only_the_actor_that_first_used_it(app: Scheduler) -> None:
    app.record_attendance([ROW_01], actor=OWN_PROVINCE, idempotency_key="import-1")
    row_02 = AttendanceRow("Hà", "T9", "02", "Hà Giang", Activity.COURSE, date(2022, 9, 20))
    before = app.max_notification_id()
    with pytest.raises(InvalidInputError, match="another actor"):
        app.record_attendance([row_02], actor=OTHER_PROVINCE, idempotency_key="import-1")
    assert app.max_notification_id() == before


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_refused_command_writes_nothing_to_a_real_store(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url_for(kind, tmp_path, request)
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    app.create_programme(spec, actor=PLANNER)
    app.apply_plan(standard_plan(), actor=PLANNER)
    before = app.max_notification_id()
    with pytest.raises(PermissionDeniedError):
        app.move_province("02", 2, reason="closer", actor=OWN_CLUSTER)
    with pytest.raises(PermissionDeniedError):
        app.record_attendance([ROW_01], actor=OTHER_PROVINCE)
    app.close()
    reopened = Scheduler.open(url, programme=spec.name)
    assert reopened.max_notification_id() == before
    assert reopened.province_cluster("02") == 1
    reopened.close()


def test_the_cli_refuses_an_out_of_scope_import_with_exit_code_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    app.create_programme(spec, actor=PLANNER)
    app.apply_plan(standard_plan(), actor=PLANNER)
    before = app.max_notification_id()
    app.close()
    path = tmp_path / "rows.csv"
    path.write_text(
        "member,team,province,commune,activity,date\nAn,T1,01,Ba Đình,course,2022-09-20\n",
        encoding="utf-8",
    )
    argv = ["record", "--store", url, "--programme", spec.name, str(path)]
    assert main([*argv, "--actor", "province_coordinator[02]:binh"]) == 5
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert main([*argv, "--actor", "province_coordinator[01]:an"]) == 0
    reopened = Scheduler.open(url, programme=spec.name)
    assert reopened.max_notification_id() == before + 2
    reopened.close()


@pytest.mark.parametrize(
    "build",
    [
        lambda: Actor.cluster_coordinator("lan", cluster=0),
        lambda: Actor.cluster_coordinator("lan", cluster=True),  # type: ignore[arg-type]
        lambda: Actor.cluster_coordinator("lan", cluster="3"),  # type: ignore[arg-type]
        lambda: Actor.province_coordinator("an", province=" "),
        lambda: Actor("minh", Role.PLANNER, cluster=1),
        lambda: Actor("minh", Role.PLANNER, province="01"),
        lambda: Actor.planner(""),
        lambda: Actor.planner("two\nlines"),
        lambda: Actor.operator("planner:minh"),
    ],
    ids=[
        "cluster 0",
        "cluster True",
        "cluster as text",
        "blank province",
        "planner with a cluster",
        "planner with a province",
        "blank name",
        "two lines",
        "operator named like a role",
    ],
)
def test_an_actor_whose_scope_does_not_fit_its_role_cannot_be_built(
    build: Callable[[], Actor],
) -> None:
    with pytest.raises(InvalidInputError):
        build()


@pytest.mark.parametrize(
    "text",
    [
        "planner[3]:minh",
        "cluster_coordinator:lan",
        "cluster_coordinator[x]:lan",
        "province_coordinator:an",
        "province_coordinator[]:an",
        "planner :minh",
    ],
)
def test_malformed_role_text_is_an_input_error_never_an_operator(text: str) -> None:
    with pytest.raises(InvalidInputError):
        Actor.parse(text)


@given(actors)
def test_an_actors_recorded_form_reads_back_as_the_same_actor(actor: Actor) -> None:
    assert Actor.parse(str(actor)) == actor


def test_text_with_no_role_prefix_is_an_operator_of_that_name() -> None:
    assert Actor.parse("cli:hoa") == Actor.operator("cli:hoa")
    assert Actor.parse("an@example.org") == Actor.operator("an@example.org")
