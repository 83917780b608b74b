"""View snapshots: the read models' tables as they were at a log position, kept for time travel.

A runner following the log copies every model's tables into snapshot tables every
``snapshot_every`` events (:data:`DEFAULT_SNAPSHOT_EVERY`), at the end of a batch and inside
that batch's transaction: a snapshot is there whole, with the checkpoints it matches, or not at
all.  Time travel (:mod:`~schedcore.projections.time_travel`) starts from the latest snapshot at
or before the position it is asked about and folds only the events after it.

* **Where**: one table per model table and model fingerprint, ``snap_<table>_<digest>``, with
  the runner's name and the snapshot's position in front of the table's own columns; an index,
  ``projection_snapshots``, lists each snapshot of each model with the fingerprint it was taken
  with, the tables it fills and ``recorded_until``, the latest recording time of any event up
  to its position.
* **Versioned**: a snapshot is used only by a model of the same fingerprint (version and table
  shape); a runner whose model changed drops the snapshots of the old fingerprint the next time
  it takes one.
* **For moments**: a snapshot serves "as of moment M" only if every event up to its position
  was recorded by M (``recorded_until <= M``); events are not always recorded in log order, so
  the latest recording time is kept, not the last event's.
* **Retention**: at most ``snapshots_kept`` positions per runner (:data:`DEFAULT_SNAPSHOTS_KEPT`).
  Past that, the snapshot whose removal leaves the smallest gap between its neighbours goes
  (the newest always stays), so the kept ones stay spread over the whole log and no position is
  ever far from one.
* A model with parked events is not snapshot: its tables skip events that a replay would stop
  at.
* **Rebuilt**: a rebuild swaps in tables folded afresh, so the snapshots taken from the tables
  it replaces are dropped in the swap's transaction (:func:`discard`): they may hold whatever
  made the rebuild necessary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from schedcore.calendar import now
from schedcore.projections._database import Cursor, Reader, ViewDatabase
from schedcore.projections.model import Column, ReadModel, Table
from schedcore.projections.tracking import PARKED_TABLE, table_columns

__all__ = [
    "DEFAULT_SNAPSHOTS_KEPT",
    "DEFAULT_SNAPSHOT_EVERY",
    "SNAPSHOTS_TABLE",
    "Snapshot",
    "discard",
    "latest_snapshot",
    "load_snapshot",
    "snapshots",
    "take_snapshot",
]

SNAPSHOTS_TABLE = "projection_snapshots"
#: Events between two snapshots: time travel folds at most about this many events after one.
DEFAULT_SNAPSHOT_EVERY = 250
#: Snapshot positions kept per runner (each a copy of the views as they were).
DEFAULT_SNAPSHOTS_KEPT = 64


@attrs.frozen
class Snapshot:
    """One model's tables as they were at ``position``, taken by the runner ``runner``."""

    runner: str
    model: str
    version: str
    position: int
    recorded_until: datetime | None
    tables: tuple[str, ...]
    taken_at: datetime


def snapshot_table(table: Table, fingerprint: str) -> Table:
    """The snapshot table of ``table`` for models of ``fingerprint``: each row of the table as
    it was from one snapshot (``valid_from``) to the first snapshot that found it changed or
    gone (``valid_to``; ``NULL`` while it is still as it was at the runner's latest snapshot),
    after the runner's name."""
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:10]
    return Table(
        f"snap_{table.name}_{digest}",
        (
            Column("snapshot_runner", nullable=False),
            Column("valid_from", "INTEGER", nullable=False),
            Column("valid_to", "INTEGER"),
            *table.columns,
        ),
        ("snapshot_runner", *table.key, "valid_from"),
    )


def _same_row(table: Table, left: str, right: str, dialect: str) -> str:
    """SQL: the rows ``left`` and ``right`` of ``table``'s shape hold the same values."""
    null_safe = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    return " AND ".join(
        f"{left}.{c.name} {null_safe if c.nullable else '='} {right}.{c.name}"
        for c in table.columns
    )


def create_index(cursor: Cursor, database: ViewDatabase) -> None:
    integer = database.type_name("INTEGER")
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {SNAPSHOTS_TABLE} (runner TEXT NOT NULL, "
        f"model TEXT NOT NULL, position {integer} NOT NULL, version TEXT NOT NULL, "
        "recorded_until TEXT, tables TEXT NOT NULL, taken_at TEXT NOT NULL, "
        "PRIMARY KEY (runner, model, position))"
    )


def snapshots(reader: Reader, runner: str) -> list[Snapshot]:
    """Every snapshot the runner ``runner`` keeps in ``reader``'s views, oldest first (none if
    no snapshot was ever taken there)."""
    if table_columns(reader, SNAPSHOTS_TABLE) is None:
        return []
    rows = reader.query(
        "SELECT model, version, position, recorded_until, tables, taken_at "
        f"FROM {SNAPSHOTS_TABLE} WHERE runner = ? ORDER BY position, model",
        (runner,),
    )
    return [
        Snapshot(
            runner,
            r[0],
            r[1],
            int(r[2]),
            datetime.fromisoformat(r[3]) if r[3] is not None else None,
            tuple(r[4].split(",")) if r[4] else (),
            datetime.fromisoformat(r[5]),
        )
        for r in rows
    ]


def latest_snapshot(
    found: Sequence[Snapshot],
    model: str,
    version: str,
    *,
    position: int,
    moment: datetime | None = None,
) -> Snapshot | None:
    """The latest of ``found`` that serves ``model`` at ``version`` as of ``position`` (and, if
    given, ``moment``: every event it holds recorded by then)."""
    best = None
    for snapshot in found:
        if (
            snapshot.model == model
            and snapshot.version == version
            and snapshot.position <= position
            and (
                moment is None
                or (snapshot.recorded_until is not None and snapshot.recorded_until <= moment)
            )
            and (best is None or snapshot.position > best.position)
        ):
            best = snapshot
    return best


def take_snapshot(
    cursor: Cursor,
    database: ViewDatabase,
    *,
    runner: str,
    models: Sequence[ReadModel],
    fingerprints: Mapping[str, str],
    tables: Mapping[str, Mapping[str, str]],
    generations: Mapping[str, int],
    position: int,
    recorded_until: datetime | None,
    keep: int,
) -> list[str]:
    """Copy the tables (``tables``: model -> logical -> actual name) of ``models`` as they are
    in ``cursor``'s transaction, at ``position``; then prune.  The names of the models
    snapshot (those with parked events in their generation are not)."""
    create_index(cursor, database)
    parked = _parked_models(cursor, runner, generations)
    taken = []
    stamp = recorded_until.isoformat() if recorded_until is not None else None
    for model in models:
        if not model.tables or model.name in parked:
            continue
        fingerprint = fingerprints[model.name]
        names = []
        for table in model.tables:
            snap = snapshot_table(table, fingerprint)
            cursor.execute(snap.create_statement(snap.name, database))
            live = tables[model.name][table.name]
            same = _same_row(table, live, snap.name, database.dialect)
            columns = ", ".join(table.column_names)
            # rows the latest snapshot had that are now changed or gone end here...
            cursor.execute(
                f"UPDATE {snap.name} SET valid_to = ? WHERE snapshot_runner = ? "
                f"AND valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM {live} WHERE {same})",
                (position, runner),
            )
            # ...and rows new or changed since then start here; the others are shared
            cursor.execute(
                f"INSERT INTO {snap.name} (snapshot_runner, valid_from, valid_to, {columns}) "
                f"SELECT CAST(? AS TEXT), CAST(? AS {database.type_name('INTEGER')}), NULL, "
                f"{columns} FROM {live} WHERE NOT EXISTS (SELECT 1 FROM {snap.name} "
                f"WHERE snapshot_runner = ? AND valid_to IS NULL AND {same})",
                (runner, position, runner),
            )
            names.append(snap.name)
        cursor.execute(
            f"INSERT INTO {SNAPSHOTS_TABLE} "
            "(runner, model, position, version, recorded_until, tables, taken_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (runner, model.name, position, fingerprint, stamp, ",".join(names), now().isoformat()),
        )
        taken.append(model.name)
    prune(cursor, runner, fingerprints, keep)
    return taken


def _parked_models(cursor: Cursor, runner: str, generations: Mapping[str, int]) -> set[str]:
    if table_columns(cursor, PARKED_TABLE) is None:
        return set()
    rows = cursor.query(
        f"SELECT DISTINCT model, generation FROM {PARKED_TABLE} WHERE runner = ?", (runner,)
    )
    return {r[0] for r in rows if generations.get(r[0]) == int(r[1])}


def prune(cursor: Cursor, runner: str, fingerprints: Mapping[str, str], keep: int) -> None:
    """Drop the runner's snapshots of fingerprints other than ``fingerprints`` (models that
    changed, or that the runner no longer keeps), then thin the rest to ``keep`` positions."""
    found = snapshots(cursor, runner)
    stale = [s for s in found if fingerprints.get(s.model) != s.version]
    current = [s for s in found if fingerprints.get(s.model) == s.version]
    positions = sorted({s.position for s in current})
    dropped: set[int] = set()
    while len(positions) > max(keep, 1):
        # the snapshot whose removal leaves the smallest gap; never the newest
        gaps = [
            (positions[i + 1] - (positions[i - 1] if i else 0), i)
            for i in range(len(positions) - 1)
        ]
        _, i = min(gaps)
        dropped.add(positions.pop(i))
    doomed = stale + [s for s in current if s.position in dropped]
    emptied: set[str] = set()
    for snapshot in doomed:
        cursor.execute(
            f"DELETE FROM {SNAPSHOTS_TABLE} WHERE runner = ? AND model = ? AND position = ?",
            (runner, snapshot.model, snapshot.position),
        )
    for model, version in sorted({(s.model, s.version) for s in doomed}):
        names = {n for s in doomed if (s.model, s.version) == (model, version) for n in s.tables}
        for name in sorted(names):
            if table_columns(cursor, name) is None:
                continue
            # the rows no snapshot kept still reads
            cursor.execute(
                f"DELETE FROM {name} WHERE snapshot_runner = ? AND NOT EXISTS "
                f"(SELECT 1 FROM {SNAPSHOTS_TABLE} kept WHERE kept.runner = ? "
                "AND kept.model = ? AND kept.version = ? "
                f"AND kept.position >= {name}.valid_from "
                f"AND ({name}.valid_to IS NULL OR kept.position < {name}.valid_to))",
                (runner, runner, model, version),
            )
            emptied.add(name)
    if emptied:
        # a table no snapshot of any runner reads any more goes
        used = {
            n
            for (names_,) in cursor.query(f"SELECT tables FROM {SNAPSHOTS_TABLE}")
            for n in names_.split(",")
        }
        for name in sorted(emptied - used):
            cursor.execute(f"DROP TABLE {name}")


def discard(cursor: Cursor, models: Sequence[str]) -> None:
    """Drop every snapshot of ``models``, of every runner, with the tables no snapshot reads
    any more: the tables they were copied from are being replaced by a rebuild."""
    if not models or table_columns(cursor, SNAPSHOTS_TABLE) is None:
        return
    doomed = [
        (r[0], r[1])
        for r in cursor.query(f"SELECT model, tables FROM {SNAPSHOTS_TABLE}")
        if r[0] in models
    ]
    if not doomed:
        return
    for model in sorted({model for model, _ in doomed}):
        cursor.execute(f"DELETE FROM {SNAPSHOTS_TABLE} WHERE model = ?", (model,))
    used = {
        n
        for (names_,) in cursor.query(f"SELECT tables FROM {SNAPSHOTS_TABLE}")
        for n in names_.split(",")
    }
    names = {n for _, tables in doomed for n in tables.split(",") if n}
    for name in sorted(names - used):
        if table_columns(cursor, name) is not None:
            cursor.execute(f"DROP TABLE {name}")


def load_snapshot(
    source: Reader,
    cursor: Cursor,
    snapshot: Snapshot,
    model: ReadModel,
    actual: Mapping[str, str],
    *,
    attached: str | None = None,
) -> None:
    """Fill ``model``'s tables (logical -> actual name in ``cursor``'s database) with the rows of
    ``snapshot`` read from ``source`` (through ``cursor`` itself if ``source`` is attached to
    its database as ``attached``)."""
    for table in model.tables:
        snap = snapshot_table(table, snapshot.version)
        columns = ", ".join(table.column_names)
        select = (
            f"SELECT {columns} FROM {attached + '.' if attached else ''}{snap.name} "
            "WHERE snapshot_runner = ? AND valid_from <= ? "
            "AND (valid_to IS NULL OR valid_to > ?)"
        )
        params = (snapshot.runner, snapshot.position, snapshot.position)
        if attached:
            cursor.execute(f"INSERT INTO {actual[table.name]} ({columns}) {select}", params)
            continue
        rows = source.query(select, params)
        if rows:
            marks = ", ".join("?" * len(table.columns))
            cursor.executemany(
                f"INSERT INTO {actual[table.name]} ({columns}) VALUES ({marks})", rows
            )
