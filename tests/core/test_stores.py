"""Store URLs, the environment, encryption at rest and compression."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import StoreError
from schedcore.stores import (
    create_cipher_key,
    parse_store_url,
    resolve_store_url,
    store_environment,
)
from tests.conftest import PostgresTarget
from tests.core.conftest import spec_2022, standard_plan
from tests.strategies import member_ids


def test_a_relative_sqlite_url_names_a_file_in_the_working_directory() -> None:
    location = parse_store_url("sqlite:///data/events.sqlite")
    assert location.kind == "sqlite"
    assert location.settings["SQLITE_DBNAME"] == "data/events.sqlite"


def test_an_absolute_sqlite_url_has_four_slashes() -> None:
    assert parse_store_url("sqlite:////var/lib/x.sqlite").settings["SQLITE_DBNAME"] == (
        "/var/lib/x.sqlite"
    )


def test_a_postgresql_url_gives_every_setting_and_its_schema() -> None:
    settings = parse_store_url(
        "postgresql://alice:s3cret@db.local:6543/events?schema=run1"
    ).settings
    assert settings["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (settings["POSTGRES_HOST"], settings["POSTGRES_PORT"]) == ("db.local", "6543")
    assert (settings["POSTGRES_USER"], settings["POSTGRES_PASSWORD"]) == ("alice", "s3cret")
    assert (settings["POSTGRES_DBNAME"], settings["POSTGRES_SCHEMA"]) == ("events", "run1")


def test_a_password_never_shows_in_the_display_url() -> None:
    location = parse_store_url("postgresql://alice:s3cret@db.local/events")
    assert "s3cret" not in location.display


@pytest.mark.parametrize(
    "url",
    ["mysql://x/y", "sqlite://relative.sqlite", "sqlite:///", "postgresql:///db", "memory://?x=1"],
)
def test_a_bad_store_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError):
        parse_store_url(url)


def test_the_store_url_comes_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCHEDCORE_STORE", "memory://")
    assert resolve_store_url() == "memory://"
    monkeypatch.delenv("SCHEDCORE_STORE")
    assert resolve_store_url() == "sqlite:///schedcore.sqlite"


def test_a_malformed_cipher_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDCORE_CIPHER_KEY", "not-a-key")
    with pytest.raises(StoreError, match="base64"):
        store_environment("memory://")


def test_an_unreachable_postgresql_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open store"):
        Scheduler.open("postgresql://postgres@127.0.0.1:9/none?schema=x&connect_timeout=1")


def test_a_sqlite_file_in_a_missing_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Scheduler.open(f"sqlite:///{tmp_path}/missing/folder/events.sqlite")


def _fill(url: str, key: str | None, compress: bool = False) -> Scheduler:
    spec = spec_2022()
    app = Scheduler.open(url, cipher_key=key, compress=compress, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="planner")
    return app


def test_a_wrong_cipher_key_is_a_clear_store_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/events.sqlite"
    _fill(url, create_cipher_key()).close()
    with pytest.raises(StoreError, match="cipher key does not match"):
        Scheduler.open(url, cipher_key=create_cipher_key())


def test_an_encrypted_store_opened_without_a_key_is_a_clear_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCHEDCORE_CIPHER_KEY", raising=False)
    url = f"sqlite:///{tmp_path}/events.sqlite"
    _fill(url, create_cipher_key()).close()
    with pytest.raises(StoreError, match="cipher key does not match"):
        Scheduler.open(url)


def test_the_cipher_key_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = create_cipher_key()
    url = f"sqlite:///{tmp_path}/events.sqlite"
    monkeypatch.setenv("SCHEDCORE_CIPHER_KEY", key)
    app = _fill(url, None)
    name = app.programme().name
    app.close()
    assert Scheduler.open(url, programme=name).cluster(1).host == "01"


def test_a_compressed_store_reads_back_what_it_wrote(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/events.sqlite?compress=zlib"
    app = _fill(url, None)
    assert app.env["COMPRESSOR_TOPIC"].endswith("ZlibCompressor")
    reopened = Scheduler.open(url, programme=app.programme().name)
    assert reopened.cluster(1).members == app.cluster(1).members


def _store_bytes(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(members=st.lists(member_ids, min_size=1, max_size=30, unique=True))
def test_with_a_cipher_key_no_personal_field_appears_in_clear_in_the_database_file(
    tmp_path_factory: pytest.TempPathFactory, members: list[str]
) -> None:
    path = tmp_path_factory.mktemp("encrypted") / "events.sqlite"
    app = _fill(f"sqlite:///{path}", create_cipher_key())
    rows = [
        AttendanceRow(m, f"team of {m}", "01", "Phường Ba Đình", Activity.BRIDGE, date(2022, 9, 12))
        for m in members
    ]
    app.record_attendance(rows, actor="Trần Thị Điều Phối")
    app.close()
    stored = _store_bytes(path)
    for field in [*members, "Phường Ba Đình", "Trần Thị Điều Phối"]:
        assert field.encode("utf-8") not in stored
    assert len(stored) > 0


def test_without_a_cipher_key_the_same_fields_are_in_clear(tmp_path: Path) -> None:
    """The check above can fail: unencrypted, the member is in the file."""
    path = tmp_path / "events.sqlite"
    app = _fill(f"sqlite:///{path}", None)
    app.record_attendance(
        [AttendanceRow("Nguyễn Văn An", "T", "01", "C", Activity.BRIDGE, date(2022, 9, 12))],
        actor="c",
    )
    app.close()
    assert "Nguyễn Văn An".encode() in _store_bytes(path)


@pytest.mark.postgres
def test_a_postgresql_store_keeps_its_events_in_the_schedcore_events_table(
    postgres: PostgresTarget,
) -> None:
    """Stores written by earlier releases stay readable: the table name never changes."""
    import psycopg

    app = Scheduler.open(postgres.store_url)
    app.close()
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (postgres.schema, "schedcore_events"),
        ).fetchall()
    assert found == [(1,)]
