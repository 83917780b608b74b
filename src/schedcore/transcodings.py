"""JSON transcodings for every value type stored in schedcore's events.

``eventsourcing`` knows UUID, Decimal and datetime; ``date`` and our attrs values need one
transcoding each.  A value is stored under the *name* of its transcoding, never under its
class's module, so moving a value class breaks nothing; the names never change once released.

Each value is written with named fields and a version, ``{"v": 1, "province": "01", ...}``
(:class:`NamedFields`), and read back whatever release wrote it:

* stores written before named fields (``tests/fixtures/events_v1.json`` is one) hold most
  values as positional lists (``["01", "Ba Đình"]``), one value
  (:class:`~schedcore.domain.receipt.Recorded`) as a bare number: those read as version 0,
  their items taken in the order of :attr:`NamedFields.fields`;
* a field added to a value takes its class's default when older data lacks it: no new version
  is needed for that;
* a change of meaning raises :attr:`NamedFields.version` and comes with an
  ``upcast_vN_vN+1(fields)`` method, called in turn on older data;
* data of a version above the one known here, or with a field unknown here, was written by a
  newer schedcore and is refused with :class:`~schedcore.errors.UnknownEventError`.

:class:`MemberBatch` stays three lists of strings (members, teams, communes) inside its dict:
the JSON encoder writes those in C, which keeps bulk attendance cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar

from eventsourcing.persistence import JSONTranscoder, Transcoding

from schedcore.calendar import Holiday, WorkingCalendar
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.receipt import AppliedPlan, Recorded, RecordedAttendance
from schedcore.domain.values import MemberBatch, Venue
from schedcore.errors import UnknownEventError

__all__ = ["TRANSCODINGS", "VERSION_KEY", "NamedFields", "register_transcodings"]

#: The key of a value's version in its encoded dict.
VERSION_KEY = "v"

#: How one field goes to JSON and back.
Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value


SAME: Codec = (_same, _same)
DATE: Codec = (date.isoformat, date.fromisoformat)


class NamedFields(Transcoding):
    """A value written as a dict of named fields and a version, read from any older shape.

    Subclasses set ``type``, ``name`` and :attr:`fields` (in the order older positional lists
    held them); the value is built by calling ``type`` with the fields found, so a field the
    data lacks takes the class's default.
    """

    #: Each field's name and codec, in the order of the positional lists of version 0.
    fields: ClassVar[Mapping[str, Codec]]
    #: The version written now.
    version: ClassVar[int] = 1

    def encode(self, obj: Any) -> dict[str, Any]:
        encoded: dict[str, Any] = {VERSION_KEY: self.version}
        for field, (to_json, _) in self.fields.items():
            encoded[field] = to_json(getattr(obj, field))
        return encoded

    def decode(self, data: Any) -> Any:
        named = self.named(data)
        return self.type(**{field: self.fields[field][1](value) for field, value in named.items()})

    def named(self, data: Any) -> dict[str, Any]:
        """The fields of ``data``, upcast to :attr:`version`, still in their JSON form."""
        if isinstance(data, dict):
            named = dict(data)
            version = named.pop(VERSION_KEY, 1)
        else:  # version 0: a positional list, or a bare value for a one-field value
            items = data if isinstance(data, list) else [data]
            named = dict(zip(self.fields, items, strict=False))
            version = 0
        if not isinstance(version, int) or version > self.version:
            raise UnknownEventError(
                f"the store holds a value {self.name!r} of version {version}, and this "
                f"schedcore reads versions up to {self.version}: it was written by a newer "
                "schedcore; upgrade to read this store (nothing was written)"
            )
        for step in range(max(version, 1), self.version):
            named = getattr(self, f"upcast_v{step}_v{step + 1}")(named)
        unknown = sorted(set(named) - set(self.fields))
        if unknown:
            raise UnknownEventError(
                f"the store holds a value {self.name!r} with fields this schedcore does not "
                f"know ({', '.join(unknown)}): it was written by a newer schedcore; upgrade to "
                "read this store (nothing was written)"
            )
        return named


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class HolidayAsDict(NamedFields):
    type = Holiday
    name = "schedcore_holiday"
    fields: ClassVar[Mapping[str, Codec]] = {"day": DATE, "name": SAME}


def _holiday(data: Any) -> Holiday:
    """A holiday inside a calendar: ``{"day", "name"}``, or ``[day, name]`` in older stores."""
    if isinstance(data, dict):
        return Holiday(date.fromisoformat(data["day"]), data["name"])
    return Holiday(date.fromisoformat(data[0]), data[1])


class WorkingCalendarAsDict(NamedFields):
    type = WorkingCalendar
    name = "schedcore_calendar"
    fields: ClassVar[Mapping[str, Codec]] = {
        "start": DATE,
        "end": DATE,
        "weekdays": (sorted, _same),
        "holidays": (
            lambda holidays: [{"day": h.day.isoformat(), "name": h.name} for h in holidays],
            lambda items: [_holiday(item) for item in items],
        ),
        "blackouts": (
            lambda blackouts: {
                unit: sorted(d.isoformat() for d in days) for unit, days in blackouts.items()
            },
            lambda blackouts: {
                unit: [date.fromisoformat(d) for d in days] for unit, days in blackouts.items()
            },
        ),
    }


class TargetAsDict(NamedFields):
    type = Target
    name = "schedcore_target"
    fields: ClassVar[Mapping[str, Codec]] = {
        "measure": (str, Measure),
        "share": (_same, float),
        "deadline": DATE,
    }


class VenueAsDict(NamedFields):
    type = Venue
    name = "schedcore_venue"
    fields: ClassVar[Mapping[str, Codec]] = {"province": SAME, "name": SAME}


class MemberBatchAsColumns(NamedFields):
    type = MemberBatch
    name = "schedcore_members"
    fields: ClassVar[Mapping[str, Codec]] = {
        "members": SAME,
        "teams": SAME,
        "communes": SAME,
    }  # lists of strings, in C


class RecordedAsDict(NamedFields):
    type = Recorded
    name = "schedcore_recorded"
    fields: ClassVar[Mapping[str, Codec]] = {"events": SAME}


class AppliedPlanAsDict(NamedFields):
    type = AppliedPlan
    name = "schedcore_applied_plan"
    fields: ClassVar[Mapping[str, Codec]] = {
        "revision": SAME,
        "events": SAME,
        "clusters_changed": (list, tuple),
    }


class RecordedAttendanceAsDict(NamedFields):
    type = RecordedAttendance
    name = "schedcore_recorded_attendance"
    fields: ClassVar[Mapping[str, Codec]] = {
        "rows": SAME,
        "recorded": SAME,
        "already_recorded": SAME,
        "batches": SAME,
        "events": SAME,
    }


#: Every transcoding schedcore registers, one per value type found in its events.
TRANSCODINGS: tuple[Transcoding, ...] = (
    DateAsISO(),
    HolidayAsDict(),
    WorkingCalendarAsDict(),
    TargetAsDict(),
    VenueAsDict(),
    MemberBatchAsColumns(),
    RecordedAsDict(),
    AppliedPlanAsDict(),
    RecordedAttendanceAsDict(),
)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in TRANSCODINGS:
        transcoder.register(transcoding)
