"""Working days, public holidays and per-unit blackout dates.

A :class:`WorkingCalendar` answers one question for the planner and the aggregates: on which
days may a session take place, for a given set of units?  Weekdays and holidays come from
``python-dateutil`` rules; holidays are data (each programme file lists its own).  Timestamps
are timezone-aware; a *local date* is the date in a programme's time zone (an IANA name such as
``Asia/Ho_Chi_Minh`` or ``Europe/Berlin``, read with the standard ``zoneinfo``; the ``tzdata``
package supplies the database where the system has none).
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from functools import cache

import attrs
from dateutil import rrule

from schedcore.errors import InvalidInputError

__all__ = [
    "Holiday",
    "WorkingCalendar",
    "check_time_zone",
    "ensure_aware",
    "local_date",
    "now",
    "time_zone",
]


@attrs.frozen(order=True)
class Holiday:
    """A day off for everyone (a public holiday or its compensating day)."""

    day: date
    name: str


_WEEKDAY_RULES = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


def _weekday_set(days: Iterable[int]) -> frozenset[int]:
    return frozenset(days)


def _holiday_tuple(holidays: Iterable[Holiday]) -> tuple[Holiday, ...]:
    return tuple(sorted(set(holidays)))


def _frozen_blackouts(blackouts: Mapping[str, Iterable[date]]) -> Mapping[str, frozenset[date]]:
    return {unit: frozenset(days) for unit, days in blackouts.items()}


@attrs.frozen
class WorkingCalendar:
    """The days sessions may be held in a window, and the days each unit cannot attend.

    ``weekdays`` uses Python's numbering (0 = Monday).  ``blackouts`` maps a unit code to the
    dates that unit is unavailable.
    """

    start: date
    end: date
    weekdays: frozenset[int] = attrs.field(default=frozenset(range(5)), converter=_weekday_set)
    holidays: tuple[Holiday, ...] = attrs.field(default=(), converter=_holiday_tuple)
    blackouts: Mapping[str, frozenset[date]] = attrs.field(
        factory=dict, converter=_frozen_blackouts
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise InvalidInputError("the calendar window needs two dates")
        if self.end < self.start:
            raise InvalidInputError(f"the window ends ({self.end}) before it starts ({self.start})")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise InvalidInputError("weekdays must be a non-empty subset of 0..6 (0 = Monday)")

    @property
    def holiday_dates(self) -> frozenset[date]:
        """The days of the holidays."""
        return frozenset(h.day for h in self.holidays)

    def working_days(self) -> tuple[date, ...]:
        """Every working day of the window, in order: allowed weekdays minus holidays."""
        rules = rrule.rruleset()
        rules.rrule(
            rrule.rrule(
                rrule.DAILY,
                dtstart=datetime.combine(self.start, datetime.min.time()),
                until=datetime.combine(self.end, datetime.min.time()),
                byweekday=[_WEEKDAY_RULES[d] for d in sorted(self.weekdays)],
            )
        )
        for holiday in self.holidays:
            rules.exdate(datetime.combine(holiday.day, datetime.min.time()))
        return tuple(moment.date() for moment in rules)

    def in_window(self, day: date) -> bool:
        """Whether ``day`` is between :attr:`start` and :attr:`end`, both included."""
        return self.start <= day <= self.end

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is in the window, on one of :attr:`weekdays` and not a holiday (a unit's
        blackouts are not counted here).
        """
        return (
            self.in_window(day) and day.weekday() in self.weekdays and day not in self.holiday_dates
        )

    def why_not_working(self, day: date) -> str | None:
        """A human reason why ``day`` is not a working day, or ``None`` if it is one."""
        if not self.in_window(day):
            return f"{day} is outside the window {self.start} to {self.end}"
        for holiday in self.holidays:
            if holiday.day == day:
                return f"{day} is a holiday ({holiday.name})"
        if day.weekday() not in self.weekdays:
            return f"{day} is a {day:%A}, not a working day"
        return None

    def allowed_days(self, units: Iterable[str] = ()) -> tuple[date, ...]:
        """Working days on which none of ``units`` is blacked out."""
        blocked: set[date] = set()
        for unit in units:
            blocked |= self.blackouts.get(unit, frozenset())
        return tuple(day for day in self.working_days() if day not in blocked)

    def with_holidays(self, holidays: Iterable[Holiday]) -> WorkingCalendar:
        """A copy with ``holidays`` added to the calendar's."""
        return attrs.evolve(self, holidays=(*self.holidays, *holidays))

    def with_blackout(self, unit: str, days: Iterable[date]) -> WorkingCalendar:
        """A copy in which unit ``unit`` also cannot attend on ``days``."""
        blackouts = dict(self.blackouts)
        blackouts[unit] = blackouts.get(unit, frozenset()) | frozenset(days)
        return attrs.evolve(self, blackouts=blackouts)


@cache
def time_zone(name: str) -> tzinfo:
    """The time zone an IANA name stands for; :class:`InvalidInputError` for an unknown one."""
    check_time_zone(name)
    return zoneinfo.ZoneInfo(name)


def check_time_zone(name: str) -> None:
    """Refuse a name that is not an IANA time zone, with the nearest ones."""
    if isinstance(name, str) and name.strip() == name and name:
        try:
            zoneinfo.ZoneInfo(name)
            return
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    near = difflib.get_close_matches(str(name), sorted(_zone_names()), n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(near)}?)" if near else " (e.g. Europe/Berlin, UTC)"
    raise InvalidInputError(f"{name!r} is not an IANA time zone{hint}")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def now(zone: str | tzinfo = "UTC") -> datetime:
    """The current moment, timezone-aware, in ``zone`` (a programme's time zone)."""
    return datetime.now(zone if isinstance(zone, tzinfo) else time_zone(zone))


def ensure_aware(moment: datetime, what: str = "timestamp") -> datetime:
    """Refuse naive datetimes: an "as of" question needs to know which moment is meant."""
    if not isinstance(moment, datetime):
        raise InvalidInputError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError(
            f"{what} {moment.isoformat()} has no time zone; give one (e.g. +07:00 or Z)"
        )
    return moment


def local_date(moment: datetime, zone: str | tzinfo) -> date:
    """The calendar date of an aware moment in ``zone`` (a programme's time zone)."""
    where = zone if isinstance(zone, tzinfo) else time_zone(zone)
    return ensure_aware(moment).astimezone(where).date()
