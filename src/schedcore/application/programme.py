"""Programme commands: what is decided when a programme is created, renamed, or its targets,
bridge cap or calendar change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

from schedcore.application.pipeline import UnitOfWork
from schedcore.application.reservations import Reservations
from schedcore.calendar import Holiday
from schedcore.domain.ids import programme_id, programme_name_id
from schedcore.domain.programme import Programme
from schedcore.domain.programme_name import ProgrammeName, check_programme_name
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import Recorded
from schedcore.domain.rule_names import PROGRAMME_UNIQUE
from schedcore.domain.rules import violation

__all__ = [
    "change_calendar",
    "change_daily_bridge_capacity",
    "change_target",
    "create_programme",
    "rename_programme",
]


def create_programme(work: UnitOfWork, spec: ProgrammeSpec, require_roles: bool) -> Recorded:
    """``Programme.Created`` under the command's (new, random) programme id, and the name
    claimed in the name index; refused (``programme_unique``) when a programme holds it."""
    programme = Programme.create(
        spec, actor=work.actor, require_roles=require_roles, id=work.programme_id
    )
    claim = _claim(work, spec.name, programme.id)
    work.add(programme)
    work.add(claim)  # after the programme: its events come later in the log
    return Recorded(1)


def rename_programme(work: UnitOfWork, new_name: str, reason: str) -> Recorded:
    """``Programme.Renamed``; the new name claimed in the index, the old one released with a
    pointer to the new (a name asked for after a rename answers with it)."""
    name = check_programme_name(new_name)
    programme = work.programme_to_change()
    previous = programme.name
    if not programme.rename(name, reason=reason, actor=work.actor):
        return Recorded(0)
    claim = _claim(work, name, programme.id)
    old = work.find(ProgrammeName, programme_name_id(previous))
    if old is None:  # a programme created before the name index: its name enters it now
        old = work.add(ProgrammeName.claim(previous, programme.id, actor=work.actor))
    old.release(renamed_to=name, actor=work.actor)
    work.add(claim)
    return work.recorded()


def _claim(work: UnitOfWork, name: str, programme: UUID) -> ProgrammeName:
    """Claim ``name`` for ``programme`` in the index: a new entry, or a released one taken
    again; refused (``programme_unique``) while another programme holds the name."""
    entry = work.find(ProgrammeName, programme_name_id(name))
    if entry is not None:
        entry.take(programme, actor=work.actor)
        return entry
    # No entry: the name may still be held by a programme created before the index existed,
    # whose id derives from its name (and which, renamed, would have an entry).
    legacy = work.find(Programme, programme_id(name))
    if legacy is not None and legacy.id != programme and legacy.name == name:
        raise violation(PROGRAMME_UNIQUE, f"programme {name!r} already exists")
    return ProgrammeName.claim(name, programme, actor=work.actor)


def change_target(work: UnitOfWork, target: Target) -> Recorded:
    work.programme_to_change().change_target(target, actor=work.actor)
    return work.recorded()


def change_daily_bridge_capacity(work: UnitOfWork, capacity: int | None) -> Recorded:
    """Cap the bridge points connected on one day; refused below a day already reserved.

    The days are those on which a session in force connects bridge points, each day's
    reservation opened (and seeded from the sessions) where a store written before
    reservations existed has none yet.
    """
    book = Reservations(work, changing=set())
    days = sorted({held.day for held in book.others().values() if held.day and held.points})
    reserved = [day for day in map(book.bridge_day, days) if day is not None]
    programme = work.programme_to_change()
    programme.change_daily_bridge_capacity(capacity, reserved=reserved, actor=work.actor)
    return work.recorded()


def _session_days(work: UnitOfWork) -> dict[int, date]:
    """The day of each session in force (scheduled or held; not cancelled), by cluster, read
    as committed: their versions are checked when the calendar change is saved, so a session
    moved meanwhile onto a day the change takes away makes it decide again."""
    held = Reservations(work, changing=set()).others()
    return {number: found.day for number, found in held.items() if found.day is not None}


def change_calendar(
    work: UnitOfWork,
    remove: Sequence[date],
    start: date | None,
    end: date | None,
    weekdays: Iterable[int] | None,
    add: Sequence[Holiday],
    reason: str,
) -> Recorded:
    """Every change asked for, in this order, in one transaction: holidays removed, the window
    moved, the weekdays changed, holidays added.  Any refused: nothing is recorded."""
    sessions = _session_days(work)
    programme = work.programme_to_change()
    actor = work.actor
    for day in remove:
        programme.remove_holiday(day, reason=reason, actor=actor)
    if start is not None or end is not None:
        programme.change_window(
            start if start is not None else programme.calendar.start,
            end if end is not None else programme.calendar.end,
            sessions=sessions,
            reason=reason,
            actor=actor,
        )
    if weekdays is not None:
        programme.change_weekdays(weekdays, sessions=sessions, reason=reason, actor=actor)
    for holiday in add:
        programme.add_holiday(holiday, sessions=sessions, reason=reason, actor=actor)
    return work.recorded()
