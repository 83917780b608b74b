"""A checked distance matrix is trusted by the problems built from it, and only by them."""

from __future__ import annotations

import pytest

from schedcore.errors import InvalidInputError
from schedcore.planning import Problem, Unit
from schedcore.planning.distances import DistanceMatrix, distance_matrix
from schedcore.planning.portfolio import allocation_view


def units(n: int) -> list[Unit]:
    return [
        Unit(code=f"u{k}", name=f"u{k}", demand=1, capacity=5, x=k * 7 % 11, y=k * 3 % 5)
        for k in range(n)
    ]


def test_a_problem_keeps_its_checked_matrix_and_its_views_share_it() -> None:
    problem = Problem(units=units(6), clusters=2)
    assert isinstance(problem.km, DistanceMatrix)
    # the allocation view is built from the same matrix: not copied, not checked again
    assert allocation_view(problem).km is problem.km


def test_a_part_of_a_checked_matrix_is_the_sub_matrix() -> None:
    km = Problem(units=units(6), clusters=2).km
    assert isinstance(km, DistanceMatrix)
    part = km.part([4, 1, 3])
    assert part == ((0, km[4][1], km[4][3]), (km[1][4], 0, km[1][3]), (km[3][4], km[3][1], 0))
    assert isinstance(part, DistanceMatrix)


def test_a_checked_matrix_of_the_wrong_size_is_still_refused() -> None:
    km = Problem(units=units(4), clusters=2).km
    with pytest.raises(InvalidInputError, match="5 x 5"):
        distance_matrix(units(5), km)


def test_a_plain_matrix_is_checked_as_before() -> None:
    bad = [[0, 1], [2, 0]]
    with pytest.raises(InvalidInputError, match="not symmetric"):
        Problem(units=units(2), clusters=1, distances=bad)
    assert isinstance(
        Problem(units=units(2), clusters=1, distances=[[0, 3], [3, 0]]).km, DistanceMatrix
    )
