"""The domain's event classes, named once.

``eventsourcing``'s ``@event`` decorator creates each aggregate's event classes when the class
is defined, so type checkers do not see them as attributes.  Naming them here keeps the read
models checked, and a renamed event fails at import, not in the middle of a rebuild.
"""

from __future__ import annotations

from typing import Any

from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.programme import Programme
from schedcore.domain.programme_name import ProgrammeName
from schedcore.domain.receipt import Receipt
from schedcore.domain.reservations import BridgeDay, TrainerTeamDiary
from schedcore.domain.session import Session


def _event(aggregate: type[Any], name: str) -> type[Any]:
    found = aggregate.__dict__.get(name)
    if not isinstance(found, type):
        raise ImportError(f"{aggregate.__name__} has no event class {name!r}")
    return found


ATTENDANCE_ATTENDED_AT_BRIDGE_POINTS = _event(Attendance, "AttendedAtBridgePoints")
ATTENDANCE_ATTENDED_IN_HALL = _event(Attendance, "AttendedInHall")
ATTENDANCE_CHANNEL_FOLLOWED = _event(Attendance, "ChannelFollowed")
ATTENDANCE_MARKED_ABSENT = _event(Attendance, "MarkedAbsent")
ATTENDANCE_MEMBER_ERASED = _event(Attendance, "MemberErased")
ATTENDANCE_MEMBERS_ENROLLED = _event(Attendance, "MembersEnrolled")
ATTENDANCE_ONLINE_COURSE_COMPLETED = _event(Attendance, "OnlineCourseCompleted")
ATTENDANCE_OPENED = _event(Attendance, "Opened")
ATTENDANCE_RECORDS_VOIDED = _event(Attendance, "RecordsVoided")
BRIDGE_DAY_OPENED = _event(BridgeDay, "Opened")
BRIDGE_DAY_RELEASED = _event(BridgeDay, "Released")
BRIDGE_DAY_RESERVED = _event(BridgeDay, "Reserved")
CLUSTER_DISSOLVED = _event(Cluster, "Dissolved")
CLUSTER_FORMED = _event(Cluster, "Formed")
CLUSTER_HOST_CHANGED = _event(Cluster, "HostChanged")
CLUSTER_HOST_SET = _event(Cluster, "HostSet")
CLUSTER_PROVINCE_ASSIGNED = _event(Cluster, "ProvinceAssigned")
CLUSTER_PROVINCE_MOVED_IN = _event(Cluster, "ProvinceMovedIn")
CLUSTER_PROVINCE_MOVED_OUT = _event(Cluster, "ProvinceMovedOut")
CLUSTER_PROVINCE_WITHDRAWN = _event(Cluster, "ProvinceWithdrawn")
CLUSTER_REFORMED = _event(Cluster, "Reformed")
CLUSTER_TRAINER_TEAM_ASSIGNED = _event(Cluster, "TrainerTeamAssigned")
PLACEMENT_ASSIGNED = _event(Placement, "Assigned")
PLACEMENT_MOVED = _event(Placement, "Moved")
PLACEMENT_REASSIGNED = _event(Placement, "Reassigned")
PLACEMENT_WITHDRAWN = _event(Placement, "Withdrawn")
PROGRAMME_CREATED = _event(Programme, "Created")
PROGRAMME_DAILY_BRIDGE_CAPACITY_CHANGED = _event(Programme, "DailyBridgeCapacityChanged")
PROGRAMME_HOLIDAY_ADDED = _event(Programme, "HolidayAdded")
PROGRAMME_HOLIDAY_REMOVED = _event(Programme, "HolidayRemoved")
PROGRAMME_NAME_CLAIMED = _event(ProgrammeName, "Claimed")
PROGRAMME_NAME_RECLAIMED = _event(ProgrammeName, "Reclaimed")
PROGRAMME_NAME_RELEASED = _event(ProgrammeName, "Released")
PROGRAMME_PLAN_APPLIED = _event(Programme, "PlanApplied")
PROGRAMME_RENAMED = _event(Programme, "Renamed")
PROGRAMME_TARGET_CHANGED = _event(Programme, "TargetChanged")
PROGRAMME_WEEKDAYS_CHANGED = _event(Programme, "WeekdaysChanged")
PROGRAMME_WINDOW_CHANGED = _event(Programme, "WindowChanged")
RECEIPT_ISSUED = _event(Receipt, "Issued")
SESSION_BRIDGE_POINTS_CONNECTED = _event(Session, "BridgePointsConnected")
SESSION_BRIDGE_POINTS_DISCONNECTED = _event(Session, "BridgePointsDisconnected")
SESSION_CANCELLED = _event(Session, "Cancelled")
SESSION_CAPACITY_CHANGED = _event(Session, "CapacityChanged")
SESSION_HELD = _event(Session, "Held")
SESSION_REINSTATED = _event(Session, "Reinstated")
SESSION_RESCHEDULED = _event(Session, "Rescheduled")
SESSION_SCHEDULED = _event(Session, "Scheduled")
SESSION_SEATS_ALLOTTED = _event(Session, "SeatsAllotted")
SESSION_SEATS_RELEASED = _event(Session, "SeatsReleased")
SESSION_VENUE_CHANGED = _event(Session, "VenueChanged")
TRAINER_TEAM_DIARY_OPENED = _event(TrainerTeamDiary, "Opened")
TRAINER_TEAM_DIARY_RELEASED = _event(TrainerTeamDiary, "Released")
TRAINER_TEAM_DIARY_RESERVED = _event(TrainerTeamDiary, "Reserved")
