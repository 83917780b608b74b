"""The event store under the application: opening it, reading and writing aggregates safely.

Library errors are translated here, at the boundary, into the
:class:`~schedcore.errors.SchedcoreError` family:

* a concurrent write (``IntegrityError``) -> :class:`~schedcore.errors.ConcurrencyError`;
* a missing aggregate (``AggregateNotFoundError``) -> :class:`~schedcore.errors.NotFoundError`;
* an unreadable or unreachable store, a wrong cipher key -> :class:`~schedcore.errors.StoreError`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import datetime
from itertools import takewhile
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, EventSourcingError
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    PersistenceError,
    Recording,
    Transcoder,
)
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.utils import Environment, EnvType

from schedcore._recorders import EXPECTED, CheckedMemoryRecorder
from schedcore.application.committed import CommittedAggregates
from schedcore.application.retry import RetryPolicy
from schedcore.calendar import ensure_aware
from schedcore.domain.ids import programme_id, programme_name_id
from schedcore.errors import (
    AmbiguousProgrammeError,
    ConcurrencyError,
    InvalidInputError,
    NotFoundError,
    ProgrammeRenamedError,
    SchedcoreError,
    StoreBusyError,
    StoreError,
)
from schedcore.security import REQUIRE_ROLES_ENV
from schedcore.stores import (
    disable_prepared_statements,
    is_lock_wait,
    parse_store_url,
    postgres_schema_lock,
    resolve_store_url,
    store_environment,
)
from schedcore.transcodings import register_transcodings
from schedcore.upcasting import CheckedMapper, VersionCheckingTranscoder
from schedcore.vault import IdentityVault, vault_for_app

__all__ = ["AsOf", "EventStoreApplication", "ProgrammeRef"]

#: A programme by name or id.
ProgrammeRef = str | UUID
#: "As of" a version number of the aggregate, or an aware moment.
AsOf = int | datetime

A = TypeVar("A", bound=Aggregate)


class EventStoreApplication(Application[UUID]):
    """An ``eventsourcing`` application that one process's threads may share.

    Aggregates are read through :class:`CommittedAggregates` (never changed in place), and
    written by :meth:`_save` in one transaction that also checks the versions of aggregates the
    command only read.
    """

    name = "schedcore"
    #: Defaults; the store settings come from :func:`schedcore.stores.store_environment`.
    #: ``eventsourcing``'s own aggregate cache stays off: see :mod:`.committed`.
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    #: How many aggregates the committed cache keeps.
    cache_size: ClassVar[int] = 2000
    store_display = "memory://"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        programme: ProgrammeRef | None = None,
        require_roles: bool = False,
        retry: RetryPolicy | None = None,
    ):
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInputError(f"retry must be a RetryPolicy, not {retry!r}")
        super().__init__(env)
        self._default_programme: ProgrammeRef | None = programme or None
        #: Refuse operators (plain string actors) for every programme of this store.
        self.requires_roles = require_roles
        #: How lost races are retried (see :class:`RetryPolicy`).
        self.retry = retry or RetryPolicy()
        self._committed = CommittedAggregates(self, maxsize=self.cache_size)
        self._stripes = tuple(threading.Lock() for _ in range(_STRIPES))
        self._key_stripes = tuple(threading.Lock() for _ in range(_STRIPES))
        #: Where members' identifiers are kept, outside the log (see :mod:`schedcore.vault`).
        self.vault: IdentityVault = vault_for_app(self)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        cipher_key: str | None = None,
        compress: bool = False,
        programme: ProgrammeRef | None = None,
        require_roles: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> Self:
        """Open the store at ``url`` (else ``$SCHEDCORE_STORE``, else ``./schedcore.sqlite``).

        ``cipher_key`` defaults to ``$SCHEDCORE_CIPHER_KEY``.  ``require_roles`` (default
        ``$SCHEDCORE_REQUIRE_ROLES``) refuses operators, i.e. plain string actors, for every
        programme: see :mod:`schedcore.security`.  ``retry`` says how a command that lost a
        race with another writer is retried (default :class:`RetryPolicy`; ``RetryPolicy.never()``
        to see every conflict).  Raises :class:`StoreError` if the store cannot be opened or
        its events cannot be read with the key given, :class:`StoreBusyError` if another
        writer kept it locked for longer than its lock timeout.
        """
        if require_roles is None:
            require_roles = _env_flag(REQUIRE_ROLES_ENV)
        location = parse_store_url(resolve_store_url(url))
        env = store_environment(location.url, cipher_key=cipher_key, compress=compress)
        setup = (
            postgres_schema_lock(env, location.display)
            if location.kind == "postgresql"
            else nullcontext()
        )
        try:
            with setup:
                app = cls(env=env, programme=programme, require_roles=require_roles, retry=retry)
        except (OSError, EventSourcingError, sqlite3.Error) as exc:
            if is_lock_wait(exc):
                raise StoreBusyError(
                    f"cannot open store {location.display}: another writer kept it locked "
                    f"for longer than its lock timeout ({exc}); retry later"
                ) from None
            raise StoreError(f"cannot open store {location.display}: {exc}") from None
        app.store_display = location.display
        app.vault = vault_for_app(app)  # its messages name the store
        if location.kind == "postgresql":
            disable_prepared_statements(app)
        app.check_readable()
        return app

    # -- eventsourcing hooks ---------------------------------------------------------------

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Settings come only from the class defaults and ``env``: schedcore reads its own
        ``SCHEDCORE_*`` variables, and ``os.environ`` cannot change a store behind its back."""
        settings = dict(type(self).env)
        settings.update(env or {})
        return Environment(name, settings)

    def construct_recorder(self) -> ApplicationRecorder:
        recorder = super().construct_recorder()
        if type(recorder) is POPOApplicationRecorder:
            return CheckedMemoryRecorder()
        return recorder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def construct_transcoder(self) -> Transcoder:
        transcoder = VersionCheckingTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_mapper(self) -> Mapper[UUID]:
        """Events this version cannot read (unknown types, newer versions) are a typed
        :class:`~schedcore.errors.UnknownEventError`; see :mod:`schedcore.upcasting`."""
        mapper: Mapper[UUID] = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=CheckedMapper
        )
        return mapper

    # -- plumbing --------------------------------------------------------------------------

    def check_readable(self) -> None:
        """Decode the first stored event: a wrong or missing cipher key fails here, clearly,
        before anything is written."""
        with self._translated():
            first = self.recorder.select_notifications(start=None, limit=1)
            if first:
                self.mapper.to_domain_event(first[0])

    def max_notification_id(self) -> int:
        """The position of the last stored event (0 for an empty store)."""
        with self._translated():
            return self.recorder.max_notification_id() or 0

    @property
    def default_programme(self) -> ProgrammeRef:
        """The programme commands use when none is given: the one named when the store was
        opened, else the store's only programme.

        :class:`NotFoundError` when the store holds none; :class:`AmbiguousProgrammeError`
        (listing them) when it holds several.
        """
        if self._default_programme is None:
            names = self.programme_names()
            if not names:
                raise NotFoundError(
                    f"the store {self.store_display} holds no programme yet: create one (e.g. "
                    "schedcore plan --apply, or Scheduler.create_programme)"
                )
            if len(names) > 1:
                listed = "; ".join(repr(name) for name in names)
                raise AmbiguousProgrammeError(
                    f"the store {self.store_display} holds {len(names)} programmes: name one "
                    f"(--programme NAME, or programme=...): {listed}"
                )
            self._default_programme = names[0]
        return self._default_programme

    def programme_names(self) -> list[str]:
        """The names of the programmes this store holds now (after any rename), in the order
        they were created."""
        from schedcore._topics import topics_of
        from schedcore.domain.programme import Programme

        # With the stable aliases: moved code still finds them.
        topics = list(topics_of([Programme.Created, Programme.Renamed]))  # type: ignore[attr-defined]
        names: dict[UUID, str] = {}
        start: int | None = None
        with self._translated():
            while True:
                found = self.recorder.select_notifications(
                    start=start, limit=500, topics=topics, inclusive_of_start=start is None
                )
                for notification in found:
                    event = self.mapper.to_domain_event(notification)
                    names[event.originator_id] = event.name  # type: ignore[attr-defined]
                if len(found) < 500:
                    return list(names.values())
                start = found[-1].id

    def programme_id(self, programme: ProgrammeRef | None = None, *, fresh: bool = True) -> UUID:
        """The id of a programme given by id or by its name now.

        A name is looked up in the name index; a name the index does not hold is a programme
        created before the index existed, whose id derives from its name.  A name given up by
        a rename is a :class:`NotFoundError` that names the new one.  ``fresh=False``: the
        index entry as cached, without asking the store for newer events (for readers that
        take any committed version of the programme anyway).
        """
        ref = programme if programme is not None else self.default_programme
        if isinstance(ref, UUID):
            return ref
        from schedcore.domain.programme_name import ProgrammeName

        entry = self._load(
            ProgrammeName, programme_name_id(ref), "programme name", private=False, fresh=fresh
        )
        if entry is None:
            return programme_id(ref)
        if entry.programme is None:
            raise ProgrammeRenamedError(ref, entry.renamed_to or "")
        return entry.programme

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except SchedcoreError:
            raise
        except IntegrityError:
            raise ConcurrencyError(
                "another writer changed the same records first; nothing of this command was "
                "written: reload and retry (a retry with the same idempotency key is safe)"
            ) from None
        except MapperDeserialisationError as exc:
            raise StoreError(
                f"cannot read the events of store {self.store_display}: the cipher key does "
                "not match the store (a wrong key, no key for an encrypted store, or a key for "
                f"an unencrypted one; see $SCHEDCORE_CIPHER_KEY): "
                f"{str(exc).split(':')[-1].strip()}"
            ) from None
        except (PersistenceError, sqlite3.Error) as exc:
            if is_lock_wait(exc):
                raise StoreBusyError(
                    f"store {self.store_display} stayed locked by another writer for longer "
                    f"than its lock timeout ({exc}); nothing of this command was written: "
                    "retry later (a retry with the same idempotency key is safe)"
                ) from None
            raise StoreError(f"store {self.store_display}: {exc}") from None
        except EventSourcingError as exc:
            raise StoreError(f"store {self.store_display}: {type(exc).__name__}: {exc}") from None

    def _save(self, *objs: Any, expected_versions: Mapping[UUID, int | None] | None = None) -> int:
        """Save aggregates or events in one transaction; returns how many events.

        ``expected_versions`` (aggregate id -> version, ``None``: must not exist) are
        aggregates the command decided on but did not change: the save is refused
        (:class:`ConcurrencyError`) if any moved on.
        Only once the transaction committed do the saved aggregates enter the cache, as they
        are: the caller must not change them afterwards (the pipeline drops its copies).
        """
        kwargs = {EXPECTED: expected_versions} if expected_versions else {}
        with self._translated():
            recordings = self._save_collected(_collected(objs, kwargs))
        for obj in objs:
            if isinstance(obj, Aggregate):
                self._committed.put(obj)
        return len(recordings)

    def _save_collected(self, processing: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """What ``Application.save`` does once it has collected the events."""
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # eventsourcing's deprecated hook, as save calls it
        return recordings

    def _load(
        self,
        cls: type[A],
        aggregate_id: UUID,
        what: str,
        *,
        private: bool = True,
        fresh: bool = True,
    ) -> A | None:
        """The aggregate as committed, or ``None``: a private copy, or (``private=False``)
        the shared committed one, which must not be changed.  ``fresh=False``: as cached,
        perhaps stale (see :meth:`CommittedAggregates.latest`)."""
        with self._translated():
            try:
                found = (
                    self._committed.private(aggregate_id, fresh=fresh)
                    if private
                    else self._committed.latest(aggregate_id, fresh=fresh)
                )
            except AggregateNotFoundError:
                return None
        if not isinstance(found, cls):
            raise NotFoundError(f"{what} not found (id {aggregate_id} is a {type(found).__name__})")
        return found

    def _get(self, cls: type[A], aggregate_id: UUID, what: str, as_of: Any = None) -> A:
        """A private copy of an aggregate, now or ``as_of`` a version or an aware moment."""
        if as_of is None:
            found = self._load(cls, aggregate_id, what)
            if found is None:
                raise NotFoundError(f"{what} not found")
            return found
        past: Aggregate | None
        with self._translated():
            try:
                if isinstance(as_of, datetime):
                    moment = ensure_aware(as_of, "as_of")
                    past = project_aggregate(
                        None,
                        takewhile(
                            lambda e: e.timestamp <= moment,  # type: ignore[attr-defined]
                            self.events.get(aggregate_id),
                        ),
                    )
                    if past is None:
                        raise NotFoundError(f"{what} did not exist yet at {moment.isoformat()}")
                elif isinstance(as_of, int) and not isinstance(as_of, bool) and as_of >= 1:
                    past = self.repository.get(aggregate_id, version=as_of)
                else:
                    raise InvalidInputError(f"as_of must be a version >= 1 or a datetime: {as_of}")
            except AggregateNotFoundError:
                raise NotFoundError(f"{what} not found") from None
        if not isinstance(past, cls):
            raise NotFoundError(f"{what} not found (id {aggregate_id} is a {type(past).__name__})")
        return past

    def _find(
        self, cls: type[A], aggregate_id: UUID, *, copy: bool = True, fresh: bool = True
    ) -> A | None:
        """A private copy (or, ``copy=False``, the shared committed aggregate), or ``None``."""
        return self._load(cls, aggregate_id, cls.__name__, private=copy, fresh=fresh)

    @contextmanager
    def _exclusive(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        """Keep this process's other threads from writing these aggregates meanwhile.

        Threads of one process that collide on an aggregate would otherwise retry against
        each other; holding its lock while deciding again and saving leaves a retry to lose
        only to other processes.  Locks are striped by id and taken in one order (no
        deadlock); nothing else is ever acquired while they are held.
        """
        stripes = sorted({aggregate_id.int % _STRIPES for aggregate_id in aggregate_ids})
        for index in stripes:
            self._stripes[index].acquire()
        try:
            yield
        finally:
            for index in reversed(stripes):
                self._stripes[index].release()

    @contextmanager
    def _one_at_a_time(self, receipt: UUID | None) -> Iterator[None]:
        """Run the calls of one idempotency key one after another in this process: a twin
        then finds the first call's receipt instead of splitting the work with it.  Taken
        before any :meth:`_exclusive` lock (its own stripes: no lock-order cycle)."""
        if receipt is None:
            yield
            return
        with self._key_stripes[receipt.int % _STRIPES]:
            yield

    def _evict(self, aggregate_ids: Iterable[UUID]) -> None:
        """Forget cached aggregates (the next read rebuilds them from the store)."""
        for aggregate_id in aggregate_ids:
            self._committed.forget(aggregate_id)


def _collected(objs: Iterable[Any], kwargs: dict[str, Any]) -> ProcessingEvent[UUID]:
    """The events to save, as ``Application.save`` collects them, without its
    ``isinstance`` checks against runtime protocols (slow on Python 3.11: a few per cent of
    a small command's CPU); schedcore saves only aggregates and their events."""
    processing: ProcessingEvent[UUID] = ProcessingEvent()
    for obj in objs:
        if isinstance(obj, Aggregate):
            processing.events.extend(obj.collect_events())
            processing.aggregates[obj.id] = obj
        else:
            processing.events.append(obj)
    processing.saved_kwargs.update(kwargs)
    return processing


#: How many locks :meth:`EventStoreApplication._exclusive` stripes aggregate ids over.
_STRIPES = 64


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
