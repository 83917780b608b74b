"""Erasing a member's identity: no byte of it stays in the store or an export, every count stays.

On SQLite the whole file (and its write-ahead log) is searched byte by byte; on PostgreSQL every
row of every table of the store's schema, and the files of those tables on disk when this user
can read them.  The identifiers of members not erased must still be found by the same search
(so a search that finds nothing is not a search that cannot find anything).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.application.identities import MemberErasure
from schedcore.cli import main
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import (
    ErasureRefusedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    StoreBusyError,
)
from schedcore.security import Actor
from schedcore.vault import is_pseudonym
from tests.projections.conftest import open_small, small_spec

NAME = small_spec().name
ERASED = "VN-HN-000123"
KEPT = ("VN-HN-000124", "VN-HG-000007", "Trần Thị Bình")
COURSE_DAY = date(2022, 9, 20)

#: Report fields that change without any fact changing: the day, and the log's position.
MOVING = ("today", "position")

CSV = f"""member,team,province,commune,activity,date
{ERASED},t1,01,Ba Đình,hall,2022-09-12
{ERASED},t1,01,Ba Đình,course,2022-09-20
{KEPT[0]},t1,01,Ba Đình,channel,2022-09-21
{KEPT[1]},g1,02,Hà Giang city,bridge,2022-09-12
"""


def _api_rows() -> list[AttendanceRow]:
    return [
        AttendanceRow(ERASED, "t1", "01", "Ba Đình", Activity.CHANNEL, COURSE_DAY),
        AttendanceRow(KEPT[2], "t2", "01", "Hoàn Kiếm", Activity.HALL, date(2022, 9, 12)),
        AttendanceRow(KEPT[2], "t2", "01", "Hoàn Kiếm", Activity.COURSE, COURSE_DAY),
        AttendanceRow("VN-CB-000001", "c1", "04", "Hòa An", Activity.COURSE, COURSE_DAY),
    ]


def _report(url: str, path: Path) -> dict[str, Any]:
    assert main(["report", "--store", url, "--programme", NAME, "--json", str(path)]) == 0
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in found.items() if key not in MOVING}


def _exports(url: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for kind in ("json", "csv", "ics", "html"):
        out = folder / f"plan.{kind}"
        arguments = ["export", "--format", kind, "--out", str(out)]
        assert main([*arguments, "--store", url, "--programme", NAME]) == 0
        files.append(out)
    return files


def _sqlite_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def _postgres_rows(url: str) -> bytes:
    """Every value of every row of every table of the store's schema, as bytes."""
    import psycopg
    from psycopg import sql

    base, _, schema = url.partition("?schema=")
    found = bytearray()
    with psycopg.connect(base, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        assert {"schedcore_events", "schedcore_identities"} <= {t for (t,) in tables}
        for (table,) in tables:
            query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))
            for row in connection.execute(query):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        found += bytes(value)
                    else:
                        found += str(value).encode()
    return bytes(found)


def _postgres_files(url: str) -> bytes | None:
    """The files on disk of the schema's tables, indexes and TOAST (None: not readable)."""
    import psycopg

    base, _, schema = url.partition("?schema=")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute("CHECKPOINT")  # what is in shared buffers reaches the files
        (directory,) = connection.execute("SHOW data_directory").fetchone() or ("",)
        paths = connection.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "UNION SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.reltoastrelid <> 0",
            (schema, schema),
        ).fetchall()
    found = bytearray()
    for (relative,) in paths:
        if relative is None:
            continue
        main = Path(directory) / relative
        # the relation's segments (NODE, NODE.1 ...) and forks (NODE_fsm, NODE_vm), not
        # another relation whose number merely starts with the same digits
        for path in main.parent.glob(f"{main.name}*"):
            if path.name != main.name and path.name[len(main.name)] not in "._":
                continue
            try:
                found += path.read_bytes()
            except OSError:
                return None
    return bytes(found) if found else None


def _store_bytes(url: str) -> list[bytes]:
    if url.startswith("sqlite"):
        return [_sqlite_bytes(url)]
    files = _postgres_files(url)
    return [_postgres_rows(url), *([] if files is None else [files])]


def test_erase_leaves_no_byte_of_the_identifier_and_every_count_as_it_was(
    store_url: str, tmp_path: Path
) -> None:
    app = open_small(store_url)
    try:
        app.record_attendance(_api_rows(), actor="cli:coordinator")
    finally:
        app.close()
    rows = tmp_path / "rows.csv"
    rows.write_text(CSV, encoding="utf-8")
    assert main(["record", str(rows), "--store", store_url, "--programme", NAME, "--quiet"]) == 0
    before = _report(store_url, tmp_path / "before.json")
    totals = before["totals"]
    # five members: the one recorded through the API and again from the file counts once
    assert (totals["members_enrolled"], totals["members_hall"], totals["members_course"]) == (
        5,
        2,
        3,
    )
    for content in _store_bytes(store_url):
        assert ERASED.encode() in content  # the search finds an identifier the vault holds

    # patience for transactions of other clients of a PostgreSQL database (older snapshots
    # hold the scrub back)
    patient = f"{store_url}{'&' if '?' in store_url else '?'}lock_timeout=30"
    assert main(["erase", "--member", ERASED, "--store", patient, "--programme", NAME]) == 0

    after = _report(store_url, tmp_path / "after.json")
    assert after == before
    exported = _exports(store_url, tmp_path / "exports")
    for content in [*_store_bytes(store_url), *(p.read_bytes() for p in exported)]:
        assert ERASED.encode() not in content
        assert ERASED.encode("utf-16-le") not in content
    for content in _store_bytes(store_url):
        for kept in KEPT:
            assert kept.encode() in content  # the others are still there, and findable


def test_the_erased_member_keeps_its_facts_under_its_pseudonym(app: Scheduler) -> None:
    app.record_attendance(_api_rows(), actor="cli:coordinator")
    hanoi = app.attendance("01", pseudonyms=True)
    (pseudonym,) = [m for m in hanoi.channel]
    assert is_pseudonym(pseudonym) and ERASED not in str(hanoi.members)
    assert app.member_identities([pseudonym]) == {pseudonym: ERASED}
    assert app.attendance("01").channel == {ERASED}  # named as people know it
    erased = app.erase_member(ERASED, actor="cli:planner")
    assert (erased.pseudonym, erased.provinces, erased.events) == (pseudonym, ("01",), 1)
    after = app.attendance("01", pseudonyms=True)
    assert after.channel == hanoi.channel and after.members == hanoi.members
    assert after.erased == {pseudonym}
    assert app.member_identities([pseudonym]) == {pseudonym: "(erased)"}
    assert app.attendance("01").channel == {pseudonym}  # nothing names it any more
    assert KEPT[2] in app.attendance("01").course
    last = app.recorder.select_notifications(start=app.max_notification_id(), limit=1)[0]
    event = app.mapper.to_domain_event(last)
    assert type(event).__qualname__ == "Attendance.MemberErased"
    assert (event.member, event.actor) == (pseudonym, "cli:planner")
    assert ERASED.encode() not in last.state


def test_re_uploading_a_member_keeps_one_member(app: Scheduler) -> None:
    first = app.record_attendance(_api_rows(), actor="cli:coordinator")
    members = dict(app.attendance("01").members)
    again = app.record_attendance(_api_rows(), actor="cli:coordinator")
    assert (first.recorded, again.recorded, again.already_recorded) == (4, 0, 4)
    assert app.attendance("01").members == members
    assert ERASED in members and not any(map(is_pseudonym, members))
    # the same member in a later upload, with another activity: the same pseudonym
    app.record_attendance(
        [AttendanceRow(ERASED, "t1", "01", "Ba Đình", Activity.COURSE, COURSE_DAY)],
        actor="cli:coordinator",
    )
    hanoi = app.attendance("01")
    assert hanoi.members == members and hanoi.course & hanoi.channel


def test_errors_name_members_as_typed(app: Scheduler) -> None:
    app.record_attendance(_api_rows(), actor="cli:coordinator")
    moved = AttendanceRow(ERASED, "t9", "01", "Ba Đình", Activity.COURSE, COURSE_DAY)
    with pytest.raises(RuleViolationError) as refused:
        app.record_attendance([moved], actor="cli:coordinator")
    assert f"member {ERASED!r} is in team 't1'" in str(refused.value)
    assert "m~" not in str(refused.value)
    with pytest.raises(RuleViolationError) as refused:
        app.void_records("01", Activity.HALL, [ERASED], reason="wrong row", actor="cli:x")
    assert f"member {ERASED!r} of 01 has no hall record" in str(refused.value)
    voided = app.void_records("01", Activity.CHANNEL, [ERASED], reason="wrong row", actor="cli:x")
    assert voided.events == 1 and not app.attendance("01").channel


def test_erasing_an_unknown_member_or_twice_says_so_and_writes_nothing(app: Scheduler) -> None:
    app.record_attendance(_api_rows(), actor="cli:coordinator")
    head = app.max_notification_id()
    with pytest.raises(NotFoundError, match="never recorded, or its identity is erased"):
        app.erase_member("VN-XX-999999", actor="cli:planner")
    assert app.max_notification_id() == head
    first = app.erase_member(ERASED, actor="cli:planner")
    assert not first.already_erased and first.events == 1
    head = app.max_notification_id()
    again = app.erase_member(ERASED, actor="cli:planner")
    assert again == MemberErasure(pseudonym=None, provinces=(), events=0, already_erased=True)
    assert app.max_notification_id() == head  # no second MemberErased
    assert app.attendance("01", pseudonyms=True).erased == {first.pseudonym}
    for blank in ("", "  "):
        with pytest.raises(InvalidInputError):
            app.erase_member(blank, actor="cli:planner")
    with pytest.raises(PermissionDeniedError):
        app.erase_member(KEPT[0], actor=Actor.province_coordinator("01", "an"))
    assert app.max_notification_id() == head
    course = app.attendance("01", pseudonyms=True).course
    assert app.member_identities(course) == {p: KEPT[2] for p in course}


def test_a_member_recorded_before_erasure_support_stays_one_member_and_is_not_erased(
    store_url: str,
) -> None:
    from tests.reliability.test_schema_evolution import _fixture, _load_fixture

    app = Scheduler.open(store_url, programme=_fixture()["programme"])
    try:
        _load_fixture(app)
        plain = "Lê Văn Chi"  # an online course in the old log, under its identifier
        assert app.attendance("01").course == {plain}
        head = app.max_notification_id()
        with pytest.raises(ErasureRefusedError, match="written before erasure support"):
            app.erase_member(plain, actor="cli:planner")
        assert app.max_notification_id() == head
        again = app.record_attendance(
            [AttendanceRow(plain, "team 2", "01", "Hoàn Kiếm", Activity.CHANNEL, COURSE_DAY)],
            actor="cli:coordinator",
        )
        assert again.recorded == 1
        hanoi = app.attendance("01", pseudonyms=True)
        assert hanoi.course == hanoi.channel == {plain}
        assert all(not is_pseudonym(m) for m in hanoi.members)
    finally:
        app.close()


def _counts(app: Scheduler, provinces: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    found = {}
    for province in provinces:
        try:
            book = app.attendance(province)
        except NotFoundError:
            continue
        found[province] = (
            len(book.members),
            len(book.course),
            len(book.channel),
            len(book.in_person),
            len(book.teams_trained_in_person()),
        )
    return found


_MEMBER_IDS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=10, max_size=14).map(
    lambda text: f"ID-{text}"
)
_ROWS = st.lists(
    st.tuples(
        _MEMBER_IDS, st.sampled_from(["01", "02", "04"]), st.sampled_from(["course", "channel"])
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda row: row[0],
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=_ROWS, data=st.data())
def test_erasing_any_members_keeps_every_count_and_no_identifier(
    rows: list[tuple[str, str, str]], data: st.DataObject
) -> None:
    erased = data.draw(st.sets(st.sampled_from([r[0] for r in rows])), label="erased")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'events.sqlite'}"
        app = open_small(url)
        try:
            app.record_attendance(
                [
                    AttendanceRow(
                        member, f"team-{p}", p, f"commune-{p}", Activity(kind), COURSE_DAY
                    )
                    for member, p, kind in rows
                ],
                actor="cli:coordinator",
            )
            before = _counts(app, ("01", "02", "04"))
            for member in sorted(erased):
                app.erase_member(member, actor="cli:planner")
            assert _counts(app, ("01", "02", "04")) == before
        finally:
            app.close()
        content = _sqlite_bytes(url)
        for member, _, _ in rows:
            assert (member.encode() in content) is (member not in erased)


def test_a_pseudonym_typed_as_the_member_is_refused_as_not_an_identifier(app: Scheduler) -> None:
    app.record_attendance(_api_rows(), actor="cli:coordinator")
    (pseudonym,) = app.attendance("01", pseudonyms=True).channel
    head = app.max_notification_id()
    with pytest.raises(ErasureRefusedError) as refused:
        app.erase_member(pseudonym, actor="cli:planner")
    assert "is a pseudonym, not a member's identifier" in str(refused.value)
    assert "before erasure support" not in str(refused.value)
    assert app.max_notification_id() == head
    assert app.member_identities([pseudonym]) == {pseudonym: ERASED}


SECRET = "VN-SECRET-777"


def _record_secret(url: str) -> Scheduler:
    app = open_small(url)
    app.record_attendance(
        [
            AttendanceRow(SECRET, "t1", "01", "Ba Đình", Activity.COURSE, COURSE_DAY),
            AttendanceRow(KEPT[0], "t1", "01", "Ba Đình", Activity.COURSE, COURSE_DAY),
        ],
        actor="cli:coordinator",
    )
    return app


def _vault_file(url: str) -> bytes:
    """The raw data file of the schema's vault table, as the server has it on disk."""
    import psycopg

    base, _, schema = url.partition("?schema=")
    schema = schema.split("&")[0]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute("CHECKPOINT")  # what is in shared buffers reaches the file
        row = connection.execute(
            "SELECT pg_read_binary_file(pg_relation_filepath(format('%%I.%%I', %s::text, "
            "'schedcore_identities')::regclass))",
            (schema,),
        ).fetchone()
    assert row is not None
    return bytes(row[0])


def _old_snapshot(url: str) -> Any:
    """A connection of the store's database holding a snapshot (a report mid-read)."""
    import psycopg

    reader = psycopg.connect(url.partition("?")[0])
    reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    reader.execute("SELECT 1 FROM pg_class")
    return reader


def test_postgres_erase_waits_for_an_older_snapshot_then_scrubs(
    postgres_store_url: str,
) -> None:
    import threading

    url = f"{postgres_store_url}&lock_timeout=30"
    app = _record_secret(url)
    try:
        assert SECRET.encode() in _vault_file(url)
        reader = _old_snapshot(url)
        ended = threading.Timer(1.0, reader.close)
        ended.start()
        try:
            erased = app.erase_member(SECRET, actor="cli:planner")
        finally:
            ended.join()
        content = _vault_file(url)
        assert SECRET.encode() not in content
        assert KEPT[0].encode() in content  # the search can find an identifier still held
        assert reader.closed and erased.events == 1 and not erased.already_erased
    finally:
        app.close()


@pytest.mark.parametrize("report", ["read", "unreadable"])
def test_postgres_erase_says_an_older_snapshot_kept_a_copy_and_erasing_again_scrubs(
    postgres_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: str
) -> None:
    if report == "unreadable":
        # a server whose messages are not in English: VACUUM's count of the dead rows it
        # kept cannot be read, so the snapshots of the other backends are checked instead
        import re

        monkeypatch.setattr("schedcore.vault._KEPT_DEAD", re.compile(r"(\d+) never said"))
    url = f"{postgres_store_url}&lock_timeout=1"
    app = _record_secret(url)
    try:
        reader = _old_snapshot(url)
        try:
            with pytest.raises(StoreBusyError, match="run the same erase again"):
                app.erase_member(SECRET, actor="cli:planner")
            assert SECRET.encode() not in _postgres_rows(postgres_store_url)  # live rows: gone
            assert SECRET.encode() in _vault_file(url)  # ... not yet from the file
        finally:
            reader.close()
        head = app.max_notification_id()
    finally:
        app.close()
    out = tmp_path / "erase.json"
    # patience for transactions of other clients of the database, which hold snapshots too
    url = f"{postgres_store_url}&lock_timeout=30"
    arguments = ["erase", "--member", SECRET, "--store", url, "--programme", NAME]
    assert main([*arguments, "--json", str(out)]) == 0
    answer = json.loads(out.read_text(encoding="utf-8"))
    assert (answer["already_erased"], answer["events"], answer["pseudonym"]) == (True, 0, None)
    assert SECRET.encode() not in _vault_file(url)
    assert KEPT[0].encode() in _vault_file(url)
    app = Scheduler.open(url, programme=NAME)
    try:
        assert app.max_notification_id() == head  # the second erase wrote nothing
    finally:
        app.close()


def test_sqlite_erase_says_a_reader_kept_the_log_and_erasing_again_scrubs(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "events.sqlite"
    url = f"sqlite:///{path}?lock_timeout=1"
    app = _record_secret(url)
    try:
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM schedcore_identities").fetchall()  # reading
        try:
            with pytest.raises(StoreBusyError, match="write-ahead log"):
                app.erase_member(SECRET, actor="cli:planner")
            assert SECRET.encode() in _sqlite_bytes(f"sqlite:///{path}")
            arguments = ["erase", "--member", SECRET, "--store", url, "--programme", NAME]
            assert main(arguments) == StoreBusyError.exit_code  # still read: still busy
        finally:
            reader.execute("COMMIT")
            reader.close()
        head = app.max_notification_id()
        again = app.erase_member(SECRET, actor="cli:planner")
        assert again.already_erased and app.max_notification_id() == head
    finally:
        app.close()
    content = _sqlite_bytes(f"sqlite:///{path}")
    assert SECRET.encode() not in content
    assert KEPT[0].encode() in content
