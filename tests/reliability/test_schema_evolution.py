"""Schema evolution: events stored by an older schedcore still load; newer ones are refused.

``tests/fixtures/events_v1.json`` holds events exactly as schedcore 0.1.0 stored them, before
``Programme.Created`` gained ``require_roles`` (class version 2) and ``daily_bridge_capacity``
(class version 3).  Version 2 programmes and version 1 ``Session.SeatsAllotted`` events (before
``override_reason``) are made here from events written now, with the new field taken out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from eventsourcing.persistence import StoredEvent

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain import Programme
from schedcore.domain.programme_spec import Measure
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint
from schedcore.errors import UnknownEventError
from schedcore.programmes import BUILTIN_NAME_2022
from schedcore.security import Actor
from schedcore.upcasting import event_versions
from tests.core.conftest import spec_2022, store_url_for

FIXTURE = Path(__file__).parent.parent / "fixtures" / "events_v1.json"


def _fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def _stored(event: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(event["originator_id"]),
        originator_version=event["originator_version"],
        topic=event["topic"],
        state=event["state"].encode("utf-8"),
    )


def _load_fixture(app: Scheduler, *extra: StoredEvent) -> None:
    app.recorder.insert_events([*map(_stored, _fixture()["events"]), *extra])


@pytest.fixture
def old_store() -> Iterator[Scheduler]:
    """A memory store holding the events of schedcore 0.1.0."""
    app = Scheduler.open("memory://", programme=_fixture()["programme"])
    _load_fixture(app)
    yield app
    app.close()


def test_the_fixture_really_is_version_1() -> None:
    created = _fixture()["events"][0]
    assert created["topic"].endswith("Programme.Created")
    state = json.loads(created["state"])
    assert "require_roles" not in state and "class_version" not in state


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgres"])
def test_events_stored_by_schedcore_0_1_load_into_the_same_programme(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url_for(kind, tmp_path, request)
    name = _fixture()["programme"]
    app = Scheduler.open(url, programme=name)
    _load_fixture(app)
    if kind != "memory":  # read back through a fresh process-like open
        app.close()
        app = Scheduler.open(url, programme=name)
    programme = app.programme()
    assert (programme.name, programme.units, programme.clusters) == (
        name,
        ("01", "02", "04", "06"),
        (1, 2),
    )
    assert programme.target(Measure.MEMBERS_ONLINE_COURSE).share == 0.9  # type: ignore[union-attr]
    assert [(c.members, c.host, c.trainer_team) for c in app.clusters()] == [
        (("01", "02"), "01", "trainers-A"),
        (("04", "06"), "04", "trainers-B"),
    ]
    assert app.session(1).bridge_points == {
        BridgePoint("01", "Ba Đình"),
        BridgePoint("02", "Hà Giang city"),
    }
    hanoi = app.attendance("01")
    assert hanoi.in_person == {
        "Nguyễn Văn An": (Activity.HALL, 1),
        "Trần Thị Bình": (Activity.BRIDGE, 1),
    }
    assert hanoi.course == {"Lê Văn Chi"}
    assert app.attendance("02").channel == {"Phạm Thị Dung"}
    app.close()


def test_an_old_programme_created_event_is_upcast_to_a_programme_trusting_operators(
    old_store: Scheduler,
) -> None:
    first = old_store.recorder.select_notifications(start=None, limit=1)[0]
    event = old_store.mapper.to_domain_event(first)
    assert isinstance(event, Programme.Created)
    assert event.require_roles is False
    assert event.daily_bridge_capacity is None
    assert old_store.programme().roles_required is False
    assert old_store.programme().daily_bridge_capacity is None


def test_an_old_programme_takes_new_commands_after_its_old_events(old_store: Scheduler) -> None:
    old_store.set_host(1, "02", actor=Actor.planner("minh"))
    old_store.record_attendance(
        [AttendanceRow("Vũ Hà", "team 4", "02", "Hà Giang city", Activity.HALL, date(2022, 9, 13))],
        actor=Actor.province_coordinator("binh", province="02"),
    )
    assert old_store.cluster(1).host == "02"
    assert old_store.attendance("02").in_person["Vũ Hà"] == (Activity.HALL, 1)
    # An old idempotency key still answers with its first result.
    again = old_store.record_attendance([], actor="cli:coordinator", idempotency_key="import-1")
    assert (again.rows, again.recorded) == (4, 4)


def test_an_event_written_now_records_its_class_version() -> None:
    app = Scheduler.open("memory://")
    app.create_programme(spec_2022(), actor="ministry")
    state = json.loads(app.recorder.select_notifications(start=None, limit=1)[0].state)
    assert (state["class_version"], state["require_roles"]) == (4, False)
    assert state["daily_bridge_capacity"] is None
    assert state["time_zone"] == "Asia/Ho_Chi_Minh" and state["country"] == "VNM"
    assert len(state["unit_table"]) == 63


def test_every_versioned_event_has_an_upcaster_for_each_step() -> None:
    from eventsourcing.utils import resolve_topic

    versions = event_versions()
    assert versions == {
        "schedcore.domain.programme:Programme.Created": 4,
        "schedcore.domain.session:Session.SeatsAllotted": 2,
    }
    for topic, version in versions.items():
        event_class = resolve_topic(topic)
        for step in range(1, version):
            assert callable(getattr(event_class, f"upcast_v{step}_v{step + 1}"))


def _older(stored: StoredEvent, version: int, *dropped: str) -> StoredEvent:
    """``stored`` as a schedcore writing ``version`` of its class stored it."""
    state = json.loads(stored.state)
    for name in dropped:
        del state[name]
    if version == 1:
        del state["class_version"]
    else:
        state["class_version"] = version
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )


def test_a_version_2_programme_is_upcast_to_one_without_a_daily_bridge_cap() -> None:
    spec = spec_2022()
    writer = Scheduler.open("memory://")
    writer.create_programme(spec, actor=Actor.planner("minh"), require_roles=True)
    created = writer.recorder.select_notifications(start=None, limit=1)[0]
    # only the programme's event is copied (not its name's): it is named by its id
    old = Scheduler.open("memory://", programme=created.originator_id)
    dropped = ("daily_bridge_capacity", "time_zone", "unit_table", "country", "session_hours")
    old.recorder.insert_events([_older(created, 2, *dropped)])
    event = old.mapper.to_domain_event(old.recorder.select_notifications(start=None, limit=1)[0])
    assert isinstance(event, Programme.Created)
    assert (event.require_roles, event.daily_bridge_capacity) == (True, None)
    programme = old.programme()
    assert (programme.roles_required, programme.daily_bridge_capacity) == (True, None)
    assert programme.change_daily_bridge_capacity(40, actor="ministry")
    assert programme.daily_bridge_capacity == 40


def test_a_version_1_seats_allotted_event_is_upcast_without_an_override() -> None:
    from schedcore.domain import Session
    from schedcore.domain.values import Venue
    from schedcore.reference import calendar_2022

    session = Session.schedule(
        UUID(int=1),
        1,
        day=date(2022, 9, 12),
        venue=Venue("01"),
        hall_capacity=10,
        bridge_capacity=0,
        seats={"01": 2},
        calendar=calendar_2022(),
        actor="planner",
    )
    session.allot_seats("02", 3, actor="planner")
    app = Scheduler.open("memory://")
    stored = [app.mapper.to_stored_event(e) for e in session.collect_events()]
    app.recorder.insert_events([stored[0], _older(stored[1], 1, "override_reason")])
    event = app.mapper.to_domain_event(app.recorder.select_notifications(start=2, limit=1)[0])
    assert isinstance(event, Session.SeatsAllotted)
    assert (event.province, event.seats, event.override_reason) == ("02", 3, None)
    assert app.repository.get(session.id).seats == {"01": 2, "02": 3}


def _next_version_of_session_1(app: Scheduler) -> tuple[UUID, int]:
    session = app.session(1)
    return session.id, session.version + 1


def test_an_event_of_a_type_this_version_does_not_know_is_an_unknown_event_error() -> None:
    app = Scheduler.open("memory://", programme=_fixture()["programme"])
    _load_fixture(app)
    session_id, version = _next_version_of_session_1(app)
    app._evict([session_id])
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=session_id,
                originator_version=version,
                topic="schedcore.domain.session:Session.Streamed",
                state=b'{"timestamp":{"_type_":"datetime_iso","_data_":'
                b'"2022-09-13T01:00:00+00:00"},"url":"rtmp://example","actor":"x"}',
            )
        ]
    )
    before = app.max_notification_id()
    with pytest.raises(UnknownEventError, match=r"unknown type .*Session\.Streamed"):
        app.session(1)
    with pytest.raises(UnknownEventError):
        app.reschedule_session(1, date(2022, 9, 15), actor="ministry")
    assert app.max_notification_id() == before


def test_an_event_of_an_unknown_module_is_an_unknown_event_error() -> None:
    app = Scheduler.open("memory://", programme=_fixture()["programme"])
    _load_fixture(app)
    stored = StoredEvent(
        originator_id=UUID(int=7),
        originator_version=1,
        topic="schedcore.domain.trainer:Trainer.Hired",
        state=b"{}",
    )
    app.recorder.insert_events([stored])
    with pytest.raises(UnknownEventError, match=r"Trainer\.Hired"):
        app.mapper.to_domain_event(app.recorder.select_notifications(start=29, limit=1)[0])


def test_a_newer_version_of_a_known_event_is_refused_not_half_read() -> None:
    app = Scheduler.open("memory://", programme=_fixture()["programme"])
    _load_fixture(app)
    programme = app.programme()
    app._evict([programme.id])
    newer = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2022-09-20T01:00:00+00:00"},
        "measure": "members_online_course",
        "share": 0.8,
        "deadline": {"_type_": "date_iso", "_data_": "2022-11-30"},
        "actor": "planner:a newer schedcore",
        "applies_to": ["01"],
        "class_version": 2,
    }
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=programme.id,
                originator_version=programme.version + 1,
                topic="schedcore.domain.programme:Programme.TargetChanged",
                state=json.dumps(newer).encode(),
            )
        ]
    )
    with pytest.raises(UnknownEventError, match=r"version 2.*newer schedcore"):
        app.programme()


def test_the_cli_reports_an_unknown_event_in_one_line_with_exit_code_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    name = _fixture()["programme"]
    app = Scheduler.open(url, programme=name)
    _load_fixture(app)
    session_id, version = _next_version_of_session_1(app)
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=session_id,
                originator_version=version,
                topic="schedcore.domain.session:Session.Streamed",
                state=b"{}",
            )
        ]
    )
    before = app.max_notification_id()
    app.close()
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "member,team,province,commune,activity,date\nX,team 9,01,Ba Đình,hall,2022-09-13\n",
        encoding="utf-8",
    )
    assert main(["record", "--store", url, "--programme", name, str(rows)]) == 6
    err = capsys.readouterr().err
    assert err.startswith("error: the store holds an event of unknown type")
    assert err.count("\n") == 1
    reopened = Scheduler.open(url, programme=name)
    assert reopened.max_notification_id() == before
    reopened.close()


@pytest.mark.parametrize("builtin", [True, False])
def test_a_version_3_programme_keeps_vietnams_time_and_its_units_names(builtin: bool) -> None:
    """Before version 4 every store kept Vietnam's time and named units from the built-in
    table; an old event reads back that way: the built-in programme with its units table,
    any other programme with its codes as names."""
    spec = attrs.evolve(spec_2022(), name=BUILTIN_NAME_2022 if builtin else "an older one")
    writer = Scheduler.open("memory://")
    writer.create_programme(spec, actor="ministry")
    created = writer.recorder.select_notifications(start=None, limit=1)[0]
    # only the programme's event is copied (not its name's): it is named by its id
    old = Scheduler.open("memory://", programme=created.originator_id)
    old.recorder.insert_events(
        [_older(created, 3, "time_zone", "unit_table", "country", "session_hours")]
    )
    programme = old.programme()
    assert programme.time_zone == "Asia/Ho_Chi_Minh"
    assert programme.session_hours is None
    if builtin:
        assert programme.country == "VNM"
        assert programme.unit_table.find("Hanoi").code == "01"
    else:
        assert programme.country is None
        assert programme.unit_table["01"].name == "01"
