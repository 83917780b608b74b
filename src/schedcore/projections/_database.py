"""The database the views live in: a SQLite file (or memory) or a PostgreSQL schema.

Read models write portable SQL with ``?`` placeholders; this module is the only place that knows
the two dialects apart (placeholders, bulk upserts, type names, renaming indexes on a swap).
By default the views live beside the events: the same SQLite file (through a connection of
their own) or the same PostgreSQL schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

from schedcore.errors import StoreError
from schedcore.stores import parse_store_url

__all__ = [
    "Cursor",
    "Dialect",
    "Reader",
    "ViewDatabase",
    "connect_views",
    "reopen",
    "views_for_app",
]

Dialect = Literal["sqlite", "postgresql"]
Row = tuple[Any, ...]
#: SQLite page cache of the view connection, in KiB.
CACHE_KIB = 65536


class Reader(Protocol):
    """Anything that answers a query: a :class:`ViewDatabase` or a :class:`Cursor`."""

    dialect: Dialect

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class Cursor(Protocol):
    """What read models get inside a transaction: run statements, bulk-upsert rows."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        merge: Mapping[str, str] | None = None,
    ) -> None: ...


class ViewDatabase:
    """A connection to the view database, with explicit transactions.

    ``transaction()`` yields a :class:`Cursor`; everything done through it commits together or
    not at all.  ``query()`` outside a transaction reads the last committed state.
    """

    dialect: Dialect
    display: str

    def transaction(self) -> Any:  # pragma: no cover - overridden
        """A context manager yielding a :class:`Cursor`: what is done through it commits
        together, or not at all if the block raises.
        """
        raise NotImplementedError

    def savepoint(self, cursor: Any) -> Any:  # pragma: no cover - overridden
        """A nested transaction inside ``transaction()``: rolled back alone on error."""
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:  # pragma: no cover
        """Run a read-only ``sql`` with ``params`` and return its rows (the last committed state
        when outside a transaction).
        """
        raise NotImplementedError

    def table_exists(self, name: str) -> bool:  # pragma: no cover - overridden
        """Whether a table called ``name`` exists."""
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        """Close the connection; the database is not usable afterwards."""
        raise NotImplementedError

    def type_name(self, portable: str) -> str:
        """A column type of the dialect (``INTEGER`` holds 64-bit values everywhere)."""
        if self.dialect == "postgresql":
            return {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA"}.get(
                portable, portable
            )
        return portable

    def create_table_suffix(self) -> str:
        """SQLite keeps keyed tables as one B-tree (no rowid): smaller and faster to fill."""
        return " WITHOUT ROWID" if self.dialect == "sqlite" else ""


def _merge_clause(key: Sequence[str], merge: Mapping[str, str] | None) -> str:
    if not merge:
        return f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
    sets = ", ".join(f"{column} = {expression}" for column, expression in merge.items())
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


# -- SQLite ----------------------------------------------------------------------------------


class _SqliteCursor:
    dialect: Dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql, params).fetchall()

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        merge: Mapping[str, str] | None = None,
    ) -> None:
        if not rows:
            return
        marks = ", ".join("?" * len(columns))
        self._connection.executemany(
            f"INSERT INTO {table} AS cur ({', '.join(columns)}) VALUES ({marks}) "
            + _merge_clause(key, merge),
            rows,
        )


class SqliteViews(ViewDatabase):
    """Views in a SQLite file (WAL mode, as the event store) or in memory.

    Writers of the events and of the views share the file's write lock, so a view transaction
    is kept to one batch: event writers wait at most that long.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: str, *, lock_timeout: float = 30.0) -> None:
        self.display = f"sqlite:///{path}" if path != ":memory:" else "memory://"
        #: the file the views are in (``None`` in memory)
        self.path: str | None = path if path != ":memory:" else None
        try:
            self._connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=lock_timeout
            )
            if path != ":memory:":
                self._connection.execute("PRAGMA journal_mode=WAL")
            # national views are tens of MB: a larger page cache keeps upserts off the disk
            self._connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open views {self.display}: {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[_SqliteCursor]:
        connection = self._connection
        # IMMEDIATE: take the write lock now, so the compare-and-set of the position sees the
        # last committed value and no other runner can interleave.
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteCursor(connection)
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def savepoint(self, cursor: Any) -> Iterator[None]:
        connection = self._connection
        connection.execute("SAVEPOINT projection_event")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK TO SAVEPOINT projection_event")
            connection.execute("RELEASE SAVEPOINT projection_event")
            raise
        connection.execute("RELEASE SAVEPOINT projection_event")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql, params).fetchall()

    def attach(self, other: ViewDatabase, alias: str) -> bool:
        """Make the tables of ``other`` readable here as ``alias.table`` (outside any
        transaction), so rows are copied by the database rather than through Python: True if
        ``other`` is a SQLite file, False (nothing done) otherwise."""
        path = getattr(other, "path", None)
        if other.dialect != "sqlite" or path is None:
            return False
        self._connection.execute("ATTACH DATABASE ? AS " + alias, (path,))
        return True

    def detach(self, alias: str) -> None:
        """Undo :meth:`attach`."""
        self._connection.execute("DETACH DATABASE " + alias)

    def table_exists(self, name: str) -> bool:
        found = self._connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def close(self) -> None:
        self._connection.close()


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PostgresCursor:
    dialect: Dialect = "postgresql"
    #: Below this many rows an upsert uses executemany; above, COPY into a temporary table.
    COPY_THRESHOLD = 200

    def __init__(self, connection: Any, temp_tables: set[str]) -> None:
        self._connection = connection
        self._temp_tables = temp_tables

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = self._connection.execute(_pg(sql), params or None)
        return int(cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._connection.cursor() as cursor:
                cursor.executemany(_pg(sql), rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self._connection.execute(_pg(sql), params or None).fetchall())

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        merge: Mapping[str, str] | None = None,
    ) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        clause = _merge_clause(key, merge)
        if len(rows) < self.COPY_THRESHOLD:
            marks = ", ".join(["%s"] * len(columns))
            with self._connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} AS cur ({names}) VALUES ({marks}) {clause}", rows
                )
            return
        staging = f"staging_{table}"
        if staging not in self._temp_tables:
            self._connection.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            self._temp_tables.add(staging)
        with self._connection.cursor() as cursor:
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} AS cur ({names}) SELECT {names} FROM {staging} {clause}"
            )
            cursor.execute(f"DELETE FROM {staging}")


class PostgresViews(ViewDatabase):
    """Views in a PostgreSQL schema (the events' schema by default)."""

    dialect: Dialect = "postgresql"

    def __init__(self, settings: Mapping[str, str], display: str) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the postgres extra installs it
            raise StoreError(
                "PostgreSQL needs the postgres extra: pip install 'schedcore[postgres]'"
            ) from None
        self.display = display
        #: what :func:`reopen` needs to connect again (from another process)
        self.settings = dict(settings)
        self._psycopg = psycopg
        try:
            self._connection = psycopg.connect(
                dbname=settings["POSTGRES_DBNAME"],
                host=settings["POSTGRES_HOST"],
                port=settings.get("POSTGRES_PORT", "5432"),
                user=settings["POSTGRES_USER"],
                password=settings.get("POSTGRES_PASSWORD") or None,
                connect_timeout=int(settings.get("POSTGRES_CONNECT_TIMEOUT") or "10"),
                autocommit=True,
            )
            schema = settings.get("POSTGRES_SCHEMA") or "public"
            self._connection.execute(
                psycopg.sql.SQL("SET search_path TO {}").format(psycopg.sql.Identifier(schema))
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot open views {display}: {_first_line(exc)}") from None
        self._temp_tables: set[str] = set()

    @contextmanager
    def transaction(self) -> Iterator[_PostgresCursor]:
        with self._connection.transaction():
            yield _PostgresCursor(self._connection, self._temp_tables)

    @contextmanager
    def savepoint(self, cursor: Any) -> Iterator[None]:
        with self._connection.transaction():  # nested: a SAVEPOINT
            yield

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self._connection.execute(_pg(sql), params or None).fetchall())

    def table_exists(self, name: str) -> bool:
        found = self._connection.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (name,),
        ).fetchone()
        return found is not None

    def close(self) -> None:
        self._connection.close()


def reopen(database: ViewDatabase) -> ViewDatabase | None:
    """A new connection to the same views (for another process), or ``None`` for views in
    memory, which no other connection can see."""
    if isinstance(database, SqliteViews):
        return SqliteViews(database.path) if database.path is not None else None
    if isinstance(database, PostgresViews):
        return PostgresViews(database.settings, database.display)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect_views(url: str) -> ViewDatabase:
    """Open a view database by URL: ``memory://``, ``sqlite:///PATH`` or ``postgresql://...``."""
    location = parse_store_url(url)
    if location.kind == "memory":
        return SqliteViews(":memory:")
    if location.kind == "sqlite":
        return SqliteViews(
            location.settings["SQLITE_DBNAME"],
            lock_timeout=float(location.settings.get("SQLITE_LOCK_TIMEOUT", "30")),
        )
    if location.settings.get("POSTGRES_SCHEMA"):
        _ensure_schema(location.settings, location.display)
    return PostgresViews(location.settings, location.display)


def _ensure_schema(settings: Mapping[str, str], display: str) -> None:
    views = PostgresViews({**settings, "POSTGRES_SCHEMA": "public"}, display)
    try:
        from psycopg import sql

        views._connection.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(settings["POSTGRES_SCHEMA"])
            )
        )
    finally:
        views.close()


def views_for_app(app: Any) -> ViewDatabase:
    """The default view database of an application: beside its events.

    The same SQLite file, the same PostgreSQL schema, or (for an in-memory store) a private
    in-memory SQLite database.
    """
    env = app.env
    module = env.get("PERSISTENCE_MODULE") or "eventsourcing.popo"
    display = getattr(app, "store_display", "memory://")
    if module == "eventsourcing.sqlite":
        name = env.get("SQLITE_DBNAME")
        if not name or name == ":memory:" or "mode=memory" in name:
            raise StoreError(
                f"the views of an in-memory SQLite store cannot share its database ({display}); "
                "give a views URL"
            )
        return SqliteViews(name, lock_timeout=float(env.get("SQLITE_LOCK_TIMEOUT") or "30"))
    if module == "eventsourcing.postgres":
        keys = (
            "POSTGRES_DBNAME",
            "POSTGRES_HOST",
            "POSTGRES_PORT",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "POSTGRES_SCHEMA",
            "POSTGRES_CONNECT_TIMEOUT",
        )
        return PostgresViews({key: env.get(key) or "" for key in keys}, display)
    if module == "eventsourcing.popo":
        return SqliteViews(":memory:")
    raise StoreError(f"no views for persistence module {module!r}")
