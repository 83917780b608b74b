"""Planning: allocate units to clusters with hosts, dates and trainer teams, with proof.

``solve(problem) -> Plan`` is a pure function; ``validate(problem, plan)`` re-checks a plan with
code independent of the model; ``explain(problem)`` names conflicting rules when nothing fits;
``replan(problem, current)`` changes a plan as little as possible; ``recommend(problem, plan,
unit)`` lists where else one unit could go and what each option costs.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schedcore.planning.cpmp import CpmpInstance, load_cpmp
    from schedcore.planning.explain import Diagnosis, diagnose, explain
    from schedcore.planning.model import HARD_CONSTRAINTS
    from schedcore.planning.objective import TERMS
    from schedcore.planning.plan import ClusterLoad, Plan, PlannedCluster, PlanStatus, Unplaced
    from schedcore.planning.problem import ObjectiveKind, Pin, Problem, TrainerTeam, Unit, Weights
    from schedcore.planning.recommend import Recommendation, Recommendations, Strain, recommend
    from schedcore.planning.replan import disruption, replan
    from schedcore.planning.scenario_2022 import scenario_2022
    from schedcore.planning.solve import ProgressCallback, SolveProgress, solve
    from schedcore.planning.validate import check, validate
    from schedcore.programmes.units_csv import load_distances, load_units

#: Where each public name lives, imported on first use: the problem and plan types do not
#: need the solver (OR-Tools, and pandas through it), which only ``solve``, ``explain`` and
#: ``replan`` import.
_EXPORTS: dict[str, str] = {
    "CpmpInstance": "schedcore.planning.cpmp",
    "load_cpmp": "schedcore.planning.cpmp",
    "Diagnosis": "schedcore.planning.explain",
    "diagnose": "schedcore.planning.explain",
    "explain": "schedcore.planning.explain",
    "HARD_CONSTRAINTS": "schedcore.planning.model",
    "TERMS": "schedcore.planning.objective",
    "ClusterLoad": "schedcore.planning.plan",
    "Plan": "schedcore.planning.plan",
    "PlannedCluster": "schedcore.planning.plan",
    "PlanStatus": "schedcore.planning.plan",
    "Unplaced": "schedcore.planning.plan",
    "Recommendation": "schedcore.planning.recommend",
    "Recommendations": "schedcore.planning.recommend",
    "Strain": "schedcore.planning.recommend",
    "recommend": "schedcore.planning.recommend",
    "ObjectiveKind": "schedcore.planning.problem",
    "Pin": "schedcore.planning.problem",
    "Problem": "schedcore.planning.problem",
    "TrainerTeam": "schedcore.planning.problem",
    "Unit": "schedcore.planning.problem",
    "Weights": "schedcore.planning.problem",
    "disruption": "schedcore.planning.replan",
    "replan": "schedcore.planning.replan",
    "scenario_2022": "schedcore.planning.scenario_2022",
    "SolveProgress": "schedcore.planning.solve",
    "ProgressCallback": "schedcore.planning.solve",
    "solve": "schedcore.planning.solve",
    "load_distances": "schedcore.programmes.units_csv",
    "load_units": "schedcore.programmes.units_csv",
    "check": "schedcore.planning.validate",
    "validate": "schedcore.planning.validate",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'schedcore.planning' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


#: Functions named like the module that holds them.
_NAMED_LIKE_THEIR_MODULE = frozenset(
    {"explain", "recommend", "replan", "scenario_2022", "solve", "validate"}
)


class _Package(types.ModuleType):
    """Importing ``schedcore.planning.solve`` sets the package's ``solve`` to that module; this
    keeps it the function, as ``from schedcore.planning import solve`` promises."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _NAMED_LIKE_THEIR_MODULE and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "HARD_CONSTRAINTS",
    "TERMS",
    "ClusterLoad",
    "CpmpInstance",
    "Diagnosis",
    "ObjectiveKind",
    "Pin",
    "Plan",
    "PlanStatus",
    "PlannedCluster",
    "Problem",
    "ProgressCallback",
    "Recommendation",
    "Recommendations",
    "SolveProgress",
    "Strain",
    "TrainerTeam",
    "Unit",
    "Unplaced",
    "Weights",
    "check",
    "diagnose",
    "disruption",
    "explain",
    "load_cpmp",
    "load_distances",
    "load_units",
    "recommend",
    "replan",
    "scenario_2022",
    "solve",
    "validate",
]
