"""Working days, public holidays and per-unit blackout dates.

A :class:`WorkingCalendar` answers one question for the planner and the aggregates: on which
days may a session take place, for a given set of units?  Weekdays and holidays come from
``python-dateutil`` rules; holidays are data (Vietnam 2022 is built in) and users add their own.
Timestamps are timezone-aware; a *local date* means the date in :data:`PROGRAMME_TZ`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo

import attrs
from dateutil import rrule, tz

from schedcore.errors import InvalidInputError

__all__ = [
    "PROGRAMME_TZ",
    "VIETNAM_HOLIDAYS_2022",
    "Holiday",
    "WorkingCalendar",
    "ensure_aware",
    "local_date",
    "now",
]

#: The programme's local time zone (Vietnam has kept UTC+7 without daylight saving since 1975).
PROGRAMME_TZ: tzinfo = tz.gettz("Asia/Ho_Chi_Minh") or tz.tzoffset("ICT", 7 * 3600)


@attrs.frozen(order=True)
class Holiday:
    """A day off for everyone (a public holiday or its compensating day)."""

    day: date
    name: str


def _range(first: date, last: date, name: str) -> tuple[Holiday, ...]:
    return tuple(Holiday(first + timedelta(days=i), name) for i in range((last - first).days + 1))


#: Vietnam's public holidays in 2022 as days off for public servants, compensating days
#: included (New Year 1 Jan fell on a Saturday, so Monday 3 Jan was off; 30 Apr and 1 May fell
#: on a weekend, so 2-3 May were off; National Day was 1-4 Sep, Thursday to Sunday).
VIETNAM_HOLIDAYS_2022: tuple[Holiday, ...] = (
    Holiday(date(2022, 1, 1), "New Year's Day"),
    Holiday(date(2022, 1, 3), "New Year's Day (compensating day)"),
    *_range(date(2022, 1, 29), date(2022, 2, 6), "Lunar New Year (Tết)"),
    Holiday(date(2022, 4, 11), "Hùng Kings' Commemoration (compensating day)"),
    Holiday(date(2022, 4, 30), "Reunification Day"),
    Holiday(date(2022, 5, 1), "International Labour Day"),
    Holiday(date(2022, 5, 2), "Reunification Day (compensating day)"),
    Holiday(date(2022, 5, 3), "International Labour Day (compensating day)"),
    *_range(date(2022, 9, 1), date(2022, 9, 4), "National Day"),
)

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

    ``weekdays`` uses Python's numbering (0 = Monday).  ``blackouts`` maps a unit code (e.g. a
    GSO province code) to the dates that unit is unavailable.
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


def now() -> datetime:
    """The current moment, timezone-aware, in the programme's time zone."""
    return datetime.now(PROGRAMME_TZ)


def ensure_aware(moment: datetime, what: str = "timestamp") -> datetime:
    """Refuse naive datetimes: an "as of" question needs to know which moment is meant."""
    if not isinstance(moment, datetime):
        raise InvalidInputError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError(
            f"{what} {moment.isoformat()} has no time zone; give one (e.g. +07:00)"
        )
    return moment


def local_date(moment: datetime) -> date:
    """The calendar date of an aware moment in the programme's time zone."""
    return ensure_aware(moment).astimezone(PROGRAMME_TZ).date()
