"""One test per hard constraint: a tiny instance where the rule binds, and the plan keeps it."""

from __future__ import annotations

import attrs

from schedcore.planning import Pin, PlanStatus, solve, validate
from schedcore.planning.model import HARD_CONSTRAINTS

from .helpers import days, line_units, problem, teams


def test_every_unit_is_in_exactly_one_cluster() -> None:
    p = problem(line_units([0, 1, 5, 6, 20]), 2)
    plan = solve(p)
    members = [code for cluster in plan.clusters for code in cluster.members]
    assert sorted(members) == sorted(p.codes)


def test_exactly_p_clusters_even_when_fewer_would_do() -> None:
    plan = solve(problem(line_units([0, 1, 2, 3]), 3))
    assert len(plan.clusters) == 3
    assert [c.id for c in plan.clusters] == [1, 2, 3]


def test_a_unit_without_a_hall_never_hosts() -> None:
    units = line_units([0, 5, 10])
    units[1] = attrs.evolve(units[1], capacity=None)  # the central unit would host best
    plan = solve(problem(units, 1))
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.clusters[0].host != "b"


def test_hall_capacity_splits_a_cluster_that_would_be_cheaper_whole() -> None:
    # Without halls: {a, b, c} and {d}; halls of 2 seats force {a, b} and {c, d}.
    free = solve(problem(line_units([0, 1, 2, 10], capacity=10), 2))
    assert max(len(c.members) for c in free.clusters) == 3
    plan = solve(problem(line_units([0, 1, 2, 10], capacity=2), 2))
    assert plan.status is PlanStatus.OPTIMAL
    assert all(load.delegates <= 2 for load in plan.loads)


def test_minimum_cluster_size_forbids_a_lonely_unit() -> None:
    plan = solve(problem(line_units([0, 1, 2, 10]), 2, min_size=2))
    assert plan.status is PlanStatus.OPTIMAL
    assert sorted(len(c.members) for c in plan.clusters) == [2, 2]


def test_maximum_cluster_size_caps_a_cluster() -> None:
    plan = solve(problem(line_units([0, 1, 2, 3, 50]), 2, max_size=3))
    assert plan.status is PlanStatus.OPTIMAL
    assert max(len(c.members) for c in plan.clusters) <= 3


def test_a_session_avoids_every_members_blackout() -> None:
    units = line_units([0, 1])
    units[1] = attrs.evolve(units[1], blackout={days(2)[0]})
    p = problem(units, 1, days=days(2))
    plan = solve(p)
    assert plan.clusters[0].date == days(2)[1]
    assert not validate(p, plan)


def test_each_session_has_exactly_one_trainer_team() -> None:
    p = problem(line_units([0, 10, 20]), 3, days=days(3), trainer_teams=teams(2))
    plan = solve(p)
    assert all(c.trainer_team in {"T1", "T2"} for c in plan.clusters)


def test_a_trainer_team_runs_one_session_a_day() -> None:
    p = problem(line_units([0, 100]), 2, days=days(2), trainer_teams=teams(1))
    plan = solve(p)
    assert plan.status is PlanStatus.OPTIMAL
    assert len({c.date for c in plan.clusters}) == 2


def test_a_team_rests_a_day_before_a_long_hop() -> None:
    p = problem(line_units([0, 500]), 2, days=days(3), trainer_teams=teams(1), travel_day_km=300)
    plan = solve(p)
    assert plan.status is PlanStatus.OPTIMAL
    first, second = sorted(c.date for c in plan.clusters if c.date is not None)
    assert (second - first).days == 2


def test_bridge_capacity_spreads_sessions_over_days() -> None:
    p = problem(
        line_units([0, 100], communes=5),
        2,
        days=days(2),
        trainer_teams=teams(2),
        bridge_capacity=8,
    )
    plan = solve(p)
    assert plan.status is PlanStatus.OPTIMAL
    assert len({c.date for c in plan.clusters}) == 2


def test_a_host_pin_is_kept_even_when_it_costs_more() -> None:
    p = problem(line_units([0, 1, 2]), 1, pins=[Pin(unit="a", host="a")])
    plan = solve(p)
    assert plan.clusters[0].host == "a"


def test_a_companion_pin_keeps_two_units_together() -> None:
    p = problem(line_units([0, 1, 50, 51]), 2, pins=[Pin(unit="a", with_unit="d")])
    plan = solve(p)
    assert plan.cluster_of("a") == plan.cluster_of("d")


def test_a_date_pin_and_a_team_pin_are_kept() -> None:
    p = problem(
        line_units([0, 100]),
        2,
        days=days(3),
        trainer_teams=teams(2),
        pins=[Pin(unit="b", day=days(3)[2], team="T2")],
    )
    plan = solve(p)
    cluster = plan.cluster_of("b")
    assert (cluster.date, cluster.trainer_team) == (days(3)[2], "T2")


def test_every_hard_constraint_is_listed_with_its_rule() -> None:
    assert set(HARD_CONSTRAINTS) == {
        "one_cluster_per_unit",
        "cluster_count",
        "host_in_cluster",
        "hall_capacity",
        "cluster_size",
        "allowed_dates",
        "trainer_team",
        "trainer_one_session_a_day",
        "trainer_travel_day",
        "bridge_capacity",
        "pin",
        "max_travel_km",
    }
