"""What a report page shows of one unit's coverage: plain counts against totals."""

from __future__ import annotations

import attrs

from schedcore.errors import InvalidInputError

__all__ = ["CoverageCounts"]


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{attribute.name} must be a whole number >= 0, got {value!r}")


@attrs.frozen
class CoverageCounts:
    """One unit's counts against its totals, as the HTML report shows them (the read models'
    :class:`~schedcore.projections.CoverageRow` carries these and much more).

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

    def __add__(self, other: CoverageCounts) -> CoverageCounts:
        return CoverageCounts(
            teams_total=self.teams_total + other.teams_total,
            teams_trained=self.teams_trained + other.teams_trained,
            members_total=self.members_total + other.members_total,
            members_channel=self.members_channel + other.members_channel,
            members_course=self.members_course + other.members_course,
        )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
