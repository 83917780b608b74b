"""schedcore: plan and track national training programmes.

Event-sourced records of clusters, sessions and attendance; a CP-SAT planner that allocates
units to clusters under date and capacity constraints; projections for queries.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schedcore.application import RetryPolicy, Scheduler
    from schedcore.calendar import Holiday, WorkingCalendar
    from schedcore.domain import (
        Activity,
        AppliedPlan,
        AttendanceRow,
        BridgePoint,
        MemberRef,
        Recorded,
        RecordedAttendance,
        SessionStatus,
        Venue,
    )
    from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
    from schedcore.domain.units import Unit, UnitTable
    from schedcore.errors import (
        AmbiguousProgrammeError,
        ConcurrencyError,
        Conflict,
        ErasureRefusedError,
        InfeasiblePlanError,
        InvalidInputError,
        MissingDependencyError,
        NotFoundError,
        PermissionDeniedError,
        ProgrammeRenamedError,
        ProjectionError,
        ReferenceDataError,
        RuleViolationError,
        SchedcoreError,
        StoreBusyError,
        StoreError,
        UnknownEventError,
        UnknownProvinceError,
    )
    from schedcore.exports import (
        cluster_map,
        coverage_bars,
        read_plan_json,
        session_calendar,
        write_plan_csv,
        write_plan_ics,
        write_plan_json,
        write_plan_pictures,
    )
    from schedcore.planning import (
        ObjectiveKind,
        Pin,
        Plan,
        PlannedCluster,
        PlanStatus,
        Problem,
        SolveProgress,
        TrainerTeam,
        Weights,
        explain,
        replan,
        scenario_2022,
        solve,
        validate,
    )
    from schedcore.programmes import (
        ProgrammeFile,
        builtin_programme,
        load_programme_file,
        load_unit_table,
    )
    from schedcore.projections import CoverageRow, ProjectionRunner, Views, views_as_of
    from schedcore.reference import (
        Province,
        ProvinceTable,
        calendar_2022,
        load_province_table,
        programme_2022,
        vietnam_2022,
    )
    from schedcore.security import Actor, Role

#: Where each public name lives.  Importing ``schedcore`` imports none of them: a name is
#: imported when it is first used, so ``import schedcore`` (and ``schedcore --help``) does not
#: pay for the solver (OR-Tools, and pandas through it), the event store or the pictures.
_EXPORTS: dict[str, str] = {
    "RetryPolicy": "schedcore.application",
    "Scheduler": "schedcore.application",
    "Holiday": "schedcore.calendar",
    "WorkingCalendar": "schedcore.calendar",
    "Activity": "schedcore.domain",
    "AppliedPlan": "schedcore.domain",
    "AttendanceRow": "schedcore.domain",
    "BridgePoint": "schedcore.domain",
    "MemberRef": "schedcore.domain",
    "Recorded": "schedcore.domain",
    "RecordedAttendance": "schedcore.domain",
    "SessionStatus": "schedcore.domain",
    "Venue": "schedcore.domain",
    "Measure": "schedcore.domain.programme_spec",
    "ProgrammeSpec": "schedcore.domain.programme_spec",
    "Target": "schedcore.domain.programme_spec",
    "Unit": "schedcore.domain.units",
    "UnitTable": "schedcore.domain.units",
    "AmbiguousProgrammeError": "schedcore.errors",
    "ProgrammeFile": "schedcore.programmes",
    "builtin_programme": "schedcore.programmes",
    "load_programme_file": "schedcore.programmes",
    "load_unit_table": "schedcore.programmes",
    "ConcurrencyError": "schedcore.errors",
    "Conflict": "schedcore.errors",
    "ErasureRefusedError": "schedcore.errors",
    "InfeasiblePlanError": "schedcore.errors",
    "InvalidInputError": "schedcore.errors",
    "MissingDependencyError": "schedcore.errors",
    "NotFoundError": "schedcore.errors",
    "PermissionDeniedError": "schedcore.errors",
    "ProgrammeRenamedError": "schedcore.errors",
    "ProjectionError": "schedcore.errors",
    "ReferenceDataError": "schedcore.errors",
    "RuleViolationError": "schedcore.errors",
    "SchedcoreError": "schedcore.errors",
    "StoreBusyError": "schedcore.errors",
    "StoreError": "schedcore.errors",
    "UnknownEventError": "schedcore.errors",
    "UnknownProvinceError": "schedcore.errors",
    "cluster_map": "schedcore.exports",
    "coverage_bars": "schedcore.exports",
    "read_plan_json": "schedcore.exports",
    "session_calendar": "schedcore.exports",
    "write_plan_csv": "schedcore.exports",
    "write_plan_ics": "schedcore.exports",
    "write_plan_json": "schedcore.exports",
    "write_plan_pictures": "schedcore.exports",
    "ObjectiveKind": "schedcore.planning",
    "Pin": "schedcore.planning",
    "Plan": "schedcore.planning",
    "PlannedCluster": "schedcore.planning",
    "PlanStatus": "schedcore.planning",
    "Problem": "schedcore.planning",
    "TrainerTeam": "schedcore.planning",
    "Weights": "schedcore.planning",
    "explain": "schedcore.planning",
    "replan": "schedcore.planning",
    "scenario_2022": "schedcore.planning",
    "SolveProgress": "schedcore.planning",
    "solve": "schedcore.planning",
    "validate": "schedcore.planning",
    "CoverageRow": "schedcore.projections",
    "ProjectionRunner": "schedcore.projections",
    "Views": "schedcore.projections",
    "views_as_of": "schedcore.projections",
    "Province": "schedcore.reference",
    "ProvinceTable": "schedcore.reference",
    "calendar_2022": "schedcore.reference",
    "load_province_table": "schedcore.reference",
    "programme_2022": "schedcore.reference",
    "vietnam_2022": "schedcore.reference",
    "Actor": "schedcore.security",
    "Role": "schedcore.security",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'schedcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


#: The version of schedcore.
__version__ = "0.1.0"

__all__ = [
    "Activity",
    "Actor",
    "AmbiguousProgrammeError",
    "AppliedPlan",
    "AttendanceRow",
    "BridgePoint",
    "ConcurrencyError",
    "Conflict",
    "CoverageRow",
    "ErasureRefusedError",
    "Holiday",
    "InfeasiblePlanError",
    "InvalidInputError",
    "Measure",
    "MemberRef",
    "MissingDependencyError",
    "NotFoundError",
    "ObjectiveKind",
    "PermissionDeniedError",
    "Pin",
    "Plan",
    "PlanStatus",
    "PlannedCluster",
    "Problem",
    "ProgrammeFile",
    "ProgrammeRenamedError",
    "ProgrammeSpec",
    "ProjectionError",
    "ProjectionRunner",
    "Province",
    "ProvinceTable",
    "Recorded",
    "RecordedAttendance",
    "ReferenceDataError",
    "RetryPolicy",
    "Role",
    "RuleViolationError",
    "SchedcoreError",
    "Scheduler",
    "SessionStatus",
    "SolveProgress",
    "StoreBusyError",
    "StoreError",
    "Target",
    "TrainerTeam",
    "Unit",
    "UnitTable",
    "UnknownEventError",
    "UnknownProvinceError",
    "Venue",
    "Views",
    "Weights",
    "WorkingCalendar",
    "__version__",
    "builtin_programme",
    "calendar_2022",
    "cluster_map",
    "coverage_bars",
    "explain",
    "load_programme_file",
    "load_province_table",
    "load_unit_table",
    "programme_2022",
    "read_plan_json",
    "replan",
    "scenario_2022",
    "session_calendar",
    "solve",
    "validate",
    "vietnam_2022",
    "views_as_of",
    "write_plan_csv",
    "write_plan_ics",
    "write_plan_json",
    "write_plan_pictures",
]
