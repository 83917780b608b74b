"""The built-in 2022 scenario keeps the published national figures exact."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedcore import InvalidInputError, Measure, programme_2022
from schedcore.reference.apportion import apportion


def test_estimated_per_province_figures_sum_to_the_published_totals() -> None:
    programme = programme_2022()
    assert programme.total_teams == 46_105
    assert programme.total_members == 212_761
    assert programme.total_bridge_points == 10_599
    assert len(programme.teams) == 63
    assert programme.clusters == 10


def test_targets_and_deadlines_are_those_of_the_programme() -> None:
    programme = programme_2022()
    in_person = programme.target(Measure.TEAMS_TRAINED_IN_PERSON)
    course = programme.target(Measure.MEMBERS_ONLINE_COURSE)
    channel = programme.target(Measure.MEMBERS_FOLLOWING_CHANNEL)
    assert in_person is not None and in_person.deadline == date(2022, 9, 30)
    assert course is not None and course.deadline == date(2022, 11, 30)
    assert channel is not None and channel.deadline == date(2022, 9, 30)
    assert {t.share for t in programme.targets} == {1.0}


def test_larger_provinces_get_more_teams() -> None:
    programme = programme_2022()
    assert programme.teams["01"] > programme.teams["48"]  # Hà Nội 579 communes, Đà Nẵng 56


@given(
    total=st.integers(min_value=0, max_value=10**6),
    weights=st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 1000), min_size=1),
)
def test_apportionment_is_exact_and_within_one_of_the_quota(
    total: int, weights: dict[str, int]
) -> None:
    if sum(weights.values()) == 0:
        with pytest.raises(InvalidInputError):
            apportion(total, weights)
        return
    parts = apportion(total, weights)
    assert sum(parts.values()) == total
    weight_sum = sum(weights.values())
    for key, weight in weights.items():
        quota = total * weight / weight_sum
        assert quota - 1 < parts[key] < quota + 1
