"""A bad problem is refused before any solve, with a typed error."""

from __future__ import annotations

import attrs
import pytest

from schedcore.errors import InvalidInputError
from schedcore.planning import Pin, Problem, Unit, scenario_2022
from schedcore.planning.distances import great_circle_km

from .helpers import days, line_units, problem, teams


def test_duplicate_unit_codes_are_refused() -> None:
    units = line_units([0, 1])
    with pytest.raises(InvalidInputError, match="appears twice"):
        problem([units[0], units[0]], 1)


def test_more_clusters_than_units_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="clusters"):
        problem(line_units([0, 1]), 3)


def test_a_pin_on_an_unknown_unit_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown unit"):
        problem(line_units([0, 1]), 1, pins=[Pin(unit="zz", host="a")])


def test_a_pin_on_a_day_outside_the_plan_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not a working day"):
        problem(line_units([0, 1]), 1, days=days(1), pins=[Pin(unit="a", day=days(3)[2])])


def test_teams_without_days_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="working days"):
        problem(line_units([0, 1]), 1, trainer_teams=teams(1))


def test_a_unit_without_coordinates_needs_a_matrix() -> None:
    with pytest.raises(InvalidInputError, match="no coordinates"):
        Problem(units=[Unit("a", "A", 1, 5), Unit("b", "B", 1, 5)], clusters=1)


def test_a_matrix_with_a_non_zero_diagonal_is_refused() -> None:
    units = [Unit("a", "A", 1, 5), Unit("b", "B", 1, 5)]
    with pytest.raises(InvalidInputError, match="to itself"):
        Problem(units=units, clusters=1, distances=[[1, 2], [2, 0]])


def test_great_circle_distance_hanoi_to_ho_chi_minh_city_is_about_1140_km() -> None:
    p = scenario_2022(with_dates=False)
    assert 1130 <= p.distance("01", "79") <= 1150
    assert round(great_circle_km(0, 0, 0, 1)) == 111


def test_the_2022_scenario_documents_its_defaults() -> None:
    p = scenario_2022()
    assert p.size == 63 and p.clusters == 10
    assert {u.capacity for u in p.units} == {1272}
    assert p.bridge_capacity == 1590
    assert p.days is not None and len(p.days) == 15
    assert [t.name for t in p.trainer_teams] == ["T1", "T2"]


def test_an_allocation_costs_its_weighted_delegate_travel() -> None:
    # three units on a line: demands 2, 3, 4 at km 0, 10, 30; person-km, weight 5
    units = [
        Unit(code=c, name=c, demand=d, capacity=20, x=x, y=0)
        for c, d, x in (("a", 2, 0), ("b", 3, 10), ("c", 4, 30))
    ]
    base = Problem(units=units, clusters=2)
    weighted = base.with_changes(weights=attrs.evolve(base.weights, delegate_travel=5))
    host_of = {0: 0, 1: 0, 2: 2}  # b travels 10 km to a; c hosts itself
    assert base.allocation_cost(host_of) == 3 * 10
    assert weighted.allocation_cost(host_of) == 5 * 3 * 10
    assert base.allocation_cost({0: 1, 1: 1, 2: 1}) == 2 * 10 + 0 + 4 * 20
