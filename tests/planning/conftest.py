"""The 2022 plan is solved once per session and shared by the tests that need it."""

from __future__ import annotations

import pytest

from schedcore.planning import Plan, Problem, scenario_2022, solve


@pytest.fixture(scope="session")
def plan_2022() -> tuple[Problem, Plan]:
    problem = scenario_2022(time_limit=120)
    return problem, solve(problem)
