"""hypothesis: after random command sequences, aggregates reloaded from the store equal the
aggregates that produced the events."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.domain.attendance import Attendance
from schedcore.domain.programme import Programme
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import RuleViolationError
from tests.core.conftest import spec_2022, standard_plan
from tests.strategies import member_ids

PROVINCES = ["01", "02", "04", "11", "12", "20"]
DAYS = [date(2022, 9, d) for d in (12, 13, 14, 19, 20)]
CLUSTERS = [1, 2, 3]

commands = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(PROVINCES), st.sampled_from(CLUSTERS)),
    st.tuples(st.just("host"), st.sampled_from(CLUSTERS), st.sampled_from(PROVINCES)),
    st.tuples(st.just("trainers"), st.sampled_from(CLUSTERS), st.sampled_from(["A", "B", "C"])),
    st.tuples(st.just("reschedule"), st.sampled_from(CLUSTERS), st.sampled_from(DAYS)),
    st.tuples(st.just("capacity"), st.sampled_from(CLUSTERS), st.integers(0, 3000)),
    st.tuples(st.just("bridge"), st.sampled_from(CLUSTERS), st.sampled_from(PROVINCES)),
    st.tuples(st.just("cancel"), st.sampled_from(CLUSTERS), st.just("")),
    st.tuples(st.just("reinstate"), st.sampled_from(CLUSTERS), st.sampled_from(DAYS)),
    st.tuples(
        st.just("attend"),
        st.lists(
            st.tuples(
                member_ids,
                st.sampled_from(PROVINCES),
                st.sampled_from(list(Activity)),
                st.sampled_from(DAYS),
            ),
            min_size=1,
            max_size=6,
        ),
        st.just(""),
    ),
)


def run(app: Scheduler, command: tuple[str, Any, Any]) -> None:
    name, a, b = command
    if name == "move":
        app.move_province(a, b, reason="random", actor="planner")
    elif name == "host":
        app.set_host(a, b, actor="planner")
    elif name == "trainers":
        app.assign_trainer_team(a, b, actor="planner")
    elif name == "reschedule":
        app.reschedule_session(a, b, actor="planner")
    elif name == "capacity":
        app.change_capacity(a, hall_capacity=b, actor="planner")
    elif name == "bridge":
        app.connect_bridge_points(a, [(b, "Phường 1")], actor="planner")
    elif name == "cancel":
        app.cancel_session(a, reason="random", actor="planner")
    elif name == "reinstate":
        app.reinstate_session(a, b, actor="planner")
    else:
        rows = [
            AttendanceRow(m, f"team {m[:4]}", p, "Phường 1", activity, day)
            for m, p, activity, day in a
        ]
        app.record_attendance(rows, actor="coordinator", batch_size=3)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(commands, min_size=1, max_size=12))
def test_reloaded_aggregates_equal_the_live_ones(
    store_url: str, sequence: list[tuple[str, Any, Any]]
) -> None:
    spec = spec_2022()
    app = Scheduler.open(store_url, programme=spec.name)
    live: dict[Any, Any] = {}
    original = app._save

    def remembering_save(*objs: Any, **kwargs: Any) -> int:
        count = original(*objs, **kwargs)
        for obj in objs:
            if hasattr(obj, "pending_events"):
                live[obj.id] = obj
        return count

    touched: dict[Any, Any] = {}
    original_record = Attendance.record

    def spying_record(book: Attendance, *args: Any, **kwargs: Any) -> Any:
        touched[book.id] = book
        return original_record(book, *args, **kwargs)

    app._save = remembering_save  # type: ignore[method-assign]
    Attendance.record = spying_record  # type: ignore[method-assign]
    try:
        app.create_programme(spec, actor="ministry")
        app.apply_plan(standard_plan()[:3], actor="planner")
        for command in sequence:
            touched.clear()
            try:
                run(app, command)
            except RuleViolationError:
                continue  # a rejected command records nothing; the sequence goes on
            live.update(touched)  # bulk recording saves events: remember their aggregates
        assert live
        for aggregate_id, aggregate in live.items():
            reloaded = app.repository.get(aggregate_id, version=aggregate.version)
            assert reloaded == aggregate, type(aggregate).__name__
        assert any(isinstance(a, Programme) for a in live.values())
    finally:
        Attendance.record = original_record  # type: ignore[method-assign]
        app.close()


def test_the_comparison_above_can_fail() -> None:
    app = Scheduler.open("memory://")
    spec = spec_2022()
    app.create_programme(spec, actor="ministry", idempotency_key=None)
    reloaded = app.programme(spec.name)
    reloaded.notes = "tampered"
    with pytest.raises(AssertionError):
        assert reloaded == app.programme(spec.name)
