"""Programme commands: what is decided when a programme is created or its targets change."""

from __future__ import annotations

from datetime import timedelta

from schedcore.application.pipeline import UnitOfWork
from schedcore.domain.ids import bridge_day_id
from schedcore.domain.programme import Programme
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import Recorded
from schedcore.domain.reservations import BridgeDay
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
    """Cap the bridge points connected on one day; refused below a day already reserved."""
    calendar = work.programme.calendar
    days = [calendar.start + timedelta(n) for n in range((calendar.end - calendar.start).days + 1)]
    reserved = [
        found
        for day in days
        if (found := work.read(BridgeDay, bridge_day_id(work.programme_id, day))) is not None
    ]
    programme = work.programme_to_change()
    programme.change_daily_bridge_capacity(capacity, reserved=reserved, actor=work.actor)
    return work.recorded()
