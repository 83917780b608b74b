"""What a training programme sets out to do: its window, clusters, totals and targets.

These are plain values (no events, no storage): the built-in 2022 scenario is one of them, and
a user's own programme is another.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, time

import attrs

from schedcore.calendar import WorkingCalendar, check_time_zone
from schedcore.domain.rules import check_count
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError

__all__ = ["Measure", "ProgrammeSpec", "Target"]


class Measure(enum.StrEnum):
    """What a target counts."""

    TEAMS_TRAINED_IN_PERSON = "teams_trained_in_person"
    """Teams with at least one member at their cluster's session, in the hall or at a bridge."""
    MEMBERS_ONLINE_COURSE = "members_online_course"
    """Members who completed the online self-study course."""
    MEMBERS_FOLLOWING_CHANNEL = "members_following_channel"
    """Members following the official information channel."""


@attrs.frozen
class Target:
    """Reach ``share`` (0..1] of the population that ``measure`` counts by ``deadline``."""

    measure: Measure
    share: float
    deadline: date

    def __attrs_post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise InvalidInputError(f"a target share must be in (0, 1], got {self.share}")


@attrs.frozen
class ProgrammeSpec:
    """A programme of in-person cluster sessions relayed to bridge points.

    ``teams`` and ``members`` map unit codes to the number of teams and members expected to be
    trained; ``delegates`` maps unit codes to the people each unit sends to its cluster's hall.
    ``daily_bridge_capacity`` caps the commune bridge points connected on one day over every
    session (``None``: no cap).  ``time_zone`` (IANA) says which day a moment falls on;
    ``units`` names the units and says where they are (``None``: the codes are the names);
    ``country`` (ISO 3166-1 alpha-3) picks the outline the map draws; ``session_hours`` (start,
    end) are the local hours of every session (``None``: sessions are whole days).
    """

    name: str
    calendar: WorkingCalendar
    clusters: int
    teams: Mapping[str, int]
    members: Mapping[str, int]
    delegates: Mapping[str, int]
    bridge_points: Mapping[str, int]
    targets: tuple[Target, ...]
    notes: str = ""
    daily_bridge_capacity: int | None = None
    time_zone: str = "UTC"
    units: UnitTable | None = None
    country: str | None = None
    session_hours: tuple[time, time] | None = None

    def __attrs_post_init__(self) -> None:
        check_time_zone(self.time_zone)
        if self.session_hours is not None:
            first, last = self.session_hours
            if not (isinstance(first, time) and isinstance(last, time) and first < last):
                raise InvalidInputError(
                    f"session hours must be two times, the start before the end: "
                    f"{self.session_hours!r}"
                )
        if self.daily_bridge_capacity is not None:
            check_count(self.daily_bridge_capacity, "the daily bridge capacity")
        if type(self.clusters) is not int or self.clusters < 1:
            raise InvalidInputError(
                f"a programme needs a whole number of clusters >= 1, got {self.clusters!r}"
            )
        units: set[str] = set()
        for label, counts in (
            ("teams", self.teams),
            ("members", self.members),
            ("delegates", self.delegates),
            ("bridge_points", self.bridge_points),
        ):
            negative = {
                unit: n for unit, n in counts.items() if isinstance(n, int | float) and n < 0
            }
            if negative:
                raise InvalidInputError(f"negative {label}: {negative}")
            for unit, count in counts.items():
                check_count(count, f"{label} of unit {unit}")
            units.update(counts)
        if self.units is not None:
            unnamed = sorted(units - set(self.units.codes))
            if unnamed:
                raise InvalidInputError(
                    f"units {unnamed[:5]} are counted but not in the units table"
                    + (f" (and {len(unnamed) - 5} more)" if len(unnamed) > 5 else "")
                )
        if units and self.clusters > len(units):
            raise InvalidInputError(
                f"{self.clusters} clusters cannot be formed from {len(units)} units: "
                "every cluster needs at least one"
            )

    @property
    def start(self) -> date:
        """The first day of the programme's window."""
        return self.calendar.start

    @property
    def end(self) -> date:
        """The last day of the programme's window."""
        return self.calendar.end

    @property
    def total_teams(self) -> int:
        """Teams over all units."""
        return sum(self.teams.values())

    @property
    def total_members(self) -> int:
        """Members over all units."""
        return sum(self.members.values())

    @property
    def total_bridge_points(self) -> int:
        """Bridge points over all units."""
        return sum(self.bridge_points.values())

    def unit_table(self) -> UnitTable:
        """The programme's units: its table, or units named by their codes when it has none."""
        return self.units if self.units is not None else unnamed_units(self)

    def target(self, measure: Measure) -> Target | None:
        """The target for ``measure``, or ``None`` when the programme sets none."""
        return next((t for t in self.targets if t.measure is measure), None)


def unnamed_units(spec: ProgrammeSpec) -> UnitTable:
    """A table for a programme recorded without one: each unit named by its code."""
    from schedcore.domain.units import Unit

    codes = sorted(
        set(spec.teams) | set(spec.members) | set(spec.delegates) | set(spec.bridge_points)
    )
    return UnitTable(tuple(Unit(code=code, name=code) for code in codes), source=spec.name)
