"""schedcore: plan and track national training programmes.

Event-sourced records of clusters, sessions and attendance; a CP-SAT planner that allocates
units to clusters under date and capacity constraints; projections for queries.
"""

from schedcore.application import Scheduler
from schedcore.calendar import PROGRAMME_TZ, Holiday, WorkingCalendar
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
from schedcore.errors import (
    ConcurrencyError,
    Conflict,
    InfeasiblePlanError,
    InvalidInputError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    ReferenceDataError,
    RuleViolationError,
    SchedcoreError,
    StoreBusyError,
    StoreError,
    UnknownEventError,
    UnknownProvinceError,
)
from schedcore.exports import (
    CoverageRow,
    Unit,
    cluster_map,
    coverage_bars,
    read_plan_json,
    session_calendar,
    write_plan_csv,
    write_plan_ics,
    write_plan_json,
    write_plan_pictures,
)
from schedcore.reference import (
    Province,
    ProvinceTable,
    calendar_2022,
    load_province_table,
    programme_2022,
    vietnam_2022,
)
from schedcore.security import Actor, Role

__version__ = "0.1.0"

__all__ = [
    "PROGRAMME_TZ",
    "Activity",
    "Actor",
    "AppliedPlan",
    "AttendanceRow",
    "BridgePoint",
    "ConcurrencyError",
    "Conflict",
    "CoverageRow",
    "Holiday",
    "InfeasiblePlanError",
    "InvalidInputError",
    "Measure",
    "MemberRef",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgrammeSpec",
    "Province",
    "ProvinceTable",
    "Recorded",
    "RecordedAttendance",
    "ReferenceDataError",
    "Role",
    "RuleViolationError",
    "SchedcoreError",
    "Scheduler",
    "SessionStatus",
    "StoreBusyError",
    "StoreError",
    "Target",
    "Unit",
    "UnknownEventError",
    "UnknownProvinceError",
    "Venue",
    "WorkingCalendar",
    "__version__",
    "calendar_2022",
    "cluster_map",
    "coverage_bars",
    "load_province_table",
    "programme_2022",
    "read_plan_json",
    "session_calendar",
    "vietnam_2022",
    "write_plan_csv",
    "write_plan_ics",
    "write_plan_json",
    "write_plan_pictures",
]
