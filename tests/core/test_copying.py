"""Aggregates copied out of the cache: equal to the original, sharing nothing mutable.

``schedcore.domain._copying.copy_aggregate`` copies flat containers one level and shares every
other value, which is right only while each aggregate keeps to the convention its docstring
states.  These tests hold every aggregate kind to it, as a populated programme has them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from schedcore.application import Scheduler
from schedcore.domain._copying import _is_shared
from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.ids import attendance_id, receipt_id
from schedcore.domain.programme import Programme
from schedcore.domain.receipt import Receipt
from schedcore.domain.session import Session
from schedcore.domain.values import Activity, AttendanceRow
from tests.core.conftest import spec_2022, standard_plan

KINDS = [Programme, Cluster, Placement, Session, Attendance, Receipt]


@pytest.fixture(scope="module")
def populated() -> Iterator[Scheduler]:
    """A programme with a plan, bridge points, enrolled and recorded members, a receipt."""
    spec = spec_2022()
    app = Scheduler.open("memory://", programme=spec.name)
    app.create_programme(spec, actor="ministry")
    plan = standard_plan()
    app.apply_plan(plan, actor="ministry")
    first = plan[0]
    app.connect_bridge_points(first.id, [(first.host, "C1"), (first.host, "C2")], actor="p")
    app.enrol_members(first.host, [("m1", "t1", "C1"), ("m2", "t1", "C1")], actor="p")
    app.record_attendance(
        [
            AttendanceRow("m1", "t1", first.host, "C1", Activity.HALL, first.date or date.min),
            AttendanceRow("m2", "t1", first.host, "C1", Activity.COURSE, date(2022, 9, 20)),
            AttendanceRow("m3", "t2", first.host, "C2", Activity.CHANNEL, date(2022, 9, 21)),
        ],
        actor="p",
        idempotency_key="import-1",
    )
    yield app
    app.close()


def _cached(app: Scheduler, kind: type[Aggregate]) -> Aggregate:
    pid = app.programme_id()
    ids = {
        Programme: pid,
        Cluster: app.cluster(1).id,
        Placement: app.placement(standard_plan()[0].host).id,
        Session: app.session(1).id,
        Attendance: attendance_id(pid, standard_plan()[0].host),
        Receipt: receipt_id(pid, "import-1"),
    }
    found: Aggregate = app.repository.get(ids[kind], deepcopy_from_cache=False)
    assert type(found) is kind
    return found


def _immutable(value: Any) -> bool:
    if isinstance(value, tuple | frozenset):
        return all(_immutable(item) for item in value)
    return _is_shared(type(value))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_every_aggregate_state_is_immutable_values_and_flat_containers(
    populated: Scheduler, kind: type[Aggregate]
) -> None:
    for name, value in vars(_cached(populated, kind)).items():
        if name == "_pending_events":
            continue
        if type(value) is dict:
            items = [*value.keys(), *value.values()]
        elif type(value) in (list, set):
            items = list(value)
        else:
            items = [value]
        assert all(_immutable(item) for item in items), f"{kind.__name__}.{name}: {value!r}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_copy_equals_the_cached_aggregate(populated: Scheduler, kind: type[Aggregate]) -> None:
    original = _cached(populated, kind)
    assert vars(copy.deepcopy(original)) == vars(original)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_copy_shares_no_container_with_the_cached_aggregate(
    populated: Scheduler, kind: type[Aggregate]
) -> None:
    original = _cached(populated, kind)
    clone = copy.deepcopy(original)
    for name, value in vars(original).items():
        if type(value) in (dict, list, set):
            assert vars(clone)[name] is not value, f"{kind.__name__}.{name} is shared"


def test_changing_a_queried_session_leaves_the_store_s_session_unchanged(
    populated: Scheduler,
) -> None:
    session = populated.session(1)
    province = next(iter(session.seats))
    session.seats[province] += 1000
    assert populated.session(1).seats[province] == session.seats[province] - 1000
