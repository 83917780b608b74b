"""Event stores by URL: which ``eventsourcing`` persistence module, with which settings.

=======================================  ===================================================
``memory://``                            in this process only (tests, experiments)
``sqlite:///relative/path.sqlite``       a SQLite file relative to the working directory
``sqlite:////absolute/path.sqlite``      a SQLite file by absolute path
``postgresql://user:pw@host:port/db``    PostgreSQL; ``?schema=NAME`` picks the schema
=======================================  ===================================================

The URL comes from the caller, else ``$SCHEDCORE_STORE``, else ``sqlite:///schedcore.sqlite``.
Options in the query string: ``compress=zlib`` (compress each event's state),
``lock_timeout=`` (seconds a write waits for another writer's lock: SQLite 10 by default;
PostgreSQL 5 per attempt, and ``eventsourcing`` makes up to 10 attempts), and for PostgreSQL
``schema=``, ``connect_timeout=`` (seconds), ``pool_size=`` (connections a process keeps open,
1 by default) and ``max_overflow=`` (more while its threads need them, 4 by default).
Encryption takes its key from the caller or ``$SCHEDCORE_CIPHER_KEY`` (never from the URL,
which ends up in logs).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from schedcore.errors import ConcurrencyError, StoreBusyError, StoreError

__all__ = [
    "CIPHER_KEY_ENV",
    "DEFAULT_STORE",
    "STORE_ENV",
    "StoreLocation",
    "create_cipher_key",
    "parse_store_url",
    "resolve_store_url",
    "store_environment",
    "store_holds_events",
]

STORE_ENV = "SCHEDCORE_STORE"
CIPHER_KEY_ENV = "SCHEDCORE_CIPHER_KEY"
DEFAULT_STORE = "sqlite:///schedcore.sqlite"

_COMPRESSORS = {"zlib": "eventsourcing.compressor:ZlibCompressor"}


@attrs.frozen
class StoreLocation:
    """A parsed store URL: the kind of store and the ``eventsourcing`` settings it means."""

    url: str
    kind: str
    settings: Mapping[str, str]

    @property
    def display(self) -> str:
        """The URL without its password, fit for messages and logs."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()


def resolve_store_url(url: str | None = None) -> str:
    """The URL given, else ``$SCHEDCORE_STORE``, else the default SQLite file."""
    return url or os.environ.get(STORE_ENV) or DEFAULT_STORE


def parse_store_url(url: str) -> StoreLocation:
    """Turn a store URL into ``eventsourcing`` settings; a bad URL raises :class:`StoreError`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        query = {k: v[-1] for k, v in parse_qs(parts.query, strict_parsing=False).items()}
    except ValueError as exc:  # pragma: no cover - parse_qs is lenient
        raise StoreError(f"store URL {url!r}: bad query ({exc})") from None
    settings: dict[str, str] = {}
    compress = query.pop("compress", None)
    if compress:
        if compress not in _COMPRESSORS:
            raise StoreError(f"store URL {url!r}: compress must be one of {sorted(_COMPRESSORS)}")
        settings["COMPRESSOR_TOPIC"] = _COMPRESSORS[compress]
    if scheme in ("memory", "popo"):
        kind = "memory"
        settings["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    elif scheme == "sqlite":
        kind = "sqlite"
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/") or path == "/":
            raise StoreError(
                f"store URL {url!r}: write sqlite:///relative.sqlite or sqlite:////abs.sqlite"
            )
        settings["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        settings["APPLICATION_RECORDER_TOPIC"] = "schedcore._recorders:CheckedSQLiteRecorder"
        settings["SQLITE_DBNAME"] = path[1:]
        settings["SQLITE_LOCK_TIMEOUT"] = query.pop("lock_timeout", "10")
    elif scheme in ("postgresql", "postgres"):
        kind = "postgresql"
        database = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not database:
            raise StoreError(
                f"store URL {url!r}: write postgresql://user@host:port/database[?schema=NAME]"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreError(f"store URL {url!r}: the port is not a number") from None
        settings.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            APPLICATION_RECORDER_TOPIC="schedcore._postgres_recorder:CheckedPostgresRecorder",
            POSTGRES_DBNAME=database,
            POSTGRES_HOST=parts.hostname,
            POSTGRES_PORT=str(port),
            POSTGRES_USER=unquote(parts.username or os.environ.get("PGUSER", "postgres")),
            POSTGRES_PASSWORD=unquote(parts.password or os.environ.get("PGPASSWORD", "")),
            POSTGRES_SCHEMA=query.pop("schema", ""),
            POSTGRES_CONNECT_TIMEOUT=query.pop("connect_timeout", "5"),
            # Without a lock timeout, a writer waits for ever behind a stuck one.
            POSTGRES_LOCK_TIMEOUT=query.pop("lock_timeout", "5"),
            # eventsourcing opens 5 connections per process by default: 20 processes (a
            # service's workers, coordinators' imports) would exhaust a default server.  One
            # connection, and a few more only while threads of the process need them.
            POSTGRES_POOL_SIZE=query.pop("pool_size", "1"),
            POSTGRES_MAX_OVERFLOW=query.pop("max_overflow", "4"),
        )
    else:
        raise StoreError(
            f"unknown store URL {url!r}: use memory://, sqlite:///PATH or postgresql://..."
        )
    if query:
        raise StoreError(f"store URL {url!r}: unknown option(s) {', '.join(sorted(query))}")
    for name, low, high, unit in (
        ("SQLITE_LOCK_TIMEOUT", 1, 3600, "seconds"),
        ("POSTGRES_LOCK_TIMEOUT", 1, 3600, "seconds"),
        ("POSTGRES_CONNECT_TIMEOUT", 1, 3600, "seconds"),
        ("POSTGRES_POOL_SIZE", 1, 100, "connections"),
        ("POSTGRES_MAX_OVERFLOW", 0, 100, "connections"),
    ):
        value = settings.get(name)
        if value is not None and not (value.isdigit() and low <= int(value) <= high):
            option = name.split("_", 1)[1].lower()
            raise StoreError(
                f"store URL {url!r}: {option} must be a whole number of {unit} from {low} to "
                f"{high}, not {value!r}"
            )
    return StoreLocation(url=url, kind=kind, settings=settings)


def _check_cipher_key(key: str) -> None:
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise StoreError(f"the cipher key (${CIPHER_KEY_ENV}) is not base64") from None
    if len(raw) not in (16, 24, 32):
        raise StoreError(
            f"the cipher key (${CIPHER_KEY_ENV}) must decode to 16, 24 or 32 bytes, "
            f"not {len(raw)}; make one with schedcore.stores.create_cipher_key()"
        )
    try:
        import Crypto  # noqa: F401  (pycryptodome, the AES behind eventsourcing's cipher)
    except ImportError:  # pragma: no cover - the crypto extra installs it
        raise StoreError(
            "encryption needs the crypto extra: pip install 'schedcore[crypto]'"
        ) from None


def store_environment(
    url: str | None = None,
    *,
    cipher_key: str | None = None,
    compress: bool = False,
) -> dict[str, str]:
    """The complete ``eventsourcing`` environment for a store.

    ``cipher_key`` (base64, 16/24/32 bytes) defaults to ``$SCHEDCORE_CIPHER_KEY``; with a key,
    every event's state is encrypted with AES-GCM before it is stored.
    """
    location = parse_store_url(resolve_store_url(url))
    env = dict(location.settings)
    if compress and "COMPRESSOR_TOPIC" not in env:
        env["COMPRESSOR_TOPIC"] = _COMPRESSORS["zlib"]
    key = cipher_key if cipher_key is not None else os.environ.get(CIPHER_KEY_ENV)
    if key:
        _check_cipher_key(key)
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = key
    return env


def create_cipher_key(num_bytes: int = 32) -> str:
    """A new random AES key, base64-encoded, for ``$SCHEDCORE_CIPHER_KEY``."""
    if num_bytes not in (16, 24, 32):
        raise StoreError(f"an AES key has 16, 24 or 32 bytes, not {num_bytes}")
    return base64.b64encode(os.urandom(num_bytes)).decode("ascii")


def store_holds_events(url: str | None = None) -> tuple[bool, str]:
    """Whether the store holds at least one event, found out without creating anything.

    Opening a store with :meth:`Scheduler.open <schedcore.Scheduler.open>` creates the SQLite
    file, the PostgreSQL schema and the tables; a caller that only reads asks this first.
    Returns ``(False, why)`` for a missing SQLite file, a missing schema or events table, or
    an empty one (``memory://`` is always empty); raises :class:`StoreError` when the store
    cannot be reached (:class:`StoreBusyError` when another writer kept it locked past the
    lock timeout).
    """
    location = parse_store_url(resolve_store_url(url))
    if location.kind == "memory":
        return False, "a memory:// store starts empty"
    if location.kind == "sqlite":
        return _sqlite_holds_events(location)
    return _postgres_holds_events(location)


def _sqlite_holds_events(location: StoreLocation) -> tuple[bool, str]:
    import sqlite3

    path = location.settings["SQLITE_DBNAME"]
    if path == ":memory:" or path.startswith("file::memory:"):
        return False, "an in-memory SQLite database starts empty"
    if not os.path.isfile(path):
        return False, f"no file {path}"
    try:
        # Read-only: a file that is not a database stays as it is.
        connection = sqlite3.connect(f"file:{_sqlite_uri_path(path)}?mode=ro", uri=True)
        try:
            tables = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
            ).fetchall()
            if not tables:
                return False, f"{path} has no events table"
            if not connection.execute("SELECT 1 FROM stored_events LIMIT 1").fetchall():
                return False, f"{path} holds no events"
        finally:
            connection.close()
    except sqlite3.Error as exc:
        if is_lock_wait(exc):  # a writer holds it: it is a store, let opening it wait
            return True, ""
        raise StoreError(f"cannot open store {location.display}: {exc}") from None
    return True, ""


def _sqlite_uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


def _postgres_holds_events(location: StoreLocation) -> tuple[bool, str]:
    schema = location.settings.get("POSTGRES_SCHEMA") or "public"
    table = "schedcore_events"  # eventsourcing: the application's name, then _events
    with _postgres_connection(location.settings, location.display, opening=True) as connection:
        from psycopg import sql

        row = connection.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))", (schema, table)
        ).fetchone()
        if row is None or row[0] is None:
            return False, f"no table {table} in schema {schema}"
        query = sql.SQL("SELECT 1 FROM {}.{} LIMIT 1").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        if connection.execute(query).fetchone() is None:
            return False, f"{schema}.{table} holds no events"
    return True, ""


@contextmanager
def _postgres_connection(
    env: Mapping[str, str], display: str, *, opening: bool = False
) -> Iterator[Any]:
    """An autocommit connection to the store's database.

    Failing to connect is a :class:`StoreError` saying the store cannot be opened; a statement
    that fails later is one naming the store (saying it cannot be opened too when ``opening``:
    the statements set the store up).  A statement that waited for another writer's lock past
    the lock timeout is a :class:`StoreBusyError`; one PostgreSQL rolled back to break a
    deadlock with another writer is a :class:`ConcurrencyError` (a lost race: nothing of it was
    written, and it may be run again), or a :class:`StoreError` when ``opening``.  Messages
    keep psycopg's first line: the rest runs on.
    """
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the postgres extra installs it
        raise StoreError(
            "PostgreSQL needs the postgres extra: pip install 'schedcore[postgres]'"
        ) from None
    try:
        connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
        )
    except psycopg.Error as exc:
        raise StoreError(f"cannot open store {display}: {_first_line(exc)}") from None
    where = f"cannot open store {display}" if opening else f"store {display}"
    try:
        with connection:
            yield connection
    except psycopg.errors.DeadlockDetected as exc:
        message = (
            f"{where}: PostgreSQL rolled back a statement to break a deadlock with "
            f"another writer ({_first_line(exc)}); nothing of it was written: retry"
        )
        # setting a store up is no command: nothing retries it, it is the store's trouble
        raise (StoreError if opening else ConcurrencyError)(message) from None
    except psycopg.Error as exc:
        # the server's messages may not be in English: its error code first
        if isinstance(exc, psycopg.errors.LockNotAvailable) or is_lock_wait(exc):
            raise StoreBusyError(
                f"{where}: another writer kept it locked for longer than its lock timeout "
                f"({_first_line(exc)}); retry later"
            ) from None
        raise StoreError(f"{where}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- opening a store: helpers for the application (not part of the public API) -------------


def disable_prepared_statements(app: Any) -> None:
    """Open PostgreSQL connections that prepare no statements.

    ``eventsourcing`` asks psycopg to prepare its statements.  When a lock timeout aborts the
    pipeline of an insert, psycopg's record of what is prepared falls out of step with the
    server, and every later write on that connection fails ("prepared statement "_pg3_4" does
    not exist") until the connection is dropped.  Without prepared statements a write after a
    lock timeout simply works (and connections also work behind a transaction pooler).
    """
    pool = getattr(getattr(app.recorder, "datastore", None), "pool", None)
    kwargs = getattr(pool, "kwargs", None)
    if pool is None or not isinstance(kwargs, dict):  # pragma: no cover - eventsourcing 9.5
        return
    kwargs["prepare_threshold"] = None
    pool.drain()  # connections opened while the tables were set up are replaced
    pool.wait()  # before anyone asks: a request that waits would grow the pool for good


def is_lock_wait(exc: BaseException) -> bool:
    """A write that gave up waiting for another writer's lock (SQLite "database is locked",
    PostgreSQL "canceling statement due to lock timeout"), as opposed to a broken store."""
    text = str(exc).lower()
    return any(sign in text for sign in ("database is locked", "database is busy", "lock timeout"))


@contextmanager
def postgres_schema_lock(env: Mapping[str, str], display: str) -> Iterator[None]:
    """Create the schema named in the URL if missing, and hold a session advisory lock while
    the tables are created: processes opening one store at once would otherwise race in
    PostgreSQL's catalogue ("tuple concurrently updated")."""
    schema = env.get("POSTGRES_SCHEMA") or "public"
    with _postgres_connection(env, display, opening=True) as connection:
        from psycopg import sql

        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"schedcore-setup:{schema}",))
        try:
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            yield
        finally:
            connection.execute(
                "SELECT pg_advisory_unlock(hashtext(%s))", (f"schedcore-setup:{schema}",)
            )
