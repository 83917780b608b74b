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
    NotFoundError,
    PermissionDeniedError,
    ProjectionError,
    ReferenceDataError,
    RuleViolationError,
    SchedcoreError,
    StoreError,
    UnknownProvinceError,
)
from schedcore.projections import ProjectionRunner, Views, views_as_of
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
    "Activity",
    "AppliedPlan",
    "AttendanceRow",
    "BridgePoint",
    "ConcurrencyError",
    "Conflict",
    "Holiday",
    "InfeasiblePlanError",
    "InvalidInputError",
    "Measure",
    "MemberRef",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgrammeSpec",
    "ProjectionError",
    "ProjectionRunner",
    "Province",
    "ProvinceTable",
    "Recorded",
    "RecordedAttendance",
    "ReferenceDataError",
    "RuleViolationError",
    "SchedcoreError",
    "Scheduler",
    "SessionStatus",
    "StoreError",
    "Target",
    "UnknownProvinceError",
    "Venue",
    "Views",
    "WorkingCalendar",
    "__version__",
    "calendar_2022",
    "load_province_table",
    "programme_2022",
    "vietnam_2022",
    "views_as_of",
]
