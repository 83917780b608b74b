"""Each read model's checkpoint, and the events it parked.

One row per runner, model and slot (``live``: the tables readers use; ``shadow``: the fresh
tables of a rebuild under way): the model's fingerprint (its version and the shape of its
tables), the log position of the last event applied to those tables, and a generation that a
rebuild increments when it swaps fresh tables in.  A row is updated in the same transaction
as its tables, and only if it still holds the values the batch started from (compare-and-set):
a batch that raced another runner, or a rebuild's swap, changes nothing and is read again.
That is what makes an event count exactly once per model, even across crashes.

Stores written before checkpoints were kept per model have one row per runner in
``projection_positions``; :meth:`Checkpoints.adopt_legacy` takes it over once, for every model
whose tables are there with the columns the model declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

import attrs

from schedcore.calendar import now
from schedcore.errors import ConcurrencyError
from schedcore.projections._database import Cursor, Reader, ViewDatabase

__all__ = [
    "Checkpoint",
    "Checkpoints",
    "DeadLetter",
    "Position",
    "PositionConflict",
    "Slot",
]

CHECKPOINTS_TABLE = "projection_checkpoints"
PARKED_TABLE = "projection_parked"
#: The tables of stores written before checkpoints were kept per model (read once, to migrate).
LEGACY_POSITIONS_TABLE = "projection_positions"
LEGACY_DEAD_LETTERS_TABLE = "projection_dead_letters"

Slot = Literal["live", "shadow"]


@attrs.frozen
class Position:
    """Where views are: the last log position applied, and the tables' generation."""

    position: int
    generation: int


@attrs.frozen
class Checkpoint:
    """A model's tables in one slot: the fingerprint they were built with, their position and
    generation."""

    model: str
    slot: Slot
    version: str
    position: int
    generation: int


@attrs.frozen
class DeadLetter:
    """An event parked by the ``park`` error policy: skipped by ``model``, with its error."""

    notification_id: int
    topic: str
    error: str
    parked_at: datetime
    generation: int
    model: str = ""


class PositionConflict(ConcurrencyError):
    """A checkpoint moved under a batch (another runner, or a rebuild's swap)."""


class Checkpoints:
    """The checkpoints and parked events of the runner called ``runner``."""

    def __init__(self, runner: str) -> None:
        self.runner = runner

    @staticmethod
    def create_tables(cursor: Cursor, database: ViewDatabase) -> None:
        integer = database.type_name("INTEGER")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} (runner TEXT NOT NULL, "
            "model TEXT NOT NULL, slot TEXT NOT NULL, version TEXT NOT NULL, "
            f"position {integer} NOT NULL, generation {integer} NOT NULL, updated_at TEXT, "
            "PRIMARY KEY (runner, model, slot))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PARKED_TABLE} (runner TEXT NOT NULL, "
            f"model TEXT NOT NULL, generation {integer} NOT NULL, "
            f"notification_id {integer} NOT NULL, topic TEXT NOT NULL, error TEXT NOT NULL, "
            "parked_at TEXT NOT NULL, PRIMARY KEY (runner, model, generation, notification_id))"
        )

    def read(
        self, reader: Reader, slot: Slot = "live", *, lock: bool = False
    ) -> dict[str, Checkpoint]:
        """The checkpoints of every model in ``slot``, by model name.

        ``lock`` (inside a transaction) keeps other runners off the rows until it ends;
        SQLite's ``BEGIN IMMEDIATE`` already holds the whole file.
        """
        sql = (
            f"SELECT model, version, position, generation FROM {CHECKPOINTS_TABLE} "
            "WHERE runner = ? AND slot = ?"
        )
        if lock and reader.dialect == "postgresql":
            sql += " FOR UPDATE"
        return {
            r[0]: Checkpoint(r[0], slot, r[1], int(r[2]), int(r[3]))
            for r in reader.query(sql, (self.runner, slot))
        }

    def advance(self, cursor: Cursor, old: Checkpoint, position: int) -> Checkpoint:
        """Move ``old`` to ``position``, or raise :class:`PositionConflict` if the row no
        longer holds ``old``."""
        new = attrs.evolve(old, position=position)
        changed = cursor.execute(
            f"UPDATE {CHECKPOINTS_TABLE} SET position = ?, updated_at = ? "
            "WHERE runner = ? AND model = ? AND slot = ? AND version = ? AND position = ? "
            "AND generation = ?",
            (
                position,
                now().isoformat(),
                self.runner,
                old.model,
                old.slot,
                old.version,
                old.position,
                old.generation,
            ),
        )
        if changed != 1:
            raise PositionConflict(
                f"projection {self.runner!r}: model {old.model!r} moved past position "
                f"{old.position} (generation {old.generation}) while a batch was applied; "
                "it will be read again"
            )
        return new

    def put(self, cursor: Cursor, checkpoint: Checkpoint) -> None:
        """Write ``checkpoint`` whatever the row held (set-up, swaps: under the write lock)."""
        cursor.execute(
            f"DELETE FROM {CHECKPOINTS_TABLE} WHERE runner = ? AND model = ? AND slot = ?",
            (self.runner, checkpoint.model, checkpoint.slot),
        )
        cursor.execute(
            f"INSERT INTO {CHECKPOINTS_TABLE} "
            "(runner, model, slot, version, position, generation, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.runner,
                checkpoint.model,
                checkpoint.slot,
                checkpoint.version,
                checkpoint.position,
                checkpoint.generation,
                now().isoformat(),
            ),
        )

    def delete(self, cursor: Cursor, model: str, slot: Slot) -> None:
        cursor.execute(
            f"DELETE FROM {CHECKPOINTS_TABLE} WHERE runner = ? AND model = ? AND slot = ?",
            (self.runner, model, slot),
        )

    # -- parked events ---------------------------------------------------------------------

    def park(
        self,
        cursor: Cursor,
        model: str,
        generation: int,
        notification_id: int,
        topic: str,
        error: str,
    ) -> None:
        cursor.execute(
            f"INSERT INTO {PARKED_TABLE} "
            "(runner, model, generation, notification_id, topic, error, parked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (self.runner, model, generation, notification_id, topic, error, now().isoformat()),
        )

    def forget_parked(self, cursor: Cursor, model: str, generation: int) -> None:
        cursor.execute(
            f"DELETE FROM {PARKED_TABLE} WHERE runner = ? AND model = ? AND generation = ?",
            (self.runner, model, generation),
        )

    def renumber_parked(self, cursor: Cursor, model: str, old: int, new: int) -> None:
        cursor.execute(
            f"UPDATE {PARKED_TABLE} SET generation = ? "
            "WHERE runner = ? AND model = ? AND generation = ?",
            (new, self.runner, model, old),
        )

    def parked(self, reader: Reader, generations: Mapping[str, int]) -> list[DeadLetter]:
        """The events parked by each model of ``generations`` in that generation."""
        rows = reader.query(
            "SELECT notification_id, topic, error, parked_at, generation, model "
            f"FROM {PARKED_TABLE} WHERE runner = ? ORDER BY notification_id, model",
            (self.runner,),
        )
        return [
            DeadLetter(int(r[0]), r[1], r[2], datetime.fromisoformat(r[3]), int(r[4]), r[5])
            for r in rows
            if generations.get(r[5]) == int(r[4])
        ]

    # -- stores of earlier releases ----------------------------------------------------------

    def adopt_legacy(
        self,
        cursor: Cursor,
        database: ViewDatabase,
        valid: Iterable[tuple[str, str]],
    ) -> Position | None:
        """Take over the runner's one shared position row of an earlier release for each
        ``(model, fingerprint)`` in ``valid`` (models whose tables are there with the declared
        columns), with the events it parked.  Returns the legacy position, or ``None`` if
        there is none to take over."""
        if not _exists(cursor, LEGACY_POSITIONS_TABLE):
            return None
        rows = cursor.query(
            f"SELECT position, generation FROM {LEGACY_POSITIONS_TABLE} WHERE name = ?",
            (self.runner,),
        )
        if not rows:
            return None
        legacy = Position(int(rows[0][0]), int(rows[0][1]))
        parked: list[tuple[object, ...]] = []
        if _exists(cursor, LEGACY_DEAD_LETTERS_TABLE):
            parked = cursor.query(
                "SELECT notification_id, topic, error, parked_at "
                f"FROM {LEGACY_DEAD_LETTERS_TABLE} WHERE name = ? AND generation = ?",
                (self.runner, legacy.generation),
            )
        for model, fingerprint in valid:
            self.put(
                cursor,
                Checkpoint(model, "live", fingerprint, legacy.position, legacy.generation),
            )
            # an event parked then was skipped by every model: it is parked by each
            for notification_id, topic, error, parked_at in parked:
                cursor.execute(
                    f"INSERT INTO {PARKED_TABLE} (runner, model, generation, notification_id, "
                    "topic, error, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (
                        self.runner,
                        model,
                        legacy.generation,
                        notification_id,
                        topic,
                        error,
                        parked_at,
                    ),
                )
        return legacy


def _exists(reader: Reader, table: str) -> bool:
    return table_columns(reader, table) is not None


def table_columns(reader: Reader, table: str) -> list[str] | None:
    """The column names of ``table`` in order, or ``None`` if there is no such table."""
    if reader.dialect == "sqlite":
        rows = reader.query(f"PRAGMA table_info({table})")
        return [r[1] for r in rows] or None
    rows = reader.query(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    )
    return [r[0] for r in rows] or None
