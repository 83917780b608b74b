"""Read models used by the tests: one that counts how often each event is applied, and one
that is slow (so a kill lands inside a batch's transaction)."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence

from schedcore.projections import Column, Envelope, ReadModel, Table
from schedcore.projections._database import Cursor, Reader

APPLIED = Table(
    "applied",
    (Column("position", "INTEGER", nullable=False), Column("times", "INTEGER", nullable=False)),
    ("position",),
)


class CountsApplications(ReadModel):
    """One row per event applied, counting how many times: exactly once means all ones."""

    name = "applied"
    tables = (APPLIED,)

    def __init__(self, slow: float = 0.0) -> None:
        self.slow = slow
        self._positions: list[int] = []

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        self._positions = []

    def fold(self, events: Sequence[Envelope]) -> None:
        self._positions.extend(e.position for e in events)

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        rows = [(position, 1) for position in self._positions]
        self._positions = []
        half = len(rows) // 2
        for part in (rows[:half], rows[half:]):
            cursor.upsert(
                tables["applied"],
                ("position", "times"),
                ("position",),
                part,
                {"times": "cur.times + 1"},
            )
            if self.slow:  # inside the batch's transaction, between two writes
                time.sleep(random.uniform(0, self.slow))


def applications(reader: Reader) -> dict[int, int]:
    return {int(p): int(t) for p, t in reader.query("SELECT position, times FROM view_applied")}
