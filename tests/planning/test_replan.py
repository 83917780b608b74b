"""Re-planning changes as little as it must, then costs as little as it can."""

from __future__ import annotations

import attrs
import pytest

from schedcore.errors import InvalidInputError
from schedcore.planning import Plan, PlanStatus, Problem, replan, validate

from .helpers import days, line_units, problem, teams


def _blackout(p: Problem, code: str, day: object) -> Problem:
    units = [attrs.evolve(u, blackout={day}) if u.code == code else u for u in p.units]
    return p.with_changes(units=units)


def test_a_blackout_in_the_2022_plan_re_dates_one_session_and_moves_nobody(
    plan_2022: tuple[Problem, Plan],
) -> None:
    p, current = plan_2022
    cluster = current.clusters[3]
    changed = _blackout(p, cluster.members[-1], cluster.date)
    new = replan(changed, current)
    assert new.status is PlanStatus.OPTIMAL
    assert validate(changed, new) == ()
    assert (new.breakdown["units_moved"], new.breakdown["sessions_redated"]) == (0, 1)
    untouched = [c for c in current.clusters if c.host != cluster.host]
    assert all(c in _by_host(new).values() or _same(c, new) for c in untouched)


def _by_host(plan: Plan) -> dict[str, object]:
    return {c.host: c for c in plan.clusters}


def _same(old: object, new: Plan) -> bool:
    before = attrs.asdict(old)  # type: ignore[arg-type]
    after = attrs.asdict(_by_host(new)[before["host"]])  # type: ignore[arg-type]
    return all(before[key] == after[key] for key in ("host", "members", "date", "trainer_team"))


def test_a_withdrawn_host_moves_only_its_own_cluster() -> None:
    p = problem(line_units([0, 1, 2, 20, 21, 22]), 2)
    current = replan(p, _plan_of(p))
    host = current.clusters[0].host
    withdrawn = p.with_changes(
        units=[attrs.evolve(u, capacity=None) if u.code == host else u for u in p.units]
    )
    new = replan(withdrawn, current)
    assert validate(withdrawn, new) == ()
    assert new.clusters[1] == current.clusters[1]
    assert host not in {c.host for c in new.clusters}


def test_a_plan_for_other_units_is_refused() -> None:
    p = problem(line_units([0, 1]), 1)
    other = problem(line_units([0, 1, 2]), 1)
    with pytest.raises(InvalidInputError):
        replan(p, _plan_of(other))


def test_re_planning_with_dates_keeps_what_still_fits() -> None:
    p = problem(line_units([0, 100]), 2, days=days(3), trainer_teams=teams(1))
    current = _plan_of(p)
    new = replan(p, current)
    assert new.breakdown["units_moved"] == 0
    assert new.breakdown["sessions_redated"] == 0


def _plan_of(p: Problem) -> Plan:
    from schedcore.planning import solve

    plan = solve(p)
    assert plan.has_solution
    return plan


def test_a_plan_whose_second_team_starts_first_is_kept_as_it_is() -> None:
    from schedcore.planning import PlannedCluster

    p = problem(line_units([0, 1, 50, 51]), 2, days=days(2), trainer_teams=teams(2))
    current = Plan(
        status=PlanStatus.FEASIBLE,
        clusters=(
            PlannedCluster(1, "a", ("a", "b"), days(2)[0], "T2"),
            PlannedCluster(2, "c", ("c", "d"), days(2)[1], "T1"),
        ),
    )
    new = replan(p, current)
    assert (new.breakdown["units_moved"], new.breakdown["sessions_redated"]) == (0, 0)
    assert new.breakdown["sessions_reteamed"] == 0
    assert {(c.host, c.trainer_team) for c in new.clusters} == {("a", "T2"), ("c", "T1")}
