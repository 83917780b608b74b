"""Programme commands: what is decided when a programme is created or its targets change."""

from __future__ import annotations

from schedcore.application.pipeline import UnitOfWork
from schedcore.application.reservations import Reservations
from schedcore.domain.programme import Programme
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import Recorded
from schedcore.domain.rules import violation

__all__ = ["change_daily_bridge_capacity", "change_target", "create_programme"]


def create_programme(work: UnitOfWork, spec: ProgrammeSpec, require_roles: bool) -> Recorded:
    """``Programme.Created``; a programme of the same name must not exist."""
    if work.find(Programme, work.programme_id) is not None:
        raise violation("programme_unique", f"programme {spec.name!r} already exists")
    work.add(Programme.create(spec, actor=work.actor, require_roles=require_roles))
    return Recorded(1)


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
