"""Audit log: who did what, when, one line per event, from the actor recorded on every event.

Each line keeps the event's log position, time, actor, type, the province and cluster it is
about (when it names them) and a one-line summary, so ``schedcore history --province 02``
answers "who touched Hà Giang, and how".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections.model import Column, Envelope, ReadModel, Table

__all__ = ["AuditEntry", "AuditModel", "history", "summarise"]

_AUDIT = Table(
    "audit",
    (
        Column("position", "INTEGER", nullable=False),
        Column("programme", "INTEGER"),
        Column("recorded_at", nullable=False),
        Column("actor", nullable=False),
        Column("event", nullable=False),
        Column("aggregate", nullable=False),
        Column("version", "INTEGER", nullable=False),
        Column("province"),
        Column("cluster", "INTEGER"),
        Column("summary", nullable=False),
    ),
    ("position",),
)


@attrs.frozen
class AuditEntry:
    """One line of the audit trail: the event at ``position``, when it was recorded, by which
    actor, which province and cluster it concerns (``None`` when none) and a one-line summary.
    """

    position: int
    recorded_at: datetime
    actor: str
    event: str
    province: str | None
    cluster: int | None
    summary: str


def _weekdays(days: Any) -> str:
    return ", ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in days)


def _members(e: Any, what: str) -> str:
    return f"{len(e.members)} members of {e.province} {what}"


_SUMMARIES: dict[type, Callable[[Any], str]] = {
    domain_events.PROGRAMME_CREATED: lambda e: (
        f"programme {e.name!r} created: {len(e.units)} units, {e.clusters} clusters, "
        f"{e.calendar.start} to {e.calendar.end}"
    ),
    domain_events.PROGRAMME_TARGET_CHANGED: lambda e: (
        f"target {e.measure} set to {e.share:.0%} by {e.deadline}"
    ),
    domain_events.PROGRAMME_DAILY_BRIDGE_CAPACITY_CHANGED: lambda e: (
        f"daily bridge capacity set to {'no cap' if e.capacity is None else e.capacity} "
        f"(was {'no cap' if e.previous is None else e.previous})"
    ),
    domain_events.PROGRAMME_PLAN_APPLIED: lambda e: (
        f"plan revision {e.revision} applied: {e.changes} changes, clusters "
        f"{', '.join(map(str, e.clusters)) or 'none'}"
    ),
    domain_events.PROGRAMME_RENAMED: lambda e: (
        f"programme {e.previous!r} renamed to {e.name!r}: {e.reason}"
    ),
    domain_events.PROGRAMME_HOLIDAY_ADDED: lambda e: (
        f"{e.holiday.day} made a holiday ({e.holiday.name}): {e.reason}"
    ),
    domain_events.PROGRAMME_HOLIDAY_REMOVED: lambda e: (
        f"{e.holiday.day} no longer a holiday (was {e.holiday.name}): {e.reason}"
    ),
    domain_events.PROGRAMME_WINDOW_CHANGED: lambda e: (
        f"window moved to {e.start} to {e.end} (was {e.previous_start} to "
        f"{e.previous_end}): {e.reason}"
    ),
    domain_events.PROGRAMME_WEEKDAYS_CHANGED: lambda e: (
        f"working weekdays {_weekdays(e.weekdays)} (were {_weekdays(e.previous)}): {e.reason}"
    ),
    domain_events.CLUSTER_FORMED: lambda e: f"cluster {e.number} formed",
    domain_events.CLUSTER_REFORMED: lambda e: f"cluster {e.cluster} formed again",
    domain_events.CLUSTER_PROVINCE_ASSIGNED: lambda e: (
        f"{e.province} assigned to cluster {e.cluster}"
    ),
    domain_events.CLUSTER_PROVINCE_MOVED_IN: lambda e: (
        f"{e.province} moved into cluster {e.cluster} from {e.from_cluster}: {e.reason}"
    ),
    domain_events.CLUSTER_PROVINCE_MOVED_OUT: lambda e: (
        f"{e.province} moved out of cluster {e.cluster} to {e.to_cluster}: {e.reason}"
    ),
    domain_events.CLUSTER_PROVINCE_WITHDRAWN: lambda e: (
        f"{e.province} withdrawn from cluster {e.cluster}: {e.reason}"
    ),
    domain_events.CLUSTER_HOST_SET: lambda e: f"{e.host} hosts cluster {e.cluster}",
    domain_events.CLUSTER_HOST_CHANGED: lambda e: (
        f"{e.host} hosts cluster {e.cluster} instead of {e.previous_host}"
    ),
    domain_events.CLUSTER_TRAINER_TEAM_ASSIGNED: lambda e: (
        f"trainer team {e.trainer_team} assigned to cluster {e.cluster}"
    ),
    domain_events.CLUSTER_DISSOLVED: lambda e: f"cluster {e.cluster} dissolved: {e.reason}",
    domain_events.PLACEMENT_ASSIGNED: lambda e: f"{e.province} placed in cluster {e.cluster}",
    domain_events.PLACEMENT_REASSIGNED: lambda e: f"{e.province} placed in cluster {e.cluster}",
    domain_events.PLACEMENT_MOVED: lambda e: (
        f"{e.province} placed in cluster {e.to_cluster} (was {e.from_cluster}): {e.reason}"
    ),
    domain_events.PLACEMENT_WITHDRAWN: lambda e: (
        f"{e.province} left cluster {e.cluster}: {e.reason}"
    ),
    domain_events.SESSION_SCHEDULED: lambda e: (
        f"session of cluster {e.cluster} scheduled on {e.day} at {e.venue}, hall "
        f"{e.hall_capacity}, bridge {e.bridge_capacity}"
    ),
    domain_events.SESSION_RESCHEDULED: lambda e: (
        f"session of cluster {e.cluster} moved from {e.previous_day} to {e.day}"
    ),
    domain_events.SESSION_VENUE_CHANGED: lambda e: (
        f"session of cluster {e.cluster} moved to {e.venue}"
    ),
    domain_events.SESSION_CAPACITY_CHANGED: lambda e: (
        f"session of cluster {e.cluster}: hall {e.hall_capacity}, bridge {e.bridge_capacity}"
    ),
    domain_events.SESSION_SEATS_ALLOTTED: lambda e: (
        f"{e.seats} seats for {e.province} at the session of cluster {e.cluster}"
    ),
    domain_events.SESSION_SEATS_RELEASED: lambda e: (
        f"seats of {e.province} at the session of cluster {e.cluster} released"
    ),
    domain_events.SESSION_BRIDGE_POINTS_CONNECTED: lambda e: (
        f"{len(e.points)} bridge points connected to the session of cluster {e.cluster}"
    ),
    domain_events.SESSION_BRIDGE_POINTS_DISCONNECTED: lambda e: (
        f"{len(e.points)} bridge points disconnected from the session of cluster {e.cluster}"
    ),
    domain_events.SESSION_CANCELLED: lambda e: (
        f"session of cluster {e.cluster} cancelled: {e.reason}"
    ),
    domain_events.SESSION_REINSTATED: lambda e: (
        f"session of cluster {e.cluster} reinstated on {e.day}"
    ),
    domain_events.SESSION_HELD: lambda e: f"session of cluster {e.cluster} held on {e.day}",
    domain_events.ATTENDANCE_OPENED: lambda e: f"attendance book of {e.province} opened",
    domain_events.ATTENDANCE_MEMBERS_ENROLLED: lambda e: _members(e, "enrolled"),
    domain_events.ATTENDANCE_ATTENDED_IN_HALL: lambda e: _members(
        e, f"in the hall of cluster {e.cluster}"
    ),
    domain_events.ATTENDANCE_ATTENDED_AT_BRIDGE_POINTS: lambda e: _members(
        e, f"at bridge points of cluster {e.cluster}"
    ),
    domain_events.ATTENDANCE_MARKED_ABSENT: lambda e: _members(
        e, f"absent from cluster {e.cluster}"
    ),
    domain_events.ATTENDANCE_ONLINE_COURSE_COMPLETED: lambda e: _members(
        e, f"completed the course on {e.day}"
    ),
    domain_events.ATTENDANCE_CHANNEL_FOLLOWED: lambda e: _members(
        e, f"followed the channel on {e.day}"
    ),
    domain_events.ATTENDANCE_RECORDS_VOIDED: lambda e: _members(
        e, f"had their {e.activity} record voided"
    ),
    domain_events.ATTENDANCE_MEMBER_ERASED: lambda e: (
        f"identity of member {e.member} of {e.province} erased"
    ),
    domain_events.RECEIPT_ISSUED: lambda e: f"{e.command} done (idempotency key {e.key!r})",
    domain_events.TRAINER_TEAM_DIARY_OPENED: lambda e: (
        f"diary of trainer team {e.trainer_team} opened"
    ),
    domain_events.TRAINER_TEAM_DIARY_RESERVED: lambda e: (
        f"trainer team {e.trainer_team} runs the session of cluster {e.cluster} on {e.day}"
    ),
    domain_events.TRAINER_TEAM_DIARY_RELEASED: lambda e: (
        f"trainer team {e.trainer_team} freed from the session of cluster {e.cluster} on {e.day}"
    ),
    domain_events.BRIDGE_DAY_OPENED: lambda e: f"bridge points of {e.day} counted",
    domain_events.BRIDGE_DAY_RESERVED: lambda e: (
        f"{e.points} bridge points of cluster {e.cluster} connected on {e.day}"
    ),
    domain_events.BRIDGE_DAY_RELEASED: lambda e: (
        f"bridge points of cluster {e.cluster} on {e.day} released"
    ),
}


def summarise(event: Any) -> str:
    """One line about an event, for people."""
    describe = _SUMMARIES.get(type(event))
    return describe(event) if describe is not None else type(event).__qualname__


def _event_name(topic: str) -> str:
    return topic.rpartition(":")[2]


class AuditModel(ReadModel):
    """One line per event: position, time, actor, type, province, cluster, summary."""

    name = "audit"
    tables = (_AUDIT,)

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        self._rows = []

    def fold(self, events: Sequence[Envelope]) -> None:
        rows = self._rows
        formed = domain_events.CLUSTER_FORMED
        for envelope in events:
            event = envelope.event
            cluster = getattr(event, "cluster", None)
            if type(event) is formed:
                cluster = event.number
            province = getattr(event, "province", None)
            rows.append(
                (
                    envelope.position,
                    envelope.programme,
                    event.timestamp.isoformat(),
                    getattr(event, "actor", None) or "-",
                    _event_name(envelope.topic),
                    str(event.originator_id),
                    event.originator_version,
                    province if isinstance(province, str) else None,
                    cluster if isinstance(cluster, int) else None,
                    summarise(event),
                )
            )

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        rows, self._rows = self._rows, []
        cursor.upsert(tables["audit"], _AUDIT.column_names, _AUDIT.key, rows)


def history(
    database: Reader,
    *,
    programme: int | None = None,
    province: str | None = None,
    cluster: int | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit trail in log order, filtered by programme, province, cluster or actor;
    ``limit`` keeps the most recent entries."""
    where, params = ["1 = 1"], []
    for column, value in (
        ("programme", programme),
        ("province", province),
        ("cluster", cluster),
        ("actor", actor),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        "SELECT position, recorded_at, actor, event, province, cluster, summary "
        f"FROM view_audit WHERE {' AND '.join(where)} ORDER BY position DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = database.query(sql, params)
    return [
        AuditEntry(
            position=int(r[0]),
            recorded_at=datetime.fromisoformat(r[1]),
            actor=r[2],
            event=r[3],
            province=r[4],
            cluster=None if r[5] is None else int(r[5]),
            summary=r[6],
        )
        for r in reversed(rows)
    ]
