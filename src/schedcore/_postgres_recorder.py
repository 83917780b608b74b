"""The PostgreSQL recorder that also checks read versions (see :mod:`schedcore._recorders`).

Apart because it needs psycopg, which only the ``postgres`` extra installs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from schedcore._recorders import expected_versions, moved_on

__all__ = ["CheckedPostgresRecorder"]


class CheckedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL: the check runs after the table lock that every insert of this recorder
    takes, so writers are serialised and the check sees every committed event."""

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        expected = expected_versions(kwargs)
        if expected:
            self._lock_table(curs)
            for aggregate_id, version in expected.items():
                curs.execute(
                    self._select_version_statement(),
                    (aggregate_id,),
                    prepare=False,
                )
                row = curs.fetchone()
                found = None if row is None else row["version"]
                if found != version:
                    raise moved_on(aggregate_id, version, found)
        super()._insert_stored_events(curs, stored_events, **kwargs)

    def _select_version_statement(self) -> Any:
        return SQL(
            "SELECT MAX(originator_version) AS version FROM {0}.{1} WHERE originator_id = %s"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
