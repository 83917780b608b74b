"""Programme commands: what is decided when a programme is created or its targets change."""

from __future__ import annotations

from schedcore.application.pipeline import UnitOfWork
from schedcore.domain.programme import Programme
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import Recorded
from schedcore.domain.rules import violation

__all__ = ["change_target", "create_programme"]


def create_programme(work: UnitOfWork, spec: ProgrammeSpec, require_roles: bool) -> Recorded:
    """``Programme.Created``; a programme of the same name must not exist."""
    if work.find(Programme, work.programme_id) is not None:
        raise violation("programme_unique", f"programme {spec.name!r} already exists")
    work.add(Programme.create(spec, actor=work.actor, require_roles=require_roles))
    return Recorded(1)


def change_target(work: UnitOfWork, target: Target) -> Recorded:
    work.programme_to_change().change_target(target, actor=work.actor)
    return work.recorded()
