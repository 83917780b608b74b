"""The programme name index: which programme holds a name, one aggregate per name ever used.

A programme's id is random and never changes; its name may (``Programme.Renamed``).  Finding a
programme by name, and keeping names unique, is this index's job: the entry of a name has the
id :func:`~schedcore.domain.ids.programme_name_id` of the name, so two writers claiming the
same new name write the same aggregate id and the store refuses the second (a concurrency
error, decided again, then ``programme_unique``).  A name given up by a rename stays in the
index as released, with the name it was renamed to: asked for, it answers with that hint, and
a later programme may claim it again (the entry's version then guards the claim).
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from schedcore.domain._copying import copy_aggregate
from schedcore.domain.ids import programme_name_id
from schedcore.domain.rule_names import PROGRAMME_UNIQUE
from schedcore.domain.rules import check_actor, violation
from schedcore.errors import InvalidInputError

__all__ = ["ProgrammeName", "check_programme_name"]


def check_programme_name(name: object) -> str:
    """A programme's name is non-blank text without leading or trailing blanks."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"a programme needs a name, not {name!r}")
    if name != name.strip():
        raise InvalidInputError(f"a programme's name has no leading or trailing blanks: {name!r}")
    return name


class ProgrammeName(Aggregate):
    """One name of the name index: the programme holding it now (``None``: released)."""

    __deepcopy__ = copy_aggregate

    @staticmethod
    def create_id(name: str) -> UUID:
        return programme_name_id(name)

    @classmethod
    def claim(cls, name: str, programme: UUID, *, actor: str) -> ProgrammeName:
        """The first claim of ``name`` (no entry of it exists yet)."""
        check_actor(actor)
        check_programme_name(name)
        return cls(name=name, programme_id=programme, actor=actor)

    class Claimed(Aggregate.Created):
        name: str
        programme_id: UUID
        actor: str

    @event(Claimed)
    def __init__(self, name: str, programme_id: UUID, actor: str) -> None:
        self.name = name
        self.programme: UUID | None = programme_id
        #: The name the last holder was renamed to, once released.
        self.renamed_to: str | None = None

    def take(self, programme: UUID, *, actor: str) -> None:
        """Claim a released name again; refused (``programme_unique``) while it is held."""
        check_actor(actor)
        if self.programme is not None:
            raise violation(PROGRAMME_UNIQUE, f"programme {self.name!r} already exists")
        self._reclaimed(programme_id=programme, actor=actor)

    @event("Reclaimed")
    def _reclaimed(self, programme_id: UUID, actor: str) -> None:
        self.programme = programme_id
        self.renamed_to = None

    def release(self, *, renamed_to: str, actor: str) -> None:
        """The holder was renamed to ``renamed_to``: the name is free again."""
        check_actor(actor)
        self._released(programme_id=self.programme, renamed_to=renamed_to, actor=actor)

    @event("Released")
    def _released(self, programme_id: UUID | None, renamed_to: str, actor: str) -> None:
        self.programme = None
        self.renamed_to = renamed_to
