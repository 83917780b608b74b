"""The projection runner: follows the event log and keeps read models exact.

``eventsourcing``'s own runner needs recorder subscriptions (its SQLite recorder has none),
commits one transaction per event, stops at the first error and cannot rebuild.  This one:

* **polls** ``recorder.select_notifications`` from the tracked position, a page at a time, and
  decodes each event with the application's mapper;
* applies a page to **every read model in one transaction** of the view database, together
  with the new tracked position, written only if the row still holds the position the page
  started from (compare-and-set).  A crash mid-batch rolls the whole batch back; a second runner
  racing this one loses the compare-and-set and reads again.  An event is applied exactly once;
* **rebuilds** from zero into fresh tables, batch by batch (writers keep writing; on SQLite they
  wait at most one batch for the file's lock), catches the fresh tables up, then swaps them in
  with the new position and generation in one short transaction;
* reports its **lag** (position, head, lag) and can **wait until** a position is applied, so a
  caller can read its own writes;
* on an event it cannot apply, either **stops** (everything before it is applied, and
  :class:`~schedcore.errors.ProjectionError` names the event's position and topic) or **parks**
  it in a dead-letter table and goes on.

Positions can be trusted to be gap-free in commit order: PostgreSQL inserts take a table lock,
and SQLite serialises writers with the database lock, so no event ever becomes visible behind
one already applied.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs

from schedcore.calendar import ensure_aware
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError, ProjectionError, StoreError
from schedcore.projections._database import ViewDatabase, connect_views, views_for_app
from schedcore.projections.audit import AuditModel
from schedcore.projections.bridge import BridgeModel
from schedcore.projections.calendar_view import CalendarModel
from schedcore.projections.catalogue import ProgrammeCatalogue
from schedcore.projections.coverage import CoverageModel
from schedcore.projections.model import Envelope, ReadModel
from schedcore.projections.queries import Views, programme_context
from schedcore.projections.roster import RosterModel
from schedcore.projections.tracking import (
    DeadLetter,
    Position,
    PositionConflict,
    Tracking,
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
_SHADOW_SUFFIX = "__rebuild"
_RETIRED_SUFFIX = "__retired"


class ErrorPolicy(enum.StrEnum):
    """What a :class:`ProjectionRunner` does when a read model cannot apply an event."""

    STOP = "stop"
    """Apply everything before the failing event, then raise :class:`ProjectionError`."""
    PARK = "park"
    """Record the failing event in the dead-letter table, skip it and go on."""


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


class _Target:
    """A set of tables the runner writes: the live ones, or a rebuild's fresh ones."""

    def __init__(self, models: Sequence[ReadModel], suffix: str = "") -> None:
        self.suffix = suffix
        self.tables = {
            table.name: f"view_{table.name}{suffix}" for model in models for table in model.tables
        }


class ProjectionRunner:
    """Keeps ``models`` (by default every schedcore read model) current with ``app``'s log.

    ``views`` is where the views live: a :class:`ViewDatabase`, a URL (``sqlite:///...``,
    ``postgresql://...``, ``memory://``), or ``None`` for beside the events (the same SQLite
    file or PostgreSQL schema; a private in-memory database for an in-memory store).
    ``name`` keys the tracked position, so runners of different model sets can share a
    database.  ``batch_size`` and ``rebuild_batch_size`` are events per transaction;
    ``page_size`` is events per read.  ``recorded_by`` (time travel) applies only events
    recorded at or before that moment; the others are passed over.
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
        on_error: ErrorPolicy | str = ErrorPolicy.STOP,
        poll_interval: float = 0.2,
        recorded_by: datetime | None = None,
    ) -> None:
        for label, value in (
            ("batch_size", batch_size),
            ("rebuild_batch_size", rebuild_batch_size),
            ("page_size", page_size),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"{label} must be a whole number >= 1, got {value!r}")
        try:
            self.on_error = ErrorPolicy(on_error)
        except ValueError:
            raise InvalidInputError(
                f"on_error must be 'stop' or 'park', not {on_error!r}"
            ) from None
        chosen = list(models) if models is not None else default_models()
        if not any(isinstance(m, ProgrammeCatalogue) for m in chosen):
            chosen.insert(0, ProgrammeCatalogue())
        names = [m.name for m in chosen]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"read model names must be unique: {names}")
        self.app = app
        self.models: tuple[ReadModel, ...] = tuple(chosen)
        self._catalogue = next(m for m in chosen if isinstance(m, ProgrammeCatalogue))
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.recorded_by = (
            ensure_aware(recorded_by, "recorded_by") if recorded_by is not None else None
        )
        self._owns_database = not isinstance(views, ViewDatabase)
        if isinstance(views, ViewDatabase):
            self.database = views
        elif views is None:
            self.database = views_for_app(app)
        else:
            self.database = connect_views(views)
        self.name = name
        self.tracking = Tracking(name)
        self._live = _Target(self.models)
        self._lock = threading.RLock()
        self._generation: int | None = None
        # The position the models' in-memory state reflects; another runner sharing these
        # views may have moved the tracked position past it, and then that state is stale.
        self._models_at: int | None = None
        self._create_tables(self._live)

    # -- set-up ----------------------------------------------------------------------------

    def _create_tables(self, target: _Target, *, fresh: bool = False) -> None:
        database = self.database
        with self._transaction() as cursor:
            if database.dialect == "postgresql":
                # processes starting together would race to create the same tables
                cursor.query("SELECT pg_advisory_xact_lock(hashtext('schedcore projections'))")
            Tracking.create_tables(cursor, database)
            for model in self.models:
                for table in model.tables:
                    actual = target.tables[table.name]
                    if fresh:
                        cursor.execute(f"DROP TABLE IF EXISTS {actual}")
                    cursor.execute(table.create_statement(actual, database))

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
        """The position and generation of the views now."""
        return self.tracking.read(self.database)

    def head(self) -> int:
        """The position of the last event in the log."""
        return int(self.app.recorder.max_notification_id() or 0)

    def lag(self) -> Lag:
        """The views' position against the head of the log now."""
        return Lag(self.position().position, self.head())

    def views(
        self,
        programme: str | UUID | None = None,
        *,
        today: date | None = None,
        provinces: UnitTable | ProvinceTable | None = None,
    ) -> Views:
        """Ask the live views about ``programme`` (default: the application's); units are
        named from the programme's own table, days counted in its time zone."""
        ref = programme if programme is not None else self.app.default_programme
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
        """Events parked by the ``park`` policy in the views' current generation."""
        return self.tracking.dead_letters(self.database, self.position().generation)

    # -- catching up -----------------------------------------------------------------------

    def catch_up(self, until: int | None = None) -> CatchUp:
        """Apply every event up to ``until`` (default: the head of the log when called)."""
        with self._lock:
            started = time.perf_counter()
            head = self.head() if until is None else min(until, self.head())
            total = _Outcome(0, 0, 0, 0)
            batches = 0
            while True:
                current = self.position()
                if current.generation != self._generation or current.position != self._models_at:
                    self._reset_models()
                    self._generation = current.generation
                    self._models_at = current.position
                if current.position >= head:
                    break
                try:
                    outcome = self._batch(self._live, current, head, self.batch_size, tracked=True)
                except PositionConflict:
                    self._reset_models()
                    continue
                self._models_at = outcome.position
                if outcome.position == current.position:
                    break
                total = total.plus(outcome)
                batches += 1
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
        """Poll the log until ``stop`` is set (run it in a thread or a process of its own)."""
        while not stop.is_set():
            done = self.catch_up()
            if done.events == 0 and done.parked == 0:
                stop.wait(self.poll_interval)

    # -- rebuilding ------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> CatchUp:
        """Rebuild every read model from the first event into fresh tables, then swap them in.

        Readers keep reading the old tables and writers keep writing while it runs; the swap
        (with the last events written meanwhile) is one short transaction.
        ``progress(position, head)`` is called after each batch.
        """
        with self._lock:
            started = time.perf_counter()
            shadow = _Target(self.models, _SHADOW_SUFFIX)
            self._create_tables(shadow, fresh=True)
            self._reset_models()
            generation = self.position().generation + 1
            with self._transaction() as cursor:
                cursor.execute(
                    "DELETE FROM projection_dead_letters WHERE name = ? AND generation = ?",
                    (self.name, generation),
                )
            total = _Outcome(0, 0, 0, 0)
            batches = 0
            head = self.head()
            try:
                while True:
                    if total.position >= head:
                        head = self.head()
                        if total.position >= head:
                            break
                    outcome = self._batch(
                        shadow,
                        Position(total.position, generation),
                        head,
                        self.rebuild_batch_size,
                        tracked=False,
                    )
                    if outcome.position == total.position:
                        break
                    total = total.plus(outcome)
                    batches += 1
                    if progress is not None:
                        progress(total.position, max(head, total.position))
                total = total.plus(self._swap(shadow, total.position, generation))
            except BaseException:
                self._reset_models()
                with suppress(Exception):
                    self._drop(shadow)
                raise
            self._reset_models()
            self._generation = None
            if progress is not None:
                progress(total.position, total.position)
            return CatchUp(
                total.applied,
                batches,
                total.position,
                total.parked,
                time.perf_counter() - started,
                total.last_applied,
            )

    def _swap(self, shadow: _Target, position: int, generation: int) -> _Outcome:
        """Catch the fresh tables up to the head and swap them in, in one transaction."""
        database = self.database
        retired = _Target(self.models, _RETIRED_SUFFIX)
        total = _Outcome(0, 0, position, 0)
        with self._transaction() as cursor:
            live = self.tracking.read(cursor, lock=True)
            head = self.head()
            while total.position < head:
                outcome = self._batch(
                    shadow,
                    Position(total.position, generation),
                    head,
                    self.rebuild_batch_size,
                    tracked=False,
                    cursor=cursor,
                )
                if outcome.position == total.position:
                    break
                total = total.plus(outcome)
            # the old tables are renamed now and dropped after the commit: freeing their pages
            # takes a while, and readers and writers need not wait for it
            for model in self.models:
                for table in model.tables:
                    actual = self._live.tables[table.name]
                    fresh = shadow.tables[table.name]
                    old = retired.tables[table.name]
                    cursor.execute(f"DROP TABLE IF EXISTS {old}")
                    cursor.execute(f"ALTER TABLE {actual} RENAME TO {old}")
                    cursor.execute(f"ALTER TABLE {fresh} RENAME TO {actual}")
                    if database.dialect == "postgresql":
                        cursor.execute(f"ALTER INDEX {actual}_key RENAME TO {old}_key")
                        cursor.execute(f"ALTER INDEX {fresh}_key RENAME TO {actual}_key")
            self.tracking.swap(cursor, live, total.position)
            if live.generation + 1 != generation:
                # another rebuild swapped first: renumber the parked events of this one
                cursor.execute(
                    "UPDATE projection_dead_letters SET generation = ? "
                    "WHERE name = ? AND generation = ?",
                    (live.generation + 1, self.name, generation),
                )
        self._drop(retired)
        return total

    def _drop(self, target: _Target) -> None:
        with self._transaction() as cursor:
            for actual in target.tables.values():
                cursor.execute(f"DROP TABLE IF EXISTS {actual}")

    # -- one batch -------------------------------------------------------------------------

    def _reset_models(self) -> None:
        for model in self.models:
            model.reset()
        self._models_at = None

    def _begin_models(self, reader: Any, target: _Target) -> None:
        for model in self.models:
            model.begin(reader, target.tables)

    def _read(self, after: int, head: int, limit: int) -> list[_Item]:
        notifications = self.app.recorder.select_notifications(after + 1, limit, stop=head)
        to_domain_event = self.app.mapper.to_domain_event
        items = []
        for notification in notifications:
            item = _Item(notification.id, notification.topic)
            try:
                item.event = to_domain_event(notification)
            except Exception as exc:  # an undecodable event is that event's fault: policy
                item.error = exc
            items.append(item)
        return items

    def _wanted(self, item: _Item) -> bool:
        moment = self.recorded_by
        return moment is None or item.event.timestamp <= moment

    def _batch(
        self,
        target: _Target,
        old: Position,
        head: int,
        limit: int,
        *,
        tracked: bool,
        cursor: Any = None,
    ) -> _Outcome:
        """Fold up to ``limit`` events after ``old`` into the models, then flush them and the
        new position in one transaction (or in ``cursor``'s, under a savepoint).

        If anything fails, the batch is rolled back and done again event by event, to apply
        what can be and treat the failing event by the error policy.
        """
        catalogue = self._catalogue
        applied = last_applied = 0
        position = extent = old.position
        try:
            self._begin_models(cursor if cursor is not None else self.database, target)
            resolve, wanted, models = catalogue.resolve, self._wanted, self.models
            while position - old.position < limit and position < head:
                page = self._read(position, head, min(self.page_size, limit))
                if not page:
                    break
                extent = page[-1].position
                if any(item.error is not None for item in page):
                    raise _BatchFailed
                envelopes = [
                    Envelope(item.position, item.topic, item.event, resolve(item.event))
                    for item in page
                    if wanted(item)
                ]
                for model in models:
                    model.fold(envelopes)
                applied += len(envelopes)
                if envelopes:
                    last_applied = envelopes[-1].position
                position = extent
            if position == old.position:
                return _Outcome(0, 0, position, 0)
            if cursor is None:
                with self._transaction() as own:
                    self._flush(own, target, old, position, tracked)
            else:
                with self.database.savepoint(cursor):
                    self._flush(cursor, target, old, position, tracked)
        except PositionConflict:
            raise
        except Exception:
            self._reset_models()
            return self._carefully(target, old, extent, tracked=tracked, cursor=cursor)
        return _Outcome(applied, 0, position, last_applied)

    def _flush(
        self, cursor: Any, target: _Target, old: Position, position: int, tracked: bool
    ) -> None:
        if tracked:
            # first, so a runner that lost the race fails before writing anything
            self.tracking.advance(cursor, old, position)
        for model in self.models:
            model.flush(cursor, target.tables)

    def _carefully(
        self, target: _Target, old: Position, end: int, *, tracked: bool, cursor: Any
    ) -> _Outcome:
        if cursor is not None:
            outcome, failure = self._carefully_in(cursor, target, old, end, tracked=tracked)
        else:
            with self._transaction() as own:
                outcome, failure = self._carefully_in(own, target, old, end, tracked=tracked)
        if failure is not None:
            self._reset_models()
            raise failure
        return outcome

    def _carefully_in(
        self, cursor: Any, target: _Target, old: Position, end: int, *, tracked: bool
    ) -> tuple[_Outcome, ProjectionError | None]:
        """Apply events ``old.position + 1 .. end`` one at a time, each under a savepoint."""
        if tracked:
            self.tracking.advance(cursor, old, old.position)  # still ours? hold it
        catalogue = self._catalogue
        applied = parked = last_applied = 0
        position = after = old.position
        failure: ProjectionError | None = None
        while failure is None and after < end:
            page = self._read(after, end, self.page_size)
            if not page:
                break
            for item in page:
                error = item.error
                if error is None and self._wanted(item):
                    try:
                        with self.database.savepoint(cursor):
                            self._begin_models(cursor, target)
                            envelope = Envelope(
                                item.position,
                                item.topic,
                                item.event,
                                catalogue.resolve(item.event),
                            )
                            for model in self.models:
                                model.fold([envelope])
                            for model in self.models:
                                model.flush(cursor, target.tables)
                        applied += 1
                        last_applied = item.position
                    except Exception as exc:
                        error = exc
                        self._reset_models()
                if error is not None:
                    if self.on_error is ErrorPolicy.STOP:
                        failure = ProjectionError(
                            f"projection {self.name!r} cannot apply event {item.position} "
                            f"({item.topic}): {type(error).__name__}: {error}; the views stop "
                            f"at position {position}",
                            notification_id=item.position,
                            topic=item.topic,
                        )
                        failure.__cause__ = error
                        break
                    self.tracking.park(
                        cursor,
                        old.generation,
                        item.position,
                        item.topic,
                        f"{type(error).__name__}: {error}",
                    )
                    parked += 1
                position = item.position
            after = page[-1].position
        if tracked and position != old.position:
            self.tracking.advance(cursor, old, position)
        return _Outcome(applied, parked, position, last_applied), failure


@attrs.frozen
class _Outcome:
    applied: int
    parked: int
    position: int
    last_applied: int

    def plus(self, later: _Outcome) -> _Outcome:
        return _Outcome(
            self.applied + later.applied,
            self.parked + later.parked,
            later.position,
            max(self.last_applied, later.last_applied),
        )


class _BatchFailed(Exception):
    """An event of the batch could not be decoded: redo the batch event by event."""


def _is_database_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    module = type(exc).__module__
    return module.startswith("psycopg")
