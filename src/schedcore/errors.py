"""One family of errors, rooted in :class:`SchedcoreError`.

Each error also subclasses the builtin a caller would naturally catch (``ValueError`` for bad
input, ``LookupError`` for something missing, ...), so code that does not know schedcore still
handles it sensibly.  ``exit_code`` is what the ``schedcore`` command exits with when the error
reaches it; the codes are part of the CLI's contract (see ``docs/reference/cli.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "AmbiguousProgrammeError",
    "ConcurrencyError",
    "Conflict",
    "ErasureRefusedError",
    "InfeasiblePlanError",
    "InvalidInputError",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgrammeRenamedError",
    "ProjectionError",
    "ReferenceDataError",
    "RuleViolationError",
    "SchedcoreError",
    "StoreBusyError",
    "StoreError",
    "UnknownEventError",
    "UnknownProvinceError",
]


class SchedcoreError(Exception):
    """Root of every error schedcore raises on purpose; catch this to catch them all."""

    exit_code: int = 1


class InvalidInputError(SchedcoreError, ValueError):
    """The caller's input is malformed or out of range; nothing was written."""

    exit_code = 2


class ReferenceDataError(InvalidInputError):
    """A data file (CSV) is malformed; says which file, row and column.

    ``row`` is the 1-based line number in the file (the header is line 1), so an editor's
    "go to line" lands on the culprit.
    """

    def __init__(
        self, message: str, *, path: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        self.reason = message
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class NotFoundError(SchedcoreError, LookupError):
    """Something asked for by id or name does not exist."""

    exit_code = 2


class UnknownProvinceError(InvalidInputError, NotFoundError):
    """A unit code or name matches no unit of the table in use (the message names the
    nearest: "did you mean 01 Hà Nội?")."""

    exit_code = 2


class ProgrammeRenamedError(NotFoundError):
    """A programme was asked for by a name it gave up by a rename; ``new_name`` is its name
    now (the message says so)."""

    exit_code = 2

    def __init__(self, name: str, new_name: str) -> None:
        super().__init__(f"programme {name!r} was renamed to {new_name!r}: name it by its new name")
        self.name = name
        self.new_name = new_name


class AmbiguousProgrammeError(InvalidInputError):
    """A store holds several programmes and none was named; the message lists them."""

    exit_code = 2


class ErasureRefusedError(InvalidInputError):
    """A member's identity cannot be erased: events written before erasure support hold the
    identifier itself, and the log is immutable; nothing was changed."""

    exit_code = 2


class RuleViolationError(SchedcoreError, ValueError):
    """A command would break a domain rule; the aggregate recorded nothing.

    ``rule`` is a stable, machine-readable name for the broken rule (e.g. ``"date_in_window"``).
    """

    exit_code = 2

    def __init__(self, message: str, *, rule: str) -> None:
        self.rule = rule
        super().__init__(message)


class PermissionDeniedError(SchedcoreError, PermissionError):
    """The actor's role or scope does not allow the command; nothing was written."""

    exit_code = 5


class ConcurrencyError(SchedcoreError, RuntimeError):
    """Other writers kept changing the same aggregates first, and the command's retries (see
    :class:`~schedcore.application.retry.RetryPolicy`) are spent; nothing of it was written."""

    exit_code = 4


class StoreBusyError(ConcurrencyError):
    """The store stayed locked by another writer for longer than its lock timeout (SQLite's
    ``lock_timeout``, PostgreSQL's ``lock_timeout`` URL option); nothing of this command was
    written: retry later."""

    exit_code = 4


class StoreError(SchedcoreError, RuntimeError):
    """The event store cannot be opened or used (bad URL, unreachable server, wrong key)."""

    exit_code = 6


class UnknownEventError(StoreError):
    """The store holds an event this version of schedcore cannot read: a type it does not
    know, or a newer version of one it knows (written by a newer schedcore).  Nothing was
    written; upgrade schedcore to read this store."""

    exit_code = 6


class MissingDependencyError(SchedcoreError, ImportError):
    """An optional package that a feature needs is not installed; the message names the extra
    to install (e.g. ``pip install 'schedcore[pictures]'``)."""

    exit_code = 1


@attrs.frozen
class Conflict:
    """One constraint that takes part in making a problem infeasible."""

    name: str
    description: str


class InfeasiblePlanError(SchedcoreError):
    """No plan satisfies every hard constraint; ``conflicts`` names a small conflicting set."""

    exit_code = 3

    def __init__(self, message: str, conflicts: Sequence[Conflict] = ()) -> None:
        self.conflicts: tuple[Conflict, ...] = tuple(conflicts)
        lines = [message] + [f"  - {c.name}: {c.description}" for c in self.conflicts]
        super().__init__("\n".join(lines))


class ProjectionError(SchedcoreError, RuntimeError):
    """A read model could not apply an event; names the event so it can be found in the log.

    ``notification_id`` is the event's log position and ``topic`` its type.  The views and their
    tracked position stay at the last event applied before it: nothing of the failing batch is
    half-applied.
    """

    exit_code = 7

    def __init__(self, message: str, *, notification_id: int, topic: str) -> None:
        self.notification_id = notification_id
        self.topic = topic
        super().__init__(message)
