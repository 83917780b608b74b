"""What a read model is: tables it owns, and how it folds a batch of events into them.

A read model never commits: the runner folds a batch of events into every model (in memory),
then opens one transaction, lets every model flush through the same cursor, writes the new
tracked position, and commits.  Table names are given to ``flush`` by logical name, because a
rebuild fills fresh tables (with a suffix) that are swapped in when they have caught up.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from schedcore.projections._database import Cursor, Reader, ViewDatabase

__all__ = ["Column", "Envelope", "Handler", "HandlerModel", "ReadModel", "Table"]


@attrs.frozen
class Column:
    """One column of a read model's table: its name, SQL type (``TEXT`` by default) and whether
    it may be NULL.
    """

    name: str
    type: str = "TEXT"
    nullable: bool = True


@attrs.frozen
class Table:
    """A view table: its logical name, columns and primary key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns' names, in order."""
        return tuple(column.name for column in self.columns)

    def create_statement(self, actual_name: str, database: ViewDatabase) -> str:
        """The ``CREATE TABLE IF NOT EXISTS`` statement of this table as ``actual_name`` in
        ``database``'s dialect, with its primary key.
        """
        columns = ", ".join(
            f"{c.name} {database.type_name(c.type)}{'' if c.nullable else ' NOT NULL'}"
            for c in self.columns
        )
        return (
            f"CREATE TABLE IF NOT EXISTS {actual_name} ({columns}, "
            f"CONSTRAINT {actual_name}_key PRIMARY KEY ({', '.join(self.key)}))"
            + database.create_table_suffix()
        )


@attrs.frozen
class Envelope:
    """A decoded event and where it sits: its log position, topic and programme.

    ``programme`` is the programme's key in the views (``None`` for events that belong to no
    schedcore programme).
    """

    position: int
    topic: str
    event: Any
    programme: int | None


class ReadModel(ABC):
    """A read model maintained by a :class:`~schedcore.projections.runner.ProjectionRunner`.

    A batch goes in three steps.  ``begin`` starts it and names the tables and a ``reader``
    to load state from if the model caches any.  ``fold`` is given the batch's events, a page
    at a time and in log order, and gathers in memory what they change; it runs outside any
    transaction.  ``flush`` then writes what was gathered, inside the batch's transaction,
    through the cursor it is given (never committing).  Folding a batch at once or event by
    event (with a flush after each) must give the same tables: the runner's tests check it,
    and the runner relies on it to find an event that fails.
    """

    #: A stable name (shown in errors and progress, and the key of the model's checkpoint).
    name: ClassVar[str]
    #: The tables this model owns.
    tables: ClassVar[tuple[Table, ...]]
    #: The version of the fold: raise it when the same events would now give other rows.
    #: With the tables' shape it makes the :meth:`fingerprint` the runner checks; a stored
    #: fingerprint that differs makes the runner rebuild this model alone, in shadow tables.
    version: ClassVar[int] = 1
    #: The event classes this model folds (``None``: every event).  The runner gives the model
    #: only these, and a runner whose models all declare theirs reads only their topics.
    handles: ClassVar[frozenset[type] | None] = None

    def handled(self) -> frozenset[type] | None:
        """The event classes this model folds (``None``: every event)."""
        return self.handles

    def fingerprint(self) -> str:
        """``version`` and a digest of the tables' names, columns, types and keys: what the
        runner stores with the model's checkpoint and compares when it opens."""
        shape = repr(
            [
                (t.name, [(c.name, c.type, c.nullable) for c in t.columns], t.key)
                for t in self.tables
            ]
        )
        return f"{self.version}:{hashlib.sha256(shape.encode()).hexdigest()[:16]}"

    @abstractmethod
    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        """Start a batch: forget what the last one gathered."""

    @abstractmethod
    def fold(self, events: Sequence[Envelope]) -> None:
        """Gather the changes ``events`` make (in log order)."""

    @abstractmethod
    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        """Write the changes gathered since ``begin`` to the tables named in ``tables``."""

    def reset(self) -> None:  # noqa: B027 - optional hook
        """Forget any state cached across batches (after a rollback, before a rebuild)."""


Handler = Callable[[Cursor, Mapping[str, str], int, Any], None]


class HandlerModel(ReadModel):
    """A read model of few, small events: each event handled in turn at flush time.

    Subclasses map event classes to handlers ``(cursor, tables, programme, event)``.
    """

    def __init__(self) -> None:
        self._pending: list[Envelope] = []

    @abstractmethod
    def handlers(self) -> Mapping[type, Handler]:
        """Event class -> handler."""

    def handled(self) -> frozenset[type] | None:
        return frozenset(self.handlers())

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        self._pending = []

    def fold(self, events: Sequence[Envelope]) -> None:
        handled = self.handlers()
        self._pending.extend(
            e for e in events if e.programme is not None and type(e.event) in handled
        )

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        handled = self.handlers()
        for envelope in self._pending:
            assert envelope.programme is not None
            handled[type(envelope.event)](cursor, tables, envelope.programme, envelope.event)
        self._pending = []
