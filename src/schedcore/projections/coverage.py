"""Attendance and coverage: who was trained how, counted by province, region, cluster, commune.

The model keeps, per province, every member with team, commune, in-person outcome (hall,
bridge or absent, and the session's cluster), online course done and channel followed
(:class:`~schedcore.projections._member_state.ProvinceMembers`, stored in chunks of members),
and the
counts that follow from them, per commune and per cluster attended (two plain tables, so
coverage is one quick query).  Counting members, not rows, means a member is counted once per
measure however often recorded, and a voided record simply clears the member's flag.

* a **team is trained in person** once any of its members attended its cluster's session, in
  the hall or at a bridge point (an absence does not count);
* members are counted in the hall, at a bridge point, on the online course and following the
  channel, each once.

Each measure is compared with the programme's target (share and deadline) and given a status
by :func:`progress`; the rule is written there.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.units import UnitTable, unit_table_of
from schedcore.domain.values import SessionStatus
from schedcore.errors import InvalidInputError, NotFoundError
from schedcore.projections import _events as domain_events
from schedcore.projections._database import Cursor, Reader
from schedcore.projections._member_state import (
    BRIDGE,
    OUTCOME_CODES,
    OUTCOME_NAMES,
    ProvinceMembers,
)
from schedcore.projections.catalogue import ProgrammeFacts
from schedcore.projections.model import Column, Envelope, ReadModel, Table
from schedcore.reference.provinces import ProvinceTable

__all__ = [
    "COUNTS",
    "CoverageModel",
    "CoverageRow",
    "Grouping",
    "MemberRecord",
    "Progress",
    "Status",
    "bridge_attendance",
    "coverage",
    "coverage_by",
    "members_of",
    "progress",
]

_NAMES = Table(
    "member_names",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("chunk", "INTEGER", nullable=False),
        Column("members", "INTEGER", nullable=False),
        Column("names", nullable=False),
    ),
    ("programme", "province", "chunk"),
)
_STATE = Table(
    "member_state",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("chunk", "INTEGER", nullable=False),
        Column("flags", "BLOB", nullable=False),
        Column("clusters", "BLOB", nullable=False),
    ),
    ("programme", "province", "chunk"),
)
_COMMUNE_COUNTS = Table(
    "commune_coverage",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("commune", nullable=False),
        Column("teams_enrolled", "INTEGER", nullable=False),
        Column("teams_trained", "INTEGER", nullable=False),
        Column("members_enrolled", "INTEGER", nullable=False),
        Column("members_hall", "INTEGER", nullable=False),
        Column("members_bridge", "INTEGER", nullable=False),
        Column("members_absent", "INTEGER", nullable=False),
        Column("members_course", "INTEGER", nullable=False),
        Column("members_channel", "INTEGER", nullable=False),
    ),
    ("programme", "province", "commune"),
)
_CLUSTER_COUNTS = Table(
    "cluster_attendance",
    (
        Column("programme", "INTEGER", nullable=False),
        Column("province", nullable=False),
        Column("cluster", "INTEGER", nullable=False),
        Column("teams_trained", "INTEGER", nullable=False),
        Column("members_hall", "INTEGER", nullable=False),
        Column("members_bridge", "INTEGER", nullable=False),
        Column("members_absent", "INTEGER", nullable=False),
    ),
    ("programme", "province", "cluster"),
)
_IN_PERSON = {
    domain_events.ATTENDANCE_ATTENDED_IN_HALL: OUTCOME_CODES["hall"],
    domain_events.ATTENDANCE_ATTENDED_AT_BRIDGE_POINTS: OUTCOME_CODES["bridge"],
    domain_events.ATTENDANCE_MARKED_ABSENT: OUTCOME_CODES["absent"],
}
#: Attendance events: each names members (with team and commune), so each enrols them too.
_MEMBER_EVENTS = frozenset(
    {
        domain_events.ATTENDANCE_MEMBERS_ENROLLED,
        domain_events.ATTENDANCE_ATTENDED_IN_HALL,
        domain_events.ATTENDANCE_ATTENDED_AT_BRIDGE_POINTS,
        domain_events.ATTENDANCE_MARKED_ABSENT,
        domain_events.ATTENDANCE_ONLINE_COURSE_COMPLETED,
        domain_events.ATTENDANCE_CHANNEL_FOLLOWED,
        domain_events.ATTENDANCE_RECORDS_VOIDED,
    }
)


class CoverageModel(ReadModel):
    """Members per province (one state row each) and the counts per commune and cluster.

    The provinces' members are cached between batches (about 60 MB for the 2022 programme);
    the runner resets the cache whenever a batch is rolled back.
    """

    name = "coverage"
    tables = (_NAMES, _STATE, _COMMUNE_COUNTS, _CLUSTER_COUNTS)
    handles = _MEMBER_EVENTS
    #: 2: members stored in chunks, each batch writing only the chunks it changed.
    version = 2

    def __init__(self) -> None:
        self._states: dict[tuple[int, str], ProvinceMembers] = {}
        self._touched: set[tuple[int, str]] = set()
        self._reader: Reader | None = None
        self._tables: Mapping[str, str] = {}
        #: the provinces this model folds (``None``: all); a parallel rebuild gives each
        #: process its share
        self.only: Callable[[str], bool] | None = None

    def reset(self) -> None:
        self._states = {}
        self._touched = set()

    def begin(self, reader: Reader, tables: Mapping[str, str]) -> None:
        if tables != self._tables:
            self.reset()
            self._tables = dict(tables)
        self._reader = reader
        self._touched = set()

    def _province(self, slot: tuple[int, str]) -> ProvinceMembers:
        state = self._states.get(slot)
        if state is None:
            assert self._reader is not None, "begin() first"
            found = _load(self._reader, self._tables, *slot)
            state = found if found is not None else ProvinceMembers()
            self._states[slot] = state
        return state

    def fold(self, events: Sequence[Envelope]) -> None:
        touched = self._touched
        for envelope in events:
            event = envelope.event
            kind = type(event)
            if kind not in _MEMBER_EVENTS or envelope.programme is None:
                continue
            if self.only is not None and not self.only(event.province):
                continue
            slot = (envelope.programme, event.province)
            state = self._province(slot)
            touched.add(slot)
            batch = event.members
            positions = state.positions(batch.members, batch.teams, batch.communes)
            outcome = _IN_PERSON.get(kind)
            if outcome is not None:
                state.set_in_person(positions, outcome, event.cluster)
            elif kind is domain_events.ATTENDANCE_ONLINE_COURSE_COMPLETED:
                state.set_course(positions, 1)
            elif kind is domain_events.ATTENDANCE_CHANNEL_FOLLOWED:
                state.set_channel(positions, 1)
            elif kind is domain_events.ATTENDANCE_RECORDS_VOIDED:
                if event.activity == "course":
                    state.set_course(positions, 0)
                elif event.activity == "channel":
                    state.set_channel(positions, 0)
                else:
                    state.set_in_person(positions, 0, 0)

    def flush(self, cursor: Cursor, tables: Mapping[str, str]) -> None:
        touched, self._touched = sorted(self._touched), set()
        if not touched:
            return
        names_rows: list[tuple[Any, ...]] = []
        state_rows: list[tuple[Any, ...]] = []
        commune_rows: list[tuple[Any, ...]] = []
        cluster_rows: list[tuple[Any, ...]] = []
        for programme, province in touched:
            state = self._states[(programme, province)]
            names_rows.extend((programme, province, *row) for row in state.changed_names())
            state_rows.extend((programme, province, *row) for row in state.changed_flags())
            per_commune, per_cluster = state.counts()
            commune_rows.extend((programme, province, *r) for r in per_commune)
            cluster_rows.extend((programme, province, *r) for r in per_cluster)
        cursor.upsert(
            tables["member_names"],
            _NAMES.column_names,
            _NAMES.key,
            names_rows,
            {"members": "excluded.members", "names": "excluded.names"},
        )
        cursor.upsert(
            tables["member_state"],
            _STATE.column_names,
            _STATE.key,
            state_rows,
            {"flags": "excluded.flags", "clusters": "excluded.clusters"},
        )
        counts = _COMMUNE_COUNTS.column_names[3:]
        cursor.upsert(
            tables["commune_coverage"],
            _COMMUNE_COUNTS.column_names,
            _COMMUNE_COUNTS.key,
            commune_rows,
            {column: f"excluded.{column}" for column in counts},
        )
        clusters = tables["cluster_attendance"]
        cursor.executemany(f"DELETE FROM {clusters} WHERE programme = ? AND province = ?", touched)
        cursor.upsert(clusters, _CLUSTER_COUNTS.column_names, _CLUSTER_COUNTS.key, cluster_rows)


def _load(
    reader: Reader, tables: Mapping[str, str], programme: int, province: str
) -> ProvinceMembers | None:
    """A province's members from their chunks, or ``None`` if none is stored."""
    where = "WHERE programme = ? AND province = ? ORDER BY chunk"
    names = reader.query(
        f"SELECT chunk, names FROM {tables['member_names']} {where}", (programme, province)
    )
    if not names:
        return None
    flags = reader.query(
        f"SELECT chunk, flags, clusters FROM {tables['member_state']} {where}",
        (programme, province),
    )
    counted = None
    if "commune_coverage" in tables:  # the model's own tables: its counts too
        counts = ", ".join(_COMMUNE_COUNTS.column_names[2:])
        counted = reader.query(
            f"SELECT {counts} FROM {tables['commune_coverage']} "
            "WHERE programme = ? AND province = ?",
            (programme, province),
        )
    return ProvinceMembers.decode(names, flags, counted)


# -- measures, targets and status --------------------------------------------------------------

#: The counts of a coverage row, in report order.
COUNTS = ("teams_trained", "members_hall", "members_bridge", "members_course", "members_channel")
_MEASURE_OF = {
    "teams_trained": Measure.TEAMS_TRAINED_IN_PERSON,
    "members_course": Measure.MEMBERS_ONLINE_COURSE,
    "members_channel": Measure.MEMBERS_FOLLOWING_CHANNEL,
}


class Status(enum.StrEnum):
    """Where a measure stands against its target on a day."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NOT_STARTED = "not_started"
    NO_TARGET = "no_target"


class Grouping(enum.StrEnum):
    """What coverage rows are grouped by (``Views.coverage(by)``)."""

    COUNTRY = "country"
    REGION = "region"
    PROVINCE = "province"
    CLUSTER = "cluster"
    COMMUNE = "commune"


@attrs.frozen
class Progress:
    """One measure of one row against its target: the share reached, the share projected at
    the deadline, and the status."""

    value: int
    population: int
    share: float
    projected: float
    target: Target | None
    status: Status


def progress(
    value: int,
    population: int,
    target: Target | None,
    *,
    start: date,
    today: date,
    pending: int | None = None,
) -> Progress:
    """The status of a measure on ``today``.

    * ``met``: the share reached the target share;
    * ``missed``: the deadline has passed and it did not;
    * ``not_started``: the programme has not started yet;
    * otherwise the share at the deadline is projected, and the measure is ``on_track`` if the
      projection reaches the target, ``at_risk`` if not.  In-person training happens on session
      days, so for it (``pending`` given) the projection adds the not-yet-trained population of
      the units whose session is still to come before the deadline: a province training next
      week is on track, one without a session is at risk.  Online measures follow a linear pace
      from the programme's start: ``share * (deadline - start + 1) / (today - start + 1)``.
    """
    share = value / population if population else 0.0
    if target is None:
        return Progress(value, population, share, share, None, Status.NO_TARGET)
    if population and share >= target.share - 1e-12:
        status = Status.MET
        projected = share
    elif today > target.deadline:
        status, projected = Status.MISSED, share
    elif today < start:
        status, projected = Status.NOT_STARTED, share
    else:
        if pending is not None:
            projected = (value + pending) / population if population else 0.0
        else:
            elapsed = (today - start).days + 1
            span = (target.deadline - start).days + 1
            projected = share * span / elapsed
        status = Status.ON_TRACK if projected >= target.share - 1e-12 else Status.AT_RISK
    return Progress(value, population, share, projected, target, status)


# -- counting ------------------------------------------------------------------------------


@attrs.define
class _Counts:
    teams_expected: int = 0
    members_expected: int = 0
    teams_enrolled: int = 0
    members_enrolled: int = 0
    teams_trained: int = 0
    members_hall: int = 0
    members_bridge: int = 0
    members_absent: int = 0
    members_course: int = 0
    members_channel: int = 0
    #: Teams not trained yet whose session is still ahead (and before the deadline).
    teams_pending: int = 0
    #: The populations shares are taken against: per province the larger of the expected and
    #: the enrolled count, summed over provinces for a group (0: not set, as for a commune).
    teams_population: int = 0
    members_population: int = 0

    def add(self, other: _Counts) -> None:
        for field in attrs.fields(_Counts):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@attrs.frozen
class CoverageRow:
    """The counts of one group (a province, region, cluster, commune or the country).

    ``teams_expected`` and ``members_expected`` are the programme's figures (``None`` for a
    commune, which the programme does not count); shares are taken against the larger of the
    expected and the enrolled count of each province (summed for a region, a cluster or the
    country), so data beyond the estimate never shows more than 100%, and one province's extra
    data never hides another's shortfall.
    """

    grouping: Grouping
    key: str
    name: str
    teams_expected: int | None
    members_expected: int | None
    teams_enrolled: int
    members_enrolled: int
    teams_trained: int
    members_hall: int
    members_bridge: int
    members_absent: int
    members_course: int
    members_channel: int
    progress: Mapping[str, Progress]

    def counts(self) -> dict[str, int]:
        """The row's counts by name (``teams_trained``, ``members_hall``, ...)."""
        return {name: getattr(self, name) for name in COUNTS}


_COUNTED = (
    "teams_enrolled, teams_trained, members_enrolled, members_hall, members_bridge, "
    "members_absent, members_course, members_channel"
)


def _counts_of(r: Sequence[Any]) -> _Counts:
    return _Counts(
        teams_enrolled=int(r[0]),
        teams_trained=int(r[1]),
        members_enrolled=int(r[2]),
        members_hall=int(r[3]),
        members_bridge=int(r[4]),
        members_absent=int(r[5]),
        members_course=int(r[6]),
        members_channel=int(r[7]),
    )


def _commune_counts(database: Reader, programme: int) -> dict[tuple[str, str], _Counts]:
    rows = database.query(
        f"SELECT province, commune, {_COUNTED} FROM view_commune_coverage WHERE programme = ?",
        (programme,),
    )
    return {(r[0], r[1]): _counts_of(r[2:]) for r in rows}


def _province_counts(database: Reader, programme: int) -> dict[str, _Counts]:
    """The communes' counts added up per province, by the database (a team is in one
    commune, so the sums are the province's counts)."""
    sums = ", ".join(f"SUM({c.strip()})" for c in _COUNTED.split(","))
    rows = database.query(
        f"SELECT province, {sums} FROM view_commune_coverage WHERE programme = ? GROUP BY province",
        (programme,),
    )
    return {r[0]: _counts_of(r[1:]) for r in rows}


def _sessions_ahead(database: Reader, facts: ProgrammeFacts, today: date) -> set[str]:
    """Units whose cluster's session is scheduled after ``today`` and by the in-person
    deadline (they will be trained, as far as the plan goes)."""
    target = facts.targets.get(Measure.TEAMS_TRAINED_IN_PERSON)
    deadline = target.deadline if target is not None else facts.end
    days = {
        int(r[0]): date.fromisoformat(r[1])
        for r in database.query(
            "SELECT cluster, day FROM view_sessions WHERE programme = ? AND status = ?",
            (facts.key, str(SessionStatus.SCHEDULED)),
        )
    }
    return {
        code
        for code, unit in facts.units.items()
        if unit.cluster is not None
        and unit.cluster in days
        and today < days[unit.cluster] <= deadline
    }


def coverage(
    database: Reader,
    facts: ProgrammeFacts,
    by: Grouping | str = Grouping.PROVINCE,
    *,
    today: date,
    provinces: UnitTable | ProvinceTable | None = None,
) -> list[CoverageRow]:
    """Coverage of a programme grouped ``by`` country, region, province, cluster or commune.

    ``today`` is the day the status is judged on (the report's moment).  Names and regions
    come from ``provinces`` (the programme's units table); a unit it does not know is shown by
    its code, in region ``"-"``.
    """
    return coverage_by(database, facts, [by], today=today, provinces=provinces)[Grouping(by)]


def coverage_by(
    database: Reader,
    facts: ProgrammeFacts,
    groupings: Sequence[Grouping | str],
    *,
    today: date,
    provinces: UnitTable | ProvinceTable | None = None,
) -> dict[Grouping, list[CoverageRow]]:
    """:func:`coverage` for several groupings, reading the counts once."""
    try:
        wanted = [Grouping(g) for g in groupings]
    except ValueError:
        raise InvalidInputError(
            f"coverage by {groupings!r}: choose from {', '.join(g.value for g in Grouping)}"
        ) from None
    table = unit_table_of(provinces)
    ahead = _sessions_ahead(database, facts, today)
    per_province: dict[str, _Counts] = {
        code: _Counts(teams_expected=unit.teams, members_expected=unit.members)
        for code, unit in facts.units.items()
    }
    communes: dict[tuple[str, str], _Counts] = {}
    if Grouping.COMMUNE in wanted:
        communes = _commune_counts(database, facts.key)
        for (province, _), counts in communes.items():
            per_province.setdefault(province, _Counts()).add(counts)
    else:
        for province, counts in _province_counts(database, facts.key).items():
            per_province.setdefault(province, _Counts()).add(counts)
    for counts in per_province.values():
        # a province with more data than expected does not make up for another's shortfall
        counts.teams_population = max(counts.teams_expected, counts.teams_enrolled)
        counts.members_population = max(counts.members_expected, counts.members_enrolled)
    for code in ahead:
        counts = per_province[code]
        population = max(counts.teams_expected, counts.teams_enrolled)
        counts.teams_pending = population - counts.teams_trained
    result: dict[Grouping, list[CoverageRow]] = {}
    for grouping in wanted:
        if grouping is Grouping.COMMUNE:
            rows = []
            for (province, commune), counts in sorted(communes.items()):
                if province in ahead:
                    counts.teams_pending = counts.teams_enrolled - counts.teams_trained
                rows.append(_row(grouping, f"{province}/{commune}", commune, counts, facts, today))
            result[grouping] = rows
        elif grouping is Grouping.PROVINCE:
            result[grouping] = [
                _row(grouping, code, _province_name(table, code), per_province[code], facts, today)
                for code in sorted(per_province)
            ]
        elif grouping is Grouping.COUNTRY:
            total = _Counts()
            for counts in per_province.values():
                total.add(counts)
            result[grouping] = [_row(grouping, "total", facts.name, total, facts, today)]
        elif grouping is Grouping.REGION:
            regions: dict[str, _Counts] = {}
            for code, counts in per_province.items():
                regions.setdefault(_region(table, code), _Counts()).add(counts)
            result[grouping] = [
                _row(grouping, region, region, regions[region], facts, today)
                for region in sorted(regions)
            ]
        else:
            result[grouping] = _by_cluster(database, facts, per_province, today)
    return result


def _by_cluster(
    database: Reader,
    facts: ProgrammeFacts,
    per_province: Mapping[str, _Counts],
    today: date,
) -> list[CoverageRow]:
    """Enrolment, online measures and expectations follow each unit's cluster now; in-person
    counts follow the session actually attended."""
    clusters: dict[int, _Counts] = {}
    for code, counts in per_province.items():
        unit = facts.units.get(code)
        if unit is None or unit.cluster is None:
            continue
        group = clusters.setdefault(unit.cluster, _Counts())
        group.add(
            attrs.evolve(
                counts,
                teams_trained=0,
                members_hall=0,
                members_bridge=0,
                members_absent=0,
            )
        )
    for r in database.query(
        "SELECT cluster, SUM(teams_trained), SUM(members_hall), SUM(members_bridge), "
        "SUM(members_absent) FROM view_cluster_attendance WHERE programme = ? GROUP BY cluster",
        (facts.key,),
    ):
        group = clusters.setdefault(int(r[0]), _Counts())
        group.teams_trained += int(r[1])
        group.members_hall += int(r[2])
        group.members_bridge += int(r[3])
        group.members_absent += int(r[4])
    return [
        _row(Grouping.CLUSTER, str(number), f"cluster {number}", clusters[number], facts, today)
        for number in sorted(clusters)
    ]


def _row(
    grouping: Grouping,
    key: str,
    name: str,
    counts: _Counts,
    facts: ProgrammeFacts,
    today: date,
) -> CoverageRow:
    commune = grouping is Grouping.COMMUNE
    teams = counts.teams_population or max(counts.teams_expected, counts.teams_enrolled)
    members = counts.members_population or max(counts.members_expected, counts.members_enrolled)
    measures: dict[str, Progress] = {}
    for count in COUNTS:
        population = teams if count == "teams_trained" else members
        measure = _MEASURE_OF.get(count)
        measures[count] = progress(
            getattr(counts, count),
            population,
            facts.targets.get(measure) if measure is not None else None,
            start=facts.start,
            today=today,
            pending=counts.teams_pending if count == "teams_trained" else None,
        )
    return CoverageRow(
        grouping=grouping,
        key=key,
        name=name,
        teams_expected=None if commune else counts.teams_expected,
        members_expected=None if commune else counts.members_expected,
        teams_enrolled=counts.teams_enrolled,
        members_enrolled=counts.members_enrolled,
        teams_trained=counts.teams_trained,
        members_hall=counts.members_hall,
        members_bridge=counts.members_bridge,
        members_absent=counts.members_absent,
        members_course=counts.members_course,
        members_channel=counts.members_channel,
        progress=measures,
    )


def _province_name(table: UnitTable, code: str) -> str:
    return table.name(code)


def _region(table: UnitTable, code: str) -> str:
    unit = table.get(code)
    return unit.region if unit is not None and unit.region else "-"


@attrs.frozen
class MemberRecord:
    """What the views know of one member."""

    member: str
    team: str
    commune: str
    in_person: str | None
    cluster: int | None
    course: bool
    channel: bool


#: The live tables of members' state (a rebuild writes shadow tables of its own).
_LIVE_MEMBER_TABLES = {"member_names": "view_member_names", "member_state": "view_member_state"}


def members_of(database: Reader, programme: int, province: str) -> list[MemberRecord]:
    """Every member of a province, in order of first appearance in the log."""
    state = _load(
        database,
        _LIVE_MEMBER_TABLES,
        programme,
        province,
    )
    if state is None:
        raise NotFoundError(f"no member of province {province} is in the views")
    return [
        MemberRecord(
            member=state.members[i],
            team=state.teams[i],
            commune=state.communes[i],
            in_person=OUTCOME_NAMES.get(state.in_person[i]),
            cluster=state.cluster[i] or None,
            course=bool(state.course[i]),
            channel=bool(state.channel[i]),
        )
        for i in range(len(state.members))
    ]


def bridge_attendance(database: Reader, programme: int) -> dict[tuple[int, str, str], int]:
    """Members recorded at a bridge point, by (cluster of the session, province, commune).

    A province whose bridge attendance is all about one session (the usual case) is read from
    the per-commune counts; only a province with members at the bridges of several sessions
    (it moved cluster after some were recorded) has its members read one by one.
    """
    sessions: dict[str, list[int]] = {}
    for province, cluster in database.query(
        "SELECT province, cluster FROM view_cluster_attendance "
        "WHERE programme = ? AND members_bridge > 0",
        (programme,),
    ):
        sessions.setdefault(province, []).append(int(cluster))
    found: dict[tuple[int, str, str], int] = {}
    one = {province: clusters[0] for province, clusters in sessions.items() if len(clusters) == 1}
    if one:
        for province, commune, members in database.query(
            "SELECT province, commune, members_bridge FROM view_commune_coverage "
            "WHERE programme = ? AND members_bridge > 0",
            (programme,),
        ):
            if province in one:
                found[(one[province], province, commune)] = int(members)
    for province in sorted(p for p, clusters in sessions.items() if len(clusters) > 1):
        state = _load(
            database,
            _LIVE_MEMBER_TABLES,
            programme,
            province,
        )
        if state is None:
            continue
        for outcome, cluster, commune in zip(
            state.in_person, state.cluster, state.communes, strict=True
        ):
            if outcome == BRIDGE:
                slot = (cluster, province, commune)
                found[slot] = found.get(slot, 0) + 1
    return found
