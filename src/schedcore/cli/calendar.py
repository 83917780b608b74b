"""``schedcore calendar``: show or change a programme's calendar in the store.

Without a change it shows the window, the working weekdays and the holidays.  With changes it
records them in one transaction, in this order: ``--remove-holiday`` days, the window
(``--start``/``--end``), ``--weekdays``, ``--add-holiday`` days.  Each change needs
``--reason``.  A change that would take away a day a session is on (a new holiday on it, the
window cut before or after it, its weekday no longer worked) is refused, naming the sessions
(rule ``calendar_keeps_sessions``), and nothing is recorded: move or cancel them first.  The
planner, the session rules and ``plan --apply`` use the calendar as changed.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from schedcore.cli._common import (
    add_actor_options,
    add_json_option,
    add_store_option,
    calendar_date,
    default_actor,
    human_output,
    require_programme_store,
    write_json,
)
from schedcore.cli._programme import add_programme_option, programme_ref

__all__ = ["register"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_list(text: str) -> list[int]:
    """An argparse ``type``: weekdays such as ``mon-fri`` or ``mon,tue,sat`` (0 = Monday)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if first not in _WEEKDAYS or (dash and last not in _WEEKDAYS):
            raise argparse.ArgumentTypeError(
                f"must be weekdays such as mon-fri or mon,tue,sat, not {text!r}"
            )
        low, high = _WEEKDAYS.index(first), _WEEKDAYS.index(last or first)
        if high < low:
            raise argparse.ArgumentTypeError(
                f"must name a range in week order (mon-fri), not {part!r}"
            )
        days.update(range(low, high + 1))
    return sorted(days)


def holiday(text: str) -> tuple[date, str]:
    """An argparse ``type``: ``YYYY-MM-DD`` or ``YYYY-MM-DD=Name of the holiday``."""
    day, _, name = text.partition("=")
    return calendar_date(day), name.strip()


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "calendar", help="show or change a programme's calendar", description=__doc__
    )
    add_store_option(parser)
    add_programme_option(parser)
    parser.add_argument(
        "--add-holiday",
        type=holiday,
        action="append",
        default=[],
        metavar="DAY[=NAME]",
        help="make DAY a holiday, named NAME (default: the reason); may be repeated",
    )
    parser.add_argument(
        "--remove-holiday",
        type=calendar_date,
        action="append",
        default=[],
        metavar="DAY",
        help="make DAY an ordinary day again; may be repeated",
    )
    parser.add_argument(
        "--start", type=calendar_date, metavar="DAY", help="the window's new first day"
    )
    parser.add_argument(
        "--end", type=calendar_date, metavar="DAY", help="the window's new last day"
    )
    parser.add_argument(
        "--weekdays",
        type=weekday_list,
        metavar="DAYS",
        help="the working weekdays from now on, e.g. mon-fri or mon-sat",
    )
    parser.add_argument("--reason", help="why the calendar changes (recorded; needed to change)")
    add_actor_options(parser)
    add_json_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schedcore.application import Scheduler
    from schedcore.calendar import Holiday
    from schedcore.errors import InvalidInputError
    from schedcore.security import Actor

    changes = bool(
        args.add_holiday
        or args.remove_holiday
        or args.start is not None
        or args.end is not None
        or args.weekdays is not None
    )
    if changes and not (args.reason or "").strip():
        raise InvalidInputError("--reason is needed to change the calendar (it is recorded)")
    actor = Actor.parse(args.actor or default_actor())
    require_programme_store(args.store)  # a store with no programme: create no file for it
    app = Scheduler.open(args.store, programme=programme_ref(args))
    try:
        events = 0
        replayed = False
        if changes:
            result = app.change_calendar(
                add_holidays=[
                    Holiday(day, name or args.reason.strip()) for day, name in args.add_holiday
                ],
                remove_holidays=args.remove_holiday,
                start=args.start,
                end=args.end,
                weekdays=args.weekdays,
                reason=args.reason,
                actor=actor,
                idempotency_key=args.idempotency_key,
            )
            events, replayed = result.events, result.replayed
        programme = app.programme()
    finally:
        app.close()
    calendar = programme.calendar
    out = human_output(args)
    if changes:
        print(f"recorded {events} calendar event{'' if events == 1 else 's'}", file=out)
    names = ", ".join(_WEEKDAYS[d].capitalize() for d in sorted(calendar.weekdays))
    print(f"programme {programme.name!r}: {calendar.start} to {calendar.end}, {names}", file=out)
    for found in calendar.holidays:
        print(f"  {found.day}  {found.name}", file=out)
    write_json(
        args.json,
        {
            "programme": programme.name,
            "start": calendar.start.isoformat(),
            "end": calendar.end.isoformat(),
            "weekdays": sorted(calendar.weekdays),
            "holidays": [{"day": h.day.isoformat(), "name": h.name} for h in calendar.holidays],
            "events": events,
            "replayed": replayed,
        },
    )
    return 0
