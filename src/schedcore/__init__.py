"""schedcore: plan and track national training programmes.

Event-sourced records of clusters, sessions and attendance; a CP-SAT planner that allocates
units to clusters under date and capacity constraints; projections for queries.
"""

from schedcore.calendar import PROGRAMME_TZ, Holiday, WorkingCalendar
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.errors import (
    ConcurrencyError,
    Conflict,
    InfeasiblePlanError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ReferenceDataError,
    RuleViolationError,
    SchedcoreError,
    StoreError,
    UnknownProvinceError,
)
from schedcore.planning import (
    ObjectiveKind,
    Pin,
    Plan,
    PlannedCluster,
    PlanStatus,
    Problem,
    TrainerTeam,
    Unit,
    Weights,
    explain,
    replan,
    scenario_2022,
    solve,
    validate,
)
from schedcore.reference import (
    Province,
    ProvinceTable,
    calendar_2022,
    load_province_table,
    programme_2022,
    vietnam_2022,
)

__version__ = "0.1.0"

__all__ = [
    "PROGRAMME_TZ",
    "ConcurrencyError",
    "Conflict",
    "Holiday",
    "InfeasiblePlanError",
    "InvalidInputError",
    "Measure",
    "NotFoundError",
    "ObjectiveKind",
    "PermissionDeniedError",
    "Pin",
    "Plan",
    "PlanStatus",
    "PlannedCluster",
    "Problem",
    "ProgrammeSpec",
    "Province",
    "ProvinceTable",
    "ReferenceDataError",
    "RuleViolationError",
    "SchedcoreError",
    "StoreError",
    "Target",
    "TrainerTeam",
    "Unit",
    "UnknownProvinceError",
    "Weights",
    "WorkingCalendar",
    "__version__",
    "calendar_2022",
    "explain",
    "load_province_table",
    "programme_2022",
    "replan",
    "scenario_2022",
    "solve",
    "validate",
    "vietnam_2022",
]
