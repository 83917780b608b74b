"""Queries: aggregates as they are now, or as they were (``as_of``).

Every aggregate returned is the caller's own copy: change the programme through commands only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from schedcore.application.base import AsOf, EventStoreApplication, ProgrammeRef
from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.ids import attendance_id, cluster_id, placement_id, session_id
from schedcore.domain.programme import Programme
from schedcore.domain.session import Session
from schedcore.errors import NotFoundError

__all__ = ["Queries"]


class Queries(EventStoreApplication):
    """The read side of :class:`~schedcore.Scheduler`."""

    def programme(
        self, programme: ProgrammeRef | None = None, *, as_of: AsOf | None = None
    ) -> Programme:
        ref = programme if programme is not None else self.default_programme
        what = f"programme {ref!r}" if isinstance(ref, str) else f"programme {ref}"
        pid = self.programme_id(programme)  # a name given up by a rename: names the new one
        try:
            return self._get(Programme, pid, what, as_of)
        except NotFoundError as exc:
            if as_of is not None:
                raise
            raise NotFoundError(
                f"{what} is not in this store; create it first (e.g. schedcore plan --apply)"
            ) from exc

    def cluster(
        self, number: int, *, programme: ProgrammeRef | None = None, as_of: AsOf | None = None
    ) -> Cluster:
        pid = self.programme_id(programme)
        return self._get(Cluster, cluster_id(pid, number), f"cluster {number}", as_of)

    def clusters(
        self, *, programme: ProgrammeRef | None = None, as_of: datetime | None = None
    ) -> tuple[Cluster, ...]:
        """The clusters of the plan in force (at ``as_of``, if given), by number."""
        plan = self.programme(programme, as_of=as_of)
        return tuple(self.cluster(n, programme=plan.id, as_of=as_of) for n in plan.clusters)

    def session(
        self, cluster: int, *, programme: ProgrammeRef | None = None, as_of: AsOf | None = None
    ) -> Session:
        pid = self.programme_id(programme)
        return self._get(Session, session_id(pid, cluster), f"session of cluster {cluster}", as_of)

    def placement(
        self, province: str, *, programme: ProgrammeRef | None = None, as_of: AsOf | None = None
    ) -> Placement:
        pid = self.programme_id(programme)
        what = f"placement of province {province}"
        return self._get(Placement, placement_id(pid, province), what, as_of)

    def province_cluster(
        self, province: str, *, programme: ProgrammeRef | None = None
    ) -> int | None:
        """The cluster a province is in now, or ``None``."""
        pid = self.programme_id(programme)
        found = self._find(Placement, placement_id(pid, province), copy=False)
        return None if found is None else found.cluster

    def attendance(
        self,
        province: str,
        *,
        programme: ProgrammeRef | None = None,
        as_of: AsOf | None = None,
        pseudonyms: bool = False,
    ) -> Attendance:
        """A province's attendance (a private copy).  Members are named by their identifiers,
        read from the identity vault; an erased member keeps its pseudonym (nothing names it
        any more).  ``pseudonyms=True``: every member by its pseudonym, as the events name it.
        """
        pid = self.programme_id(programme)
        what = f"attendance of province {province}"
        book = self._get(Attendance, attendance_id(pid, province), what, as_of)
        if not pseudonyms:
            from schedcore.application.identities import name_members

            name_members(self, pid, book)  # type: ignore[arg-type]
        return book

    # -- for the command pipeline ----------------------------------------------------------

    def _programme_of(
        self, programme: ProgrammeRef | None, *, fresh: bool = True, pid: UUID | None = None
    ) -> Programme:
        """The programme as committed, shared and read-only (for commands that only read it:
        copying it costs more than all the rest of a small command).  ``fresh=False`` for
        what is fixed when the programme is created (its units, delegates,
        ``roles_required``; not its name nor its calendar, which events change): any
        committed version says the same, so no query for newer events (nor for a newer
        entry of its name in the index).  ``pid``: the id ``programme`` was resolved to
        already (by the command's authorization), not looked up again."""
        if pid is None:
            pid = self.programme_id(programme, fresh=fresh)
        found = self._find(Programme, pid, copy=False, fresh=fresh)
        if found is None:
            ref = programme if programme is not None else self.default_programme
            what = f"programme {ref!r}" if isinstance(ref, str) else f"programme {ref}"
            raise NotFoundError(
                f"{what} is not in this store; create it first (e.g. schedcore plan --apply)"
            )
        return found

    def _roles_required(self, pid: ProgrammeRef) -> bool:
        # Fixed when the programme is created: any committed version will do.
        found = self._find(Programme, self.programme_id(pid), copy=False, fresh=False)
        return found is not None and found.roles_required
