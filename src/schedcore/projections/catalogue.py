"""The programmes a store holds: what each sets out to do, and which event belongs to which.

Every other read model keys its rows by a small programme number assigned here (in the order
programmes were created, so a rebuild assigns the same numbers).  The first event of every
aggregate names its programme (``Programme.Created`` is the programme; every other creation
event carries ``programme_id``), and every later event of an aggregate belongs to the same
programme.  So the catalogue keeps one row per aggregate (table ``aggregates``: aggregate id ->
programme key), written when its creation event is folded, and an event's programme is the
row of its originator: no id is recomputed from names, and a renamed programme keeps its
events.  The name index's entries (``ProgrammeName``) belong to no programme: a name passes
from one programme to another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import NotFoundError
from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.model import Column, Handler, HandlerModel, Table

__all__ = [
    "ProgrammeCatalogue",
    "ProgrammeFacts",
    "UnitFacts",
    "programme_facts",
    "programme_keys",
]

_PROGRAMMES = Table(
    "programmes",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("id", nullable=False),
        Column("name", nullable=False),
        Column("start_day", nullable=False),
        Column("end_day", nullable=False),
        Column("clusters_planned", "INTEGER"),
        Column("plan_revision", "INTEGER"),
        Column("created_at"),
    ),
    ("programme",),
)
_UNITS = Table(
    "units",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("unit", nullable=False),
        Column("teams", "INTEGER"),
        Column("members", "INTEGER"),
        Column("delegates", "INTEGER"),
        Column("bridge_points", "INTEGER"),
        Column("cluster", "INTEGER"),
    ),
    ("programme", "unit"),
)
_TARGETS = Table(
    "targets",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("measure", nullable=False),
        Column("share", "REAL"),
        Column("deadline"),
    ),
    ("programme", "measure"),
)
_AGGREGATES = Table(
    "aggregates",
    (Column("aggregate", nullable=False), Column("programme", "INTEGER", nullable=False)),
    ("aggregate",),
)

#: Events created with their programme's id in them.
_NAMES_PROGRAMME = (
    domain_events.CLUSTER_FORMED,
    domain_events.PLACEMENT_ASSIGNED,
    domain_events.SESSION_SCHEDULED,
    domain_events.ATTENDANCE_OPENED,
    domain_events.RECEIPT_ISSUED,
    domain_events.TRAINER_TEAM_DIARY_OPENED,
    domain_events.BRIDGE_DAY_OPENED,
)

#: Every creation event that tells which programme an aggregate belongs to: what a resolver
#: must see of the log (the runner reads these topics for every model).
CREATION_EVENTS: frozenset[type] = frozenset({domain_events.PROGRAMME_CREATED, *_NAMES_PROGRAMME})


@attrs.frozen
class UnitFacts:
    """A unit (province) of a programme: expected counts and its cluster now."""

    code: str
    teams: int
    members: int
    delegates: int
    bridge_points: int
    cluster: int | None


@attrs.frozen
class ProgrammeFacts:
    """What the views know of a programme: its key in the view database, id, name, window,
    plan revision, per-unit facts and targets by measure.
    """

    key: int
    id: UUID
    name: str
    start: date
    end: date
    plan_revision: int
    units: Mapping[str, UnitFacts]
    targets: Mapping[Measure, Target]

    @property
    def total_teams(self) -> int:
        """Teams expected over all units."""
        return sum(u.teams for u in self.units.values())

    @property
    def total_members(self) -> int:
        """Members expected over all units."""
        return sum(u.members for u in self.units.values())

    @property
    def total_bridge_points(self) -> int:
        """Bridge points expected over all units."""
        return sum(u.bridge_points for u in self.units.values())


def _created(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"INSERT INTO {tables['programmes']} (programme, id, name, start_day, end_day, "
        "clusters_planned, plan_revision, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
        (
            key,
            str(e.originator_id),
            e.name,
            e.calendar.start.isoformat(),
            e.calendar.end.isoformat(),
            e.clusters,
            e.timestamp.isoformat(),
        ),
    )
    cursor.executemany(
        f"INSERT INTO {tables['units']} (programme, unit, teams, members, delegates, "
        "bridge_points, cluster) VALUES (?, ?, ?, ?, ?, ?, NULL)",
        [
            (
                key,
                unit,
                e.teams.get(unit, 0),
                e.members.get(unit, 0),
                e.delegates.get(unit, 0),
                e.bridge_points.get(unit, 0),
            )
            for unit in e.units
        ],
    )
    cursor.executemany(
        f"INSERT INTO {tables['targets']} (programme, measure, share, deadline) "
        "VALUES (?, ?, ?, ?)",
        [(key, str(t.measure), t.share, t.deadline.isoformat()) for t in e.targets],
    )


def _aggregate_created(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"INSERT INTO {tables['aggregates']} (aggregate, programme) VALUES (?, ?)",
        (str(e.originator_id), key),
    )


def _renamed(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(f"UPDATE {tables['programmes']} SET name = ? WHERE programme = ?", (e.name, key))


def _window_changed(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"UPDATE {tables['programmes']} SET start_day = ?, end_day = ? WHERE programme = ?",
        (e.start.isoformat(), e.end.isoformat(), key),
    )


def _target_changed(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.upsert(
        tables["targets"],
        ("programme", "measure", "share", "deadline"),
        ("programme", "measure"),
        [(key, e.measure, e.share, e.deadline.isoformat())],
        {"share": "excluded.share", "deadline": "excluded.deadline"},
    )


def _plan_applied(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
    cursor.execute(
        f"UPDATE {tables['programmes']} SET plan_revision = ? WHERE programme = ?",
        (e.revision, key),
    )


def _placer(cluster_of: Callable[[Any], int | None]) -> Handler:
    def place(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
        cursor.execute(
            f"UPDATE {tables['units']} SET cluster = ? WHERE programme = ? AND unit = ?",
            (cluster_of(e), key, e.province),
        )

    return place


_HANDLERS: dict[type, Handler] = {
    domain_events.PROGRAMME_CREATED: _created,
    domain_events.PROGRAMME_RENAMED: _renamed,
    domain_events.PROGRAMME_WINDOW_CHANGED: _window_changed,
    domain_events.PROGRAMME_TARGET_CHANGED: _target_changed,
    domain_events.PROGRAMME_PLAN_APPLIED: _plan_applied,
    domain_events.PLACEMENT_ASSIGNED: _placer(lambda e: e.cluster),
    domain_events.PLACEMENT_REASSIGNED: _placer(lambda e: e.cluster),
    domain_events.PLACEMENT_MOVED: _placer(lambda e: e.to_cluster),
    domain_events.PLACEMENT_WITHDRAWN: _placer(lambda e: None),
}


def _handlers() -> dict[type, Handler]:
    """The handlers above; each creation event also records its aggregate's programme."""
    handlers: dict[type, Handler] = {}
    for event_class in CREATION_EVENTS - {domain_events.PROGRAMME_CREATED}:
        own = _HANDLERS.get(event_class)
        handlers[event_class] = (
            _aggregate_created if own is None else _both(_aggregate_created, own)
        )
    return {**_HANDLERS, **handlers}


def _both(first: Handler, second: Handler) -> Handler:
    def handle(cursor: Cursor, tables: Mapping[str, str], key: int, e: Any) -> None:
        first(cursor, tables, key, e)
        second(cursor, tables, key, e)

    return handle


_ALL_HANDLERS = _handlers()


class ProgrammeCatalogue(HandlerModel):
    """Programmes, their units and targets, and the placement of each unit in a cluster.

    It also tells the runner which programme each event belongs to (:meth:`resolve`): the
    keys it hands out are kept in memory between batches and forgotten on :meth:`reset`.
    """

    name = "programmes"
    tables = (_PROGRAMMES, _UNITS, _TARGETS, _AGGREGATES)

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def handlers(self) -> Mapping[type, Handler]:
        return _ALL_HANDLERS

    def reset(self) -> None:
        self._loaded = False
        self._keys: dict[UUID, int] = {}
        self._originators: dict[UUID, int] = {}

    # -- resolving events to programmes ----------------------------------------------------

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        super().begin(reader, tables)
        self.load(reader, tables)

    def load(self, source: Reader, tables: Mapping[str, str]) -> None:
        """Read the programme keys, and the programme of every aggregate, from the views
        (once, until the next :meth:`reset`)."""
        if self._loaded:
            return
        rows = source.query(f"SELECT id, programme FROM {tables['programmes']}")
        self._keys = {UUID(r[0]): int(r[1]) for r in rows}
        self._originators = dict(self._keys)
        for aggregate, key in source.query(
            f"SELECT aggregate, programme FROM {tables['aggregates']}"
        ):
            self._originators[UUID(aggregate)] = int(key)
        self._loaded = True

    def resolve(self, event: Any) -> int | None:
        """The key of the programme ``event`` belongs to (a new key for ``Programme.Created``);
        ``None`` for an event of no known programme (a name index entry's, or an event whose
        aggregate's creation this catalogue has not seen)."""
        originator = event.originator_id
        key = self._originators.get(originator)
        if key is not None:
            return key
        if type(event) is domain_events.PROGRAMME_CREATED:
            key = max(self._keys.values(), default=0) + 1
            self._keys[originator] = key
        elif isinstance(event, _NAMES_PROGRAMME):
            key = self._keys.get(event.programme_id)
        if key is not None:
            self._originators[originator] = key
        return key


# -- queries ---------------------------------------------------------------------------------


def programme_keys(database: Reader) -> dict[str, int]:
    """Programme name -> key, for every programme in the views."""
    return {r[0]: int(r[1]) for r in database.query("SELECT name, programme FROM view_programmes")}


def programme_facts(database: Reader, ref: str | UUID | int) -> ProgrammeFacts:
    """A programme by name, id or key; :class:`NotFoundError` if the views do not hold it."""
    if isinstance(ref, int):
        where, value = "programme = ?", str(ref)
    elif isinstance(ref, UUID):
        where, value = "id = ?", str(ref)
    else:
        where, value = "name = ?", ref
    found = database.query(
        "SELECT programme, id, name, start_day, end_day, plan_revision FROM view_programmes "
        f"WHERE {where}",
        (int(value) if isinstance(ref, int) else value,),
    )
    if not found:
        raise NotFoundError(
            f"programme {ref!s} is not in the views (not created yet, or not caught up)"
        )
    key, pid, name, start, end, revision = found[0]
    units = {
        r[0]: UnitFacts(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), _int_or_none(r[5]))
        for r in database.query(
            "SELECT unit, teams, members, delegates, bridge_points, cluster FROM view_units "
            "WHERE programme = ? ORDER BY unit",
            (key,),
        )
    }
    targets = {
        Measure(r[0]): Target(Measure(r[0]), float(r[1]), date.fromisoformat(r[2]))
        for r in database.query(
            "SELECT measure, share, deadline FROM view_targets WHERE programme = ?", (key,)
        )
    }
    return ProgrammeFacts(
        key=int(key),
        id=UUID(pid),
        name=name,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        plan_revision=int(revision or 0),
        units=units,
        targets=targets,
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
