"""JSON transcodings for every value type stored in schedcore's events.

``eventsourcing`` knows UUID, Decimal and datetime; ``date`` and our attrs values need one
transcoding each.  Names are stored in events, so they never change once released.
:class:`MemberBatch` is encoded as three lists of strings (members, teams, communes): the JSON
encoder writes those in C, which keeps bulk attendance cheap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.receipt import AppliedPlan, Recorded, RecordedAttendance
from schedcore.domain.values import MemberBatch, Venue

__all__ = ["TRANSCODINGS", "register_transcodings"]


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class HolidayAsDict(Transcoding):
    type = Holiday
    name = "schedcore_holiday"

    def encode(self, obj: Holiday) -> list[str]:
        return [obj.day.isoformat(), obj.name]

    def decode(self, data: list[str]) -> Holiday:
        return Holiday(date.fromisoformat(data[0]), data[1])


class WorkingCalendarAsDict(Transcoding):
    type = WorkingCalendar
    name = "schedcore_calendar"

    def encode(self, obj: WorkingCalendar) -> dict[str, Any]:
        return {
            "start": obj.start.isoformat(),
            "end": obj.end.isoformat(),
            "weekdays": sorted(obj.weekdays),
            "holidays": [[h.day.isoformat(), h.name] for h in obj.holidays],
            "blackouts": {
                unit: sorted(d.isoformat() for d in days) for unit, days in obj.blackouts.items()
            },
        }

    def decode(self, data: dict[str, Any]) -> WorkingCalendar:
        return WorkingCalendar(
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            weekdays=data["weekdays"],
            holidays=[Holiday(date.fromisoformat(d), n) for d, n in data["holidays"]],
            blackouts={
                unit: [date.fromisoformat(d) for d in days]
                for unit, days in data["blackouts"].items()
            },
        )


class TargetAsDict(Transcoding):
    type = Target
    name = "schedcore_target"

    def encode(self, obj: Target) -> list[Any]:
        return [str(obj.measure), obj.share, obj.deadline.isoformat()]

    def decode(self, data: list[Any]) -> Target:
        return Target(Measure(data[0]), float(data[1]), date.fromisoformat(data[2]))


class VenueAsList(Transcoding):
    type = Venue
    name = "schedcore_venue"

    def encode(self, obj: Venue) -> list[str]:
        return [obj.province, obj.name]

    def decode(self, data: list[str]) -> Venue:
        return Venue(data[0], data[1])


class MemberBatchAsRows(Transcoding):
    type = MemberBatch
    name = "schedcore_members"

    def encode(self, obj: MemberBatch) -> tuple[tuple[str, ...], ...]:
        return (obj.members, obj.teams, obj.communes)  # three lists of strings, encoded in C

    def decode(self, data: list[list[str]]) -> MemberBatch:
        return MemberBatch(tuple(data[0]), tuple(data[1]), tuple(data[2]))


class RecordedAsList(Transcoding):
    type = Recorded
    name = "schedcore_recorded"

    def encode(self, obj: Recorded) -> int:
        return obj.events

    def decode(self, data: int) -> Recorded:
        return Recorded(data)


class AppliedPlanAsList(Transcoding):
    type = AppliedPlan
    name = "schedcore_applied_plan"

    def encode(self, obj: AppliedPlan) -> list[Any]:
        return [obj.revision, obj.events, list(obj.clusters_changed)]

    def decode(self, data: list[Any]) -> AppliedPlan:
        return AppliedPlan(data[0], data[1], tuple(data[2]))


class RecordedAttendanceAsList(Transcoding):
    type = RecordedAttendance
    name = "schedcore_recorded_attendance"

    def encode(self, obj: RecordedAttendance) -> list[int]:
        return [obj.rows, obj.recorded, obj.already_recorded, obj.batches, obj.events]

    def decode(self, data: list[int]) -> RecordedAttendance:
        return RecordedAttendance(*data)


#: Every transcoding schedcore registers, one per value type found in its events.
TRANSCODINGS: tuple[Transcoding, ...] = (
    DateAsISO(),
    HolidayAsDict(),
    WorkingCalendarAsDict(),
    TargetAsDict(),
    VenueAsList(),
    MemberBatchAsRows(),
    RecordedAsList(),
    AppliedPlanAsList(),
    RecordedAttendanceAsList(),
)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in TRANSCODINGS:
        transcoder.register(transcoding)
