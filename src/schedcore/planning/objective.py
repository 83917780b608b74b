"""The objective's named terms, so a plan can say which goal cost what.

``delegate_travel`` is person-km (or plain distance) from every unit to its host;
``trainer_travel`` the km the trainer teams drive from host to host in date order;
``longest_travel`` and ``team_load_spread`` measure fairness; ``unplaced_*`` count what a plan
of what fits leaves out.  The solver minimises their weighted sum
(:class:`~schedcore.planning.problem.Weights`): one weighted objective measured 7-12x faster
than solving the terms one after the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from schedcore.planning.costs import effective_weights

if TYPE_CHECKING:
    from schedcore.planning.model import PlanningModel
    from schedcore.planning.problem import Problem

__all__ = ["TERMS", "terms", "weight_of", "weighted_sum"]

#: Every objective term's name and what it counts.
TERMS: dict[str, str] = {
    "delegate_travel": "person-km (or km) from each unit to its host, summed over units",
    "trainer_travel": "km each trainer team drives between consecutive hosts, in date order",
    "longest_travel": "the longest distance from one unit to its host",
    "team_load_spread": "sessions of the busiest trainer team minus those of the least busy",
    "unplaced_delegates": "delegates of the units left out (only when placing what fits)",
    "unplaced_units": "units left out (only when placing what fits)",
}


def weight_of(problem: Problem, term: str) -> int:
    """The weight of ``term`` as a number (automatic weights resolved)."""
    return effective_weights(problem)[term]


def terms(m: PlanningModel) -> dict[str, cp_model.LinearExpr]:
    """Each term the model has as a linear expression over its variables (unweighted).

    ``delegate_travel`` and ``trainer_travel`` always; the others when the model has their
    variables (a positive weight, or placing what fits).
    """
    problem = m.problem
    delegate = cp_model.LinearExpr.weighted_sum(
        list(m.assign.values()), [problem.delegate_cost(i, j) for (i, j) in m.assign]
    )
    trainer = cp_model.LinearExpr.weighted_sum(
        list(m.arcs.values()), [problem.km[j][h] for (_, j, h) in m.arcs]
    )
    found: dict[str, cp_model.LinearExpr] = {
        "delegate_travel": delegate,
        "trainer_travel": trainer,
    }
    if m.longest is not None:
        found["longest_travel"] = m.longest
    if m.spread is not None:
        found["team_load_spread"] = m.spread
    if m.placed:
        left_out = [v.Not() for v in m.placed.values()]
        found["unplaced_delegates"] = cp_model.LinearExpr.weighted_sum(
            left_out, [problem.units[i].demand for i in m.placed]
        )
        found["unplaced_units"] = cp_model.LinearExpr.sum(left_out)
    return found


def weighted_sum(m: PlanningModel, *, weights: dict[str, int] | None = None) -> cp_model.LinearExpr:
    """The objective: each term times its weight (``weights`` by term name overrides the
    problem's, as re-planning does to put left-out units before disruption)."""
    chosen = effective_weights(m.problem) if weights is None else weights
    parts = terms(m)
    return cp_model.LinearExpr.weighted_sum(list(parts.values()), [chosen[name] for name in parts])
