"""Personal data at rest: with a cipher key, neither database holds a name or phone in clear.

The core suite checks the SQLite file with hypothesis; here the PostgreSQL table is read raw,
what stays in clear is pinned, and rotating to a new key by copying the log is shown to work.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import StoreError
from schedcore.security import Actor
from schedcore.stores import create_cipher_key
from tests.conftest import PostgresTarget
from tests.core.conftest import spec_2022, standard_plan

PEOPLE = [
    ("Nguyễn Thị Mai Anh", "+84 912 345 678"),
    ("Trần Văn Bình", "+84 983 000 111"),
    ("Phạm Thu Hà", "0905 123 456"),
]


def _record_people(app: Scheduler) -> list[bytes]:
    """Record each person by name and by phone; returns every personal string, as bytes."""
    day = app.session(1).day
    rows = []
    for name, phone in PEOPLE:
        rows.append(AttendanceRow(name, "Đội 1", "01", "Phường Ba Đình", Activity.HALL, day))
        rows.append(
            AttendanceRow(
                phone, "Đội 2", "01", "Phường Ba Đình", Activity.COURSE, date(2022, 9, 20)
            )
        )
    app.record_attendance(
        rows, actor=Actor.province_coordinator("Lê Thị Hồng", province="01"), idempotency_key="k"
    )
    secrets = [s for person in PEOPLE for s in person] + ["Lê Thị Hồng", "Phường Ba Đình"]
    return [s.encode("utf-8") for s in secrets] + [s.encode("unicode_escape") for s in secrets]


def _planned(url: str, key: str) -> Scheduler:
    spec = spec_2022()
    app = Scheduler.open(url, cipher_key=key, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    app.apply_plan(standard_plan(), actor="ministry")
    return app


def test_with_a_cipher_key_the_postgresql_table_holds_no_personal_data_in_clear(
    postgres: PostgresTarget,
) -> None:
    import psycopg

    # A schema of its own: a store is encrypted from its first event or not at all, and the
    # run's shared schema holds other tests' unencrypted events.
    schema = f"{postgres.schema}_encrypted"
    app = _planned(f"{postgres.url}?schema={schema}", create_cipher_key())
    secrets = _record_people(app)
    app.close()
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        rows = connection.execute(
            f'SELECT originator_id::text, topic, state FROM "{schema}".schedcore_events'
        ).fetchall()
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert rows
    raw = b"\n".join(
        f"{originator} {topic}".encode() + b" " + bytes(state) for originator, topic, state in rows
    )
    for secret in secrets:
        assert secret not in raw, secret


def test_what_stays_in_clear_is_the_aggregate_id_version_and_event_type(tmp_path: Path) -> None:
    key = create_cipher_key()
    app = _planned(f"sqlite:///{tmp_path / 'events.sqlite'}", key)
    _record_people(app)
    last = app.recorder.select_notifications(start=None, limit=10_000)[-1]
    assert last.topic == "schedcore.domain.receipt:Receipt.Issued"
    assert b"Receipt" not in last.state and b"actor" not in last.state
    app.close()


def test_rotating_the_key_means_copying_the_log_into_a_new_store(tmp_path: Path) -> None:
    old_key, new_key = create_cipher_key(), create_cipher_key()
    old = _planned(f"sqlite:///{tmp_path / 'old.sqlite'}", old_key)
    _record_people(old)
    name = old.programme().name
    rotated = Scheduler.open(
        f"sqlite:///{tmp_path / 'rotated.sqlite'}", cipher_key=new_key, programme=name
    )
    position = 0
    while page := old.recorder.select_notifications(start=position + 1, limit=100):
        events = [old.mapper.to_domain_event(n) for n in page]
        rotated.recorder.insert_events([rotated.mapper.to_stored_event(e) for e in events])
        position = page[-1].id
    # the identity vault is copied too (its identifiers are sealed with the new key)
    pid = old.programme_id()
    assert rotated.attendance("01").in_person != old.attendance("01").in_person
    rotated.vault.add(pid, old.vault.everyone(pid))
    assert rotated.max_notification_id() == old.max_notification_id()
    assert rotated.attendance("01").in_person == old.attendance("01").in_person
    rotated.close()
    with pytest.raises(StoreError, match="cipher key does not match"):
        Scheduler.open(f"sqlite:///{tmp_path / 'rotated.sqlite'}", cipher_key=old_key)
    old.close()
