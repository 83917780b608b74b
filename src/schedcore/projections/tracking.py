"""The tracked position of each runner, and the events it parked.

One row per runner name: the log position of the last event applied to its views, and a
generation that a rebuild increments when it swaps fresh tables in.  The row is updated in the
same transaction as the views, and only if it still holds the values the batch started from
(compare-and-set): a batch that raced another runner, or a rebuild's swap, changes nothing and
is read again.  That is what makes an event count exactly once, even across crashes.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from schedcore.calendar import now
from schedcore.errors import ConcurrencyError
from schedcore.projections._database import Cursor, Reader, ViewDatabase

__all__ = ["DeadLetter", "Position", "PositionConflict", "Tracking"]

POSITIONS_TABLE = "projection_positions"
DEAD_LETTERS_TABLE = "projection_dead_letters"


@attrs.frozen
class Position:
    """Where a runner's views are: the last log position applied, and the tables' generation."""

    position: int
    generation: int


@attrs.frozen
class DeadLetter:
    """An event parked by the ``park`` error policy: skipped, with the error that stopped it."""

    notification_id: int
    topic: str
    error: str
    parked_at: datetime
    generation: int


class PositionConflict(ConcurrencyError):
    """The tracked position moved under a batch (another runner, or a rebuild's swap)."""


class Tracking:
    """The position row and dead letters of the runner called ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def create_tables(cursor: Cursor, database: ViewDatabase) -> None:
        integer = database.type_name("INTEGER")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {POSITIONS_TABLE} (name TEXT PRIMARY KEY, "
            f"position {integer} NOT NULL, generation {integer} NOT NULL, updated_at TEXT)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DEAD_LETTERS_TABLE} (name TEXT NOT NULL, "
            f"generation {integer} NOT NULL, notification_id {integer} NOT NULL, "
            "topic TEXT NOT NULL, error TEXT NOT NULL, parked_at TEXT NOT NULL, "
            "PRIMARY KEY (name, generation, notification_id))"
        )

    def read(self, cursor: Reader, *, lock: bool = False) -> Position:
        """The stored position (0, generation 0 if the runner never ran).

        ``lock`` (inside a transaction) keeps other runners off the row until it ends; SQLite's
        ``BEGIN IMMEDIATE`` already holds the whole file.
        """
        sql = f"SELECT position, generation FROM {POSITIONS_TABLE} WHERE name = ?"
        if lock and cursor.dialect == "postgresql":
            sql += " FOR UPDATE"
        rows = cursor.query(sql, (self.name,))
        if not rows:
            return Position(0, 0)
        return Position(int(rows[0][0]), int(rows[0][1]))

    def advance(self, cursor: Cursor, old: Position, position: int) -> Position:
        """Move from ``old`` to ``position`` (same generation), or raise
        :class:`PositionConflict` if the row no longer holds ``old``."""
        return self._set(cursor, old, Position(position, old.generation))

    def swap(self, cursor: Cursor, old: Position, position: int) -> Position:
        """Record a rebuild's swap: ``position`` in a new generation."""
        return self._set(cursor, old, Position(position, old.generation + 1))

    def _set(self, cursor: Cursor, old: Position, new: Position) -> Position:
        stamp = now().isoformat()
        if old == Position(0, 0):
            changed = cursor.execute(
                f"INSERT INTO {POSITIONS_TABLE} (name, position, generation, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (self.name, new.position, new.generation, stamp),
            )
            if changed == 1:
                return new
        changed = cursor.execute(
            f"UPDATE {POSITIONS_TABLE} SET position = ?, generation = ?, updated_at = ? "
            "WHERE name = ? AND position = ? AND generation = ?",
            (new.position, new.generation, stamp, self.name, old.position, old.generation),
        )
        if changed != 1:
            raise PositionConflict(
                f"projection {self.name!r} moved past position {old.position} "
                f"(generation {old.generation}) while a batch was applied; it will be read again"
            )
        return new

    def park(
        self, cursor: Cursor, generation: int, notification_id: int, topic: str, error: str
    ) -> None:
        cursor.execute(
            f"INSERT INTO {DEAD_LETTERS_TABLE} "
            "(name, generation, notification_id, topic, error, parked_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.name, generation, notification_id, topic, error, now().isoformat()),
        )

    def dead_letters(self, database: ViewDatabase, generation: int) -> list[DeadLetter]:
        rows = database.query(
            f"SELECT notification_id, topic, error, parked_at, generation "
            f"FROM {DEAD_LETTERS_TABLE} WHERE name = ? AND generation = ? "
            "ORDER BY notification_id",
            (self.name, generation),
        )
        return [
            DeadLetter(int(r[0]), r[1], r[2], datetime.fromisoformat(r[3]), int(r[4])) for r in rows
        ]
