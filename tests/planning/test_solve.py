"""The solve itself: progress reports, determinism, the OR-Library optimum."""

from __future__ import annotations

import itertools
from pathlib import Path

from schedcore.planning import PlanStatus, SolveProgress, load_cpmp, solve
from schedcore.planning.solve import _NumberedAcrossStages

from .helpers import WEIGHTED_TRAINERS, days, line_units, problem, teams

CPMP = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "cpmp"


def test_progress_reports_each_improving_solution() -> None:
    seen: list[SolveProgress] = []
    p = problem(
        line_units([0, 3, 50, 52, 90]),
        2,
        days=days(3),
        trainer_teams=teams(1),
        weights=WEIGHTED_TRAINERS,
    )
    plan = solve(p, progress=seen.append)
    assert seen
    assert all(report.bound <= report.objective for report in seen)
    assert seen[-1].objective >= plan.objective  # type: ignore[operator]


def _numbered_once(seen: list[SolveProgress]) -> None:
    """Reports are numbered 1, 2, 3... across the solve's stages; a report repeating the
    previous objective (the same plan with its bound) repeats its number."""
    assert seen and seen[0].solutions == 1
    for before, after in itertools.pairwise(seen):
        step = 0 if after.objective == before.objective else 1
        assert after.solutions == before.solutions + step, (before, after)


def test_each_stage_counting_from_one_is_numbered_once_for_the_caller() -> None:
    seen: list[SolveProgress] = []
    numbered = _NumberedAcrossStages(seen.append)
    # first plan (stage 1), the race's plans (counted from one), its final word with a bound
    for number, objective, bound in [(1, 900, 0), (1, 850, 0), (2, 800, 0), (1, 800, 700)]:
        numbered(SolveProgress(number, objective, bound, 0.0))
    assert [(r.solutions, r.objective, r.bound) for r in seen] == [
        (1, 900, 0),
        (2, 850, 0),
        (3, 800, 0),
        (3, 800, 700),
    ]


def test_reports_are_numbered_once_across_the_race_and_the_final_word() -> None:
    # OR-Library's first instance: the race's first plan, HiGHS's or CP-SAT's, then the
    # allocation's final report with its bound, each stage counting from one on its own
    seen: list[SolveProgress] = []
    instance = load_cpmp(CPMP / "pmedcap01.txt")
    plan = solve(instance.problem, progress=seen.append)
    _numbered_once(seen)
    assert len({report.objective for report in seen}) == seen[-1].solutions
    assert seen[-1].objective == plan.objective and seen[-1].bound == plan.bound


def test_reports_are_numbered_once_across_allocation_and_schedule() -> None:
    seen: list[SolveProgress] = []
    p = problem(
        line_units([0, 3, 50, 52, 90, 95, 140]),
        3,
        days=days(4),
        trainer_teams=teams(2),
        weights=WEIGHTED_TRAINERS,
    )
    solve(p, progress=seen.append)
    _numbered_once(seen)


def test_one_worker_and_a_seed_give_the_same_plan_twice() -> None:
    p = problem(
        line_units([0, 3, 50, 52, 90, 95]),
        3,
        days=days(4),
        trainer_teams=teams(2),
        weights=WEIGHTED_TRAINERS,
        workers=1,
        seed=7,
    )
    assert solve(p).clusters == solve(p).clusters


def test_trainer_travel_in_the_objective_is_proven_jointly() -> None:
    p = problem(
        line_units([0, 1, 40, 41, 80, 81]),
        3,
        days=days(3),
        trainer_teams=teams(1),
        weights=WEIGHTED_TRAINERS,
    )
    plan = solve(p)
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.objective == plan.breakdown["delegate_travel"] + plan.breakdown["trainer_travel"]


def test_the_first_or_library_instance_reaches_its_published_optimum() -> None:
    instance = load_cpmp(CPMP / "pmedcap01.txt")
    plan = solve(instance.problem)
    assert plan.status is PlanStatus.OPTIMAL
    assert plan.objective == instance.optimum == 713


def test_an_allocation_only_plan_has_no_dates_or_teams() -> None:
    plan = solve(problem(line_units([0, 1, 9, 10]), 2))
    assert all(c.date is None and c.trainer_team is None for c in plan.clusters)
    assert plan.gap == 0.0
