"""What the exports read: clusters of a plan, facts about units, coverage counts.

The exports depend on *shapes*, not on the planner or the projections: anything with the
attributes of :class:`ClusterLike` (the domain's :class:`~schedcore.domain.PlannedClusterLike`,
what ``apply_plan`` accepts) can be exported (the planner's ``PlannedCluster``, a
:class:`ClusterRecord` read back from JSON or CSV, a user's own class), and any
:class:`UnitInfo` (a programme's :class:`~schedcore.domain.units.Unit`, a
:class:`~schedcore.reference.Province`, or a plain ``(name, lat, lon)`` tuple) says where a unit
is and what it is called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias

import attrs

from schedcore.domain.plan import PlannedClusterLike
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError
from schedcore.reference.provinces import ProvinceTable

__all__ = [
    "ClusterLike",
    "ClusterRecord",
    "CoverageRow",
    "UnitInfo",
    "UnitSource",
]


#: One cluster of a plan: who trains together, who hosts, when, with which trainer team.  The
#: same shape ``Scheduler.apply_plan`` accepts: one Protocol, defined in the domain.
ClusterLike: TypeAlias = PlannedClusterLike


class UnitInfo(Protocol):
    """What the exports need to know about a unit: its name and where its capital is.

    :class:`~schedcore.reference.Province` has these attributes.  An object may also have
    ``region`` (used by :func:`~schedcore.exports.coverage_bars`) and ``venue`` (the
    LOCATION of calendar events); both are optional.
    """

    @property
    def name(self) -> str:
        """The unit's name."""

    @property
    def lat(self) -> float:
        """The latitude of the unit's capital, in degrees."""

    @property
    def lon(self) -> float:
        """The longitude of the unit's capital, in degrees."""


#: Where unit names and coordinates come from: a programme's units table, a province table, or
#: a mapping from unit code to a :class:`UnitInfo` or a ``(name, lat, lon)`` tuple.
UnitSource: TypeAlias = (
    UnitTable | ProvinceTable | Mapping[str, "UnitInfo | tuple[str, float, float]"]
)


def _sorted_codes(members: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(members))


@attrs.frozen
class ClusterRecord:
    """A cluster as the exports write it and read it back (the planner's JSON shape).

    Equal to the planner's ``PlannedCluster`` field by field, so a plan survives a round trip
    through JSON or CSV unchanged.  Members are kept sorted.
    """

    id: int
    host: str
    members: tuple[str, ...] = attrs.field(converter=_sorted_codes)
    date: dt.date | None = None
    trainer_team: str | None = None

    @classmethod
    def of(cls, cluster: ClusterLike) -> ClusterRecord:
        """A record with the same values as any cluster-shaped object."""
        return cls(
            id=cluster.id,
            host=cluster.host,
            members=tuple(cluster.members),
            date=cluster.date,
            trainer_team=cluster.trainer_team,
        )


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{attribute.name} must be a whole number >= 0, got {value!r}")


@attrs.frozen
class CoverageRow:
    """Coverage of one unit against its totals: what the coverage picture draws.

    ``teams_trained`` counts teams trained in person (in the hall or at a bridge point),
    ``members_channel`` members following the official channel and ``members_course``
    members who completed the online course.  Shares above 100% are kept as they are: they
    mean the totals (often estimates) were too low.
    """

    teams_total: int = attrs.field(validator=_count)
    teams_trained: int = attrs.field(validator=_count)
    members_total: int = attrs.field(default=0, validator=_count)
    members_channel: int = attrs.field(default=0, validator=_count)
    members_course: int = attrs.field(default=0, validator=_count)

    @property
    def teams_share(self) -> float:
        """Teams trained over teams in total (0.0 when the total is 0)."""
        return _share(self.teams_trained, self.teams_total)

    @property
    def channel_share(self) -> float:
        """Members following the channel over members in total (0.0 when the total is 0)."""
        return _share(self.members_channel, self.members_total)

    @property
    def course_share(self) -> float:
        """Members who took the course over members in total (0.0 when the total is 0)."""
        return _share(self.members_course, self.members_total)

    def __add__(self, other: CoverageRow) -> CoverageRow:
        return CoverageRow(
            teams_total=self.teams_total + other.teams_total,
            teams_trained=self.teams_trained + other.teams_trained,
            members_total=self.members_total + other.members_total,
            members_channel=self.members_channel + other.members_channel,
            members_course=self.members_course + other.members_course,
        )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
