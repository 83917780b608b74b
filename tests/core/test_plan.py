"""Applying a plan: everything at once, only the differences, nothing for an identical plan."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import SessionStatus, Venue
from schedcore.errors import RuleViolationError
from tests.core.conftest import Planned, standard_plan


def test_applying_a_plan_forms_clusters_and_schedules_their_sessions(app: Scheduler) -> None:
    result = app.apply_plan(standard_plan(), actor="planner")
    assert result.revision == 1
    assert result.clusters_changed == tuple(range(1, 11))
    clusters = app.clusters()
    assert [c.number for c in clusters] == list(range(1, 11))
    assert sum(len(c.members) for c in clusters) == 63
    first = app.session(1)
    assert first.day == date(2022, 9, 12)
    assert first.venue == Venue("01")
    assert first.hall_capacity == first.seats_allotted == sum(first.seats.values())
    assert app.province_cluster("02") == 1


def test_applying_the_plan_in_force_again_records_nothing(planned: Scheduler) -> None:
    before = planned.max_notification_id()
    result = planned.apply_plan(standard_plan(), actor="planner")
    assert result.events == 0
    assert planned.max_notification_id() == before


def test_a_changed_plan_records_only_its_differences(planned: Scheduler) -> None:
    plan = standard_plan()
    # 02 moves from cluster 1 to 2; cluster 1's host becomes 04; cluster 3 is re-dated.
    plan[0] = Planned(1, "04", ("01", "04", "06", "08", "10"), plan[0].date, "trainers-A")
    plan[1] = attrs.evolve(plan[1], members=(*plan[1].members, "02"))
    plan[2] = attrs.evolve(plan[2], date=date(2022, 9, 26))
    before = planned.max_notification_id()
    result = planned.apply_plan(plan, actor="planner")
    assert result.clusters_changed == (1, 2, 3)
    assert planned.max_notification_id() - before == result.events
    assert planned.cluster(1).host == "04"
    assert "02" in planned.cluster(2).members and "02" not in planned.cluster(1).members
    assert planned.placement("02").cluster == 2
    assert "02" in planned.session(2).seats and "02" not in planned.session(1).seats
    assert planned.session(1).venue == Venue("04")
    assert planned.session(3).day == date(2022, 9, 26)
    assert planned.programme().plan_revision == 2


def test_a_cluster_left_out_of_a_plan_is_dissolved_and_its_session_cancelled(
    planned: Scheduler,
) -> None:
    plan = standard_plan()
    merged = attrs.evolve(plan[0], members=plan[0].members + plan[9].members)
    planned.apply_plan([merged, *plan[1:9]], actor="planner")
    assert planned.cluster(10).dissolved
    assert planned.session(10).status is SessionStatus.CANCELLED
    assert [c.number for c in planned.clusters()] == list(range(1, 10))
    assert planned.province_cluster(plan[9].members[0]) == 1


def test_a_dissolved_cluster_planned_again_is_reformed_and_its_session_reinstated(
    planned: Scheduler,
) -> None:
    plan = standard_plan()
    merged = attrs.evolve(plan[0], members=plan[0].members + plan[9].members)
    planned.apply_plan([merged, *plan[1:9]], actor="planner")
    planned.apply_plan(plan, actor="planner")
    assert not planned.cluster(10).dissolved
    assert planned.session(10).status is SessionStatus.SCHEDULED
    assert planned.cluster(10).members == plan[9].members


def test_a_plan_with_one_bad_cluster_writes_nothing_at_all(planned: Scheduler) -> None:
    plan = standard_plan()
    plan[0] = attrs.evolve(plan[0], trainer_team="trainers-Z")
    plan[4] = attrs.evolve(plan[4], date=date(2022, 9, 17))  # a Saturday
    before = planned.max_notification_id()
    with pytest.raises(RuleViolationError):
        planned.apply_plan(plan, actor="planner")
    assert planned.max_notification_id() == before
    assert planned.cluster(1).trainer_team == "trainers-A"


def test_a_plan_may_move_a_session_to_a_weekend_with_an_override_reason(
    planned: Scheduler,
) -> None:
    plan = standard_plan()
    plan[4] = attrs.evolve(plan[4], date=date(2022, 9, 17))
    planned.apply_plan(plan, actor="planner", override_reason="the host's only free day")
    assert planned.session(5).day == date(2022, 9, 17)


def test_an_explicit_hall_capacity_too_small_for_the_delegates_is_refused(app: Scheduler) -> None:
    before = app.max_notification_id()
    with pytest.raises(RuleViolationError) as raised:
        app.apply_plan(standard_plan(), actor="planner", hall_capacity=100)
    assert raised.value.rule == "hall_capacity"
    assert app.max_notification_id() == before


def test_the_same_idempotency_key_twice_returns_the_first_result_and_records_once(
    app: Scheduler,
) -> None:
    first = app.apply_plan(standard_plan(), actor="planner", idempotency_key="plan-v1")
    after_first = app.max_notification_id()
    again = app.apply_plan(standard_plan(), actor="planner", idempotency_key="plan-v1")
    assert again == first
    assert app.max_notification_id() == after_first


def test_a_plan_without_dates_assigns_provinces_and_schedules_nothing(app: Scheduler) -> None:
    plan = [attrs.evolve(c, date=None) for c in standard_plan()]
    app.apply_plan(plan, actor="planner")
    assert app.cluster(1).members == plan[0].members
    with pytest.raises(LookupError):
        app.session(1)
