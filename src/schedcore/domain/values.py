"""Value objects carried by domain events (all immutable, all with a transcoding).

Attendance facts travel in :class:`MemberBatch` values: one event carries the members of one
province for one activity and day, so 212,761 members make a few hundred events, not 212,761.
A batch's rows are plain named tuples of strings, which the JSON encoder writes at C speed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from datetime import date
from typing import NamedTuple

import attrs

__all__ = [
    "IN_PERSON",
    "ONLINE",
    "Activity",
    "AttendanceRow",
    "BridgePoint",
    "MemberBatch",
    "MemberRef",
    "SessionStatus",
    "Venue",
]


class Activity(enum.StrEnum):
    """What an attendance row says a member did."""

    HALL = "hall"
    """Attended the cluster's in-person session in the hall."""
    BRIDGE = "bridge"
    """Attended the session at a commune's video bridge point."""
    ABSENT = "absent"
    """Was expected at the session and did not come."""
    COURSE = "course"
    """Completed the online self-study course."""
    CHANNEL = "channel"
    """Follows the official information channel."""


#: Activities tied to the cluster's session (one outcome per member and session).
IN_PERSON = frozenset({Activity.HALL, Activity.BRIDGE, Activity.ABSENT})
#: Activities done on the member's own time (dated by the member, not the session).
ONLINE = frozenset({Activity.COURSE, Activity.CHANNEL})


class SessionStatus(enum.StrEnum):
    """Where a session stands: scheduled, cancelled or held."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


@attrs.frozen
class Venue:
    """Where a session's hall is: the host province and, if known, the venue's name."""

    province: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.province})" if self.name else f"host province {self.province}"


class BridgePoint(NamedTuple):
    """A commune's video bridge point (communes are named within their province)."""

    province: str
    commune: str


class MemberRef(NamedTuple):
    """A member as attendance events record them: who, in which team, in which commune.

    ``member`` identifies a person (a registry code, a name or a phone number); it is personal
    data, which is why stores holding real members should be encrypted.
    """

    member: str
    team: str
    commune: str


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return values if type(values) is tuple else tuple(values)


@attrs.frozen
class MemberBatch:
    """The members one attendance event is about, as three parallel columns.

    Columns, not a tuple of rows: the aggregate applies a batch with C-speed set and dict
    updates, and the JSON encoder writes three lists of strings.  :attr:`rows` gives the
    :class:`MemberRef` rows when a reader wants them.
    """

    members: tuple[str, ...] = attrs.field(converter=_strings)
    teams: tuple[str, ...] = attrs.field(converter=_strings)
    communes: tuple[str, ...] = attrs.field(converter=_strings)

    def __attrs_post_init__(self) -> None:
        if not len(self.members) == len(self.teams) == len(self.communes):
            raise ValueError("a member batch needs as many teams and communes as members")

    @classmethod
    def of(cls, rows: Iterable[MemberRef | tuple[str, str, str]]) -> MemberBatch:
        columns = tuple(zip(*rows, strict=True))
        if not columns:
            return cls((), (), ())
        return cls(columns[0], columns[1], columns[2])

    @property
    def rows(self) -> tuple[MemberRef, ...]:
        return tuple(map(MemberRef, self.members, self.teams, self.communes))

    def __iter__(self) -> Iterator[MemberRef]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.members)


@attrs.frozen(slots=True)
class AttendanceRow:
    """One row to record: a member's activity on a day, in a province and commune.

    ``line`` only serves error messages (the CSV line, or the row's 1-based position); it is not
    part of the fact and does not take part in equality.
    """

    member: str
    team: str
    province: str
    commune: str
    activity: Activity
    day: date
    line: int | None = attrs.field(default=None, eq=False)
