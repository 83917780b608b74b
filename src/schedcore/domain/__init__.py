"""The domain core: value objects and aggregates.  Imports no infrastructure.

Aggregates: :class:`Programme`, :class:`Cluster`, :class:`Placement` (a province's cluster),
:class:`Session`, :class:`Attendance` (per province), :class:`Receipt` (idempotency), the
reservations :class:`TrainerTeamDiary` (per trainer team) and :class:`BridgeDay` (per day), and
the name index :class:`ProgrammeName` (per programme name).
"""

from schedcore.domain.attendance import Attendance, BatchOutcome
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.plan import PlannedClusterLike, check_plan
from schedcore.domain.programme import Programme
from schedcore.domain.programme_name import ProgrammeName
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.domain.receipt import AppliedPlan, Receipt, Recorded, RecordedAttendance
from schedcore.domain.reservations import BridgeDay, TrainerTeamDiary
from schedcore.domain.rule_names import RULES, Rule, RuleKind
from schedcore.domain.session import Session, SessionFacts
from schedcore.domain.topics import register_stable_topics
from schedcore.domain.values import (
    Activity,
    AttendanceRow,
    BridgePoint,
    MemberBatch,
    MemberRef,
    SessionStatus,
    Venue,
)

register_stable_topics()  # before any store or projection runner reads a topic

__all__ = [
    "RULES",
    "Activity",
    "AppliedPlan",
    "Attendance",
    "AttendanceRow",
    "BatchOutcome",
    "BridgeDay",
    "BridgePoint",
    "Cluster",
    "Measure",
    "MemberBatch",
    "MemberRef",
    "Placement",
    "PlannedClusterLike",
    "Programme",
    "ProgrammeName",
    "ProgrammeSpec",
    "Receipt",
    "Recorded",
    "RecordedAttendance",
    "Rule",
    "RuleKind",
    "Session",
    "SessionFacts",
    "SessionStatus",
    "Target",
    "TrainerTeamDiary",
    "Venue",
    "check_plan",
]
