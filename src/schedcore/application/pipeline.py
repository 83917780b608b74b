"""The one pipeline every command goes through.

1. **authorize**: the actor's role and scope, before anything is read;
2. **replay**: a command sent again with its idempotency key returns the first result;
3. **load**: the aggregates the command decides on, as private copies (:class:`UnitOfWork`);
4. **decide**: the command's function calls the aggregates' commands, which raise before any
   event when a rule would break;
5. **save**: every changed aggregate and the idempotency receipt in one transaction, with the
   versions of what was only read checked in that transaction too (no write skew);
6. **translate**: library errors become :class:`~schedcore.errors.SchedcoreError`;
7. **retry**: a lost race (:class:`~schedcore.errors.ConcurrencyError`) goes back to step 2,
   with fresh copies, as the :class:`~schedcore.application.retry.RetryPolicy` allows.

The command families (``programme``, ``clusters``, ``sessions``, ``attendance``) hold only
step 4: a function ``decide(work, ...)`` per command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from schedcore.application.reservations import Footprint, footprint, reconcile
from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.ids import (
    attendance_id,
    cluster_id,
    placement_id,
    receipt_id,
    session_id,
)
from schedcore.domain.programme import Programme
from schedcore.domain.receipt import Receipt, Recorded
from schedcore.domain.rules import check_actor
from schedcore.domain.session import Session
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    NotFoundError,
    SchedcoreError,
    StoreBusyError,
    StoreError,
)
from schedcore.security import ActorLike, Role, authorize, resolve_actor

if TYPE_CHECKING:
    from schedcore.application.scheduler import ProgrammeRef, Scheduler

__all__ = ["Command", "UnitOfWork", "replayed", "run"]

R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)


@attrs.frozen
class Command(Generic[R]):
    """What a facade method asks the pipeline to do."""

    name: str
    actor: ActorLike
    programme: ProgrammeRef | None
    decide: Callable[[UnitOfWork], R]
    idempotency_key: str | None = None
    #: The actor's scope needs: the cluster the command changes ...
    cluster: int | None = None
    #: ... or the provinces (a function: called only when the actor's scope needs it).
    provinces: Iterable[object] | Callable[[], Iterable[object]] = ()
    #: Where the idempotency receipt is kept (default: the programme's id).  A programme's
    #: creation keeps it under an id derived from the name, known before the programme is.
    receipts: UUID | None = None


class UnitOfWork:
    """One attempt of one command: private copies of what it loads, saved together.

    Everything :meth:`get`/:meth:`find` return is the command's own copy; :meth:`read` returns
    a shared committed aggregate that must not be changed, and whose version is checked when
    the command saves (so a decision taken on it cannot outlive a concurrent change to it).
    """

    def __init__(
        self,
        app: Scheduler,
        programme: ProgrammeRef | None,
        programme_id: UUID,
        actor: str,
        *,
        optimistic: bool = False,
        preloaded: Mapping[UUID, Aggregate | None] | None = None,
    ) -> None:
        self.app = app
        #: Aggregates read from the store for this command already (``None``: none such),
        #: shared: :meth:`find` copies them.
        self._preloaded = preloaded or {}
        #: :meth:`read` takes cached aggregates as they are, without asking the store for
        #: newer events: their versions are checked when the command saves anyway.
        self.optimistic = optimistic
        #: Whether an optimistic read used a cached aggregate (which may have moved on): a
        #: refusal decided on it is not final (see :func:`run`).
        self.unverified = False
        self.programme_ref = programme
        self.programme_id = programme_id
        self.actor = actor
        self._loaded: dict[UUID, Aggregate] = {}
        #: Versions of what the command decided on without changing it (None: it did not
        #: exist), checked by the save; and the shared aggregates :meth:`read` handed out.
        self._read: dict[UUID, int | None] = {}
        self._read_objects: dict[UUID, Aggregate | None] = {}
        #: Sessions and clusters as loaded, before the command changed them (reservations).
        self._as_loaded: dict[UUID, Any] = {}
        #: Committed aggregates handed out to read: changing one would change the cache.
        self._shared: list[Aggregate] = []
        self._programme: Programme | None = None

    # -- loading ---------------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The command's copy of an aggregate, or ``None`` if it does not exist."""
        found = self._loaded.get(aggregate_id)
        if found is None:
            if aggregate_id in self._preloaded:
                shared = self._preloaded[aggregate_id]
                found = None if shared is None else deepcopy(shared)
            else:
                found = self.app._load(cls, aggregate_id, cls.__name__, private=True)
            if found is None:
                self._read.setdefault(aggregate_id, None)  # it must still not exist
                return None
            if aggregate_id in self._read and self._read[aggregate_id] != found.version:
                read = self._read[aggregate_id]
                # Read earlier in this command at another version: what was decided on that
                # read would escape the save's check (a changed aggregate's version is not
                # an expected one).  Decide again.
                raise ConcurrencyError(
                    f"{cls.__name__} {aggregate_id} moved on from version {read} to "
                    f"{found.version} while the command was deciding"
                )
            self._loaded[aggregate_id] = found
            if _has_footprint(found):
                self._as_loaded[aggregate_id] = deepcopy(found)
        if not isinstance(found, cls):
            raise NotFoundError(f"{cls.__name__} {aggregate_id} is a {type(found).__name__}")
        return found

    def get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        found = self.find(cls, aggregate_id)
        if found is None:
            raise NotFoundError(f"{what} not found")
        return found

    def read(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """A committed aggregate the command only reads; its version (or its absence) is
        checked on save.  Read twice, it is the same object: one command sees one version."""
        if aggregate_id in self._loaded:
            return self.find(cls, aggregate_id)
        if aggregate_id in self._read_objects:
            known = self._read_objects[aggregate_id]
            if known is not None and not isinstance(known, cls):
                raise NotFoundError(f"{cls.__name__} {aggregate_id} is a {type(known).__name__}")
            return known
        found = self.app._load(
            cls, aggregate_id, cls.__name__, private=False, fresh=not self.optimistic
        )
        self._read_objects[aggregate_id] = found
        self._read[aggregate_id] = None if found is None else found.version
        if found is not None:
            self._shared.append(found)
            self.unverified = self.unverified or self.optimistic
        return found

    def add(self, aggregate: A) -> A:
        """A new aggregate (or one loaded already), saved with the rest after those added
        before it: its events come later in the log."""
        self._loaded.pop(aggregate.id, None)
        self._loaded[aggregate.id] = aggregate
        return aggregate

    @property
    def programme(self) -> Programme:
        """The programme as committed (shared: read it, do not change it)."""
        if self._programme is None:
            self._programme = self.app._programme_of(self.programme_ref, pid=self.programme_id)
            self._shared.append(self._programme)
            # Decisions taken on it (a cap, a calendar) must not outlive a change to it.
            self._read.setdefault(self.programme_id, self._programme.version)
        return self._programme

    def programme_to_change(self) -> Programme:

        found = self.find(Programme, self.programme_id)
        if found is None:
            self.app._programme_of(self.programme_ref, pid=self.programme_id)  # raises
            raise NotFoundError(f"programme {self.programme_id} not found")  # pragma: no cover
        return found

    # Shorthands for the aggregates commands load most.

    def cluster(self, number: int) -> Cluster:

        return self.get(Cluster, cluster_id(self.programme_id, number), f"cluster {number}")

    def find_cluster(self, number: int) -> Cluster | None:

        return self.find(Cluster, cluster_id(self.programme_id, number))

    def session(self, cluster: int) -> Session:

        what = f"session of cluster {cluster}"
        return self.get(Session, session_id(self.programme_id, cluster), what)

    def find_session(self, cluster: int) -> Session | None:

        return self.find(Session, session_id(self.programme_id, cluster))

    def find_placement(self, province: str) -> Placement | None:

        return self.find(Placement, placement_id(self.programme_id, province))

    def find_attendance(self, province: str) -> Attendance | None:

        return self.find(Attendance, attendance_id(self.programme_id, province))

    # -- what changed ----------------------------------------------------------------------

    def current(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The command's copy if it loaded one, else the committed aggregate (only read)."""
        if aggregate_id in self._loaded:
            return self.find(cls, aggregate_id)
        return self.read(cls, aggregate_id)

    def touched_clusters(self) -> set[int]:
        """The clusters whose session or cluster aggregate this command loaded or created."""
        found: set[int] = set()
        for aggregate in self._loaded.values():
            if isinstance(aggregate, Session):
                found.add(aggregate.cluster)
            elif isinstance(aggregate, Cluster):
                found.add(aggregate.number)
        return found

    def footprint_before(self, number: int) -> Footprint:
        """What cluster ``number``'s session held before this command."""

        def before(cls: type[A], aggregate_id: UUID) -> A | None:
            if aggregate_id in self._as_loaded:
                earlier: A = self._as_loaded[aggregate_id]
                return earlier
            if aggregate_id in self._loaded:
                return None  # created by this command
            return self.read(cls, aggregate_id)

        pid = self.programme_id
        return footprint(
            before(Session, session_id(pid, number)), before(Cluster, cluster_id(pid, number))
        )

    # -- saving ----------------------------------------------------------------------------

    def changed(self) -> list[Aggregate]:
        """The aggregates to save.  A shared committed aggregate that was changed is a bug in
        a command (it would corrupt what other threads read): refused before anything is
        written."""
        if any(shared.pending_events for shared in self._shared):
            self.app._evict(shared.id for shared in self._shared)
            raise RuntimeError("a command changed an aggregate it was given only to read")
        return [a for a in self._loaded.values() if a.pending_events]

    def recorded(self) -> Recorded:
        """The result of a simple command: how many events it is about to record."""
        return Recorded(sum(len(a.pending_events) for a in self._loaded.values()))

    def expected_versions(self, writing: Iterable[UUID] = ()) -> dict[UUID, int | None]:
        """What the save must find unchanged: everything the command decided on but does not
        write (read, loaded and left as it was, or found missing), at the version it saw.
        ``writing``: aggregates whose events the caller saves itself (collected already)."""
        skip = set(writing)
        expected = {i: v for i, v in self._read.items() if i not in self._loaded and i not in skip}
        for aggregate_id, aggregate in self._loaded.items():
            if not aggregate.pending_events and aggregate_id not in skip:
                expected[aggregate_id] = aggregate.version
        return expected


def _counted(result: R, reservation_events: int) -> R:
    """A result that counts events counts those of the reservations kept in step too."""
    if reservation_events and attrs.has(type(result)) and hasattr(result, "events"):
        counted: R = attrs.evolve(result, events=result.events + reservation_events)  # type: ignore[misc]
        return counted
    return result


def _has_footprint(aggregate: Aggregate) -> bool:
    """Sessions and clusters: what a reservation footprint is made of."""
    return isinstance(aggregate, Session | Cluster)


def replayed(result: R) -> R:
    """The first result of an idempotent command, marked as answered from its receipt."""
    if hasattr(result, "replayed") and attrs.has(type(result)):
        marked: R = attrs.evolve(result, replayed=True)  # type: ignore[misc]
        return marked
    return result


def receipt_of(
    app: Scheduler,
    pid: UUID,
    key: str | None,
    command: str,
    actor: str,
    known: Mapping[UUID, Aggregate | None] | None = None,
) -> Any:
    """The first result of the command sent with ``key``, if any (else ``None``).

    A key answers only the command, and the actor, that first used it: another actor reusing
    a key must not receive someone else's result (and have its own command silently dropped).
    """
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError(f"an idempotency key is non-blank text, not {key!r}")
    # A receipt never changes once issued: a cached one needs no look for newer events.
    rid = receipt_id(pid, key)
    if known is not None and rid in known:
        receipt = known[rid]
        if receipt is not None and not isinstance(receipt, Receipt):
            raise NotFoundError(f"receipt not found (id {rid} is a {type(receipt).__name__})")
    else:
        receipt = app._load(Receipt, rid, "receipt", private=False, fresh=False)
    if receipt is None:
        return None
    receipt.check_command(command)
    if receipt.actor != actor:
        raise InvalidInputError(
            f"idempotency key {key!r} was already used by another actor; choose a key of your own"
        )
    return replayed(receipt.result)


def authorized(app: Scheduler, command: Command[Any]) -> tuple[UUID, str]:
    """Check the actor may send the command, before anything of it is read or written;
    returns the programme id and the actor as events record it."""
    pid = app.programme_id(command.programme)
    strict = app.requires_roles
    if not strict:
        strict = app._roles_required(pid)
    who = resolve_actor(command.actor, require_roles=strict)
    provinces = command.provinces
    if who.role is Role.PROVINCE_COORDINATOR and callable(provinces):
        provinces = provinces()
    authorize(
        who,
        command.name,
        cluster=command.cluster,
        provinces=() if callable(provinces) else provinces,
    )
    actor = str(who)
    check_actor(actor)
    return pid, actor


def run(app: Scheduler, command: Command[R]) -> R:
    """Authorize, then decide and save, retrying lost races: see the module's docstring."""
    pid, actor = authorized(app, command)
    lost: list[UUID] = []
    # Optimistic reads only where lost races are retried: under RetryPolicy.never() the one
    # attempt reads fresh, so a conflict it reports is a race, never a stale cache.
    optimistic = [app.retry.attempts > 1]

    def attempt() -> R:
        if optimistic[0]:
            # First, on cached reads (no query each for newer events); should one have moved
            # on, decide again at once on fresh ones: a stale cache is no lost race, so it
            # costs no attempt of the retry policy.
            optimistic[0] = False
            try:
                return _attempt(app, command, pid, actor, lost, optimistic=True)
            except _Unverified:
                pass
        if not lost:
            return _attempt(app, command, pid, actor, lost)
        # A retry holds what the lost attempt wrote: threads of this process wait their turn.
        with app._exclusive(lost):
            return _attempt(app, command, pid, actor, lost)

    return attempts(app, command.name, attempt)


class _Unverified(Exception):
    """An optimistic attempt failed, perhaps only because a cached read was stale."""


def _attempt(
    app: Scheduler,
    command: Command[R],
    pid: UUID,
    actor: str,
    lost: list[UUID],
    *,
    optimistic: bool = False,
) -> R:
    key = command.idempotency_key
    scope = command.receipts or pid
    first = receipt_of(app, scope, key, command.name, actor)
    if first is not None:
        done: R = first
        return done
    work = UnitOfWork(app, command.programme, pid, actor, optimistic=optimistic)
    try:
        result = _counted(command.decide(work), reconcile(work))
    except (StoreBusyError, StoreError):
        raise  # the store's trouble, not a decision taken on a stale read
    except SchedcoreError:
        if work.unverified:
            raise _Unverified from None
        raise
    pending = work.changed()
    if not pending:
        if work.unverified:
            # No save will check the cached reads this was decided on: decide on fresh ones.
            raise _Unverified
        # Nothing to change: perhaps because a twin with our key changed it meanwhile.
        twin = receipt_of(app, scope, key, command.name, actor)
        return result if twin is None else twin
    if key is not None:
        pending.append(Receipt.issue(scope, key, command=command.name, result=result, actor=actor))
    try:
        app._save(*pending, expected_versions=work.expected_versions())
    except ConcurrencyError as exc:
        # A twin sent with the same key may have won: its result is ours.
        first = receipt_of(app, scope, key, command.name, actor)
        if first is not None:
            replay: R = first
            return replay
        if work.unverified and not isinstance(exc, StoreBusyError):
            raise _Unverified from None
        lost[:] = [aggregate.id for aggregate in pending]
        raise
    return result


def attempts(app: Scheduler, what: str, attempt: Callable[[], R]) -> R:
    """Run ``attempt`` until it does not lose a race, as the app's retry policy allows."""
    delays: Iterator[float] = app.retry.delays()
    tried = 0
    while True:
        tried += 1
        try:
            return attempt()
        except StoreBusyError:
            raise  # it already waited its lock timeout: the patience the store was given
        except ConcurrencyError as exc:
            pause = next(delays, None)
            if pause is None:
                raise _spent(exc, what, tried) from None
            time.sleep(pause)


def _spent(exc: ConcurrencyError, what: str, tried: int) -> ConcurrencyError:
    if tried == 1:
        return exc
    return type(exc)(f"{what}: {exc} (gave up after {tried} attempts)")
