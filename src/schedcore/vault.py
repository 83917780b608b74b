"""The identity vault: the one place a member's identifier is kept, outside the event log.

Attendance events name members by a random pseudonym (:func:`new_pseudonym`), never by the
identifier a coordinator typed.  The vault is a small table of the store
(``schedcore_identities``, in the SQLite file or the PostgreSQL schema of the events) with one
row per member and programme: a digest of the identifier (how a re-upload finds the
pseudonym again), the pseudonym, and the identifier itself (how an error message or a listing
shows what the user typed).  Erasing a member deletes its row, and with it the only link
between the pseudonym and the person: the events, views and counts keep the pseudonym.

When the store has a cipher key, the identifier in the vault is encrypted with it and the
digest is keyed with it, as the events would have been.  Deleting a row also scrubs it from
the files (:meth:`IdentityVault.scrub`): SQLite deletes with ``secure_delete`` and then
truncates its write-ahead log; PostgreSQL rewrites the table (``VACUUM FULL``) once no
transaction older than the delete is left that could still see the row, so no dead copy of it
stays in the data.  A scrub that cannot finish within the store's lock timeout (a reader keeps
the log, an old snapshot keeps the dead row) raises :class:`~schedcore.errors.StoreBusyError`;
the row is gone from the live rows by then, and scrubbing again later finishes the job.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import UUID

from schedcore.errors import StoreBusyError, StoreError

__all__ = [
    "PSEUDONYM",
    "TABLE",
    "IdentityVault",
    "MemoryVault",
    "PostgresVault",
    "Sealer",
    "SqliteVault",
    "is_pseudonym",
    "new_pseudonym",
    "new_pseudonyms",
    "vault_for_app",
]

#: The vault's table, beside the events table.
TABLE = "schedcore_identities"
#: What a pseudonym looks like: ``m~`` and 24 lowercase hex digits (96 random bits).
PSEUDONYM = re.compile(r"m~[0-9a-f]{24}")


def new_pseudonym() -> str:
    """A fresh random pseudonym; it says nothing about the member it stands for."""
    return "m~" + secrets.token_hex(12)


def new_pseudonyms(count: int) -> list[str]:
    """``count`` fresh random pseudonyms (one read of the system's random source)."""
    raw = secrets.token_bytes(12 * count).hex()
    return ["m~" + raw[i : i + 24] for i in range(0, 24 * count, 24)]


def is_pseudonym(text: str) -> bool:
    return PSEUDONYM.fullmatch(text) is not None


class Sealer:
    """Digests and seals identifiers with the store's cipher key, if it has one."""

    def __init__(self, cipher: Any, key: bytes) -> None:
        self._cipher = cipher
        self._key = key

    def digest(self, programme: UUID, member: str) -> bytes:
        return self.digester(programme)(member)

    def digester(self, programme: UUID) -> Callable[[str], bytes]:
        """The digest of members of one programme: BLAKE2b keyed with the vault's key, over
        the programme's id and the identifier."""
        # Keyed once and fed the programme's id once; each member then copies that state.
        start = hashlib.blake2b(programme.bytes, key=self._key, digest_size=32)
        copy = start.copy

        def digest(member: str) -> bytes:
            state = copy()
            state.update(member.encode())
            return state.digest()

        return digest

    def digests(self, programme: UUID, members: Iterable[str]) -> list[bytes]:
        """The digest of each of ``members``, in order (as :meth:`digester`, without a call
        of Python per member)."""
        start = hashlib.blake2b(programme.bytes, key=self._key, digest_size=32)
        found = []
        for member in members:
            state = start.copy()
            state.update(member.encode())
            found.append(state.digest())
        return found

    def seals(self, members: Iterable[str]) -> list[bytes]:
        """Each of ``members`` sealed, in order."""
        if self._cipher is None:
            return [member.encode() for member in members]
        return [self.seal(member) for member in members]

    def seal(self, member: str) -> bytes:
        raw = member.encode()
        return raw if self._cipher is None else bytes(self._cipher.encrypt(raw))

    def open(self, sealed: bytes) -> str:
        raw = bytes(sealed) if self._cipher is None else self._cipher.decrypt(bytes(sealed))
        return bytes(raw).decode()


class IdentityVault(Protocol):
    """Where pseudonyms are found from identifiers, and identifiers from pseudonyms."""

    def pseudonyms(self, programme: UUID, members: Collection[str]) -> dict[str, str]:
        """The pseudonym of each of ``members`` that the vault holds (others are left out)."""
        ...

    def add(self, programme: UUID, pseudonyms: Mapping[str, str]) -> dict[str, str]:
        """Keep ``member -> pseudonym`` pairs; a member already held keeps the pseudonym it
        has (another writer may have been first).  Returns the pseudonym each member has."""
        ...

    def identities(self, programme: UUID, pseudonyms: Collection[str]) -> dict[str, str]:
        """The identifier behind each pseudonym the vault still holds."""
        ...

    def forget(self, programme: UUID, member: str) -> str | None:
        """Delete the member's row and scrub it from the store (:meth:`scrub`); returns its
        pseudonym, or ``None`` when the vault held no such member (nothing is scrubbed)."""
        ...

    def scrub(self) -> None:
        """Remove from the store's files every copy of vault rows deleted before: the
        write-ahead log (SQLite), dead row versions (PostgreSQL).  Raises
        :class:`~schedcore.errors.StoreBusyError` when another connection keeps a copy
        alive for longer than the store's lock timeout; calling it again later finishes."""
        ...

    def everyone(self, programme: UUID) -> dict[str, str]:
        """Every member the vault holds for the programme, with its pseudonym (to copy the
        vault into another store, e.g. when the cipher key is rotated)."""
        ...


class MemoryVault:
    """The vault of a ``memory://`` store (and of an in-memory SQLite one)."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._lock = threading.Lock()
        self._rows: dict[tuple[UUID, bytes], tuple[str, bytes]] = {}
        self._by_pseudonym: dict[tuple[UUID, str], bytes] = {}

    def pseudonyms(self, programme: UUID, members: Collection[str]) -> dict[str, str]:
        digest = self._sealer.digest
        with self._lock:
            found = {m: self._rows.get((programme, digest(programme, m))) for m in members}
        return {m: row[0] for m, row in found.items() if row is not None}

    def add(self, programme: UUID, pseudonyms: Mapping[str, str]) -> dict[str, str]:
        result = {}
        with self._lock:
            for member, pseudonym in pseudonyms.items():
                key = (programme, self._sealer.digest(programme, member))
                row = self._rows.setdefault(key, (pseudonym, self._sealer.seal(member)))
                self._by_pseudonym[(programme, row[0])] = key[1]
                result[member] = row[0]
        return result

    def identities(self, programme: UUID, pseudonyms: Collection[str]) -> dict[str, str]:
        found = {}
        with self._lock:
            for pseudonym in pseudonyms:
                digest = self._by_pseudonym.get((programme, pseudonym))
                if digest is not None:
                    found[pseudonym] = self._sealer.open(self._rows[(programme, digest)][1])
        return found

    def everyone(self, programme: UUID) -> dict[str, str]:
        with self._lock:
            rows = [row for (pid, _), row in self._rows.items() if pid == programme]
        return {self._sealer.open(sealed): pseudonym for pseudonym, sealed in rows}

    def forget(self, programme: UUID, member: str) -> str | None:
        with self._lock:
            row = self._rows.pop((programme, self._sealer.digest(programme, member)), None)
            if row is None:
                return None
            del self._by_pseudonym[(programme, row[0])]
            return row[0]

    def scrub(self) -> None:
        """Nothing to do: a forgotten row is dropped from this process's memory."""


class SqliteVault:
    """The vault in the store's SQLite file, through connections of its own."""

    def __init__(self, path: str, sealer: Sealer, *, lock_timeout: float = 10.0) -> None:
        self._path = path
        self._sealer = sealer
        self._timeout = lock_timeout

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self._path, timeout=self._timeout)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the identity vault in {self._path}: {exc}") from None
        try:
            # Freed pages of the vault are overwritten with zeros, not left to be read.
            connection.execute("PRAGMA secure_delete=ON")
            if write:
                # A bulk import adds many rows at random places of two indexes (digests and
                # pseudonyms are random): a page cache large enough to hold them spares
                # re-reading pages it evicted.  Pages are taken only as they are used.
                connection.execute(f"PRAGMA cache_size=-{_WRITE_CACHE_KIB}")
                # The digest covers the programme, and pseudonyms are random: each is a key.
                # Rows go in rowid order (appended); only the two keys' indexes take them at
                # random places, which is cheaper than whole rows kept in digest order.  (A
                # vault made earlier, ``WITHOUT ROWID``, works the same.)
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                    " digest BLOB NOT NULL PRIMARY KEY, programme TEXT NOT NULL,"
                    " pseudonym TEXT NOT NULL UNIQUE, identity BLOB NOT NULL)"
                )
            yield connection
        except sqlite3.Error as exc:
            from schedcore.stores import is_lock_wait

            if is_lock_wait(exc):
                raise StoreBusyError(
                    f"identity vault in {self._path}: another writer kept the store locked for "
                    f"longer than its lock timeout ({exc}); nothing was recorded, retry later"
                ) from None
            raise StoreError(f"identity vault in {self._path}: {exc}") from None
        finally:
            connection.close()

    def _exists(self, connection: sqlite3.Connection) -> bool:
        return bool(
            connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
            ).fetchall()
        )

    def pseudonyms(self, programme: UUID, members: Collection[str]) -> dict[str, str]:
        if not members:
            return {}
        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            return self._select(connection, programme, members)

    def _select(
        self, connection: sqlite3.Connection, programme: UUID, members: Collection[str]
    ) -> dict[str, str]:
        listed = list(members)
        by_digest = dict(zip(self._sealer.digests(programme, listed), listed, strict=True))
        found: dict[str, str] = {}
        if len(by_digest) > _SCAN:
            # many members (a bulk import): one pass over the programme's rows
            for key, pseudonym in connection.execute(
                f"SELECT digest, pseudonym FROM {TABLE} WHERE programme = ?", (programme.hex,)
            ):
                member = by_digest.get(bytes(key))
                if member is not None:
                    found[member] = pseudonym
            return found
        digests = list(by_digest)
        for start in range(0, len(digests), 500):
            part = digests[start : start + 500]
            marks = ",".join("?" * len(part))
            for digest, pseudonym in connection.execute(
                f"SELECT digest, pseudonym FROM {TABLE} WHERE programme = ? "
                f"AND digest IN ({marks})",
                (programme.hex, *part),
            ):
                found[by_digest[bytes(digest)]] = pseudonym
        return found

    def add(self, programme: UUID, pseudonyms: Mapping[str, str]) -> dict[str, str]:
        if not pseudonyms:
            return {}
        members = list(pseudonyms)
        rows = zip(
            itertools.repeat(programme.hex),
            self._sealer.digests(programme, members),
            pseudonyms.values(),
            self._sealer.seals(members),
        )
        with self._connection(write=True) as connection, connection:
            added = connection.executemany(
                f"INSERT OR IGNORE INTO {TABLE} (programme, digest, pseudonym, identity) "
                "VALUES (?, ?, ?, ?)",
                rows,
            ).rowcount
            if added == len(pseudonyms):
                return dict(pseudonyms)  # every one ours: no other writer was first
            return self._select(connection, programme, list(pseudonyms))

    def everyone(self, programme: UUID) -> dict[str, str]:
        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            rows = connection.execute(
                f"SELECT pseudonym, identity FROM {TABLE} WHERE programme = ?", (programme.hex,)
            ).fetchall()
        return {self._sealer.open(sealed): pseudonym for pseudonym, sealed in rows}

    def identities(self, programme: UUID, pseudonyms: Collection[str]) -> dict[str, str]:
        if not pseudonyms:
            return {}
        found: dict[str, str] = {}
        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            wanted = list(pseudonyms)
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                for pseudonym, sealed in connection.execute(
                    f"SELECT pseudonym, identity FROM {TABLE} WHERE programme = ? "
                    f"AND pseudonym IN ({marks})",
                    (programme.hex, *part),
                ):
                    found[pseudonym] = self._sealer.open(sealed)
        return found

    def forget(self, programme: UUID, member: str) -> str | None:
        with self._connection(write=True) as connection:
            with connection:
                found = self._select(connection, programme, [member]).get(member)
                if found is None:
                    return None
                connection.execute(
                    f"DELETE FROM {TABLE} WHERE programme = ? AND digest = ?",
                    (programme.hex, self._sealer.digest(programme, member)),
                )
            self._truncate_log(connection)
            return found

    def scrub(self) -> None:
        with self._connection(write=False) as connection:
            self._truncate_log(connection)

    def _truncate_log(self, connection: sqlite3.Connection) -> None:
        """Copy the write-ahead log into the (zeroed) pages of the file and cut it to
        nothing, retrying while a reader still needs it, up to the lock timeout."""
        deadline = time.monotonic() + self._timeout
        pause = 0.05
        while True:
            # The busy handler waits for readers too (up to the connection's timeout).
            connection.execute(f"PRAGMA busy_timeout = {int(min(pause, 1.0) * 1000)}")
            row = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if row is None or not row[0]:
                return  # not in WAL mode (no log), or the log is cut to nothing
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        raise StoreBusyError(
            f"the member's identity is gone from the identity vault of {self._path}, but "
            "another connection reading the store kept its write-ahead log from being "
            f"truncated for longer than the lock timeout ({self._timeout:g} s), and the log "
            "may still hold a copy of it: run the same erase again once that reader is done "
            "(it scrubs the log and writes nothing else)"
        )


class PostgresVault:
    """The vault in the store's PostgreSQL schema."""

    def __init__(self, settings: Mapping[str, str], display: str, sealer: Sealer) -> None:
        self._settings = settings
        self._display = display
        self._sealer = sealer
        self._schema = settings.get("POSTGRES_SCHEMA") or "public"

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[Any]:
        from psycopg import sql

        from schedcore.stores import _postgres_connection

        with _postgres_connection(self._settings, self._display) as connection:
            if write and not self._exists(connection):
                # Processes creating it at once would race in the catalogue: one at a time.
                with connection.transaction():
                    connection.execute(
                        "SELECT pg_advisory_xact_lock(hashtext(%s))",
                        (f"schedcore-vault:{self._schema}",),
                    )
                    connection.execute(
                        sql.SQL(
                            "CREATE TABLE IF NOT EXISTS {}.{} ("
                            " digest BYTEA NOT NULL PRIMARY KEY, programme TEXT NOT NULL,"
                            " pseudonym TEXT NOT NULL UNIQUE, identity BYTEA NOT NULL)"
                        ).format(sql.Identifier(self._schema), sql.Identifier(TABLE))
                    )
            yield connection

    def _table(self) -> Any:
        from psycopg import sql

        return sql.Identifier(self._schema, TABLE)

    def _exists(self, connection: Any) -> bool:
        row = connection.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))", (self._schema, TABLE)
        ).fetchone()
        return row is not None and row[0] is not None

    def _select(self, connection: Any, programme: UUID, members: Collection[str]) -> dict[str, str]:
        from psycopg import sql

        listed = list(members)
        by_digest = dict(zip(self._sealer.digests(programme, listed), listed, strict=True))
        rows = connection.execute(
            sql.SQL(
                "SELECT digest, pseudonym FROM {} WHERE programme = %s AND digest = ANY(%s)"
            ).format(self._table()),
            (programme.hex, list(by_digest)),
        ).fetchall()
        return {by_digest[bytes(digest)]: pseudonym for digest, pseudonym in rows}

    def pseudonyms(self, programme: UUID, members: Collection[str]) -> dict[str, str]:
        if not members:
            return {}
        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            return self._select(connection, programme, members)

    def add(self, programme: UUID, pseudonyms: Mapping[str, str]) -> dict[str, str]:
        from psycopg import sql

        if not pseudonyms:
            return {}
        members = list(pseudonyms)
        with self._connection(write=True) as connection:
            # Rows go in in digest order: writers adding some of the same members, each in
            # its own order, would otherwise each wait for a row the other inserted first,
            # and PostgreSQL would break the deadlock by failing one of them.
            added = connection.execute(
                sql.SQL(
                    "INSERT INTO {} (programme, digest, pseudonym, identity) "
                    "SELECT %s, d, p, i FROM unnest(%s::bytea[], %s::text[], %s::bytea[]) "
                    "AS n(d, p, i) ORDER BY d ON CONFLICT DO NOTHING"
                ).format(self._table()),
                (
                    programme.hex,
                    self._sealer.digests(programme, members),
                    list(pseudonyms.values()),
                    self._sealer.seals(members),
                ),
            ).rowcount
            if added == len(members):
                return dict(pseudonyms)  # every one ours: no other writer was first
            return self._select(connection, programme, members)

    def everyone(self, programme: UUID) -> dict[str, str]:
        from psycopg import sql

        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            rows = connection.execute(
                sql.SQL("SELECT pseudonym, identity FROM {} WHERE programme = %s").format(
                    self._table()
                ),
                (programme.hex,),
            ).fetchall()
        return {self._sealer.open(sealed): pseudonym for pseudonym, sealed in rows}

    def identities(self, programme: UUID, pseudonyms: Collection[str]) -> dict[str, str]:
        from psycopg import sql

        if not pseudonyms:
            return {}
        with self._connection(write=False) as connection:
            if not self._exists(connection):
                return {}
            rows = connection.execute(
                sql.SQL(
                    "SELECT pseudonym, identity FROM {} WHERE programme = %s "
                    "AND pseudonym = ANY(%s)"
                ).format(self._table()),
                (programme.hex, list(pseudonyms)),
            ).fetchall()
        return {pseudonym: self._sealer.open(sealed) for pseudonym, sealed in rows}

    def forget(self, programme: UUID, member: str) -> str | None:
        from psycopg import sql

        with self._connection(write=True) as connection:
            found = self._select(connection, programme, [member]).get(member)
            if found is None:
                return None
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE programme = %s AND digest = %s").format(
                    self._table()
                ),
                (programme.hex, self._sealer.digest(programme, member)),
            )
            self._rewrite(connection)
            return found

    def scrub(self) -> None:
        with self._connection(write=False) as connection:
            if self._exists(connection):
                self._rewrite(connection)

    def _rewrite(self, connection: Any) -> None:
        """Rewrite the table (and its indexes) with no dead row version in it.

        ``VACUUM FULL`` copies a deleted row into the new file while any transaction of the
        database holds a snapshot older than the delete (a report, a projection mid-batch,
        ``pg_dump``): the copy is what such a snapshot still sees.  Its report says how many
        dead row versions it had to keep; the rewrite is repeated until none is, waiting
        for the old snapshots to end, up to the store's lock timeout."""
        from psycopg import sql

        kept: list[int] = []

        def notice(diagnostic: Any) -> None:
            found = _KEPT_DEAD.search(diagnostic.message_detail or "")
            if found is not None:
                kept.append(int(found[1]))

        timeout = float(self._settings.get("POSTGRES_LOCK_TIMEOUT") or 5)
        deadline = time.monotonic() + timeout
        pause = 0.05
        # Every transaction that deleted a row is older than this one's snapshot.
        (since,) = connection.execute(
            "SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)::text::xid"
        ).fetchone()
        vacuum = sql.SQL("VACUUM (FULL, VERBOSE) {}").format(self._table())
        connection.add_notice_handler(notice)
        try:
            while True:
                kept.clear()
                connection.execute(vacuum)
                if kept and not any(kept):
                    return  # no dead row version kept
                if not kept and not self._older_snapshots(connection, since):
                    # The report is not in English: no snapshot older than the deletes is
                    # left now, and none can begin, so this rewrite keeps no dead row.
                    connection.execute(vacuum)
                    return
                if time.monotonic() + pause > deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        finally:
            connection.remove_notice_handler(notice)
        raise StoreBusyError(
            f"the member's identity is gone from the live rows of the identity vault of "
            f"{self._display}, but a transaction older than the erasure (a report, a "
            "projection, a backup) kept a dead copy of its row in the table's files for longer "
            f"than the lock timeout ({timeout:g} s): run the same erase again once older "
            "transactions have ended (it scrubs the table and writes nothing else)"
        )

    @staticmethod
    def _older_snapshots(connection: Any, since: Any) -> bool:
        """Whether a backend of the database (or a standby's feedback, a replication slot,
        a prepared transaction) still holds a snapshot taken, or runs a transaction begun,
        before transaction ``since``."""
        (found,) = connection.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND (datname = current_database() OR datname IS NULL) "
            "AND (age(backend_xmin) > age(%(since)s::xid) "
            "OR age(backend_xid) > age(%(since)s::xid))) "
            "OR EXISTS (SELECT 1 FROM pg_replication_slots WHERE xmin IS NOT NULL "
            "AND age(xmin) > age(%(since)s::xid)) "
            "OR EXISTS (SELECT 1 FROM pg_prepared_xacts "
            "WHERE age(transaction) > age(%(since)s::xid))",
            {"since": since},
        ).fetchone()
        return bool(found)


#: ``VACUUM (FULL, VERBOSE)``'s detail on the dead row versions a snapshot still needs.
_KEPT_DEAD = re.compile(r"(\d+) dead row versions cannot be removed yet")

#: The page cache of a connection that writes to the SQLite vault, in KiB.
_WRITE_CACHE_KIB = 65536
#: Above this many members, a lookup reads the programme's rows once rather than by digest.
_SCAN = 5000


def _sealer_for(env: Mapping[str, str]) -> Sealer:
    key = env.get("CIPHER_KEY") or ""
    if not key:
        return Sealer(None, b"schedcore identity vault")
    from eventsourcing.cipher import AESCipher
    from eventsourcing.utils import Environment

    cipher = AESCipher(Environment("vault", {"CIPHER_KEY": key}))
    return Sealer(cipher, hashlib.sha256(b"schedcore identity vault\x00" + key.encode()).digest())


def vault_for_app(app: Any) -> IdentityVault:
    """The vault of an application's store: its SQLite file, its PostgreSQL schema, or (for
    an in-memory store) this process's memory."""
    env = app.env
    sealer = _sealer_for({"CIPHER_KEY": env.get("CIPHER_KEY") or ""})
    module = env.get("PERSISTENCE_MODULE") or "eventsourcing.popo"
    if module == "eventsourcing.sqlite":
        name = env.get("SQLITE_DBNAME") or ""
        if not name or name == ":memory:" or "mode=memory" in name:
            return MemoryVault(sealer)
        return SqliteVault(name, sealer, lock_timeout=float(env.get("SQLITE_LOCK_TIMEOUT") or 10))
    if module == "eventsourcing.postgres":
        keys = (
            "POSTGRES_DBNAME",
            "POSTGRES_HOST",
            "POSTGRES_PORT",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "POSTGRES_SCHEMA",
            "POSTGRES_CONNECT_TIMEOUT",
            "POSTGRES_LOCK_TIMEOUT",
        )
        display = getattr(app, "store_display", "postgresql://")
        return PostgresVault({key: env.get(key) or "" for key in keys}, display, sealer)
    return MemoryVault(sealer)
