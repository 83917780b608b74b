"""What the exports read: clusters of a plan and facts about units.

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
from schedcore.reference.provinces import ProvinceTable

__all__ = [
    "ClusterLike",
    "ClusterRecord",
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
