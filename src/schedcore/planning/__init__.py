"""Planning: allocate units to clusters with hosts, dates and trainer teams, with proof.

``solve(problem) -> Plan`` is a pure function; ``validate(problem, plan)`` re-checks a plan with
code independent of the model; ``explain(problem)`` names conflicting rules when nothing fits;
``replan(problem, current)`` changes a plan as little as possible.
"""

from schedcore.planning.cpmp import CpmpInstance, load_cpmp
from schedcore.planning.explain import Diagnosis, diagnose, explain
from schedcore.planning.model import HARD_CONSTRAINTS
from schedcore.planning.objective import TERMS
from schedcore.planning.plan import ClusterLoad, Plan, PlannedCluster, PlanStatus
from schedcore.planning.problem import ObjectiveKind, Pin, Problem, TrainerTeam, Unit, Weights
from schedcore.planning.replan import disruption, replan
from schedcore.planning.scenario_2022 import scenario_2022
from schedcore.planning.solve import Progress, ProgressCallback, solve
from schedcore.planning.units_csv import load_distances, load_units
from schedcore.planning.validate import check, validate

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
    "Progress",
    "ProgressCallback",
    "TrainerTeam",
    "Unit",
    "Weights",
    "check",
    "diagnose",
    "disruption",
    "explain",
    "load_cpmp",
    "load_distances",
    "load_units",
    "replan",
    "scenario_2022",
    "solve",
    "validate",
]
