"""The PostgreSQL recorder that also checks read versions (see :mod:`schedcore._recorders`).

Apart because it needs psycopg, which only the ``postgres`` extra installs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composable, Identifier

from schedcore._recorders import expected_versions, moved_on

__all__ = ["CheckedPostgresRecorder"]


class CheckedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL: the check runs after the table lock that every insert of this recorder
    takes, so writers are serialised and the check sees every committed event.

    The check is part of the ``INSERT`` itself (which inserts nothing when a read version
    moved on): the lock, the notification and the checked insert go to the server in one
    pipeline, one round trip, and the table lock is held for that round trip and the commit
    only, not for one more round trip per aggregate read.

    Its statements are composed into bytes once, not at every execution (``eventsourcing``
    composes them anew each time: a good part of a small command's CPU).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        self._checked_insert_statement = SQL(
            "INSERT INTO {schema}.{table} AS t ("
            " originator_id, originator_version, topic, state)"
            " SELECT originator_id, originator_version, topic, state"
            " FROM unnest(%s::{schema}.{stored_event_type}[])"
            " WHERE NOT EXISTS ("
            "  SELECT 1 FROM unnest(%s::{id_type}[], %s::bigint[]) AS e(id, version)"
            "  WHERE e.version IS DISTINCT FROM ("
            "   SELECT MAX(v.originator_version) FROM {schema}.{table} AS v"
            "   WHERE v.originator_id = e.id))"
            " RETURNING notification_id"
        ).format(
            schema=schema,
            table=table,
            stored_event_type=Identifier(self.stored_event_type_name),
            id_type=Identifier(self.datastore.originator_id_type),
        )
        self._sql: dict[object, bytes] = {}
        self._select_versions_statement = SQL(
            "SELECT originator_id, MAX(originator_version) AS version FROM {0}.{1}"
            " WHERE originator_id = ANY(%s::{2}[]) GROUP BY originator_id"
        ).format(schema, table, Identifier(self.datastore.originator_id_type))

    def _bytes(self, key: object, statement: Callable[[], Any], curs: Any) -> bytes:
        """The bytes sent to the server for ``statement()``, composed only the first time."""
        found = self._sql.get(key)
        if found is None:
            composed = statement()
            if isinstance(composed, str):
                composed = composed.encode()
            found = self._sql[key] = (
                composed if isinstance(composed, bytes) else composed.as_bytes(curs)
            )
        return found

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """As ``eventsourcing``'s, with the statement of each shape composed once."""
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
        if lte is not None:
            params.append(lte)
        if limit is not None:
            params.append(limit)
        shape = (gt is not None, lte is not None, desc, limit is not None)

        def statement() -> Composable:
            composed: Composable = self.select_events_statement
            if gt is not None:
                composed += SQL(" AND originator_version > %s")
            if lte is not None:
                composed += SQL(" AND originator_version <= %s")
            composed += SQL(" ORDER BY originator_version " + ("DESC" if desc else "ASC"))
            if limit is not None:
                composed += SQL(" LIMIT %s")
            return composed

        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._bytes(("select", shape), statement, curs), params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_after(self, versions: Mapping[UUID, int]) -> dict[UUID, list[StoredEvent]]:
        """The events of several aggregates after the versions given (0: all), in one query."""
        ids = list(versions)

        def statement() -> Composable:
            return SQL(
                "SELECT e.originator_id, e.originator_version, e.topic, e.state"
                " FROM unnest(%s::{id_type}[], %s::bigint[]) AS q(id, gt)"
                " JOIN {schema}.{table} AS e"
                " ON e.originator_id = q.id AND e.originator_version > q.gt"
                " ORDER BY e.originator_id, e.originator_version"
            ).format(
                id_type=Identifier(self.datastore.originator_id_type),
                schema=Identifier(self.datastore.schema),
                table=Identifier(self.events_table_name),
            )

        found: dict[UUID, list[StoredEvent]] = {i: [] for i in ids}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._bytes("select after", statement, curs),
                ([self._id_param(i) for i in ids], [versions[i] for i in ids]),
            )
            for row in curs.fetchall():
                aggregate_id = UUID(str(row["originator_id"]))
                found[aggregate_id].append(
                    StoredEvent(
                        originator_id=aggregate_id,
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
        return found

    def _lock_table(self, curs: Any) -> None:
        for number, statement in enumerate(self.lock_table_statements):
            curs.execute(
                self._bytes(("lock", number), partial(_same, statement), curs), prepare=True
            )

    def _notify_channel(self, curs: Any) -> None:
        def statement() -> Composable:
            return SQL("NOTIFY {0}").format(Identifier(self.channel_name))

        curs.execute(self._bytes("notify", statement, curs))

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        expected = expected_versions(kwargs)
        # Statements of one pipeline: the server runs the INSERT (and takes its snapshot)
        # only once the lock is held, so its check sees every committed event.
        self._lock_table(curs)
        self._notify_channel(curs)
        events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        if not expected:
            statement = self._bytes("insert", lambda: self.insert_events_statement, curs)
            curs.execute(statement, (events,))
            return
        ids = list(expected)
        curs.execute(
            self._bytes("checked insert", lambda: self._checked_insert_statement, curs),
            (events, [self._id_param(i) for i in ids], [expected[i] for i in ids]),
            prepare=False,
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        expected = expected_versions(kwargs)
        if expected and len(ids or ()) != len(stored_events):
            raise self._moved_on(curs, expected)
        return ids

    def _moved_on(self, curs: Any, expected: Mapping[UUID, int | None]) -> IntegrityError:
        """Which read aggregate moved on (for the message; the insert inserted nothing)."""
        curs.execute(
            self._select_versions_statement,
            ([self._id_param(i) for i in expected],),
            prepare=False,
        )
        found = {UUID(str(row["originator_id"])): row["version"] for row in curs.fetchall()}
        for aggregate_id, version in expected.items():
            if found.get(aggregate_id) != version:
                return moved_on(aggregate_id, version, found.get(aggregate_id))
        # Moved on and back cannot happen (versions only grow): a concurrent change anyway.
        aggregate_id, version = next(iter(expected.items()))  # pragma: no cover
        return moved_on(aggregate_id, version, None)  # pragma: no cover

    def _id_param(self, aggregate_id: UUID) -> Any:
        return aggregate_id if self.datastore.originator_id_type == "uuid" else str(aggregate_id)


def _same(value: Any) -> Any:
    return value
