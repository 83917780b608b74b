"""A re-plan keeps each cluster's number under the same host, so recording it changes little."""

from __future__ import annotations

from datetime import date

from schedcore.planning import Plan, PlannedCluster, PlanStatus
from schedcore.planning.replan import kept_numbers


def plan_of(*clusters: tuple[int, str, tuple[str, ...]]) -> Plan:
    return Plan(
        status=PlanStatus.FEASIBLE,
        clusters=tuple(
            PlannedCluster(id=number, host=host, members=members, date=date(2025, 3, 3))
            for number, host, members in clusters
        ),
    )


def test_a_cluster_keeps_its_number_when_it_keeps_its_host() -> None:
    current = plan_of((1, "A", ("A", "B")), (2, "C", ("C", "D")))
    renumbered_by_date = plan_of((1, "C", ("C", "D")), (2, "A", ("A", "B")))
    assert kept_numbers(current, renumbered_by_date) == {1: 2, 2: 1}


def test_a_new_host_takes_the_lowest_free_number() -> None:
    current = plan_of((1, "A", ("A", "B")), (2, "C", ("C", "D")))
    new_host = plan_of((1, "A", ("A", "B", "C")), (2, "D", ("D",)))
    assert kept_numbers(current, new_host) == {1: 1, 2: 2}
    swapped = plan_of((1, "D", ("D",)), (2, "A", ("A", "B", "C")))
    assert kept_numbers(current, swapped) == {2: 1, 1: 2}
