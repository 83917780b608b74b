"""Attendance commands: enrolling members, recording attendance in bulk, voiding records.

Recording in bulk has two phases.  First every row is checked: its shape here, then the rules
by the province's :class:`~schedcore.domain.attendance.Attendance` aggregate, in memory.  A
bad row stops the call with an error naming the row, before anything is written.  Then the
rows are written one batch at a time, a batch being up to ``batch_size`` rows of ONE province:
a transaction changes one province's attendance, so uploads of different provinces never
contend, and uploads of the same province contend only batch by batch.  A batch that loses a
race, or whose session changed since it was checked (the session's version is checked in the
batch's transaction: no write skew), is decided again on fresh aggregates and retried.

Reading a ``record`` CSV file (``member,team,province,commune,activity,date``) is here too.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from schedcore._csv import read_csv
from schedcore.application.identities import Pseudonyms, known_members, pseudonymous_refs
from schedcore.application.pipeline import UnitOfWork, attempts, receipt_of
from schedcore.domain.attendance import Attendance, BatchOutcome
from schedcore.domain.cluster import Placement
from schedcore.domain.ids import attendance_id, placement_id, session_id
from schedcore.domain.programme import Programme
from schedcore.domain.receipt import Receipt, Recorded, RecordedAttendance
from schedcore.domain.session import Session, SessionFacts
from schedcore.domain.units import Unit, UnitTable
from schedcore.domain.values import IN_PERSON, Activity, AttendanceRow, MemberRef
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    StoreBusyError,
    UnknownProvinceError,
)

if TYPE_CHECKING:
    from schedcore.application.base import ProgrammeRef
    from schedcore.application.scheduler import Scheduler

__all__ = [
    "CSV_ACTIVITIES",
    "CSV_COLUMNS",
    "enrol_members",
    "read_attendance_csv",
    "record_rows",
    "void_records",
]

#: The columns of a ``record`` file, in order.
CSV_COLUMNS = ("member", "team", "province", "commune", "activity", "date")
#: Activities a ``record`` file may name.
CSV_ACTIVITIES = (Activity.HALL, Activity.BRIDGE, Activity.COURSE, Activity.CHANNEL)


def read_attendance_csv(
    source: str | Path | io.TextIOBase,
    units: UnitTable | Iterable[str],
    *,
    name: str | None = None,
) -> list[AttendanceRow]:
    """Parse a ``record`` CSV file into rows; errors name the file, row and column.

    ``units`` is the programme's units table: the ``province`` column (or ``unit``) then takes
    a code or a name in any spelling the table knows, and a near miss is answered with the
    nearest unit.  Given only codes, the column takes exactly those codes.
    """
    table = (
        units
        if isinstance(units, UnitTable)
        else UnitTable(tuple(Unit(code=code, name=code) for code in units), source="the programme")
    )
    activities = {str(a): a for a in CSV_ACTIVITIES}
    rows: list[AttendanceRow] = []
    columns = [c for c in CSV_COLUMNS if c != "province"]
    for row in read_csv(source, required=columns, optional=("province", "unit"), name=name):
        column = "unit" if row.has("unit") or not row.has("province") else "province"
        given = row.text(column)
        try:
            province = table.code_of(given)
        except UnknownProvinceError as exc:
            raise UnknownProvinceError(
                f"{row.path}, row {row.line}, column {column!r}: {exc}"
            ) from None
        activity = activities.get(row.text("activity").lower())
        if activity is None:
            raise row.error(
                f"activity must be one of {', '.join(activities)}, not {row.text('activity')!r}",
                "activity",
            )
        rows.append(
            AttendanceRow(
                member=row.text("member"),
                team=row.text("team"),
                province=province,
                commune=row.text("commune"),
                activity=activity,
                day=row.day("date"),
                line=row.line,
            )
        )
    return rows


def _by_province(
    rows: Sequence[AttendanceRow], programme: Programme
) -> dict[str, list[AttendanceRow]]:
    """Rows grouped by province (order kept within a province), each row's shape checked.

    Grouping the whole input first is what makes events few: a batch then holds one or two
    provinces, whatever order the caller's rows came in.
    """
    units = frozenset(programme.units)
    # Column-wise checks (C-speed map/set work); the slow path names the first bad row.
    if set(map(type, rows)) - {AttendanceRow}:
        _first_bad_row(rows, programme, units)
    provinces = list(map(_PROVINCE, rows))
    if not units.issuperset(provinces):
        _first_bad_row(rows, programme, units)
    for getter in (_MEMBER, _TEAM, _COMMUNE):
        values = list(map(getter, rows))
        if set(map(type, values)) - {str} or not all(values) or any(map(str.isspace, values)):
            _first_bad_row(rows, programme, units)
    if set(map(type, map(_ACTIVITY, rows))) - {Activity} or set(map(type, map(_DAY, rows))) - {
        date
    }:
        _first_bad_row(rows, programme, units)
    groups: dict[str, list[AttendanceRow]] = {}
    for province, row in zip(provinces, rows, strict=True):
        group = groups.get(province)
        if group is None:
            group = groups[province] = []
        group.append(row)
    return groups


_PROVINCE = attrgetter("province")
_MEMBER = attrgetter("member")
_TEAM = attrgetter("team")
_COMMUNE = attrgetter("commune")
_ACTIVITY = attrgetter("activity")
_DAY = attrgetter("day")


def _first_bad_row(rows: Sequence[Any], programme: Programme, units: frozenset[str]) -> None:
    for index, row in enumerate(rows, start=1):
        if not (
            type(row) is AttendanceRow
            and row.province in units
            and all(
                type(v) is str and v and not v.isspace()
                for v in (row.member, row.team, row.commune)
            )
            and type(row.activity) is Activity
            and type(row.day) is date
        ):
            _explain(row, index, programme, units)


def _explain(row: Any, index: int, programme: Programme, units: frozenset[str]) -> None:
    """The slow path: say what is wrong with a row that failed the fast check."""
    line = getattr(row, "line", None)
    where = f"row {line if line is not None else index}"
    if type(row) is not AttendanceRow:
        raise InvalidInputError(f"{where}: expected an AttendanceRow, got {type(row).__name__}")
    if row.province not in units:
        raise UnknownProvinceError(
            f"{where}: province {row.province!r} is not in the scope of {programme.name!r}"
        )
    for field in ("member", "team", "commune"):
        value = getattr(row, field)
        if type(value) is not str or not value.strip():
            raise InvalidInputError(f"{where}: {field} must be non-blank text, not {value!r}")
    if type(row.activity) is not Activity:
        raise InvalidInputError(f"{where}: activity must be an Activity, not {row.activity!r}")
    raise InvalidInputError(f"{where}: the day must be a date, not {row.day!r}")


def enrol_members(work: UnitOfWork, province: str, refs: Sequence[MemberRef]) -> Recorded:
    """Enrol members (member, team, commune) of a province; known members are skipped."""
    work.programme.check_unit(province)
    book = work.find_attendance(province)
    names, named = pseudonymous_refs(work.app, work.programme_id, book, refs)
    if book is None:
        book = work.add(Attendance.open(work.programme_id, province, actor=work.actor))
    with names.revealing():
        book.enrol(named, actor=work.actor)
        # The rules passed: keep the new pseudonyms (another writer's, kept first, win).
        if not names.keep(r.member for r in named):
            raise ConcurrencyError("another writer named a member of this enrolment first")
    return work.recorded()


def void_records(
    work: UnitOfWork, province: str, activity: Activity, members: Sequence[str], reason: str
) -> Recorded:
    book = work.find_attendance(province)
    if book is None:
        raise NotFoundError(f"attendance of province {province} not found")
    names, named = known_members(work.app, work.programme_id, book, members)
    with names.revealing():
        book.void(activity, named, reason=reason, actor=work.actor)
    return work.recorded()


def _session_facts(work: UnitOfWork, province: str) -> SessionFacts | None:
    """The province's session as committed; placement and session are only read, so their
    versions are checked when the batch is saved."""
    placement = work.read(Placement, placement_id(work.programme_id, province))
    if placement is None or placement.cluster is None:
        return None
    session = work.read(Session, session_id(work.programme_id, placement.cluster))
    return None if session is None else session.facts_for(province)


@attrs.define
class _Batch:
    """Up to ``batch_size`` rows of one province, and the events that record them."""

    province: str
    rows: list[AttendanceRow]
    events: list[Any]
    expected: dict[Any, int | None]
    outcome: BatchOutcome
    #: Decided on cached reads not yet checked against the store (see :class:`UnitOfWork`).
    unverified: bool = False
    #: The province's attendance with these events (and those of its later batches) applied.
    book: Attendance | None = None


def _decide(
    work: UnitOfWork,
    book: Attendance,
    rows: list[AttendanceRow],
    source: str | None,
    earliest: date,
) -> BatchOutcome:
    # Only in-person rows need the session: online rows skip two loads.
    needs_session = not IN_PERSON.isdisjoint(map(_ACTIVITY, rows))
    try:
        return book.record(
            rows,
            session=_session_facts(work, book.province) if needs_session else None,
            earliest=earliest,
            actor=work.actor,
        )
    except RuleViolationError as exc:
        if source is None:
            raise
        raise RuleViolationError(f"{source}, {exc}", rule=exc.rule) from None


def _window_start(work: UnitOfWork) -> date:
    """The window's first day, the earliest an online activity may be dated.  A calendar
    change moves it, so it is read through the unit of work: the batch's save checks the
    programme's version, and a window changed meanwhile makes the batch be decided again
    (read as cached when the unit of work is optimistic, like the sessions)."""
    found = work.read(Programme, work.programme_id)
    if found is None:  # pragma: no cover - the command's authorization found it
        raise NotFoundError(f"programme {work.programme_id} not found")
    return found.start


def _book(work: UnitOfWork, province: str) -> Attendance:
    book = work.find_attendance(province)
    if book is None:
        book = work.add(Attendance.open(work.programme_id, province, actor=work.actor))
    return book


def record_rows(
    app: Scheduler,
    rows: list[AttendanceRow],
    *,
    programme: ProgrammeRef | None,
    programme_id: Any,
    actor: str,
    idempotency_key: str | None = None,
    batch_size: int = 1000,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    preloaded: Mapping[Any, Any] | None = None,
) -> RecordedAttendance:
    """See :meth:`schedcore.Scheduler.record_attendance` (the actor is authorized already).

    ``preloaded``: provinces' attendance the caller read from the store for this call.

    Rows are grouped by province first (order kept within each), then cut into batches of
    ``batch_size`` rows of one province; each batch is one transaction.  ``source`` (a file
    name) prefixes the errors that name a row.
    """
    if type(batch_size) is not int or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    # Only what is fixed when the programme is created (its units) is read from it here.
    current = app._programme_of(programme, fresh=False)
    checked = _by_province(rows, current)
    # Members are named by pseudonyms in the events; errors show them as typed.
    names = Pseudonyms(app, programme_id, map(_MEMBER, rows))
    with names.revealing():
        while True:
            groups = _named(app, programme_id, checked, names)
            batches = _phase_one(
                app, programme, programme_id, actor, groups, batch_size, source, preloaded
            )
            # Rows all checked: keep the new pseudonyms (another writer may have kept one
            # for the same member first: then decide again with its).
            if names.keep(r.member for group in groups.values() for r in group):
                break
        return _phase_two(
            app,
            programme,
            programme_id,
            actor,
            idempotency_key,
            source,
            progress,
            rows,
            groups,
            batches,
        )


def _named(
    app: Scheduler,
    programme_id: Any,
    groups: dict[str, list[AttendanceRow]],
    names: Pseudonyms,
) -> dict[str, list[AttendanceRow]]:
    """Each province's rows with their members named as its attendance names them."""
    named = {}
    for province, group in groups.items():
        book = app._find(Attendance, attendance_id(programme_id, province), copy=False, fresh=False)
        named[province] = names.rows(group, book)
    return named


def _phase_one(
    app: Scheduler,
    programme: ProgrammeRef | None,
    programme_id: Any,
    actor: str,
    groups: dict[str, list[AttendanceRow]],
    batch_size: int,
    source: str | None,
    preloaded: Mapping[Any, Any] | None,
) -> list[_Batch]:
    # Phase 1: every row checked (and applied in memory) before anything is written; the
    # placements and sessions as cached (their versions are checked by each batch's save),
    # and, should a row be refused on them, again on fresh ones before the refusal stands.
    # (Not under RetryPolicy.never(): see :func:`~schedcore.application.pipeline.run`.)
    optimistic = app.retry.attempts > 1
    try:
        batches = _check(
            app, programme, programme_id, actor, groups, batch_size, source, optimistic, preloaded
        )
    except _Unverified:
        batches = _check(app, programme, programme_id, actor, groups, batch_size, source, False)
    if _needs_verifying(batches) and not _still_current(app, batches):
        # A cached read had moved on: check every row again on fresh reads before writing
        # anything, so that a row refused on them is refused with nothing written.
        batches = _check(app, programme, programme_id, actor, groups, batch_size, source, False)
    return batches


def _phase_two(
    app: Scheduler,
    programme: ProgrammeRef | None,
    programme_id: Any,
    actor: str,
    idempotency_key: str | None,
    source: str | None,
    progress: Callable[[int, int], None] | None,
    rows: list[AttendanceRow],
    groups: dict[str, list[AttendanceRow]],
    batches: list[_Batch],
) -> RecordedAttendance:
    # Phase 2: one transaction per batch, each retried on its own when it loses a race.
    # Uploads running at once each start at another province, so that they do not march
    # through the provinces in step, colliding on every one.
    provinces = list(groups)
    turn = random.randrange(len(provinces)) if provinces else 0
    order = {p: n for n, p in enumerate(provinces[turn:] + provinces[:turn])}
    batches.sort(key=lambda batch: order[batch.province])
    writer = _Writer(app, programme, programme_id, actor, idempotency_key, source, batches)
    for number in range(1, len(batches) + 1):
        found = writer.write(number)
        if found is not None:
            return found
        if progress is not None:
            progress(sum(len(b.rows) for b in batches[:number]), len(rows))
    result = writer.result()
    if idempotency_key is not None and not result.events:
        # Nothing written, so no receipt: a twin in another process may have finished first.
        twin = receipt_of(app, programme_id, idempotency_key, "record_attendance", actor)
        if twin is not None:
            return twin  # type: ignore[no-any-return]
    return result


class _Unverified(Exception):
    """Phase 1 refused a row on cached reads that may have moved on."""


def _needs_verifying(batches: list[_Batch]) -> bool:
    """Whether cached reads must be checked before phase 2.  One batch with events needs no
    check of its own: its save checks them, and a refusal on fresh reads then still leaves
    nothing written.  Several batches do (an early one could commit before a later one is
    refused), and so does a batch with nothing to save (no save would check it)."""
    unverified = [batch for batch in batches if batch.unverified]
    return bool(unverified) and (len(batches) > 1 or not unverified[0].events)


def _still_current(app: Scheduler, batches: list[_Batch]) -> bool:
    """Whether the cached reads phase 1 decided on are still the committed versions (one
    query where the store can); the batches then count as decided on verified reads."""
    expected: dict[Any, int | None] = {}
    for batch in batches:
        if batch.unverified:
            expected.update(batch.expected)
    if not expected:
        return True
    with app._translated():
        found = app._committed.latest_many(expected)
    for aggregate_id, version in expected.items():
        now = found.get(aggregate_id)
        if (None if now is None else now.version) != version:
            return False
    for batch in batches:
        batch.unverified = False
    return True


def _check(
    app: Scheduler,
    programme: ProgrammeRef | None,
    programme_id: Any,
    actor: str,
    groups: dict[str, list[AttendanceRow]],
    batch_size: int,
    source: str | None,
    optimistic: bool,
    preloaded: Mapping[Any, Any] | None = None,
) -> list[_Batch]:
    """Phase 1: every batch decided in memory, nothing written."""
    batches: list[_Batch] = []
    for province, group in groups.items():
        work = UnitOfWork(
            app, programme, programme_id, actor, optimistic=optimistic, preloaded=preloaded
        )
        book = _book(work, province)
        for start in range(0, len(group), batch_size):
            segment = group[start : start + batch_size]
            try:
                outcome = _decide(work, book, segment, source, _window_start(work))
            except (RuleViolationError, NotFoundError, InvalidInputError):
                if work.unverified:
                    raise _Unverified from None
                raise
            batch = _Batch(province, segment, list(book.collect_events()), {}, outcome)
            batch.expected = work.expected_versions(writing=[book.id])
            batch.unverified = work.unverified
            batch.book = book
            batches.append(batch)
    return batches


@attrs.define
class _Writer:
    app: Scheduler
    programme: ProgrammeRef | None
    programme_id: Any
    actor: str
    key: str | None
    source: str | None
    batches: list[_Batch]
    stale: set[str] = attrs.field(factory=set)
    written: int = 0

    def result(self) -> RecordedAttendance:
        return RecordedAttendance(
            rows=sum(len(b.rows) for b in self.batches),
            recorded=sum(b.outcome.recorded for b in self.batches),
            already_recorded=sum(b.outcome.already_recorded for b in self.batches),
            batches=len(self.batches),
            events=sum(len(b.events) for b in self.batches),
        )

    def write(self, number: int) -> RecordedAttendance | None:
        """Write batch ``number``; returns the first result if a twin with our key won."""
        batch = self.batches[number - 1]
        last = number == len(self.batches)
        tries = 0

        def attempt() -> RecordedAttendance | None:
            nonlocal tries
            tries += 1
            if tries > 1 or batch.province in self.stale:
                self._redecide(batch)
            try:
                return save()
            except ConcurrencyError as exc:
                if isinstance(exc, StoreBusyError) or not batch.unverified:
                    raise
            # Decided on cached reads, one of which had moved on: a stale cache is no lost
            # race, so decide again on fresh ones at once, without spending an attempt.
            self._redecide(batch)
            return save()

        def save() -> RecordedAttendance | None:
            events = list(batch.events)
            receipt = None
            if last and self.key is not None and self.result().events:
                receipt = Receipt.issue(
                    self.programme_id,
                    self.key,
                    command="record_attendance",
                    result=self.result(),
                    actor=self.actor,
                )
                events.extend(receipt.collect_events())
            if not events:
                return None
            try:
                self.app._save(*events, expected_versions=batch.expected)
                self._cache(batch, receipt)
            except ConcurrencyError:
                twin = receipt_of(
                    self.app, self.programme_id, self.key, "record_attendance", self.actor
                )
                if twin is not None:
                    return twin  # type: ignore[no-any-return]
                self.stale.add(batch.province)
                raise
            return None

        book_id = attendance_id(self.programme_id, batch.province)

        def exclusive_attempt() -> RecordedAttendance | None:
            # Held for one attempt, not across the pause between attempts.
            with self.app._exclusive([book_id]):
                return attempt()

        try:
            found = attempts(self.app, "record_attendance", exclusive_attempt)
        except ConcurrencyError as exc:
            why = (
                "found the store locked by another writer for longer than its lock timeout"
                if isinstance(exc, StoreBusyError)
                else "kept conflicting with other writers of the same province"
            )
            raise type(exc)(
                f"batch {number} of {len(self.batches)} {why} ({exc}); the {self.written} rows "
                "of the batches before it are recorded, nothing after; run again: recorded "
                "rows are skipped, nothing doubles"
            ) from None
        except RuleViolationError as exc:
            raise RuleViolationError(
                f"batch {number} of {len(self.batches)}, decided again after a concurrent "
                f"change: {exc}; the {self.written} rows of the batches before it are "
                "recorded, nothing after",
                rule=exc.rule,
            ) from None
        self.written += len(batch.rows)
        return found

    def _cache(self, batch: _Batch, receipt: Receipt | None) -> None:
        """Cache what a saved batch committed, so that the next command of this process
        finds it without reading back (and decoding) the events it has just written: the
        province's attendance once its last batch is in, and the receipt."""
        book = batch.book
        if (
            book is not None
            and batch.events
            and not book.pending_events
            and book.version == batch.events[-1].originator_version
        ):
            self.app._committed.put(book)
        if receipt is not None:
            self.app._committed.put(receipt)

    def _redecide(self, batch: _Batch) -> None:
        """Decide the batch again on the aggregates as they now stand."""
        work = UnitOfWork(self.app, self.programme, self.programme_id, self.actor)
        book = _book(work, batch.province)
        batch.outcome = _decide(work, book, batch.rows, self.source, _window_start(work))
        batch.events = list(book.collect_events())
        batch.expected = work.expected_versions(writing=[book.id])
        batch.unverified = False
        batch.book = book
        batch.book = book
