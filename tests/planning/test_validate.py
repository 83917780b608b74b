"""The validator catches each kind of broken plan on its own (it shares no code with the model)."""

from __future__ import annotations

import attrs
import pytest

from schedcore.errors import RuleViolationError
from schedcore.planning import Pin, Plan, PlannedCluster, PlanStatus, check, validate

from .helpers import days, line_units, problem, teams

D = days(3)


def _plan(*clusters: PlannedCluster) -> Plan:
    return Plan(status=PlanStatus.FEASIBLE, clusters=clusters)


def _names(issues: tuple[object, ...]) -> set[str]:
    return {issue.name for issue in issues}  # type: ignore[attr-defined]


def test_a_unit_left_out_breaks_one_cluster_per_unit() -> None:
    p = problem(line_units([0, 1]), 1)
    assert _names(validate(p, _plan(PlannedCluster(1, "a", ("a",))))) == {"one_cluster_per_unit"}


def test_a_host_outside_its_cluster_is_caught() -> None:
    p = problem(line_units([0, 1]), 2)
    plan = _plan(PlannedCluster(1, "a", ("b",)), PlannedCluster(2, "b", ("a",)))
    assert _names(validate(p, plan)) == {"host_in_cluster"}


def test_too_many_delegates_for_the_hall_are_caught() -> None:
    p = problem(line_units([0, 1, 2], capacity=2), 1)
    plan = _plan(PlannedCluster(1, "a", ("a", "b", "c")))
    assert _names(validate(p, plan)) == {"hall_capacity"}


def test_a_session_on_a_blackout_date_is_caught() -> None:
    units = line_units([0, 1])
    units[1] = attrs.evolve(units[1], blackout={D[0]})
    p = problem(units, 1, days=D)
    plan = _plan(PlannedCluster(1, "a", ("a", "b"), D[0]))
    assert _names(validate(p, plan)) == {"allowed_dates"}


def test_two_sessions_of_one_team_on_a_day_are_caught() -> None:
    p = problem(line_units([0, 1]), 2, days=D, trainer_teams=teams(1))
    plan = _plan(
        PlannedCluster(1, "a", ("a",), D[0], "T1"), PlannedCluster(2, "b", ("b",), D[0], "T1")
    )
    assert _names(validate(p, plan)) == {"trainer_one_session_a_day"}


def test_a_long_hop_without_a_free_day_is_caught() -> None:
    p = problem(line_units([0, 500]), 2, days=D, trainer_teams=teams(1), travel_day_km=300)
    plan = _plan(
        PlannedCluster(1, "a", ("a",), D[0], "T1"), PlannedCluster(2, "b", ("b",), D[1], "T1")
    )
    assert _names(validate(p, plan)) == {"trainer_travel_day"}


def test_too_many_bridge_points_on_a_day_are_caught() -> None:
    p = problem(
        line_units([0, 1], communes=5), 2, days=D, trainer_teams=teams(2), bridge_capacity=8
    )
    plan = _plan(
        PlannedCluster(1, "a", ("a",), D[0], "T1"), PlannedCluster(2, "b", ("b",), D[0], "T2")
    )
    assert _names(validate(p, plan)) == {"bridge_capacity"}


def test_a_broken_pin_is_caught_and_check_raises_naming_it() -> None:
    p = problem(line_units([0, 1]), 1, pins=[Pin(unit="b", host="b")])
    plan = _plan(PlannedCluster(1, "a", ("a", "b")))
    assert _names(validate(p, plan)) == {"pin[1]"}
    with pytest.raises(RuleViolationError) as error:
        check(p, plan)
    assert error.value.rule == "pin[1]"
