"""What a plan costs, computed from the plan alone (no solver): each named term and their sum.

The solver's objective and this module must agree to the unit: tests check that every plan's
``objective`` equals :func:`objective_of` of its clusters, and recommendations announce their
cost with it.  The weights of the terms left out on purpose by ``--place-what-fits`` are
automatic unless given (:func:`effective_weights`).
"""

from __future__ import annotations

from collections.abc import Mapping

from schedcore.errors import InvalidInputError
from schedcore.planning.plan import Plan
from schedcore.planning.problem import Problem
from schedcore.planning.validate import delegate_travel, trainer_travel

__all__ = [
    "TERM_WEIGHTS",
    "allocation_is_objective",
    "breakdown",
    "effective_weights",
    "longest_travel",
    "objective_of",
    "team_load_spread",
    "travel_ceiling",
    "unplaced_codes",
]

#: Each objective term and the name of its weight in :class:`~schedcore.planning.Weights`.
TERM_WEIGHTS: dict[str, str] = {
    "delegate_travel": "delegate_travel",
    "trainer_travel": "trainer_travel",
    "longest_travel": "longest_travel",
    "team_load_spread": "team_load_spread",
    "unplaced_delegates": "unplaced_delegate",
    "unplaced_units": "unplaced_unit",
}

#: An objective larger than this could lose precision in the solver's arithmetic.
_LARGEST_OBJECTIVE = 2**53


def longest_travel(problem: Problem, plan: Plan) -> int:
    """The longest distance from a placed unit to its host (0 for a plan without clusters)."""
    return max(
        (problem.distance(code, c.host) for c in plan.clusters for code in c.members), default=0
    )


def team_load_spread(problem: Problem, plan: Plan) -> int:
    """Sessions of the busiest trainer team minus those of the least busy (every team of the
    problem counts, an idle one with 0 sessions)."""
    if not problem.trainer_teams:
        return 0
    sessions = {team.name: 0 for team in problem.trainer_teams}
    for cluster in plan.clusters:
        if cluster.trainer_team in sessions:
            sessions[cluster.trainer_team] += 1
    return max(sessions.values()) - min(sessions.values())


def unplaced_codes(problem: Problem, plan: Plan) -> list[str]:
    """The units in no cluster of ``plan``, in the problem's order."""
    placed = {code for c in plan.clusters for code in c.members}
    return [code for code in problem.codes if code not in placed]


def breakdown(problem: Problem, plan: Plan) -> dict[str, int]:
    """Each objective term of ``plan``, unweighted.

    ``delegate_travel``, ``trainer_travel`` and ``longest_travel`` always; ``team_load_spread``
    when the problem has trainer teams; ``unplaced_delegates`` and ``unplaced_units`` when it
    places what fits.
    """
    terms = {
        "delegate_travel": delegate_travel(problem, plan),
        "trainer_travel": trainer_travel(problem, plan),
        "longest_travel": longest_travel(problem, plan),
    }
    if problem.trainer_teams:
        terms["team_load_spread"] = team_load_spread(problem, plan)
    if problem.place_what_fits:
        left_out = unplaced_codes(problem, plan)
        terms["unplaced_delegates"] = sum(problem.unit(code).demand for code in left_out)
        terms["unplaced_units"] = len(left_out)
    return terms


def travel_ceiling(problem: Problem) -> int:
    """More than the weighted travel and fairness terms of any plan can add up to: every unit at
    its farthest allowed host, every hop and the longest travel the longest distance, every
    session on one team."""
    weights = problem.weights
    by_unit: dict[int, int] = {}
    for i, j in problem.pairs():
        by_unit[i] = max(by_unit.get(i, 0), problem.delegate_cost(i, j))
    longest = max((max(row) for row in problem.km), default=0)
    return (
        weights.delegate_travel * sum(by_unit.values())
        + weights.trainer_travel * longest * problem.clusters
        + weights.longest_travel * longest
        + weights.team_load_spread * problem.clusters
        + 1
    )


def effective_weights(problem: Problem, *, above: int | None = None) -> dict[str, int]:
    """Every term's weight as a number, by term name (see :data:`TERM_WEIGHTS`).

    Without ``place_what_fits`` the unplaced terms weigh 0.  With it, an automatic
    ``unplaced_unit`` weight is ``above`` (default: :func:`travel_ceiling`), more than any
    difference in the other terms, and an automatic ``unplaced_delegate`` weight is
    ``(units + 1)`` times the larger of that and the unit weight, more than any difference in
    left-out units: the plan places the most delegates, then the most units, then costs least.
    Raises :class:`~schedcore.errors.InvalidInputError` when the automatic weights would
    overflow the solver's arithmetic (give them instead).
    """
    weights = problem.weights
    values = {
        "delegate_travel": weights.delegate_travel,
        "trainer_travel": weights.trainer_travel,
        "longest_travel": weights.longest_travel,
        "team_load_spread": weights.team_load_spread,
        "unplaced_delegates": 0,
        "unplaced_units": 0,
    }
    if not problem.place_what_fits:
        return values
    floor = travel_ceiling(problem) if above is None else above
    unit = floor if weights.unplaced_unit is None else weights.unplaced_unit
    delegate = (
        (problem.size + 1) * max(unit, floor)
        if weights.unplaced_delegate is None
        else weights.unplaced_delegate
    )
    total = delegate * sum(u.demand for u in problem.units) + unit * problem.size + floor
    if total > _LARGEST_OBJECTIVE:
        raise InvalidInputError(
            "the automatic penalty for left-out delegates is too large for this problem's "
            "distances; give the weights unplaced_delegate and unplaced_unit yourself"
        )
    values["unplaced_delegates"] = delegate
    values["unplaced_units"] = unit
    return values


def objective_of(
    problem: Problem, terms: Mapping[str, int], *, weights: Mapping[str, int] | None = None
) -> int:
    """The weighted sum of ``terms`` (a breakdown; other keys such as ``units_moved`` are not
    objective terms and are ignored)."""
    weights = effective_weights(problem) if weights is None else weights
    return sum(weights.get(name, 0) * value for name, value in terms.items() if name in weights)


def allocation_is_objective(problem: Problem) -> bool:
    """Whether the objective is delegate travel alone, so that the optimal allocation (dates
    and teams aside) bounds it exactly: no trainer, fairness or left-out term in play."""
    weights = problem.weights
    teams = bool(problem.trainer_teams)
    return (
        not problem.place_what_fits
        and weights.longest_travel == 0
        and not (teams and (weights.trainer_travel > 0 or weights.team_load_spread > 0))
    )
