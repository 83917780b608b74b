"""The projection runner: follows the event log and keeps read models exact.

``eventsourcing``'s own runner needs recorder subscriptions (its SQLite recorder has none),
commits one transaction per event, stops at the first error and cannot rebuild.  This one:

* keeps a **checkpoint per read model** (:mod:`~schedcore.projections.tracking`): its position,
  generation and fingerprint (the model's ``version`` and the shape of its tables);
* **reads** ``recorder.select_notifications`` from the models' position, a page at a time, only
  the topics the models declare (every topic if one of them wants every event), and decodes
  each event with the application's mapper; each model is given only the event classes it
  folds;
* applies a page to the models at the same position in **one transaction** of the view
  database, together with each model's new checkpoint, written only if it still holds the
  position the batch started from (compare-and-set).  A crash mid-batch rolls the whole batch
  back; a second runner racing this one loses the compare-and-set and reads again.  An event
  is applied exactly once per model.  Models at different positions (one added later, one that
  stopped at an event) are caught up lowest first, until they meet;
* builds a **new or changed model** (no checkpoint, or one with another fingerprint) **alone,
  in shadow tables**, batch by batch and resumably (the shadow tables have a checkpoint of
  their own), while the other models keep answering and keep up with the log; then swaps the
  shadow tables in, with the model's new checkpoint, in one short transaction, and drops the
  old tables after;
* **rebuilds** any or every model the same way on demand (:meth:`ProjectionRunner.rebuild`);
* reports its **lag** and each model's state (:meth:`ProjectionRunner.status`), and can **wait
  until** a position is applied, so a caller can read its own writes;
* on an event a model cannot apply, follows that model's **error policy**: **stop** (the model
  stays before the event, the others go on, and :class:`~schedcore.errors.ProjectionError`
  names the event's position, topic and model) or **park** (the event is recorded as parked by
  that model, which skips it);
* as a daemon (:meth:`ProjectionRunner.run`) on PostgreSQL, **wakes on the notification** the
  recorder sends with every write (``LISTEN``), and polls only as a fallback.

Positions can be trusted to be gap-free in commit order: PostgreSQL inserts take a table lock,
and SQLite serialises writers with the database lock, so no event ever becomes visible behind
one already applied.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs

from schedcore._topics import topics_of
from schedcore.calendar import ensure_aware
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError, ProjectionError, StoreError
from schedcore.projections._database import ViewDatabase, connect_views, views_for_app
from schedcore.projections._database import reopen as reopen_views
from schedcore.projections._wakeup import Wakeup, wakeup_for
from schedcore.projections.audit import AuditModel
from schedcore.projections.bridge import BridgeModel
from schedcore.projections.calendar_view import CalendarModel
from schedcore.projections.catalogue import CREATION_EVENTS, ProgrammeCatalogue
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.model import Envelope, ReadModel
from schedcore.projections.partitioned import can_fork, partition_of, start_workers
from schedcore.projections.queries import Views, programme_context, stable_ref
from schedcore.projections.roster import RosterModel
from schedcore.projections.snapshots import (
    DEFAULT_SNAPSHOT_EVERY,
    DEFAULT_SNAPSHOTS_KEPT,
    discard,
    snapshots,
    take_snapshot,
)
from schedcore.projections.status import ModelStatus, model_status
from schedcore.projections.tracking import (
    Checkpoint,
    Checkpoints,
    DeadLetter,
    Position,
    PositionConflict,
    Slot,
    table_columns,
)
from schedcore.reference.provinces import ProvinceTable

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REBUILD_BATCH_SIZE",
    "CatchUp",
    "ErrorPolicy",
    "Lag",
    "ProjectionRunner",
    "default_models",
]

#: Events per transaction when catching up: commits are amortised, and a SQLite writer waiting
#: for the file's lock waits well under a second.
DEFAULT_BATCH_SIZE = 2_000
#: Events per transaction when rebuilding into fresh tables: each member's row is written once
#: per batch, so larger batches write less (memory grows with the members touched, not events).
DEFAULT_REBUILD_BATCH_SIZE = 50_000
#: Notifications per ``select_notifications`` call.
DEFAULT_PAGE_SIZE = 1_000
#: Seconds a daemon woken by notifications waits before it looks at the log anyway.
DEFAULT_FALLBACK_INTERVAL = 5.0
_SUFFIX: dict[str, str] = {"live": "", "shadow": "__rebuild", "retired": "__retired"}


class ErrorPolicy(enum.StrEnum):
    """What a :class:`ProjectionRunner` does when a read model cannot apply an event."""

    STOP = "stop"
    """The model stays before the failing event (the others go on); then
    :class:`ProjectionError` is raised."""
    PARK = "park"
    """The failing event is recorded as parked by that model, which skips it and goes on."""


@attrs.frozen
class Lag:
    """How far the views are behind the log: ``lag`` positions (0 when caught up)."""

    position: int
    head: int

    @property
    def lag(self) -> int:
        """How many events the views are behind the head of the log (never negative)."""
        return max(0, self.head - self.position)


@attrs.frozen
class CatchUp:
    """What a catch-up or rebuild did."""

    events: int
    batches: int
    position: int
    parked: int
    seconds: float
    #: The last event applied (skipped events, see ``recorded_by``, do not count).
    last_applied: int = 0


def default_models() -> list[ReadModel]:
    """Every read model schedcore ships, sharing one runner."""
    return [
        ProgrammeCatalogue(),
        RosterModel(),
        CalendarModel(),
        BridgeModel(),
        CoverageModel(),
        AuditModel(),
    ]


@attrs.define
class _Item:
    position: int
    topic: str
    event: Any = None
    error: BaseException | None = None


@attrs.frozen
class _Outcome:
    applied: int = 0
    parked: int = 0
    position: int = 0
    last_applied: int = 0
    #: models that stopped at an event (stop policy), and why
    failures: tuple[ProjectionError, ...] = ()
    stopped: frozenset[str] = frozenset()

    def plus(self, later: _Outcome) -> _Outcome:
        return _Outcome(
            self.applied + later.applied,
            self.parked + later.parked,
            later.position,
            max(self.last_applied, later.last_applied),
            self.failures + later.failures,
            self.stopped | later.stopped,
        )


Policies = ErrorPolicy | str | Mapping[str, ErrorPolicy | str]


class ProjectionRunner:
    """Keeps ``models`` (by default every schedcore read model) current with ``app``'s log.

    ``views`` is where the views live: a :class:`ViewDatabase`, a URL (``sqlite:///...``,
    ``postgresql://...``, ``memory://``), or ``None`` for beside the events (the same SQLite
    file or PostgreSQL schema; a private in-memory database for an in-memory store).
    ``name`` keys the models' checkpoints, so runners of different model sets can share a
    database.  ``batch_size`` and ``rebuild_batch_size`` are events per transaction;
    ``page_size`` is events per read.  ``on_error`` is the error policy of every model, or a
    mapping of model name to policy (``"*"``: the others; ``stop`` by default).
    ``recorded_by`` (time travel) applies only events recorded at or before that moment; the
    others are passed over.  Every ``snapshot_every`` events (0: never) the live tables are
    copied into a snapshot for time travel, keeping ``snapshots_kept`` of them
    (``schedcore.projections.snapshots``).  ``listen`` lets :meth:`run` wake on
    PostgreSQL notifications (polling every ``fallback_interval`` seconds as well); otherwise
    it polls every ``poll_interval`` seconds.
    """

    def __init__(
        self,
        app: Any,
        models: Sequence[ReadModel] | None = None,
        *,
        views: ViewDatabase | str | None = None,
        name: str = "schedcore",
        batch_size: int = DEFAULT_BATCH_SIZE,
        rebuild_batch_size: int = DEFAULT_REBUILD_BATCH_SIZE,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_error: Policies = ErrorPolicy.STOP,
        poll_interval: float = 0.2,
        recorded_by: datetime | None = None,
        listen: bool = True,
        fallback_interval: float = DEFAULT_FALLBACK_INTERVAL,
        snapshot_every: int = DEFAULT_SNAPSHOT_EVERY,
        snapshots_kept: int = DEFAULT_SNAPSHOTS_KEPT,
    ) -> None:
        for label, value, least in (
            ("batch_size", batch_size, 1),
            ("rebuild_batch_size", rebuild_batch_size, 1),
            ("page_size", page_size, 1),
            ("snapshot_every", snapshot_every, 0),
            ("snapshots_kept", snapshots_kept, 1),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise InvalidInputError(f"{label} must be a whole number >= {least}, got {value!r}")
        chosen = list(models) if models is not None else default_models()
        if not any(isinstance(m, ProgrammeCatalogue) for m in chosen):
            chosen.insert(0, ProgrammeCatalogue())
        names = [m.name for m in chosen]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"read model names must be unique: {names}")
        tables = [t.name for m in chosen for t in m.tables]
        if len(set(tables)) != len(tables):
            raise InvalidInputError(f"read models must not share tables: {sorted(tables)}")
        self.policies = _policies(on_error, names)
        self.on_error = self.policies.get("*", ErrorPolicy.STOP)
        self.app = app
        self.models: tuple[ReadModel, ...] = tuple(chosen)
        self._by_name = {m.name: m for m in chosen}
        self._catalogue = next(m for m in chosen if isinstance(m, ProgrammeCatalogue))
        self._fingerprints = {m.name: m.fingerprint() for m in chosen}
        self._handled = {m.name: m.handled() for m in chosen}
        created = topics_of(CREATION_EVENTS)
        self._topics: dict[str, frozenset[str] | None] = {
            n: None if h is None else frozenset(topics_of(h)) | frozenset(created)
            for n, h in self._handled.items()
        }
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.fallback_interval = fallback_interval
        self.listen = listen
        self.recorded_by = (
            ensure_aware(recorded_by, "recorded_by") if recorded_by is not None else None
        )
        # a runner that passes events over (time travel) never takes snapshots
        self.snapshot_every = snapshot_every if self.recorded_by is None else 0
        self.snapshots_kept = snapshots_kept
        # The log range (from, to] this runner read whole in live batches of every model, and
        # the latest recording time in it; and the last snapshot (position, recorded until).
        self._stamps: tuple[int, int, datetime | None] | None = None
        self._snapshot_at: tuple[int, datetime | None] | None = None
        self._owns_database = not isinstance(views, ViewDatabase)
        if isinstance(views, ViewDatabase):
            self.database = views
        elif views is None:
            self.database = views_for_app(app)
        else:
            self.database = connect_views(views)
        self.name = name
        self.checkpoints = Checkpoints(name)
        self._tables: dict[str, dict[str, dict[str, str]]] = {
            slot: {m.name: {t.name: f"view_{t.name}{suffix}" for t in m.tables} for m in chosen}
            for slot, suffix in _SUFFIX.items()
        }
        self._lock = threading.RLock()
        # What each model's in-memory state reflects: (slot, generation, position).  Another
        # runner sharing these views may have moved the checkpoint past it; then it is stale.
        self._memory: dict[str, tuple[str, int, int]] = {}
        # Resolves events to programmes for models caught up without the catalogue.
        self._resolver = ProgrammeCatalogue()
        self._resolver_at: int | None = None
        self._open()

    # -- set-up ----------------------------------------------------------------------------

    def _open(self) -> None:
        """Create the tables; give checkpoints to the models that need no build."""
        database = self.database
        with self._transaction() as cursor:
            if database.dialect == "postgresql":
                # processes starting together would race to create the same tables
                cursor.query("SELECT pg_advisory_xact_lock(hashtext('schedcore projections'))")
            Checkpoints.create_tables(cursor, database)
            live = self.checkpoints.read(cursor)
            shapes = {
                m.name: [
                    table_columns(cursor, self._tables["live"][m.name][t.name]) for t in m.tables
                ]
                for m in self.models
            }
            if not live:
                valid = [
                    (m.name, self._fingerprints[m.name])
                    for m in self.models
                    if m.tables
                    and all(
                        shape == list(t.column_names)
                        for shape, t in zip(shapes[m.name], m.tables, strict=True)
                    )
                ]
                if self.checkpoints.adopt_legacy(cursor, database, valid) is None:
                    # new views: no model has anything to serve yet, so none needs shadows
                    for model in self.models:
                        if self._empty(cursor, model):
                            self._initialise(cursor, model)
                live = self.checkpoints.read(cursor)
            for model in self.models:
                if model.name not in live and not model.tables:
                    self._initialise(cursor, model)  # nothing to build, nothing to swap
            for model in self.models:
                for table in model.tables:
                    actual = self._tables["live"][model.name][table.name]
                    cursor.execute(table.create_statement(actual, database))

    def _empty(self, cursor: Any, model: ReadModel) -> bool:
        for actual in self._tables["live"][model.name].values():
            if table_columns(cursor, actual) is not None and cursor.query(
                f"SELECT 1 FROM {actual} LIMIT 1"
            ):
                return False
        return True

    def _initialise(self, cursor: Any, model: ReadModel) -> None:
        self.checkpoints.put(
            cursor, Checkpoint(model.name, "live", self._fingerprints[model.name], 0, 0)
        )

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        try:
            with self.database.transaction() as cursor:
                yield cursor
        except (ProjectionError, PositionConflict, InvalidInputError, _BatchFailed):
            raise
        except Exception as exc:
            if _is_database_error(exc):
                raise StoreError(f"views {self.database.display}: {exc}") from exc
            raise

    def close(self) -> None:
        """Close the view database if this runner opened it."""
        if self._owns_database:
            self.database.close()

    def __enter__(self) -> ProjectionRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- positions -------------------------------------------------------------------------

    def position(self) -> Position:
        """Where the views are now: the lowest position of the models (a model not built yet
        counts as 0) and the highest generation."""
        live = self.checkpoints.read(self.database)
        found = [live.get(m.name) for m in self.models]
        positions = [c.position if c is not None else 0 for c in found]
        generations = [c.generation for c in found if c is not None]
        return Position(min(positions, default=0), max(generations, default=0))

    def head(self) -> int:
        """The position of the last event in the log."""
        return int(self.app.recorder.max_notification_id() or 0)

    def lag(self) -> Lag:
        """The views' position against the head of the log now."""
        return Lag(self.position().position, self.head())

    def status(self) -> list[ModelStatus]:
        """Each model's position, lag, fingerprint, build under way and parked events."""
        return model_status(self.database, self.name, self.models, self.head())

    def views(
        self,
        programme: str | UUID | None = None,
        *,
        today: date | None = None,
        provinces: UnitTable | ProvinceTable | None = None,
    ) -> Views:
        """Ask the live views about ``programme`` (default: the application's); units are
        named from the programme's own table, days counted in its time zone."""
        ref = stable_ref(self.app, programme)
        units, zone = programme_context(self.app, ref)
        return Views(
            self.database,
            ref,
            position=self.position().position,
            today=today,
            provinces=provinces if provinces is not None else units,
            time_zone=zone,
        )

    def dead_letters(self) -> list[DeadLetter]:
        """Events parked by the ``park`` policy, by each model in its current generation."""
        live = self.checkpoints.read(self.database)
        return self.checkpoints.parked(
            self.database, {name: c.generation for name, c in live.items()}
        )

    def pending(self) -> list[str]:
        """The models to build before they serve: new ones, and ones whose fingerprint
        changed since their tables were built."""
        live = self.checkpoints.read(self.database)
        return [
            m.name
            for m in self.models
            if m.name not in live or live[m.name].version != self._fingerprints[m.name]
        ]

    # -- catching up -----------------------------------------------------------------------

    def catch_up(self, until: int | None = None) -> CatchUp:
        """Apply every event up to ``until`` (default: the head of the log when called) to
        every model, and build (in shadow tables, then swap) the models that need it."""
        with self._lock:
            started = time.perf_counter()
            head = self.head() if until is None else min(until, self.head())
            skip: set[str] = set()
            names = [m.name for m in self.models]
            total, batches = self._advance("live", names, head, self.batch_size, skip)
            pending = [n for n in self.pending() if n not in skip]
            if pending:
                # a build takes a while: it (and the models serving meanwhile) follow the log
                # to its head at each step, unless told where to stop
                built, more = self._build(pending, until, skip, fresh=False)
                total, batches = total.plus(built), batches + more
            if total.failures:
                raise total.failures[0]
            return CatchUp(
                total.applied,
                batches,
                self.position().position,
                total.parked,
                time.perf_counter() - started,
                total.last_applied,
            )

    def wait_until(self, position: int, timeout: float = 10.0, *, drive: bool = True) -> bool:
        """Wait until the views reflect ``position`` (e.g. ``app.max_notification_id()`` after
        a command): True when they do, False after ``timeout`` seconds.

        With ``drive`` (the default) this runner catches up itself rather than waiting for a
        runner elsewhere; both may run at once, the compare-and-set keeps them exact.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.position().position >= position:
                return True
            if drive:
                self.catch_up(until=position)
                if self.position().position >= position:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set (run it in a thread or a process of its own).

        On PostgreSQL (with ``listen``) it sleeps until the recorder's notification of a
        write, or ``fallback_interval`` seconds; elsewhere it polls every ``poll_interval``.
        """
        wakeup: Wakeup | None = wakeup_for(self.app) if self.listen else None
        try:
            while not stop.is_set():
                done = self.catch_up()
                if done.events or done.parked:
                    continue
                if wakeup is None:
                    stop.wait(self.poll_interval)
                else:
                    wakeup.wait(self.fallback_interval, stop)
        finally:
            if wakeup is not None:
                wakeup.close()

    # -- rebuilding ------------------------------------------------------------------------

    def rebuild(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        models: Sequence[str] | None = None,
        workers: int = 1,
    ) -> CatchUp:
        """Rebuild ``models`` (names; default every model) from the first event into fresh
        tables, then swap them in.

        Readers keep reading the old tables, the other models keep up with the log, and
        writers keep writing while it runs; the swap (with the last events written meanwhile)
        is one short transaction.  ``progress(position, head)`` is called after each batch.
        With ``workers`` above 1, coverage is folded by that many processes, each for its
        share of the provinces (``schedcore.projections.partitioned``), while this one
        builds the other models; in memory, or where processes cannot be forked, it is
        rebuilt here as the others.
        """
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise InvalidInputError(f"workers must be a whole number >= 1, got {workers!r}")
        names = self.model_names(models)
        with self._lock:
            started = time.perf_counter()
            skip: set[str] = set()
            try:
                if workers > 1 and self._partitionable(names):
                    total, batches = self._build_partitioned(names, workers, skip, progress)
                else:
                    total, batches = self._build(names, None, skip, fresh=True, progress=progress)
            except BaseException:
                with suppress(Exception):
                    self._discard_shadow(names)
                raise
            if total.failures:
                with suppress(Exception):
                    self._discard_shadow(names)
                raise total.failures[0]
            position = self.position().position
            if progress is not None:
                progress(position, position)
            return CatchUp(
                total.applied,
                batches,
                max((self._live_position(n) for n in names), default=0),
                total.parked,
                time.perf_counter() - started,
                total.last_applied,
            )

    def model_names(self, models: Sequence[str] | None = None) -> list[str]:
        """The names of ``models`` in the runner's order (default: every model);
        :class:`InvalidInputError` for a name the runner does not keep."""
        if models is None:
            return [m.name for m in self.models]
        unknown = [n for n in models if n not in self._by_name]
        if unknown:
            raise InvalidInputError(
                f"unknown read model {unknown[0]!r}: known are {', '.join(self._by_name)}"
            )
        return [m.name for m in self.models if m.name in set(models)]

    def _live_position(self, name: str) -> int:
        found = self.checkpoints.read(self.database).get(name)
        return found.position if found is not None else 0

    def _build(
        self,
        names: list[str],
        head: int | None,
        skip: set[str],
        *,
        fresh: bool,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[_Outcome, int]:
        """Fill the shadow tables of ``names`` (fresh, or resumed where a build with the same
        fingerprint stopped) up to ``head`` (default: the head now), keeping the other models
        current between batches, then swap them in."""
        self._prepare_shadow(names, fresh=fresh)
        others = [m.name for m in self.models if m.name not in names]
        total = _Outcome()
        batches = 0

        def serve() -> None:
            nonlocal total
            served, _ = self._advance(
                "live", others, head if head is not None else self.head(), self.batch_size, skip
            )
            total = total.plus(attrs.evolve(served, position=total.position))

        target = head if head is not None else self.head()
        built, batches = self._advance(
            "shadow",
            names,
            target,
            self.rebuild_batch_size,
            skip,
            progress=progress,
            between=serve if others else None,
        )
        total = total.plus(built)
        total = total.plus(self._swap(names, head, skip))
        return total, batches

    def _partitionable(self, names: list[str]) -> bool:
        """Whether coverage is among ``names`` and can be folded by other processes."""
        model = self._by_name.get("coverage")
        if "coverage" not in names or type(model) is not CoverageModel or not can_fork():
            return False
        views = reopen_views(self.database)
        if views is None:
            return False
        views.close()
        env = self.app.env
        module = env.get("PERSISTENCE_MODULE") or ""
        if module == "eventsourcing.postgres":
            return True
        name = env.get("SQLITE_DBNAME") or ""
        return module == "eventsourcing.sqlite" and name != ":memory:" and "mode=memory" not in name

    def _build_partitioned(
        self,
        names: list[str],
        workers: int,
        skip: set[str],
        progress: Callable[[int, int], None] | None,
    ) -> tuple[_Outcome, int]:
        """:meth:`_build` (fresh), with coverage split by province: this process folds the
        first share with the other models, ``workers - 1`` forked ones the others; coverage is
        built here whole instead if a worker fails."""
        self._prepare_shadow(names, fresh=True)
        target = self.head()
        coverage = self._by_name["coverage"]
        assert isinstance(coverage, CoverageModel)
        shadow = self._tables["shadow"]["coverage"]
        started = start_workers(self.app, self.database, shadow, workers, target, self.page_size)
        others = [m.name for m in self.models if m.name not in names]
        total = _Outcome()
        batches = 0

        def serve() -> None:
            nonlocal total
            served, _ = self._advance("live", others, self.head(), self.batch_size, skip)
            total = total.plus(attrs.evolve(served, position=total.position))

        self._forget(coverage)
        coverage.only = lambda province: partition_of(province, workers) == 0
        try:
            built, batches = self._advance(
                "shadow",
                names,
                target,
                self.rebuild_batch_size,
                skip,
                progress=progress,
                between=serve if others else None,
            )
            total = total.plus(built)
        finally:
            coverage.only = None
            self._forget(coverage)  # it holds the first share only
            for worker in started:
                worker.join()
        if not all(worker.exitcode == 0 for worker in started):
            # fold it here, where an event it cannot apply meets its error policy
            self._prepare_shadow(["coverage"], fresh=True)
            built, more = self._advance(
                "shadow", ["coverage"], target, self.rebuild_batch_size, skip
            )
            total, batches = total.plus(built), batches + more
        total = total.plus(self._swap(names, None, skip))
        return total, batches

    def _prepare_shadow(self, names: list[str], *, fresh: bool) -> None:
        database = self.database
        with self._transaction() as cursor:
            live = self.checkpoints.read(cursor)
            shadow = self.checkpoints.read(cursor, "shadow")
            for name in names:
                model = self._by_name[name]
                fingerprint = self._fingerprints[name]
                found = shadow.get(name)
                tables = self._tables["shadow"][name]
                if (
                    not fresh
                    and found is not None
                    and found.version == fingerprint
                    and all(table_columns(cursor, t) is not None for t in tables.values())
                ):
                    continue  # resume the build a crash (or a stop) interrupted
                generation = live[name].generation + 1 if name in live else 0
                for table in model.tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {tables[table.name]}")
                    cursor.execute(table.create_statement(tables[table.name], database))
                self.checkpoints.forget_parked(cursor, name, generation)
                self.checkpoints.put(cursor, Checkpoint(name, "shadow", fingerprint, 0, generation))
                self._forget(model)

    def _swap(self, names: list[str], head: int | None, skip: set[str]) -> _Outcome:
        """Catch the shadow tables up (to ``head``, default the head now) and swap them in,
        with their checkpoints, in one transaction; drop the old tables after."""
        database = self.database
        swapped: list[str] = []
        with self._transaction() as cursor:
            live = self.checkpoints.read(cursor, lock=True)
            target = self.head() if head is None else head
            total, _ = self._advance(
                "shadow", names, target, self.rebuild_batch_size, skip, cursor=cursor
            )
            shadow = self.checkpoints.read(cursor, "shadow")
            for name in names:
                found = shadow.get(name)
                if (
                    name in skip
                    or found is None
                    or found.version != self._fingerprints[name]
                    or found.position < target
                ):
                    continue
                for table in self._by_name[name].tables:
                    actual = self._tables["live"][name][table.name]
                    fresh = self._tables["shadow"][name][table.name]
                    old = self._tables["retired"][name][table.name]
                    cursor.execute(f"DROP TABLE IF EXISTS {old}")
                    cursor.execute(f"ALTER TABLE {actual} RENAME TO {old}")
                    cursor.execute(f"ALTER TABLE {fresh} RENAME TO {actual}")
                    if database.dialect == "postgresql":
                        cursor.execute(f"ALTER INDEX {actual}_key RENAME TO {old}_key")
                        cursor.execute(f"ALTER INDEX {fresh}_key RENAME TO {actual}_key")
                generation = live[name].generation + 1 if name in live else found.generation
                if generation != found.generation:
                    # another rebuild swapped first: renumber the parked events of this one
                    self.checkpoints.renumber_parked(cursor, name, found.generation, generation)
                self.checkpoints.put(
                    cursor, attrs.evolve(found, slot="live", generation=generation)
                )
                self.checkpoints.delete(cursor, name, "shadow")
                swapped.append(name)
            # snapshots of the replaced tables may hold what made the rebuild necessary
            discard(cursor, swapped)
        for name in swapped:
            self._forget(self._by_name[name])
        # the old tables are renamed now and dropped after the commit: freeing their pages
        # takes a while, and readers and writers need not wait for it
        self._drop([t for n in swapped for t in self._tables["retired"][n].values()])
        return total

    def _discard_shadow(self, names: list[str]) -> None:
        with self._transaction() as cursor:
            for name in names:
                self.checkpoints.delete(cursor, name, "shadow")
        self._drop([t for n in names for t in self._tables["shadow"][n].values()])

    def _drop(self, tables: list[str]) -> None:
        if not tables:
            return
        with self._transaction() as cursor:
            for actual in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {actual}")

    # -- advancing models ------------------------------------------------------------------

    def _forget(self, model: ReadModel) -> None:
        model.reset()
        self._memory.pop(model.name, None)
        if model is self._catalogue:
            self._resolver_at = None

    def _advance(
        self,
        slot: Slot,
        names: Sequence[str],
        head: int,
        batch_size: int,
        skip: set[str],
        *,
        cursor: Any = None,
        progress: Callable[[int, int], None] | None = None,
        between: Callable[[], None] | None = None,
    ) -> tuple[_Outcome, int]:
        """Bring the models ``names`` in ``slot`` to ``head``, lowest position first, in
        batches of ``batch_size`` events (in ``cursor``'s transaction if given)."""
        total = _Outcome()
        batches = 0
        wanted = set(names)
        while True:
            checkpoints = self.checkpoints.read(
                cursor if cursor is not None else self.database, slot
            )
            behind: list[tuple[ReadModel, Checkpoint]] = []
            for model in self.models:
                found = checkpoints.get(model.name)
                if (
                    model.name not in wanted
                    or model.name in skip
                    or found is None
                    or found.version != self._fingerprints[model.name]
                ):
                    continue
                mark = (slot, found.generation, found.position)
                if self._memory.get(model.name) != mark:
                    self._forget(model)
                    self._memory[model.name] = mark
                if found.position < head:
                    behind.append((model, found))
            if not behind:
                return total, batches
            low = min(c.position for _, c in behind)
            cohort = [(m, c) for m, c in behind if c.position == low]
            upper = min((c.position for _, c in behind if c.position > low), default=head)
            limit = min(batch_size, upper - low)
            try:
                outcome = self._batch(slot, cohort, upper, limit, cursor=cursor)
            except PositionConflict:
                for model, _ in cohort:
                    self._forget(model)
                continue
            for model, found in cohort:
                if model.name in outcome.stopped:
                    skip.add(model.name)
                    self._forget(model)
                elif model.name in self._memory:
                    self._memory[model.name] = (slot, found.generation, outcome.position)
            total = total.plus(outcome)
            batches += 1
            if progress is not None:
                progress(outcome.position, max(head, outcome.position))
            if between is not None:
                between()

    def _resolver_for(
        self, models: Sequence[ReadModel], low: int, reader: Any
    ) -> Callable[[Any], int | None]:
        """What tells the programme of each event: the cohort's own catalogue, or one loaded
        from the live catalogue's tables (plus any programme created since its position)."""
        for model in models:
            if isinstance(model, ProgrammeCatalogue):
                return model.resolve
        resolver = self._resolver
        if self._resolver_at is None:
            resolver.reset()
            resolver.load(reader, self._tables["live"][self._catalogue.name])
            found = self.checkpoints.read(reader).get(self._catalogue.name)
            current = found is not None and found.version == self._fingerprints[found.model]
            # tables of an older catalogue may lack aggregates: read their creations again
            self._resolver_at = found.position if found is not None and current else 0
        if low > self._resolver_at:
            created = topics_of(CREATION_EVENTS)
            after = self._resolver_at
            while True:
                page = self.app.recorder.select_notifications(
                    after + 1, self.page_size, stop=low, topics=created
                )
                for notification in page:
                    resolver.resolve(self.app.mapper.to_domain_event(notification))
                if len(page) < self.page_size:
                    break
                after = page[-1].id
            self._resolver_at = low
        return resolver.resolve

    def _read_topics(self, models: Sequence[ReadModel]) -> tuple[str, ...]:
        topics: set[str] = set()
        for model in models:
            found = self._topics[model.name]
            if found is None:
                return ()
            topics |= found
        return tuple(sorted(topics))

    def _read(
        self, after: int, upper: int, limit: int, topics: tuple[str, ...]
    ) -> tuple[list[_Item], int]:
        """Up to ``limit`` events after ``after`` (up to ``upper``), and the position read to."""
        notifications = self.app.recorder.select_notifications(
            after + 1, limit, stop=upper, topics=topics
        )
        to_domain_event = self.app.mapper.to_domain_event
        items = []
        for notification in notifications:
            item = _Item(notification.id, notification.topic)
            try:
                item.event = to_domain_event(notification)
            except Exception as exc:  # an undecodable event is that event's fault: policy
                item.error = exc
            items.append(item)
        extent = items[-1].position if len(items) >= limit else upper
        return items, extent

    def _wanted(self, item: _Item) -> bool:
        moment = self.recorded_by
        return moment is None or item.event.timestamp <= moment

    def _batch(
        self,
        slot: Slot,
        cohort: list[tuple[ReadModel, Checkpoint]],
        upper: int,
        limit: int,
        *,
        cursor: Any = None,
    ) -> _Outcome:
        """Fold up to ``limit`` events after the cohort's position into its models, then flush
        them and their new checkpoints in one transaction (or in ``cursor``'s, under a
        savepoint).

        If anything fails, the batch is rolled back and done again event by event, to apply
        what can be and treat the failing event by the model's error policy.
        """
        models = [m for m, _ in cohort]
        low = cohort[0][1].position
        tables = self._tables[slot]
        reader = cursor if cursor is not None else self.database
        topics = self._read_topics(models)
        receivers = [(m, self._handled[m.name]) for m in models]
        applied = last_applied = 0
        position = extent = low
        latest: datetime | None = None
        try:
            for model in models:
                model.begin(reader, tables[model.name])
            resolve = self._resolver_for(models, low, reader)
            wanted = self._wanted
            while position - low < limit and position < upper:
                page, extent = self._read(position, upper, min(self.page_size, limit), topics)
                if any(item.error is not None for item in page):
                    raise _BatchFailed
                if page:
                    stamp = max(item.event.timestamp for item in page)
                    latest = stamp if latest is None else max(latest, stamp)
                envelopes = [
                    Envelope(item.position, item.topic, item.event, resolve(item.event))
                    for item in page
                    if wanted(item)
                ]
                for model, handled in receivers:
                    model.fold(
                        envelopes
                        if handled is None
                        else [e for e in envelopes if type(e.event) in handled]
                    )
                applied += len(envelopes)
                if envelopes:
                    last_applied = envelopes[-1].position
                position = extent
            if position == low:
                return _Outcome(position=position)
            due = None
            if slot == "live" and cursor is None and len(cohort) == len(self.models):
                due = self._snapshot_due(low, position, latest)
            if cursor is None:
                with self._transaction() as own:
                    self._flush(own, slot, cohort, position)
                    if due is not None:
                        self._snapshot(own, cohort, position, due[0])
                if due is not None:
                    self._snapshot_at = (position, due[0])
            else:
                with self.database.savepoint(cursor):
                    self._flush(cursor, slot, cohort, position)
        except PositionConflict:
            raise
        except Exception:
            for model in models:
                self._forget(model)
            self._resolver_at = None
            return self._carefully(slot, cohort, max(extent, position), cursor=cursor)
        if self._resolver_at is not None and self._catalogue not in models:
            self._resolver_at = max(self._resolver_at, position)
        return _Outcome(applied, 0, position, last_applied)

    def _snapshot_due(
        self, low: int, position: int, latest: datetime | None
    ) -> tuple[datetime | None] | None:
        """Note the recording times of a live batch of every model over ``(low, position]``;
        if a snapshot is due at ``position``, the latest recording time of the events up to it
        (in a tuple: it may be ``None`` for a log of no event the models read)."""
        if not self.snapshot_every:
            return None
        stamps = self._stamps
        if stamps is None or stamps[1] != low:
            stamps = (low, position, latest)
        else:
            stamps = (stamps[0], position, _later(stamps[2], latest))
        if self._snapshot_at is None:
            self._snapshot_at = (0, None)
            for found in snapshots(self.database, self.name):
                if (
                    found.version == self._fingerprints.get(found.model)
                    and found.position > self._snapshot_at[0]
                ):
                    self._snapshot_at = (found.position, found.recorded_until)
        last, recorded = self._snapshot_at
        if position - last >= self.snapshot_every and stamps[0] > last:
            # this runner did not read (last, from] itself: read it now
            stamps = (last, position, _later(stamps[2], self._latest_recorded(last, stamps[0])))
        self._stamps = stamps
        if position - last < self.snapshot_every:
            return None
        return (_later(recorded, stamps[2]),)

    def _latest_recorded(self, after: int, upto: int) -> datetime | None:
        """The latest recording time of the events in ``(after, upto]`` the models read."""
        topics = self._read_topics(self.models)
        latest: datetime | None = None
        while after < upto:
            page, extent = self._read(after, upto, self.page_size, topics)
            for item in page:
                if item.event is not None and (latest is None or item.event.timestamp > latest):
                    latest = item.event.timestamp
            after = extent
        return latest

    def _snapshot(
        self,
        cursor: Any,
        cohort: list[tuple[ReadModel, Checkpoint]],
        position: int,
        recorded_until: datetime | None,
    ) -> None:
        take_snapshot(
            cursor,
            self.database,
            runner=self.name,
            models=[m for m, _ in cohort],
            fingerprints=self._fingerprints,
            tables=self._tables["live"],
            generations={m.name: c.generation for m, c in cohort},
            position=position,
            recorded_until=recorded_until,
            keep=self.snapshots_kept,
        )

    def _flush(
        self, cursor: Any, slot: Slot, cohort: list[tuple[ReadModel, Checkpoint]], position: int
    ) -> None:
        # the checkpoints first, so a runner that lost the race fails before writing anything
        for _, found in cohort:
            self.checkpoints.advance(cursor, found, position)
        for model, _ in cohort:
            model.flush(cursor, self._tables[slot][model.name])

    def _carefully(
        self, slot: Slot, cohort: list[tuple[ReadModel, Checkpoint]], end: int, *, cursor: Any
    ) -> _Outcome:
        if cursor is not None:
            return self._carefully_in(cursor, slot, cohort, end)
        with self._transaction() as own:
            return self._carefully_in(own, slot, cohort, end)

    def _carefully_in(
        self, cursor: Any, slot: Slot, cohort: list[tuple[ReadModel, Checkpoint]], end: int
    ) -> _Outcome:
        """Apply events ``low + 1 .. end`` one at a time and model by model, each under a
        savepoint; a model that cannot apply one follows its error policy."""
        for _, found in cohort:
            self.checkpoints.advance(cursor, found, found.position)  # still ours? hold them
        models = [m for m, _ in cohort]
        low = cohort[0][1].position
        tables = self._tables[slot]
        for model in models:  # first: the catalogue loads the programmes it resolves
            model.begin(cursor, tables[model.name])
        resolve = self._resolver_for(models, low, cursor)
        running = {m.name: (m, c) for m, c in cohort}
        final: dict[str, int] = {}
        applied = parked = last_applied = 0
        failures: list[ProjectionError] = []
        after = low
        topics = self._read_topics(models)
        while running and after < end:
            page, extent = self._read(after, end, self.page_size, topics)
            for item in page:
                envelope = None
                if item.error is None:
                    if not self._wanted(item):
                        continue
                    envelope = Envelope(item.position, item.topic, item.event, resolve(item.event))
                took = False
                for name, (model, found) in list(running.items()):
                    error = self._apply_one(cursor, model, tables[name], item, envelope)
                    if error is None:
                        took = took or envelope is not None
                        continue
                    if self.policies.get(name, self.on_error) is ErrorPolicy.STOP:
                        failure = ProjectionError(
                            f"projection {self.name!r} cannot apply event {item.position} "
                            f"({item.topic}) to read model {name!r}: "
                            f"{type(error).__name__}: {error}; that model stops at position "
                            f"{item.position - 1}",
                            notification_id=item.position,
                            topic=item.topic,
                        )
                        failure.__cause__ = error
                        failures.append(failure)
                        final[name] = item.position - 1
                        del running[name]
                    else:
                        self.checkpoints.park(
                            cursor,
                            name,
                            found.generation,
                            item.position,
                            item.topic,
                            f"{type(error).__name__}: {error}",
                        )
                        parked += 1
                if took:
                    applied += 1
                    last_applied = item.position
            after = extent
        for name in running:
            final[name] = after
        for model, found in cohort:
            if final[model.name] != found.position:
                self.checkpoints.advance(cursor, found, final[model.name])
        return _Outcome(
            applied,
            parked,
            after,
            last_applied,
            tuple(failures),
            frozenset(n for n in final if n not in running),
        )

    def _apply_one(
        self,
        cursor: Any,
        model: ReadModel,
        tables: Mapping[str, str],
        item: _Item,
        envelope: Envelope | None,
    ) -> BaseException | None:
        """Apply one event to one model under a savepoint: the error, if it failed."""
        topics = self._topics[model.name]
        if item.error is not None:
            return item.error if topics is None or item.topic in topics else None
        handled = self._handled[model.name]
        assert envelope is not None
        if handled is not None and type(envelope.event) not in handled:
            return None
        try:
            with self.database.savepoint(cursor):
                model.begin(cursor, tables)
                model.fold([envelope])
                model.flush(cursor, tables)
        except Exception as exc:
            self._forget(model)
            model.begin(cursor, tables)  # reload what the savepoint's rollback left
            return exc
        return None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two moments, either of which may be unknown."""
    if a is None:
        return b
    return a if b is None or a >= b else b


class _BatchFailed(Exception):
    """An event of the batch could not be decoded: redo the batch event by event."""


def _policies(on_error: Policies, names: Sequence[str]) -> dict[str, ErrorPolicy]:
    """The error policy of each model (``"*"``: the default)."""

    def policy(value: ErrorPolicy | str) -> ErrorPolicy:
        try:
            return ErrorPolicy(value)
        except ValueError:
            raise InvalidInputError(f"on_error must be 'stop' or 'park', not {value!r}") from None

    if isinstance(on_error, Mapping):
        unknown = [n for n in on_error if n != "*" and n not in names]
        if unknown:
            raise InvalidInputError(
                f"on_error names an unknown read model {unknown[0]!r}: known are "
                + ", ".join(names)
            )
        default = policy(on_error.get("*", ErrorPolicy.STOP))
        chosen = {name: policy(on_error.get(name, default)) for name in names}
        chosen["*"] = default
        return chosen
    single = policy(on_error)
    return {**dict.fromkeys(names, single), "*": single}


def _is_database_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    module = type(exc).__module__
    return module.startswith("psycopg")
