"""Sizes of the fault-injection runs: small in ``make test`` (CI), large in ``make stress``.

``SCHEDCORE_STRESS=1`` (what ``make stress`` sets) picks the large sizes; each size can also be
set alone, e.g. ``SCHEDCORE_STRESS_KILLS=500``.
"""

from __future__ import annotations

import os

import attrs
import pytest


@attrs.frozen
class Sizes:
    """How much each fault-injection run does."""

    planners: int
    """Processes changing clusters and sessions (4 kinds of command, in pairs that collide)."""
    coordinator_provinces: int
    """Provinces recorded at once, each by two coordinator processes (so they collide)."""
    cli_imports: int
    """Processes running ``schedcore record`` at the same time as the others."""
    commands: int
    """Commands each planner sends."""
    calls: int
    """Bulk recording calls each coordinator makes."""
    rows: int
    """Rows per bulk recording call."""
    kills: int
    """Processes killed with SIGKILL at distinct points of bulk recording."""
    store_kills: int
    """Of those, how many on PostgreSQL (the rest on SQLite)."""
    examples: int
    """Examples of the stateful property test (each a sequence of commands)."""
    runners: int
    """Projection runner processes catching up while the writers write, per store."""
    projection_kills: int
    """Projection runner processes killed with SIGKILL at distinct points of a batch, per
    store (SQLite file, PostgreSQL)."""
    threads: int
    """Threads sharing one ``Scheduler`` (tests/core/test_threads.py)."""
    thread_ops: int
    """Operations each of those threads does (a bulk call, a command, a record and a void)."""
    uploaders: int
    """``schedcore record`` processes started together on one SQLite file (twice as many on
    PostgreSQL; tests/core/test_record_processes.py)."""
    uploader_rows: int
    """Rows of each province in each uploader's file (besides the rows shared with another)."""

    @property
    def writers(self) -> int:
        return self.planners + 2 * self.coordinator_provinces + self.cli_imports

    @property
    def processes(self) -> int:
        """Writers and projection runners, all at once."""
        return self.writers + self.runners


CI = Sizes(
    planners=4,
    coordinator_provinces=3,
    cli_imports=1,
    commands=6,
    calls=4,
    rows=150,
    kills=60,
    store_kills=12,
    examples=25,
    runners=2,
    projection_kills=24,
    threads=8,
    thread_ops=12,
    uploaders=8,
    uploader_rows=2,
)
STRESS = Sizes(
    planners=4,
    coordinator_provinces=8,
    cli_imports=2,
    commands=30,
    calls=12,
    rows=1000,
    kills=400,
    store_kills=100,
    examples=300,
    runners=3,
    projection_kills=160,
    threads=16,
    thread_ops=60,
    uploaders=16,
    uploader_rows=20,
)


def current_sizes() -> Sizes:
    base = STRESS if os.environ.get("SCHEDCORE_STRESS", "") not in ("", "0") else CI
    changes = {}
    for field in attrs.fields(Sizes):
        value = os.environ.get(f"SCHEDCORE_STRESS_{field.name.upper()}")
        if value:
            changes[field.name] = int(value)
    return attrs.evolve(base, **changes)


@pytest.fixture(scope="session")
def sizes() -> Sizes:
    return current_sizes()
