"""Small guards shared by the aggregates; each broken rule has a stable name.

The names are part of the public contract (``RuleViolationError.rule``) and are listed in
``docs/reference/events.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from schedcore.calendar import WorkingCalendar
from schedcore.errors import InvalidInputError, RuleViolationError

__all__ = ["check_actor", "check_reason", "check_session_day", "violation"]


def violation(rule: str, message: str) -> RuleViolationError:
    return RuleViolationError(message, rule=rule)


def check_actor(actor: str) -> None:
    """Every command names who asked: the actor is recorded on each of its events."""
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidInputError("every command needs an actor (who asked), got none")


def check_reason(reason: str | None, what: str) -> None:
    if reason is None or not reason.strip():
        raise violation("reason_required", f"{what} needs a reason")


def check_session_day(
    day: date,
    calendar: WorkingCalendar,
    units: Iterable[str],
    override_reason: str | None,
) -> None:
    """A session day is inside the window (always) and a working day that none of the
    cluster's units has blacked out (unless an override gives a reason)."""
    if not isinstance(day, date):
        raise InvalidInputError(f"a session day must be a date, not {type(day).__name__}")
    if not calendar.in_window(day):
        raise violation(
            "date_in_window",
            f"{day} is outside the programme window {calendar.start} to {calendar.end}",
        )
    if override_reason is not None:
        check_reason(override_reason, "overriding the working-day rule")
        return
    why = calendar.why_not_working(day)
    if why is not None:
        raise violation("working_day", f"{why}; give an override reason to use it anyway")
    for unit in units:
        if day in calendar.blackouts.get(unit, frozenset()):
            raise violation(
                "not_blacked_out",
                f"{day} is blacked out for unit {unit}; give an override reason to use it anyway",
            )
