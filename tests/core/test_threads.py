"""Many threads sharing one ``Scheduler``: nothing lost, nothing doubled, nothing raw escapes.

Threads start together (a barrier) and each does a fixed list of mixed work on one planned
programme: small bulk ``record_attendance`` calls (many threads on the same province, others
spread over provinces), ``enrol_members``, session commands (``change_capacity``,
``connect_bridge_points``, ``reschedule_session`` of clusters without in-person attendance),
``void_records`` of rows it recorded, with and without idempotency keys; pairs of threads also
send one command with one key at the same moment.  Afterwards:

* every call returned or raised a ``SchedcoreError`` (a raw library error fails the test);
* the store's facts are exactly those of the calls: every acknowledged row is there once,
  nothing that was not sent is, a voided row is gone; each call's events are in the log once
  (a key sent twice records once), each keyed call left one receipt;
* every aggregate read by a fresh ``Scheduler`` equals what the shared one returns;
* no conflict reached a caller: the library retries a command that lost a race.

Sizes: ``threads`` and ``thread_ops`` of tests/reliability/conftest.py (``SCHEDCORE_STRESS=1``
for the large ones).
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow, BridgePoint, MemberRef
from schedcore.errors import ConcurrencyError, SchedcoreError
from schedcore.reference import vietnam_2022
from tests.core.conftest import ATTENDANCE_EVENTS, province_sessions, spec_2022, standard_plan
from tests.projections.conftest import postgres_schema
from tests.projections.reference import events_of
from tests.reliability.conftest import current_sizes

SIZES = current_sizes()
#: The province most threads record in at once.
HOT = "01"
#: Sessions the threads change; no attendance is recorded in person in their provinces.
RESCHEDULED, CONNECTED = 9, 10
#: Working days no session of the standard plan uses: reschedules alternate between them.
SPARE_DAYS = (date(2022, 9, 27), date(2022, 9, 28))
ONLINE_DAY = date(2022, 9, 20)
KINDS = ("hot", "spread", "enrol", "session", "void", "shared")
#: Every event the threads' calls may write; anything else in the log is a fault.
EXPECTED_EVENTS = {
    "Attendance.OnlineCourseCompleted",
    "Attendance.ChannelFollowed",
    "Attendance.AttendedAtBridgePoints",
    "Attendance.MembersEnrolled",
    "Attendance.RecordsVoided",
    "Session.CapacityChanged",
    "Session.BridgePointsConnected",
    "Session.Rescheduled",
    "Receipt.Issued",
    # Reschedules and bridge points keep the trainer teams' diaries and the days' bridge
    # reservations in step.
    "TrainerTeamDiary.Reserved",
    "TrainerTeamDiary.Released",
    "BridgeDay.Opened",
    "BridgeDay.Reserved",
    "BridgeDay.Released",
}


CLUSTER_OF = province_sessions()
PROVINCES = vietnam_2022().codes


@attrs.define
class Call:
    """One call a thread made, and what came of it."""

    thread: int
    kind: str
    command: str
    key: str | None
    province: str | None = None
    rows: list[AttendanceRow] = attrs.Factory(list)
    enrolled: list[MemberRef] = attrs.Factory(list)
    voided: list[tuple[str, str]] = attrs.Factory(list)  # (province, member) of course rows
    capacity: tuple[int, int] | None = None  # (cluster, bridge capacity)
    point: BridgePoint | None = None
    day: date | None = None
    result: Any = None
    error: SchedcoreError | None = None
    raw: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.raw is None


def _rows(prefix: str, provinces: list[str], count: int) -> list[AttendanceRow]:
    """``count`` rows of members of their own (named after ``prefix``), province by province;
    bridge rows only where the session is neither rescheduled nor connected by the threads."""
    rows = []
    for j in range(count):
        province = provinces[j % len(provinces)]
        cluster, day = CLUSTER_OF[province]
        activity = (Activity.COURSE, Activity.CHANNEL, Activity.BRIDGE)[j % 3]
        if activity is Activity.BRIDGE and cluster in (RESCHEDULED, CONNECTED):
            activity = Activity.COURSE
        rows.append(
            AttendanceRow(
                f"{prefix}-m{j}",
                f"{prefix}-team",
                province,
                f"{prefix}-commune",
                activity,
                day if activity is Activity.BRIDGE else ONLINE_DAY,
            )
        )
    return rows


class Worker:
    """What thread ``index`` does: ``SIZES.thread_ops`` operations, kinds in turn."""

    def __init__(self, app: Scheduler, index: int, pair: threading.Barrier) -> None:
        self.app = app
        self.index = index
        self.pair = pair
        self.actor = f"thread-{index}"
        self.calls: list[Call] = []

    def attempt(self, call: Call, send: Callable[[], object]) -> Call:
        self.calls.append(call)
        try:
            call.result = send()
        except SchedcoreError as exc:
            call.error = exc
        except BaseException:  # anything raw: collected and shown by the test
            call.raw = traceback.format_exc()
        return call

    def run(self, start: threading.Barrier) -> None:
        start.wait(timeout=60)
        for op in range(SIZES.thread_ops):
            # Both threads of a pair do the same kind at the same step (so shared keys meet).
            kind = KINDS[(self.index // 2 + op) % len(KINDS)]
            key = f"t{self.index}-o{op}" if (self.index + op) % 2 == 0 else None
            getattr(self, kind)(op, f"t{self.index}-o{op}", key)

    def record(self, key: str | None, rows: list[AttendanceRow], kind: str) -> Call:
        call = Call(self.index, kind, "record_attendance", key, rows=rows)
        return self.attempt(
            call,
            lambda: self.app.record_attendance(
                rows, actor=self.actor, idempotency_key=key, batch_size=3
            ),
        )

    def hot(self, op: int, prefix: str, key: str | None) -> None:
        self.record(key, _rows(prefix, [HOT], 9), "hot")

    def spread(self, op: int, prefix: str, key: str | None) -> None:
        count = len(PROVINCES)
        provinces = [PROVINCES[(self.index * 7 + op * 3 + j * 11) % count] for j in range(4)]
        self.record(key, _rows(prefix, provinces, 12), "spread")

    def enrol(self, op: int, prefix: str, key: str | None) -> None:
        province = HOT if op % 2 else PROVINCES[(self.index + op) % len(PROVINCES)]
        members = [MemberRef(f"{prefix}-m{j}", f"{prefix}-team", f"{prefix}-c") for j in range(3)]
        call = Call(self.index, "enrol", "enrol_members", key, province, enrolled=members)
        self.attempt(
            call,
            lambda: self.app.enrol_members(
                province, members, actor=self.actor, idempotency_key=key
            ),
        )

    def session(self, op: int, prefix: str, key: str | None) -> None:
        which = (self.index + op) % 3
        if which == 0:
            cluster = (RESCHEDULED, CONNECTED)[op % 2]
            capacity = 1_000 + 1_000 * self.index + op + 1
            call = Call(self.index, "session", "change_capacity", key)
            call.capacity = (cluster, capacity)
            self.attempt(
                call,
                lambda: self.app.change_capacity(
                    cluster, bridge_capacity=capacity, actor=self.actor, idempotency_key=key
                ),
            )
        elif which == 1:
            point = BridgePoint(PROVINCES[-1 - op % 9], f"{prefix}-point")
            call = Call(self.index, "session", "connect_bridge_points", key, point=point)
            self.attempt(
                call,
                lambda: self.app.connect_bridge_points(
                    CONNECTED, [point], actor=self.actor, idempotency_key=key
                ),
            )
        else:
            day = SPARE_DAYS[(self.index + op) % 2]
            call = Call(self.index, "session", "reschedule_session", key, day=day)
            self.attempt(
                call,
                lambda: self.app.reschedule_session(
                    RESCHEDULED, day, actor=self.actor, idempotency_key=key
                ),
            )

    def void(self, op: int, prefix: str, key: str | None) -> None:
        rows = [
            AttendanceRow(
                f"{prefix}-m{j}", f"{prefix}-team", HOT, f"{prefix}-c", Activity.COURSE, ONLINE_DAY
            )
            for j in range(3)
        ]
        recorded = self.record(key and f"{key}-record", rows, "void")
        if not recorded.ok:
            return
        members = [row.member for row in rows[:2]]
        call = Call(self.index, "void", "void_records", key and f"{key}-void")
        call.voided = [(HOT, member) for member in members]
        self.attempt(
            call,
            lambda: self.app.void_records(
                HOT,
                Activity.COURSE,
                members,
                reason="recorded twice under two names",
                actor=self.actor,
                idempotency_key=call.key,
            ),
        )

    def shared(self, op: int, prefix: str, key: str | None) -> None:
        """The same command with the same key (and actor), from both threads of a pair."""
        pair = self.index // 2
        prefix, key, actor = f"p{pair}-o{op}", f"pair-{pair}-o{op}", f"pair-{pair}"
        with suppress(threading.BrokenBarrierError):  # the other one is gone: its fault shows
            self.pair.wait(timeout=60)
        if (op // len(KINDS)) % 2 == 0:
            rows = _rows(prefix, [HOT, PROVINCES[(pair * 5 + op) % len(PROVINCES)]], 9)
            call = Call(self.index, "shared", "record_attendance", key, rows=rows)
            self.attempt(
                call,
                lambda: self.app.record_attendance(
                    rows, actor=actor, idempotency_key=key, batch_size=3
                ),
            )
        else:
            call = Call(self.index, "shared", "change_capacity", key)
            call.capacity = (RESCHEDULED, 500_000 + 1_000 * pair + op)
            self.attempt(
                call,
                lambda: self.app.change_capacity(
                    RESCHEDULED, bridge_capacity=call.capacity[1], actor=actor, idempotency_key=key
                ),
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store of its own (a SQLite file, or a PostgreSQL schema)."""
    with ExitStack() as stack:
        if request.param == "postgres":
            yield stack.enter_context(postgres_schema(request.getfixturevalue("postgres")))
        else:
            yield f"sqlite:///{tmp_path / 'events.sqlite'}"


def _planned(url: str) -> tuple[Scheduler, int]:
    """The shared scheduler on a planned programme whose provinces all have an attendance
    book (so the threads open none), with room on the bridges the threads connect; and the
    log position after that setup."""
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner")
    for cluster in (RESCHEDULED, CONNECTED):
        app.change_capacity(cluster, bridge_capacity=1_000, actor="planner")
    for province in PROVINCES:
        app.enrol_members(province, [(f"setup-{province}", "setup", "setup")], actor="setup")
    return app, app.max_notification_id()


def _run_threads(app: Scheduler) -> list[Call]:
    start = threading.Barrier(SIZES.threads)
    pairs = [threading.Barrier(min(2, SIZES.threads - p)) for p in range(0, SIZES.threads, 2)]
    workers = [Worker(app, i, pairs[i // 2]) for i in range(SIZES.threads)]
    threads = [
        threading.Thread(target=w.run, args=(start,), name=f"worker-{w.index}", daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    hung = [thread.name for thread in threads if thread.is_alive()]
    assert not hung, f"threads still running after 10 minutes: {hung}"
    return [call for worker in workers for call in worker.calls]


def _facts(book: Any) -> set[tuple[str, Activity, str]]:
    """(province, activity, member) of the facts of an attendance book, setup's left out."""
    found = {(book.province, Activity.COURSE, m) for m in book.course}
    found |= {(book.province, Activity.CHANNEL, m) for m in book.channel}
    found |= {(book.province, activity, m) for m, (activity, _) in book.in_person.items()}
    return {fact for fact in found if not fact[2].startswith("setup-")}


def _fact(row: AttendanceRow) -> tuple[str, Activity, str]:
    return (row.province, row.activity, row.member)


def _prefix(member: str) -> str:
    return member.rsplit("-m", 1)[0]


def _one_per_key(calls: list[Call]) -> list[Call]:
    """Successful calls, a key sent twice counted once."""
    seen: set[str] = set()
    found = []
    for call in calls:
        if call.ok and (call.key is None or call.key not in seen):
            found.append(call)
            if call.key is not None:
                seen.add(call.key)
    return found


def test_threads_sharing_one_scheduler_lose_and_double_nothing(store: str) -> None:
    app, start = _planned(store)
    try:
        calls = _run_threads(app)
        raw = [c for c in calls if c.raw]
        kinds = Counter((c.raw or "").strip().splitlines()[-1].split(":")[0] for c in raw)
        assert not raw, (
            f"{len(raw)} of {len(calls)} calls raised a raw (non-schedcore) error: "
            f"{dict(kinds)}; the first, a {raw[0].command} of thread {raw[0].thread}:\n{raw[0].raw}"
        )
        fresh = Scheduler.open(store, programme=app.default_programme)
        try:
            _check_aggregates(app, fresh)
            _check_facts(fresh, calls)
            _check_log(fresh, calls, start)
        finally:
            fresh.close()
    finally:
        app.close()
    conflicts = [f"{c.command}: {c.error}" for c in calls if isinstance(c.error, ConcurrencyError)]
    assert not conflicts, (
        f"{len(conflicts)} of {len(calls)} calls reached the caller as a conflict instead of "
        f"being retried by the library; first: {conflicts[0]}"
    )
    failed = [f"{c.command} ({c.kind}): {c.error!r}" for c in calls if c.error is not None]
    assert not failed, f"{len(failed)} of {len(calls)} calls failed; first: {failed[0]}"
    assert {c.kind for c in calls if c.ok} == set(KINDS)


def _check_aggregates(app: Scheduler, fresh: Scheduler) -> None:
    """What the shared scheduler returns is what the store holds, aggregate by aggregate."""
    assert app.programme() == fresh.programme()
    for cluster in range(1, 11):
        assert app.cluster(cluster) == fresh.cluster(cluster), f"cluster {cluster}"
        assert app.session(cluster) == fresh.session(cluster), f"session {cluster}"
    for province in PROVINCES:
        assert app.placement(province) == fresh.placement(province), province
        assert app.attendance(province) == fresh.attendance(province), province


def _check_facts(fresh: Scheduler, calls: list[Call]) -> None:
    """Every acknowledged row is recorded, nothing unsent is, voided rows are gone."""
    recording = [c for c in calls if c.command == "record_attendance"]
    voided = {
        (province, Activity.COURSE, member)
        for c in calls
        if c.command == "void_records" and c.ok
        for province, member in c.voided
    }
    acknowledged = {_fact(r) for c in recording if c.ok for r in c.rows} - voided
    sent = {_fact(r) for c in recording for r in c.rows} - voided
    stored = set().union(*(_facts(fresh.attendance(p)) for p in PROVINCES))
    missing = acknowledged - stored
    assert not missing, (
        f"{len(missing)} acknowledged rows are not in the store: {sorted(missing)[:5]}"
    )
    unsent = stored - sent
    assert not unsent, f"{len(unsent)} facts in the store no call sent: {sorted(unsent)[:5]}"
    for call in calls:
        if call.command == "enrol_members" and call.ok:
            book = fresh.attendance(call.province or "")
            for ref in call.enrolled:
                assert book.members.get(ref.member) == (ref.team, ref.commune), ref
    connected = {c.point for c in calls if c.command == "connect_bridge_points" and c.ok}
    assert fresh.session(CONNECTED).bridge_points == connected


def _check_log(fresh: Scheduler, calls: list[Call], start: int) -> None:
    """Each call's events are in the log once; one receipt per key; nothing else."""
    log = events_of(fresh, identities=True)
    written = [event for position, event in log if position > start]
    names = Counter(type(e).__qualname__ for e in written)
    assert set(names) <= EXPECTED_EVENTS, f"unexpected events: {set(names) - EXPECTED_EVENTS}"

    # Events per aggregate: every attendance book's version is the number of its events.
    per_aggregate = Counter(e.originator_id for _, e in log)
    for province in PROVINCES:
        book = fresh.attendance(province)
        assert book.version == per_aggregate[book.id], f"attendance of {province}"

    facts: Counter[tuple[str, Activity, str]] = Counter()
    events_of_call: Counter[tuple[str, str]] = Counter()  # (kind of event, prefix of members)
    for event in written:
        name = type(event).__name__
        members = getattr(getattr(event, "members", None), "members", ())
        if name in ATTENDANCE_EVENTS:
            for member in members:
                facts[(event.province, ATTENDANCE_EVENTS[name], member)] += 1
        if members:
            events_of_call[(name, _prefix(members[0]))] += 1
    doubled = [fact for fact, count in facts.items() if count > 1]
    assert not doubled, f"{len(doubled)} facts recorded more than once: {doubled[:5]}"

    for call in _one_per_key(calls):
        if call.command == "record_attendance":
            prefix = _prefix(call.rows[0].member)
            found = sum(
                n
                for (name, p), n in events_of_call.items()
                if p == prefix and name in ATTENDANCE_EVENTS
            )
            assert found == call.result.events, (call.kind, call.key, call.result, found)
        elif call.command == "enrol_members":
            prefix = _prefix(call.enrolled[0].member)
            assert events_of_call[("MembersEnrolled", prefix)] == call.result.events, call
        elif call.command == "void_records":
            prefix = _prefix(call.voided[0][1])
            assert events_of_call[("RecordsVoided", prefix)] == 1, call

    # A key records one receipt, whoever sent it and however often.
    receipts = Counter(e.key for e in written if type(e).__qualname__ == "Receipt.Issued")
    assert not receipts or max(receipts.values()) == 1, receipts.most_common(3)
    keyed = {c.key for c in _one_per_key(calls) if c.key is not None and c.result.events}
    assert set(receipts) == keyed
    # Both threads of a pair got the one result of their shared key.
    results: dict[str, set[Any]] = {}
    for call in calls:
        if call.kind == "shared" and call.ok:
            results.setdefault(call.key or "", set()).add(call.result)
    assert all(len(r) == 1 for r in results.values()), results

    # Session commands: each accepted change once, none of a refused one.
    capacities = Counter(
        (e.cluster, e.bridge_capacity)
        for e in written
        if type(e).__qualname__ == "Session.CapacityChanged"
    )
    assert capacities == Counter(
        c.capacity for c in _one_per_key(calls) if c.command == "change_capacity"
    )
    rescheduled = names["Session.Rescheduled"]
    # A reschedule that moved the session records one Rescheduled (and moves its team's day).
    assert rescheduled == sum(
        1 for c in _one_per_key(calls) if c.command == "reschedule_session" and c.result.events
    )
    points = Counter(
        BridgePoint(*p)  # the event's points are read back as lists
        for e in written
        if type(e).__qualname__ == "Session.BridgePointsConnected"
        for p in e.points
    )
    assert points == Counter(
        c.point for c in _one_per_key(calls) if c.command == "connect_bridge_points"
    )
