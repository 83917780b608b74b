"""Event recorders that also check the versions a command only *read*.

``eventsourcing`` refuses a write whose new event versions already exist, which catches two
writers of the same aggregate.  It cannot catch write skew: a command that decided on an
aggregate it did not change (attendance recorded against a session's day) while another
command changed that aggregate (the session rescheduled).  These recorders take
``expected_versions={aggregate_id: version}`` with the events and, inside the same
transaction as the insert, refuse with ``IntegrityError`` when any of those aggregates has
moved on; the command is then reloaded and decided again (see :mod:`schedcore.application`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

__all__ = [
    "EXPECTED",
    "CheckedMemoryRecorder",
    "CheckedSQLiteRecorder",
    "expected_versions",
    "moved_on",
]

#: The keyword a save passes to the recorder.
EXPECTED = "expected_versions"


def moved_on(aggregate_id: UUID, expected: int | None, found: int | None) -> IntegrityError:
    return IntegrityError(
        f"aggregate {aggregate_id} is at version {found}, not {expected} as read: "
        "another writer changed it"
    )


def expected_versions(kwargs: Mapping[str, Any]) -> Mapping[UUID, int | None]:
    found: Mapping[UUID, int | None] | None = kwargs.get(EXPECTED)
    return found or {}


class CheckedMemoryRecorder(POPOApplicationRecorder):
    """The in-memory recorder, checking read versions under its own lock."""

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        for aggregate_id, version in expected_versions(kwargs).items():
            versions = self._stored_events_index.get(str(aggregate_id))
            found = max(versions) if versions else None
            if found != version:
                raise moved_on(aggregate_id, version, found)


class CheckedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite: the check runs after the inserts, while this transaction holds the write lock,
    so no other writer can commit between the check and the commit."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        for aggregate_id, version in expected_versions(kwargs).items():
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.events_table_name} "
                "WHERE originator_id = ?",
                (aggregate_id.hex,),
            )
            row = c.fetchone()
            found = None if row is None else row[0]
            if found != version:
                raise moved_on(aggregate_id, version, found)
        return ids
