"""Waking a projection daemon when events are written, instead of polling.

The PostgreSQL recorder sends a notification on its channel in the transaction of every write
(``NOTIFY``, delivered at commit).  A daemon listens on a connection of its own and sleeps
until one arrives, or until a fallback interval passes (a notification missed while the
connection was down costs at most that long).  SQLite has no notifications: its daemons poll.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Protocol

__all__ = ["Wakeup", "wakeup_for"]

#: Longest single wait, so a daemon notices ``stop`` promptly.
_SLICE = 0.25


class Wakeup(Protocol):
    """Sleeps until the log may have grown."""

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Wait for a write (True), ``timeout`` seconds or ``stop`` (False)."""
        ...

    def close(self) -> None:
        """Stop listening."""
        ...


class PostgresWakeup:
    """``LISTEN`` on the recorder's channel, on a connection of its own."""

    def __init__(self, connection: Any, channel: str) -> None:
        from psycopg import sql

        self._connection = connection
        self.channel = channel
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._connection.closed:  # lost: wait out the fallback interval, as polling
                stop.wait(remaining)
                return False
            woken = False
            try:
                for _ in self._connection.notifies(timeout=min(remaining, _SLICE), stop_after=1):
                    woken = True
                if woken:
                    # several writes may have been notified: one catch-up reads them all
                    for _ in self._connection.notifies(timeout=0.0):
                        pass
            except Exception:  # the server went away: the daemon goes on polling
                self.close()
                return True  # look at the log now: a write may have been missed
            if woken:
                return True
        return False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()


def wakeup_for(app: Any) -> Wakeup | None:
    """A :class:`Wakeup` for ``app``'s store, or ``None`` where there are no notifications
    (SQLite, memory) or they cannot be listened to (then the daemon polls)."""
    env = app.env
    channel = getattr(app.recorder, "channel_name", None)
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres" or not channel:
        return None
    try:
        import psycopg

        connection = psycopg.connect(
            dbname=env.get("POSTGRES_DBNAME"),
            host=env.get("POSTGRES_HOST"),
            port=env.get("POSTGRES_PORT") or "5432",
            user=env.get("POSTGRES_USER"),
            password=env.get("POSTGRES_PASSWORD") or None,
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT") or "10"),
            autocommit=True,
        )
        return PostgresWakeup(connection, str(channel))
    except Exception:  # no listener: the daemon polls, as on SQLite
        return None
