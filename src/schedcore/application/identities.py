"""Members under pseudonyms, and erasing a member's identity.

Commands that name members (recording, enrolling, voiding) take the identifiers a coordinator
typed; the events get each member's pseudonym instead, found in the identity vault (see
:mod:`schedcore.vault`) or made for a member seen for the first time.  A new pseudonym is kept
in the vault only once the command's rules have passed, so a refused command keeps nothing;
two writers making one for the same member at once keep the first kept, and the other decides
again with it.  Errors that name a member show the identifier as typed, never its pseudonym.

A member recorded plainly by a release before erasure support keeps its identifier in the
log: commands go on naming it so (it stays one member), and erasing it is refused.

Erasing records ``Attendance.MemberErased`` (the pseudonym, never the identifier) in each
province the member is in, then deletes the member's vault row and scrubs the store's files.
Every fact and count stays.  A scrub that could not finish (another connection kept a copy
alive) is finished by erasing again: the vault no longer holds the member, the log records
erasures, so the store is scrubbed again and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from schedcore.application.pipeline import Command, UnitOfWork, attempts, authorized, run
from schedcore.domain.attendance import Attendance
from schedcore.domain.ids import attendance_id
from schedcore.domain.values import AttendanceRow
from schedcore.errors import ErasureRefusedError, InvalidInputError, NotFoundError, SchedcoreError
from schedcore.security import ActorLike
from schedcore.vault import PSEUDONYM, new_pseudonyms

if TYPE_CHECKING:
    from schedcore.application.base import ProgrammeRef
    from schedcore.application.scheduler import Scheduler

__all__ = [
    "ERASED",
    "MemberErasure",
    "Pseudonyms",
    "erase_member",
    "identities_of",
    "name_members",
]

#: How a member whose identity was erased is shown.
ERASED = "(erased)"


@attrs.frozen
class MemberErasure:
    """What :meth:`Scheduler.erase_member <schedcore.application.Scheduler.erase_member>`
    erased: the member's pseudonym (which the log, the views and the counts keep), the
    provinces whose attendance recorded the erasure, and how many events that took.

    ``already_erased`` is true when the vault no longer held the member and the programme's
    log records erasures: the store's files were scrubbed again and nothing was written
    (``pseudonym`` is then ``None``, ``provinces`` empty and ``events`` 0).  The vault keeps
    nothing of an erased member, so such an answer cannot tell a member erased before from
    an identifier never recorded."""

    pseudonym: str | None
    provinces: tuple[str, ...]
    events: int
    already_erased: bool = False


class Pseudonyms:
    """The pseudonyms of the members one command names."""

    def __init__(self, app: Scheduler, programme_id: UUID, members: Iterable[str]) -> None:
        self._app = app
        self._programme_id = programme_id
        wanted = set(members)
        with app._translated():
            self.known: dict[str, str] = app.vault.pseudonyms(programme_id, wanted)
        #: Made for members the vault does not hold; kept only by :meth:`keep`.
        unknown = wanted - self.known.keys()
        self.fresh: dict[str, str] = dict(zip(unknown, new_pseudonyms(len(unknown)), strict=True))
        self._shown: dict[str, str] | None = None
        self._names: dict[str, str] | None = None

    def of(self, member: str, book: Attendance | None) -> str:
        """How ``book`` (the member's province) names the member: as recorded before erasure
        support if it was, else by its pseudonym."""
        if book is not None and member in book.members:
            return member  # recorded plainly by an earlier release: it stays one member
        known = self.known.get(member)
        return known if known is not None else self.fresh[member]

    def rows(self, rows: Sequence[AttendanceRow], book: Attendance | None) -> list[AttendanceRow]:
        """The rows of one province with their members named as the province names them."""
        # One lookup a row in a table of every member's name, made once (see :meth:`of`).
        names = self._names
        if names is None:
            names = self._names = {**self.fresh, **self.known}
        plain = book.members if book is not None else None
        if plain:
            return [
                AttendanceRow(
                    r.member if r.member in plain else names[r.member],
                    r.team,
                    r.province,
                    r.commune,
                    r.activity,
                    r.day,
                    r.line,
                )
                for r in rows
            ]
        return [
            AttendanceRow(names[r.member], r.team, r.province, r.commune, r.activity, r.day, r.line)
            for r in rows
        ]

    def keep(self, used: Iterable[str]) -> bool:
        """Keep in the vault the fresh pseudonyms of ``used`` (pseudonyms that the events
        will carry).  ``False`` when another writer kept one first: the command must decide
        again (:meth:`of` now gives the pseudonym kept)."""
        used = set(used)
        new = {m: p for m, p in self.fresh.items() if p in used}
        if not new:
            return True
        programme_id, vault = self._programme_id, self._app.vault
        with self._app._translated():
            # a deadlock PostgreSQL broke is a lost race, retried as the app's policy says:
            # the vault's insert is one statement, and adding members twice is harmless
            kept = attempts(self._app, "keeping pseudonyms", lambda: vault.add(programme_id, new))
        self._shown = self._names = None
        same = True
        for member, pseudonym in kept.items():
            self.known[member] = pseudonym
            del self.fresh[member]
            same = same and pseudonym == new[member]
        return same

    def reveal(self, text: str) -> str:
        """``text`` with every pseudonym of this command replaced by the identifier typed."""
        shown = self._shown
        if shown is None:
            shown = self._shown = {p: m for m, p in (*self.known.items(), *self.fresh.items())}
        return PSEUDONYM.sub(lambda found: shown.get(found[0], found[0]), text)

    @contextmanager
    def revealing(self) -> Iterator[None]:
        """Errors raised inside name members as typed (the error is the same object)."""
        try:
            yield
        except SchedcoreError as exc:
            if exc.args and isinstance(exc.args[0], str):
                shown = self.reveal(exc.args[0])
                if shown != exc.args[0]:
                    exc.args = (shown, *exc.args[1:])
            raise


def identities_of(app: Scheduler, programme_id: UUID, members: Iterable[str]) -> dict[str, str]:
    """Each member as a person would know it: a pseudonym's identifier from the vault,
    :data:`ERASED` for an erased one; an identifier from before erasure support as it is."""
    wanted = set(members)
    pseudonyms = {m for m in wanted if PSEUDONYM.fullmatch(m)}
    with app._translated():
        found = app.vault.identities(programme_id, pseudonyms)
    return {m: found.get(m, ERASED) if m in pseudonyms else m for m in wanted}


def name_members(app: Scheduler, programme_id: UUID, book: Attendance) -> None:
    """Rename, in ``book`` (a private copy, never saved), each member by its identifier; an
    erased member keeps its pseudonym."""
    pseudonyms = [m for m in book.members if PSEUDONYM.fullmatch(m)]
    if not pseudonyms:
        return
    with app._translated():
        found = app.vault.identities(programme_id, pseudonyms)
    if not found:
        return
    get = found.get
    book.members = {get(m, m): home for m, home in book.members.items()}
    book.in_person = {get(m, m): outcome for m, outcome in book.in_person.items()}
    book.course = {get(m, m) for m in book.course}
    book.channel = {get(m, m) for m in book.channel}
    book.erased = {get(m, m) for m in book.erased}


def erase_member(
    app: Scheduler, member: str, *, actor: ActorLike, programme: ProgrammeRef | None
) -> MemberErasure:
    """See :meth:`schedcore.Scheduler.erase_member`."""
    if not isinstance(member, str) or not member.strip():
        raise InvalidInputError(f"the member to erase must be non-blank text, not {member!r}")
    command = Command("erase_member", actor, programme, _not_yet)
    pid, _ = authorized(app, command)  # before anything is read
    current = app._programme_of(programme)
    if PSEUDONYM.fullmatch(member.strip()):
        raise ErasureRefusedError(
            f"{member!r} is a pseudonym, not a member's identifier: a member is erased by the "
            "identifier it was recorded with (the member column of record), which the "
            "identity vault links to its pseudonym; nothing was changed"
        )
    books = _books(app, pid, current.units)
    plain = sorted(province for province, book in books.items() if member in book.members)
    if plain:
        raise ErasureRefusedError(
            f"member {member!r} of programme {current.name!r} is named by its identifier in "
            f"attendance events of {', '.join(plain)} written before erasure support: the log "
            "is immutable, so the identifier cannot be erased from it; nothing was changed "
            "(see the documentation's 'Personal data and erasure')"
        )
    with app._translated():
        pseudonym = app.vault.pseudonyms(pid, [member]).get(member)
    if pseudonym is None:
        if any(book.erased for book in books.values()):
            # Erased already, or never recorded (the vault cannot tell): finish a scrub an
            # earlier erasure could not, and write nothing.
            with app._translated():
                app.vault.scrub()
            return MemberErasure(pseudonym=None, provinces=(), events=0, already_erased=True)
        raise NotFoundError(
            f"no member {member!r} in the identity vault of programme {current.name!r}: it "
            "was never recorded, or its identity is erased already; nothing was changed"
        )
    provinces = tuple(sorted(p for p, book in books.items() if pseudonym in book.members))
    recorded = run(
        app,
        attrs.evolve(command, decide=lambda work: _record_erasure(work, pseudonym, provinces)),
    )
    with app._translated():
        app.vault.forget(pid, member)
    return MemberErasure(pseudonym=pseudonym, provinces=provinces, events=recorded)


def _books(app: Scheduler, pid: UUID, units: Iterable[str]) -> dict[str, Attendance]:
    found = {}
    for province in units:
        book = app._find(Attendance, attendance_id(pid, province), copy=False)
        if book is not None:
            found[province] = book
    return found


def _record_erasure(work: UnitOfWork, pseudonym: str, provinces: Sequence[str]) -> int:
    events = 0
    for province in provinces:
        book = work.find_attendance(province)
        if book is not None and book.erase(pseudonym, actor=work.actor):
            events += 1
    return events


def _not_yet(_: Any) -> Any:  # pragma: no cover - replaced before the command runs
    raise NotImplementedError


def pseudonymous_refs(
    app: Scheduler, programme_id: UUID, book: Attendance | None, refs: Iterable[Any]
) -> tuple[Pseudonyms, list[Any]]:
    """Enrolment rows with their members named as ``book`` names them."""
    listed = list(refs)
    names = Pseudonyms(app, programme_id, (r[0] for r in listed))
    return names, [type(r)(names.of(r[0], book), *r[1:]) for r in listed]


def known_members(
    app: Scheduler, programme_id: UUID, book: Attendance | None, members: Sequence[str]
) -> tuple[Pseudonyms, list[str]]:
    """Members to void, named as ``book`` names them (one the vault does not hold and the
    book does not know is left as typed: the book then says it has no such record)."""
    names = Pseudonyms(app, programme_id, members)
    names.fresh.clear()
    return names, [
        names.known.get(m, m) if book is None or m not in book.members else m for m in members
    ]
