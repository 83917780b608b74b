"""The programme's time zone, and what "on a day" means in it.

Reports speak of a programme's days ("the plan and coverage on 20 September"): a day is a
local day of the programme's time zone, and "on" a day means "as recorded by the end of that
local day".  :func:`programme_zone` is the one place the views take the zone from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs

from schedcore.calendar import time_zone
from schedcore.projections.catalogue import ProgrammeFacts

__all__ = ["ProgrammeZone", "end_of_day", "offset_text", "programme_days", "programme_zone"]


@attrs.frozen
class ProgrammeZone:
    """A time zone by IANA name, with its ``tzinfo``."""

    name: str
    tz: tzinfo

    def __str__(self) -> str:
        return self.name


def programme_zone(name: str) -> ProgrammeZone:
    """The programme's time zone by its IANA name (``Programme.time_zone``, recorded with the
    programme)."""
    return ProgrammeZone(name, time_zone(name))


def end_of_day(day: date, zone: ProgrammeZone) -> datetime:
    """The last moment of ``day`` in ``zone`` (a microsecond before the next local midnight):
    a moment recorded at ``m`` is at or before it exactly when ``m``'s local date is ``day``
    or earlier."""
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone.tz)
    return (midnight.astimezone(UTC) - timedelta(microseconds=1)).astimezone(zone.tz)


def offset_text(day: date, zone: ProgrammeZone, at: time = time(18, 0)) -> str:
    """The zone's UTC offset on ``day`` at ``at``, as ISO 8601 writes it (``+07:00``)."""
    offset = datetime.combine(day, at, tzinfo=zone.tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def programme_days(facts: ProgrammeFacts) -> tuple[date, date]:
    """The programme's days: from the first day of its window to the end of its window or
    its last target's deadline, whichever is later (an online course may run on after the
    sessions)."""
    deadlines = [t.deadline for t in facts.targets.values()]
    return facts.start, max([facts.end, *deadlines])
