"""Recording attendance in bulk: many rows, few events, one transaction per batch.

Two phases.  First every row is checked: its shape here, then the rules by the province's
:class:`~schedcore.domain.attendance.Attendance` aggregate, batch by batch, in memory.  A bad
row stops the call with an error naming the row, before anything is written.  Then each batch's
events (one per province, activity and day) are saved in one transaction per batch, so other
writers can interleave between batches and a transaction stays short.

Reading a ``record`` CSV file (``member,team,province,commune,activity,date``) is here too.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from schedcore._csv import read_csv
from schedcore.domain.attendance import Attendance
from schedcore.domain.cluster import Placement
from schedcore.domain.ids import attendance_id, placement_id, session_id
from schedcore.domain.programme import Programme
from schedcore.domain.receipt import Receipt, RecordedAttendance
from schedcore.domain.rules import check_actor
from schedcore.domain.session import Session, SessionFacts
from schedcore.domain.values import IN_PERSON, Activity, AttendanceRow
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    RuleViolationError,
    StoreBusyError,
    UnknownProvinceError,
)

if TYPE_CHECKING:
    from schedcore.application import ProgrammeRef, Scheduler

__all__ = ["CSV_ACTIVITIES", "CSV_COLUMNS", "read_attendance_csv", "record_rows"]

#: The columns of a ``record`` file, in order.
CSV_COLUMNS = ("member", "team", "province", "commune", "activity", "date")
#: Activities a ``record`` file may name.
CSV_ACTIVITIES = (Activity.HALL, Activity.BRIDGE, Activity.COURSE, Activity.CHANNEL)


def read_attendance_csv(
    source: str | Path | io.TextIOBase,
    units: Iterable[str],
    *,
    name: str | None = None,
) -> list[AttendanceRow]:
    """Parse a ``record`` CSV file into rows; errors name the file, row and column.

    ``units`` are the province codes in the programme's scope; a one-digit code is read with
    its leading zero (``1`` is ``01``).
    """
    known = frozenset(units)
    activities = {str(a): a for a in CSV_ACTIVITIES}
    rows: list[AttendanceRow] = []
    for row in read_csv(source, required=CSV_COLUMNS, name=name):
        province = row.text("province")
        if province not in known and province.isdigit() and province.zfill(2) in known:
            province = province.zfill(2)
        if province not in known:
            raise UnknownProvinceError(
                f"{row.path}, row {row.line}, column 'province': unknown province code "
                f"{province!r} (codes are GSO codes such as '01' for Hà Nội)"
            )
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


def _batches(
    groups: dict[str, list[AttendanceRow]], batch_size: int
) -> list[list[tuple[str, list[AttendanceRow]]]]:
    """Cut the grouped rows into batches of ``batch_size`` rows: (province, rows) segments."""
    batches: list[list[tuple[str, list[AttendanceRow]]]] = []
    current: list[tuple[str, list[AttendanceRow]]] = []
    room = batch_size
    for province, group in groups.items():
        position = 0
        while position < len(group):
            take = min(room, len(group) - position)
            current.append((province, group[position : position + take]))
            position += take
            room -= take
            if room == 0:
                batches.append(current)
                current, room = [], batch_size
    if current:
        batches.append(current)
    return batches


class _Context:
    """The read side a batch needs, loaded once per call: each province's session."""

    def __init__(self, app: Scheduler, programme: Programme) -> None:
        self.app = app
        self.pid: UUID = programme.id
        self._sessions: dict[int, Session | None] = {}
        self._facts: dict[str, SessionFacts | None] = {}

    def session_of(self, province: str) -> SessionFacts | None:
        if province not in self._facts:
            placement = self.app._find(Placement, placement_id(self.pid, province), copy=False)
            cluster = placement.cluster if placement is not None else None
            session = None
            if cluster is not None:
                if cluster not in self._sessions:
                    self._sessions[cluster] = self.app._find(
                        Session, session_id(self.pid, cluster), copy=False
                    )
                session = self._sessions[cluster]
            self._facts[province] = session.facts_for(province) if session is not None else None
        return self._facts[province]


def record_rows(
    app: Scheduler,
    rows: Iterable[AttendanceRow],
    *,
    actor: str,
    programme: ProgrammeRef | None = None,
    idempotency_key: str | None = None,
    batch_size: int = 1000,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RecordedAttendance:
    """See :meth:`schedcore.application.Scheduler.record_attendance`.

    Rows are grouped by province first (order kept within each), then cut into batches of
    ``batch_size`` rows; each batch is one transaction.  ``source`` (a file name) prefixes
    the errors that name a row.
    """
    check_actor(actor)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    pid = app.programme_id(programme)
    done = app._receipt(pid, idempotency_key, "record_attendance", actor)
    if done is not None:
        first: RecordedAttendance = done.result
        return first
    current = app._programme(pid, copy=False)
    rows = rows if isinstance(rows, list) else list(rows)
    segments = _batches(_by_province(rows, current), batch_size)
    context = _Context(app, current)
    books: dict[str, Attendance] = {}
    batches: list[list[Any]] = []
    sizes: list[int] = []
    recorded = already = 0
    try:
        # Phase 1: every batch checked (and applied in memory) before anything is written.
        for segment in segments:
            events: list[Any] = []
            for province, group in segment:
                book = books.get(province)
                if book is None:
                    book = app._find(Attendance, attendance_id(pid, province), copy=False)
                    if book is None:
                        book = Attendance.open(pid, province, actor=actor)
                    books[province] = book
                try:
                    outcome = book.record(
                        group,
                        # Only in-person rows need the session: online rows skip two loads.
                        session=(
                            None
                            if IN_PERSON.isdisjoint(map(_ACTIVITY, group))
                            else context.session_of(province)
                        ),
                        earliest=current.start,
                        actor=actor,
                    )
                except RuleViolationError as exc:
                    if source is None:
                        raise
                    raise RuleViolationError(f"{source}, {exc}", rule=exc.rule) from None
                recorded += outcome.recorded
                already += outcome.already_recorded
                events.extend(book.collect_events())
            batches.append(events)
            sizes.append(sum(len(group) for _, group in segment))
        result = RecordedAttendance(
            rows=len(rows),
            recorded=recorded,
            already_recorded=already,
            batches=len(batches),
            events=sum(len(events) for events in batches),
        )
        if idempotency_key is not None and result.events:
            receipt = Receipt.issue(
                pid, idempotency_key, command="record_attendance", result=result, actor=actor
            )
            batches[-1].extend(receipt.collect_events())
        # Phase 2: one transaction per batch.
        written = 0
        for number, events in enumerate(batches, start=1):
            if not events:
                continue
            try:
                app._save(*events)
            except ConcurrencyError as exc:
                done = app._receipt(pid, idempotency_key, "record_attendance", actor)
                if done is not None:
                    return done.result  # type: ignore[no-any-return]
                why = (
                    "found the store locked by another writer for longer than its lock timeout"
                    if isinstance(exc, StoreBusyError)
                    else "conflicted with another writer of the same province"
                )
                raise type(exc)(
                    f"batch {number} of {len(batches)} {why}; the {written} rows of the "
                    "batches before it are recorded, nothing after; run again: recorded rows "
                    "are skipped, nothing doubles"
                ) from None
            written += sizes[number - 1]
            if progress is not None:
                progress(sum(sizes[:number]), len(rows))
    except BaseException:
        # The cached aggregates were changed in memory: forget them, the store is the truth.
        app._evict(attendance_id(pid, province) for province in books)
        raise
    return result
