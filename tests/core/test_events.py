"""The event catalogue: stable names, the actor on every event, a transcoding per value type."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import get_topic

from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain import (
    AppliedPlan,
    Attendance,
    BridgeDay,
    Cluster,
    MemberBatch,
    MemberRef,
    Placement,
    Programme,
    ProgrammeName,
    Receipt,
    Recorded,
    RecordedAttendance,
    Session,
    TrainerTeamDiary,
    Venue,
)
from schedcore.domain.programme_spec import Measure, Target
from schedcore.transcodings import register_transcodings

AGGREGATES = (
    Programme,
    Cluster,
    Placement,
    Session,
    Attendance,
    Receipt,
    TrainerTeamDiary,
    BridgeDay,
    ProgrammeName,
)

#: The published topics (docs/reference/events.md).  Renaming one breaks stored events: a
#: failing test here means "register the old topic too".
TOPICS = {
    "schedcore.domain.programme:Programme": [
        "Created",
        "DailyBridgeCapacityChanged",
        "HolidayAdded",
        "HolidayRemoved",
        "PlanApplied",
        "Renamed",
        "TargetChanged",
        "WeekdaysChanged",
        "WindowChanged",
    ],
    "schedcore.domain.cluster:Cluster": [
        "Dissolved",
        "Formed",
        "HostChanged",
        "HostSet",
        "ProvinceAssigned",
        "ProvinceMovedIn",
        "ProvinceMovedOut",
        "ProvinceWithdrawn",
        "Reformed",
        "TrainerTeamAssigned",
    ],
    "schedcore.domain.cluster:Placement": ["Assigned", "Moved", "Reassigned", "Withdrawn"],
    "schedcore.domain.session:Session": [
        "BridgePointsConnected",
        "BridgePointsDisconnected",
        "Cancelled",
        "CapacityChanged",
        "Held",
        "Reinstated",
        "Rescheduled",
        "Scheduled",
        "SeatsAllotted",
        "SeatsReleased",
        "VenueChanged",
    ],
    "schedcore.domain.attendance:Attendance": [
        "AttendedAtBridgePoints",
        "AttendedInHall",
        "ChannelFollowed",
        "MarkedAbsent",
        "MemberErased",
        "MembersEnrolled",
        "Opened",
        "OnlineCourseCompleted",
        "RecordsVoided",
    ],
    "schedcore.domain.receipt:Receipt": ["Issued"],
    "schedcore.domain.reservations:TrainerTeamDiary": ["Opened", "Released", "Reserved"],
    "schedcore.domain.reservations:BridgeDay": ["Opened", "Released", "Reserved"],
    "schedcore.domain.programme_name:ProgrammeName": ["Claimed", "Reclaimed", "Released"],
}


def _event_classes(aggregate: type) -> list[type]:
    return [
        value
        for name, value in vars(aggregate).items()
        if (
            isinstance(value, type)
            and issubclass(value, CanMutateAggregate)
            and name not in ("Event", "Created")
        )
        or (name == "Created" and aggregate is Programme)
    ]


def test_every_event_topic_is_the_published_one() -> None:
    found = {
        get_topic(aggregate): sorted(e.__name__ for e in _event_classes(aggregate))
        for aggregate in AGGREGATES
    }
    assert found == {topic: sorted(names) for topic, names in TOPICS.items()}


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_every_event_carries_the_actor(aggregate: type) -> None:
    for event_class in _event_classes(aggregate):
        fields = {f.name for f in dataclasses.fields(event_class)}
        assert "actor" in fields, event_class.__qualname__


VALUES = [
    date(2022, 9, 12),
    Holiday(date(2022, 9, 2), "National Day"),
    WorkingCalendar(
        date(2022, 9, 12),
        date(2022, 9, 30),
        holidays=[Holiday(date(2022, 9, 2), "National Day")],
        blackouts={"01": [date(2022, 9, 13)]},
    ),
    Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 11, 30)),
    Venue("01", "Trung tâm Hội nghị"),
    MemberBatch.of([MemberRef("Nguyễn Văn An", "T1", "Ba Đình")]),
    Recorded(3),
    AppliedPlan(2, 11, (1, 2)),
    RecordedAttendance(10, 8, 2, 1, 3),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_every_value_type_in_events_round_trips_through_its_transcoding(value: object) -> None:
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    decoded = transcoder.decode(transcoder.encode({"value": value}))["value"]
    assert decoded == value
    assert type(decoded) is type(value)
    if isinstance(value, Target):
        assert decoded.measure is value.measure
