"""The application service: commands in, domain events out, aggregates (as of any moment) back.

:class:`Scheduler` is an ``eventsourcing`` :class:`~eventsourcing.application.Application`.
Every command names its actor (recorded on each event) and may carry an idempotency key: the
same key twice changes nothing and returns the first result.  Library errors are translated
here, at the boundary, into the :class:`~schedcore.errors.SchedcoreError` family:

* a concurrent write (``IntegrityError``) -> :class:`~schedcore.errors.ConcurrencyError`;
* a missing aggregate (``AggregateNotFoundError``) -> :class:`~schedcore.errors.NotFoundError`;
* an unreadable or unreachable store, a wrong cipher key -> :class:`~schedcore.errors.StoreError`.

Aggregates returned by queries are copies: change the programme through commands only.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from datetime import date, datetime
from itertools import takewhile
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate, EventSourcingError
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    PersistenceError,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType

from schedcore.calendar import ensure_aware, now
from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Cluster, Placement
from schedcore.domain.ids import (
    attendance_id,
    cluster_id,
    placement_id,
    programme_id,
    receipt_id,
    session_id,
)
from schedcore.domain.plan import PlanApplier, PlannedClusterLike, check_plan
from schedcore.domain.programme import Programme
from schedcore.domain.programme_spec import ProgrammeSpec, Target
from schedcore.domain.receipt import AppliedPlan, Receipt, Recorded, RecordedAttendance
from schedcore.domain.rules import check_actor, violation
from schedcore.domain.session import Session
from schedcore.domain.values import (
    Activity,
    AttendanceRow,
    BridgePoint,
    MemberRef,
    SessionStatus,
    Venue,
)
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    NotFoundError,
    StoreBusyError,
    StoreError,
)
from schedcore.security import (
    REQUIRE_ROLES_ENV,
    ActorLike,
    Role,
    authorize,
    resolve_actor,
)
from schedcore.stores import parse_store_url, resolve_store_url, store_environment
from schedcore.transcodings import register_transcodings
from schedcore.upcasting import CheckedMapper, VersionCheckingTranscoder

__all__ = ["AsOf", "ProgrammeRef", "Scheduler"]

#: A programme by name or id.
ProgrammeRef = str | UUID
#: "As of" a version number of the aggregate, or an aware moment.
AsOf = int | datetime

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

_DEFAULT_PROGRAMME: str | None = None


def default_programme_name() -> str:
    """The built-in 2022 programme's name: the programme commands use when none is given."""
    global _DEFAULT_PROGRAMME
    if _DEFAULT_PROGRAMME is None:
        from schedcore.reference import programme_2022

        _DEFAULT_PROGRAMME = programme_2022().name
    return _DEFAULT_PROGRAMME


class Scheduler(Application[UUID]):
    """Commands and queries over one event store (see :meth:`open`)."""

    name = "schedcore"
    #: Defaults; the store settings come from :func:`schedcore.stores.store_environment`.
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "AGGREGATE_CACHE_MAXSIZE": "1000",
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        programme: ProgrammeRef | None = None,
        require_roles: bool = False,
    ):
        super().__init__(env)
        self.default_programme: ProgrammeRef = programme or default_programme_name()
        #: Refuse operators (plain string actors) for every programme of this store.
        self.requires_roles = require_roles

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        cipher_key: str | None = None,
        compress: bool = False,
        programme: ProgrammeRef | None = None,
        require_roles: bool | None = None,
    ) -> Scheduler:
        """Open the store at ``url`` (else ``$SCHEDCORE_STORE``, else ``./schedcore.sqlite``).

        ``cipher_key`` defaults to ``$SCHEDCORE_CIPHER_KEY``.  ``require_roles`` (default
        ``$SCHEDCORE_REQUIRE_ROLES``) refuses operators, i.e. plain string actors, for every
        programme: see :mod:`schedcore.security`.  Raises :class:`StoreError` if the store
        cannot be opened or its events cannot be read with the key given.
        """
        if require_roles is None:
            require_roles = _env_flag(REQUIRE_ROLES_ENV)
        location = parse_store_url(resolve_store_url(url))
        env = store_environment(location.url, cipher_key=cipher_key, compress=compress)
        setup = (
            _postgres_setup(env, location.display)
            if location.kind == "postgresql"
            else nullcontext()
        )
        try:
            with setup:
                app = cls(env=env, programme=programme, require_roles=require_roles)
        except (OSError, EventSourcingError, sqlite3.Error) as exc:
            if _is_lock_wait(exc):
                raise StoreBusyError(
                    f"cannot open store {location.display}: another writer kept it locked "
                    f"for longer than its lock timeout ({exc}); retry later"
                ) from None
            raise StoreError(f"cannot open store {location.display}: {exc}") from None
        app.store_display = location.display
        if location.kind == "postgresql":
            _without_prepared_statements(app)
        app.check_readable()
        return app

    store_display = "memory://"

    # -- eventsourcing hooks ---------------------------------------------------------------

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Settings come only from the class defaults and ``env``: schedcore reads its own
        ``SCHEDCORE_*`` variables, and ``os.environ`` cannot change a store behind its back."""
        settings = dict(type(self).env)
        settings.update(env or {})
        return Environment(name, settings)

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

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
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
            if _is_lock_wait(exc):
                raise StoreBusyError(
                    f"store {self.store_display} stayed locked by another writer for longer "
                    f"than its lock timeout ({exc}); nothing of this command was written: "
                    "retry later (a retry with the same idempotency key is safe)"
                ) from None
            raise StoreError(f"store {self.store_display}: {exc}") from None

    def _save(self, *objs: Any) -> int:
        """Save aggregates or events in one transaction; returns how many events."""
        with self._translated():
            return len(self.save(*objs))

    def programme_id(self, programme: ProgrammeRef | None = None) -> UUID:
        ref = programme if programme is not None else self.default_programme
        return ref if isinstance(ref, UUID) else programme_id(ref)

    def _get(
        self,
        cls: type[A],
        aggregate_id: UUID,
        what: str,
        as_of: AsOf | None = None,
        *,
        copy: bool = True,
    ) -> A:
        found: Aggregate | None
        with self._translated():
            try:
                if as_of is None:
                    found = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
                elif isinstance(as_of, datetime):
                    moment = ensure_aware(as_of, "as_of")
                    found = project_aggregate(
                        None,
                        takewhile(
                            lambda e: e.timestamp <= moment,  # type: ignore[attr-defined]
                            self.events.get(aggregate_id),
                        ),
                    )
                    if found is None:
                        raise NotFoundError(f"{what} did not exist yet at {moment.isoformat()}")
                elif isinstance(as_of, int) and not isinstance(as_of, bool) and as_of >= 1:
                    found = self.repository.get(aggregate_id, version=as_of)
                else:
                    raise InvalidInputError(f"as_of must be a version >= 1 or a datetime: {as_of}")
            except AggregateNotFoundError:
                raise NotFoundError(f"{what} not found") from None
        if not isinstance(found, cls):
            raise NotFoundError(f"{what} not found (id {aggregate_id} is a {type(found).__name__})")
        return found

    def _find(self, cls: type[A], aggregate_id: UUID, *, copy: bool = True) -> A | None:
        try:
            return self._get(cls, aggregate_id, cls.__name__, copy=copy)
        except NotFoundError:
            return None

    def _evict(self, aggregate_ids: Iterable[UUID]) -> None:
        cache = self.repository.cache
        if cache is not None:
            for aggregate_id in aggregate_ids:
                with suppress(KeyError):
                    cache.get(aggregate_id, evict=True)

    def _receipt(
        self, pid: UUID, key: str | None, command: str, actor: str | None = None
    ) -> Receipt | None:
        """The receipt of an earlier command sent with ``key``, if any.

        A key answers only the command, and (when ``actor`` is given) the actor, that first
        used it: another actor reusing a key must not receive someone else's result (and have
        its own command silently dropped).
        """
        if key is None:
            return None
        if not isinstance(key, str) or not key.strip():
            raise InvalidInputError(f"an idempotency key is non-blank text, not {key!r}")
        receipt = self._find(Receipt, receipt_id(pid, key))
        if receipt is not None:
            receipt.check_command(command)
            if actor is not None and receipt.actor != actor:
                raise InvalidInputError(
                    f"idempotency key {key!r} was already used by another actor; "
                    "choose a key of your own"
                )
        return receipt

    def _authorize(
        self,
        actor: object,
        command: str,
        programme: ProgrammeRef | None,
        *,
        cluster: int | None = None,
        provinces: Iterable[object] | Callable[[], Iterable[object]] = (),
    ) -> str:
        """Check the actor may send ``command``, before anything is read or written; returns
        the actor as events record it.  ``provinces`` may be a function, called only when the
        actor's scope needs it (the rows of a bulk import)."""
        strict = self.requires_roles
        if not strict:
            found = self._find(Programme, self.programme_id(programme), copy=False)
            strict = found is not None and found.roles_required
        who = resolve_actor(actor, require_roles=strict)
        if who.role is Role.PROVINCE_COORDINATOR and callable(provinces):
            provinces = provinces()
        authorize(
            who,
            command,
            cluster=cluster,
            provinces=() if callable(provinces) else provinces,
        )
        return str(who)

    def _execute(
        self,
        programme: ProgrammeRef | None,
        command: str,
        actor: str,
        idempotency_key: str | None,
        decide: Callable[[UUID], tuple[Sequence[Aggregate], R]],
    ) -> R:
        """Run ``decide`` (which loads aggregates and calls their commands), then save every
        aggregate it touched, with the idempotency receipt, in one transaction."""
        check_actor(actor)
        pid = self.programme_id(programme)
        done = self._receipt(pid, idempotency_key, command, actor)
        if done is not None:
            result: R = done.result
            return result
        aggregates, result = decide(pid)
        pending = [a for a in aggregates if a.pending_events]
        if not pending:
            return result
        if idempotency_key is not None:
            pending.append(
                Receipt.issue(pid, idempotency_key, command=command, result=result, actor=actor)
            )
        try:
            self._save(*pending)
        except ConcurrencyError:
            done = self._receipt(pid, idempotency_key, command, actor)
            if done is not None:
                return done.result  # type: ignore[no-any-return]
            raise
        return result

    @staticmethod
    def _count(aggregates: Iterable[Aggregate]) -> int:
        return sum(len(a.pending_events) for a in aggregates)

    # -- queries ---------------------------------------------------------------------------

    def programme(
        self, programme: ProgrammeRef | None = None, *, as_of: AsOf | None = None
    ) -> Programme:
        return self._programme(programme, as_of=as_of)

    def _programme(
        self, programme: ProgrammeRef | None, *, as_of: AsOf | None = None, copy: bool = True
    ) -> Programme:
        """``copy=False`` is for commands that only read the programme: they get the cached
        aggregate itself, as copying it costs more than all the rest of a small command."""
        pid = self.programme_id(programme)
        ref = programme if programme is not None else self.default_programme
        what = f"programme {ref!r}" if isinstance(ref, str) else f"programme {ref}"
        try:
            return self._get(Programme, pid, what, as_of, copy=copy)
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
        return self._get(
            Placement, placement_id(pid, province), f"placement of province {province}", as_of
        )

    def province_cluster(
        self, province: str, *, programme: ProgrammeRef | None = None
    ) -> int | None:
        """The cluster a province is in now, or ``None``."""
        found = self._find(Placement, placement_id(self.programme_id(programme), province))
        return None if found is None else found.cluster

    def attendance(
        self, province: str, *, programme: ProgrammeRef | None = None, as_of: AsOf | None = None
    ) -> Attendance:
        pid = self.programme_id(programme)
        return self._get(
            Attendance, attendance_id(pid, province), f"attendance of province {province}", as_of
        )

    # -- programme commands ----------------------------------------------------------------

    def create_programme(
        self,
        spec: ProgrammeSpec,
        *,
        actor: ActorLike,
        idempotency_key: str | None = None,
        require_roles: bool = False,
    ) -> UUID:
        """Record ``Programme.Created``; a programme of the same name must not exist.

        ``require_roles=True`` records that the programme accepts only actors with a role
        (no operator, no text): every store that holds it enforces that, whoever opens it.
        """
        if not isinstance(require_roles, bool):
            raise InvalidInputError(f"require_roles must be True or False, not {require_roles!r}")
        if require_roles:
            resolve_actor(actor, require_roles=True)  # no text, no operator: says what to pass
        who = self._authorize(actor, "create_programme", spec.name)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            if self._find(Programme, pid, copy=False) is not None:
                raise violation("programme_unique", f"programme {spec.name!r} already exists")
            created = Programme.create(spec, actor=who, require_roles=require_roles)
            return [created], Recorded(1)

        self._execute(spec.name, "create_programme", who, idempotency_key, decide)
        return programme_id(spec.name)

    def change_target(
        self,
        target: Target,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "change_target", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            current = self.programme(pid)
            current.change_target(target, actor=who)
            return [current], Recorded(self._count([current]))

        return self._execute(programme, "change_target", who, idempotency_key, decide)

    # -- applying a plan -------------------------------------------------------------------

    def apply_plan(
        self,
        clusters: Iterable[PlannedClusterLike],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
        hall_capacity: int | Mapping[int, int] | None = None,
        bridge_capacity: int | Mapping[int, int] | None = None,
        venues: Mapping[int, Venue] | None = None,
        reason: str = "plan applied",
        override_reason: str | None = None,
    ) -> AppliedPlan:
        """Make the stored plan equal ``clusters``, recording only the differences, atomically.

        Provinces are assigned, moved or withdrawn; hosts and trainer teams set; clusters
        formed, re-formed or dissolved; sessions scheduled, re-dated, re-seated or cancelled.
        A cluster without a date keeps its session as it is (seats follow its members).
        Capacities default to what the members need: the hall seats the delegates of its
        members, the bridge connects their communes.  Applying the plan in force records
        nothing.  Everything is saved in one transaction: all of it, or nothing.
        """
        who = self._authorize(actor, "apply_plan", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], AppliedPlan]:
            plan = check_plan(clusters)
            current = self.programme(pid)
            for planned in plan:
                for province in planned.members:
                    current.check_unit(province)
            numbers = set(current.clusters) | {c.id for c in plan}
            found = {n: self._find(Cluster, cluster_id(pid, n)) for n in sorted(numbers)}
            provinces = {p for c in plan for p in c.members}
            provinces |= {p for c in found.values() if c is not None for p in c.members}
            placements = {p: self._find(Placement, placement_id(pid, p)) for p in provinces}
            for placed in placements.values():
                if (
                    placed is not None
                    and placed.cluster is not None
                    and placed.cluster not in found
                ):
                    found[placed.cluster] = self._find(Cluster, cluster_id(pid, placed.cluster))
            sessions = {n: self._find(Session, session_id(pid, n)) for n in found}
            applier = PlanApplier(
                current,
                clusters={n: c for n, c in found.items() if c is not None},
                sessions={n: s for n, s in sessions.items() if s is not None},
                placements={p: pl for p, pl in placements.items() if pl is not None},
                actor=who,
                hall_capacity=hall_capacity,
                bridge_capacity=bridge_capacity,
                venues=venues or {},
                reason=reason,
                override_reason=override_reason,
            )
            return applier.apply(plan)

        return self._execute(programme, "apply_plan", who, idempotency_key, decide)

    # -- cluster commands ------------------------------------------------------------------

    def _session_or_none(self, pid: UUID, cluster: int) -> Session | None:
        return self._find(Session, session_id(pid, cluster))

    def assign_province(
        self,
        province: str,
        cluster: int,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Put a province that is in no cluster into ``cluster`` (and its session's hall)."""
        who = self._authorize(actor, "assign_province", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            plan = self._programme(pid, copy=False)
            plan.check_unit(province)
            target = self.cluster(cluster, programme=pid)
            target.assign_province(province, actor=who)
            placement = self._find(Placement, placement_id(pid, province))
            if placement is None:
                placement = Placement.assign(pid, province, cluster, actor=who)
            else:
                placement.reassign(cluster, actor=who)
            touched: list[Aggregate] = [target, placement]
            session = self._session_or_none(pid, cluster)
            if session is not None:
                session.allot_seats(province, plan.seats_for(province), actor=who)
                touched.append(session)
            return touched, Recorded(self._count(touched))

        return self._execute(programme, "assign_province", who, idempotency_key, decide)

    def move_province(
        self,
        province: str,
        to_cluster: int,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Move a province to another cluster: both clusters, its placement and both
        sessions' seats change in one transaction."""
        who = self._authorize(actor, "move_province", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            plan = self._programme(pid, copy=False)
            plan.check_unit(province)
            placement = self._find(Placement, placement_id(pid, province))
            if placement is None or placement.cluster is None:
                raise violation("province_in_cluster", f"province {province} is in no cluster")
            source = self.cluster(placement.cluster, programme=pid)
            target = self.cluster(to_cluster, programme=pid)
            source.move_out(province, to_cluster=to_cluster, reason=reason, actor=who)
            target.move_in(province, from_cluster=source.number, reason=reason, actor=who)
            placement.move(to_cluster, reason=reason, actor=who)
            touched: list[Aggregate] = [source, target, placement]
            old_session = self._session_or_none(pid, source.number)
            if old_session is not None:
                old_session.release_seats(province, actor=who)
                touched.append(old_session)
            new_session = self._session_or_none(pid, to_cluster)
            if new_session is not None:
                new_session.allot_seats(province, plan.seats_for(province), actor=who)
                touched.append(new_session)
            return touched, Recorded(self._count(touched))

        return self._execute(programme, "move_province", who, idempotency_key, decide)

    def withdraw_province(
        self,
        province: str,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "withdraw_province", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            self._programme(pid, copy=False).check_unit(province)
            placement = self._find(Placement, placement_id(pid, province))
            if placement is None or placement.cluster is None:
                raise violation("province_in_cluster", f"province {province} is in no cluster")
            source = self.cluster(placement.cluster, programme=pid)
            source.withdraw_province(province, reason=reason, actor=who)
            placement.withdraw(reason=reason, actor=who)
            touched: list[Aggregate] = [source, placement]
            session = self._session_or_none(pid, source.number)
            if session is not None:
                session.release_seats(province, actor=who)
                touched.append(session)
            return touched, Recorded(self._count(touched))

        return self._execute(programme, "withdraw_province", who, idempotency_key, decide)

    def set_host(
        self,
        cluster: int,
        province: str,
        *,
        actor: ActorLike,
        venue_name: str = "",
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Make a member province the host; a scheduled session moves to its venue."""
        who = self._authorize(actor, "set_host", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            found = self.cluster(cluster, programme=pid)
            found.set_host(province, actor=who)
            touched: list[Aggregate] = [found]
            session = self._session_or_none(pid, cluster)
            if session is not None and session.venue.province != province:
                session.change_venue(Venue(province, venue_name), actor=who)
                touched.append(session)
            return touched, Recorded(self._count(touched))

        return self._execute(programme, "set_host", who, idempotency_key, decide)

    def assign_trainer_team(
        self,
        cluster: int,
        trainer_team: str,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "assign_trainer_team", programme)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            found = self.cluster(cluster, programme=pid)
            found.assign_trainer_team(trainer_team, actor=who)
            return [found], Recorded(self._count([found]))

        return self._execute(programme, "assign_trainer_team", who, idempotency_key, decide)

    # -- session commands ------------------------------------------------------------------

    def schedule_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        venue: Venue | None = None,
        hall_capacity: int | None = None,
        bridge_capacity: int | None = None,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Schedule the session of a cluster that has a host and no session yet."""
        who = self._authorize(actor, "schedule_session", programme, cluster=cluster)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            plan = self._programme(pid, copy=False)
            found = self._get(Cluster, cluster_id(pid, cluster), f"cluster {cluster}", copy=False)
            found.check_active()
            if self._session_or_none(pid, cluster) is not None:
                raise violation("session_unique", f"cluster {cluster} already has a session")
            if found.host is None:
                raise violation("host_is_member", f"cluster {cluster} has no host yet")
            seats = {p: plan.seats_for(p) for p in found.members}
            session = Session.schedule(
                pid,
                cluster,
                day=day,
                venue=Venue(found.host) if venue is None else _venue(venue),
                hall_capacity=sum(seats.values()) if hall_capacity is None else hall_capacity,
                bridge_capacity=(
                    sum(plan.bridge_points.get(p, 0) for p in found.members)
                    if bridge_capacity is None
                    else bridge_capacity
                ),
                seats=seats,
                calendar=plan.calendar,
                override_reason=override_reason,
                actor=who,
            )
            return [session], Recorded(1)

        return self._execute(programme, "schedule_session", who, idempotency_key, decide)

    def _session_command(
        self,
        programme: ProgrammeRef | None,
        cluster: int,
        command: str,
        actor: str,
        idempotency_key: str | None,
        change: Callable[[Session, Programme], object],
    ) -> Recorded:
        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            session = self.session(cluster, programme=pid)
            change(session, self._programme(pid, copy=False))
            return [session], Recorded(self._count([session]))

        return self._execute(programme, command, actor, idempotency_key, decide)

    def reschedule_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "reschedule_session", programme, cluster=cluster)
        return self._session_command(
            programme,
            cluster,
            "reschedule_session",
            who,
            idempotency_key,
            lambda s, p: s.reschedule(
                day, calendar=p.calendar, override_reason=override_reason, actor=who
            ),
        )

    def change_venue(
        self,
        cluster: int,
        venue: Venue,
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "change_venue", programme, cluster=cluster)
        return self._session_command(
            programme,
            cluster,
            "change_venue",
            who,
            idempotency_key,
            lambda s, _: s.change_venue(_venue(venue), actor=who),
        )

    def change_capacity(
        self,
        cluster: int,
        *,
        actor: ActorLike,
        hall_capacity: int | None = None,
        bridge_capacity: int | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "change_capacity", programme, cluster=cluster)
        return self._session_command(
            programme,
            cluster,
            "change_capacity",
            who,
            idempotency_key,
            lambda s, _: s.change_capacity(
                hall_capacity=hall_capacity, bridge_capacity=bridge_capacity, actor=who
            ),
        )

    def cancel_session(
        self,
        cluster: int,
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "cancel_session", programme, cluster=cluster)
        return self._session_command(
            programme,
            cluster,
            "cancel_session",
            who,
            idempotency_key,
            lambda s, _: s.cancel(reason=reason, actor=who),
        )

    def reinstate_session(
        self,
        cluster: int,
        day: date,
        *,
        actor: ActorLike,
        override_reason: str | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Hold a cancelled session again, on ``day``, for its cluster as it is now.

        While the session was cancelled its cluster may have changed (a plan applied without a
        date for it, provinces moved out): the reinstated session seats the cluster's current
        members at the host, its capacities grown if they must be, in the same transaction.
        """
        who = self._authorize(actor, "reinstate_session", programme, cluster=cluster)

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            plan = self.programme(pid)
            found = self.cluster(cluster, programme=pid)
            session = self.session(cluster, programme=pid)
            if session.status is not SessionStatus.CANCELLED:
                raise violation("session_cancelled", f"session {cluster} is not cancelled")
            found.check_active()
            if found.host is None:
                raise violation("host_is_member", f"cluster {cluster} has no host to hold it")
            seats = sum(plan.seats_for(p) for p in found.members)
            bridges = sum(plan.bridge_points.get(p, 0) for p in found.members)
            applier = PlanApplier(
                plan,
                clusters={cluster: found},
                sessions={cluster: session},
                placements={},
                actor=who,
                hall_capacity=max(session.hall_capacity, seats),
                bridge_capacity=max(session.bridge_capacity, bridges),
                venues={},
                reason="session reinstated",
                override_reason=override_reason,
            )
            applier.align_session(cluster, _Reinstated(found, day))
            return [session], Recorded(self._count([session]))

        return self._execute(programme, "reinstate_session", who, idempotency_key, decide)

    def connect_bridge_points(
        self,
        cluster: int,
        points: Iterable[BridgePoint | tuple[str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "connect_bridge_points", programme, cluster=cluster)
        wanted = _bridge_points(points)
        return self._session_command(
            programme,
            cluster,
            "connect_bridge_points",
            who,
            idempotency_key,
            lambda s, _: s.connect_bridge_points(wanted, actor=who),
        )

    def disconnect_bridge_points(
        self,
        cluster: int,
        points: Iterable[BridgePoint | tuple[str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "disconnect_bridge_points", programme, cluster=cluster)
        wanted = _bridge_points(points)
        return self._session_command(
            programme,
            cluster,
            "disconnect_bridge_points",
            who,
            idempotency_key,
            lambda s, _: s.disconnect_bridge_points(wanted, actor=who),
        )

    def mark_session_held(
        self,
        cluster: int,
        *,
        actor: ActorLike,
        on: date | None = None,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Record that the session took place (``on`` defaults to today, programme time)."""
        who = self._authorize(actor, "mark_session_held", programme, cluster=cluster)
        today = on or now().date()
        return self._session_command(
            programme,
            cluster,
            "mark_session_held",
            who,
            idempotency_key,
            lambda s, _: s.mark_held(on=today, actor=who),
        )

    # -- attendance commands ---------------------------------------------------------------

    def enrol_members(
        self,
        province: str,
        members: Iterable[MemberRef | tuple[str, str, str]],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        """Enrol members (member, team, commune) of a province; known members are skipped."""
        who = self._authorize(actor, "enrol_members", programme, provinces=(province,))
        refs = _rows_of(members, MemberRef, "member (member, team, commune)")
        for ref in refs:
            if not all(isinstance(v, str) and v.strip() for v in ref):
                raise InvalidInputError(f"member {ref!r}: member, team and commune are required")

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            self._programme(pid, copy=False).check_unit(province)
            book = self._find(Attendance, attendance_id(pid, province))
            if book is None:
                book = Attendance.open(pid, province, actor=who)
            book.enrol(refs, actor=who)
            return [book], Recorded(self._count([book]))

        return self._execute(programme, "enrol_members", who, idempotency_key, decide)

    def record_attendance(
        self,
        rows: Iterable[AttendanceRow],
        *,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
        batch_size: int = 1000,
        source: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RecordedAttendance:
        """Record many attendance rows, in batches of ``batch_size`` rows per transaction.

        Every row is checked before anything is written: a bad row rejects the call with an
        error naming the row, and nothing is written.  Rows already recorded are skipped and
        counted.  See :mod:`schedcore.bulk`.  ``progress(rows_written, rows)`` is called after
        each batch is written (a progress bar's hook).

        A province coordinator may only send rows of its own province: one row of another
        province refuses the whole call (:class:`PermissionDeniedError`), nothing written.
        """
        from schedcore.bulk import record_rows

        if isinstance(rows, str | bytes) or not isinstance(rows, Iterable):
            raise InvalidInputError(f"rows must be AttendanceRow values, not {rows!r}")
        rows = rows if isinstance(rows, list) else list(rows)
        who = self._authorize(
            actor,
            "record_attendance",
            programme,
            provinces=lambda: {getattr(row, "province", None) for row in rows},
        )
        done = self._receipt(
            self.programme_id(programme), idempotency_key, "record_attendance", who
        )
        if done is not None:
            first: RecordedAttendance = done.result
            return first
        return record_rows(
            self,
            rows,
            actor=who,
            programme=programme,
            idempotency_key=idempotency_key,
            batch_size=batch_size,
            source=source,
            progress=progress,
        )

    def void_records(
        self,
        province: str,
        activity: Activity,
        members: Iterable[str],
        *,
        reason: str,
        actor: ActorLike,
        programme: ProgrammeRef | None = None,
        idempotency_key: str | None = None,
    ) -> Recorded:
        who = self._authorize(actor, "void_records", programme, provinces=(province,))
        wanted = _texts(members, "members to void")
        try:
            kind = Activity(activity)
        except ValueError:
            raise InvalidInputError(
                f"activity must be one of {', '.join(Activity)}, not {activity!r}"
            ) from None

        def decide(pid: UUID) -> tuple[Sequence[Aggregate], Recorded]:
            book = self.attendance(province, programme=pid)
            book.void(kind, wanted, reason=reason, actor=who)
            return [book], Recorded(self._count([book]))

        return self._execute(programme, "void_records", who, idempotency_key, decide)


T = TypeVar("T", bound=tuple[Any, ...])


def _rows_of(values: object, row: Callable[..., T], what: str) -> list[T]:
    """``row(*value)`` for each value, with a bad shape an input error naming the value."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInputError(f"expected a list of {what}, not {values!r}")
    rows = []
    for value in values:
        try:
            rows.append(row(*value))
        except TypeError:
            raise InvalidInputError(f"expected a {what}, not {value!r}") from None
    return rows


def _bridge_points(points: object) -> list[BridgePoint]:
    found = _rows_of(points, BridgePoint, "bridge point (province, commune)")
    for point in found:
        if not all(isinstance(v, str) and v.strip() for v in point):
            raise InvalidInputError(f"bridge point {point!r}: province and commune are text")
    return found


def _texts(values: object, what: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInputError(f"{what} must be a list of names, not {values!r}")
    found = list(values)
    if not all(isinstance(v, str) for v in found):
        raise InvalidInputError(f"{what} must be names (text): {found!r}")
    return found


def _venue(venue: object) -> Venue:
    if not isinstance(venue, Venue):
        raise InvalidInputError(f"a venue is a Venue(province, name), not {venue!r}")
    return venue


@attrs.frozen
class _Reinstated:
    """A cluster as it stands, planned on the day its session is reinstated."""

    cluster: Cluster
    date: date

    @property
    def id(self) -> int:
        return self.cluster.number

    @property
    def host(self) -> str:
        return self.cluster.host or ""

    @property
    def members(self) -> Sequence[str]:
        return self.cluster.members

    @property
    def trainer_team(self) -> str | None:
        return self.cluster.trainer_team


def _without_prepared_statements(app: Application[UUID]) -> None:
    """Open PostgreSQL connections that prepare no statements.

    ``eventsourcing`` asks psycopg to prepare its statements.  When a lock timeout aborts the
    pipeline of an insert, psycopg's record of what is prepared falls out of step with the
    server, and every later write on that connection fails ("prepared statement "_pg3_4" does
    not exist") until the connection is dropped.  Without prepared statements a write after a
    lock timeout simply works (and connections also work behind a transaction pooler).
    """
    pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
    kwargs = getattr(pool, "kwargs", None)
    if pool is None or not isinstance(kwargs, dict):  # pragma: no cover - eventsourcing 9.5
        return
    kwargs["prepare_threshold"] = None
    pool.drain()  # connections opened while the tables were set up are replaced
    pool.wait()  # before anyone asks: a request that waits would grow the pool for good


def _is_lock_wait(exc: BaseException) -> bool:
    """A write that gave up waiting for another writer's lock (SQLite "database is locked",
    PostgreSQL "canceling statement due to lock timeout"), as opposed to a broken store."""
    text = str(exc).lower()
    return any(sign in text for sign in ("database is locked", "database is busy", "lock timeout"))


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@contextmanager
def _postgres_setup(env: Mapping[str, str], display: str) -> Iterator[None]:
    """Create the schema named in the URL if missing, and hold a session advisory lock while
    the tables are created: processes opening one store at once would otherwise race in
    PostgreSQL's catalogue ("tuple concurrently updated")."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:  # pragma: no cover - the postgres extra installs it
        raise StoreError(
            "PostgreSQL needs the postgres extra: pip install 'schedcore[postgres]'"
        ) from None
    schema = env.get("POSTGRES_SCHEMA") or "public"
    try:
        connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot open store {display}: {first}") from None
    with connection:
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"schedcore-setup:{schema}",))
        try:
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            yield
        finally:
            connection.execute(
                "SELECT pg_advisory_unlock(hashtext(%s))", (f"schedcore-setup:{schema}",)
            )
