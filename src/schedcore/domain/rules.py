"""Small guards shared by the aggregates; each broken rule has a stable name.

The names are part of the public contract (``RuleViolationError.rule``); they are registered,
with their kind, in :mod:`schedcore.domain.rule_names` and listed in ``docs/concepts/rules.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from schedcore.calendar import WorkingCalendar
from schedcore.domain.rule_names import (
    DATE_IN_WINDOW,
    NOT_BLACKED_OUT,
    REASON_REQUIRED,
    WORKING_DAY,
    registered,
)
from schedcore.errors import InvalidInputError, RuleViolationError

__all__ = [
    "MAX_COUNT",
    "check_actor",
    "check_count",
    "check_day",
    "check_reason",
    "check_session_day",
    "violation",
]

#: No hall seats, no bridge connects and no unit counts more than this: a bigger number is a
#: typo (an extra zero, a phone number in the wrong cell), not a plan.
MAX_COUNT = 10_000_000


def violation(rule: str, message: str) -> RuleViolationError:
    """The error for breaking ``rule``, a name registered in :mod:`schedcore.domain.rule_names`
    (an unregistered name is a programming error: ``ValueError``)."""
    if not registered(rule):
        raise ValueError(f"{rule!r} is not a registered rule name (domain/rule_names.py)")
    return RuleViolationError(message, rule=rule)


def check_actor(actor: str) -> None:
    """Every command names who asked: the actor is recorded on each of its events."""
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidInputError("every command needs an actor (who asked), got none")


def check_count(value: object, what: str) -> int:
    """A whole number from 0 to :data:`MAX_COUNT` (not a bool, a float or NaN)."""
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise InvalidInputError(
            f"{what} must be a whole number from 0 to {MAX_COUNT:,}, got {value!r}"
        )
    return value


def check_day(day: object, what: str) -> date:
    """A calendar day: a ``date``, and not a ``datetime`` (a day has no time of day, and a
    naive time would not say in which time zone it falls)."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidInputError(f"{what} must be a date, not {type(day).__name__} {day!r}")
    return day


def check_reason(reason: str | None, what: str) -> None:
    """A reason is non-blank text (``reason_required``); anything but text or ``None`` is
    :class:`InvalidInputError`."""
    if reason is not None and not isinstance(reason, str):
        raise InvalidInputError(f"{what} needs a reason in words, not {reason!r}")
    if reason is None or not reason.strip():
        raise violation(REASON_REQUIRED, f"{what} needs a reason")


def check_session_day(
    day: date,
    calendar: WorkingCalendar,
    units: Iterable[str],
    override_reason: str | None,
) -> None:
    """A session day is inside the window (always) and a working day that none of the
    cluster's units has blacked out (unless an override gives a reason)."""
    check_day(day, "a session day")
    if not calendar.in_window(day):
        raise violation(
            DATE_IN_WINDOW,
            f"{day} is outside the programme window {calendar.start} to {calendar.end}",
        )
    if override_reason is not None:
        check_reason(override_reason, "overriding the working-day rule")
        return
    why = calendar.why_not_working(day)
    if why is not None:
        raise violation(WORKING_DAY, f"{why}; give an override reason to use it anyway")
    for unit in units:
        if day in calendar.blackouts.get(unit, frozenset()):
            raise violation(
                NOT_BLACKED_OUT,
                f"{day} is blacked out for unit {unit}; give an override reason to use it anyway",
            )
