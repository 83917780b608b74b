"""What the HTML report shows, as plain values: no templating, no pictures.

The page is built from a plan's clusters, a unit directory, an optional working calendar and
optional coverage rows.  This module turns them into the rows the template writes: units with
every spelling a reader may search for, clusters with their rosters, the calendar by day and
trainer team, and coverage against every target with its deadline and the pace still needed,
the units behind target first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import attrs

from schedcore.calendar import WorkingCalendar, now
from schedcore.domain.names import name_key
from schedcore.domain.programme_spec import Measure, Target
from schedcore.domain.units import UnitTable
from schedcore.exports._counts import CoverageCounts
from schedcore.exports._figures import short_date
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike
from schedcore.exports._units import UnitDirectory
from schedcore.reference.provinces import ProvinceTable

__all__ = [
    "CalendarDay",
    "ClusterEntry",
    "CoverageLine",
    "ReportFacts",
    "ReportModel",
    "UnitEntry",
    "build_report",
    "fold",
    "spellings_of",
]

#: Measures in report order: (label, counted attribute, population attribute).
MEASURES: Mapping[Measure, tuple[str, str, str]] = {
    Measure.TEAMS_TRAINED_IN_PERSON: ("teams trained in person", "teams_trained", "teams_total"),
    Measure.MEMBERS_FOLLOWING_CHANNEL: (
        "members on the channel",
        "members_channel",
        "members_total",
    ),
    Measure.MEMBERS_ONLINE_COURSE: (
        "members through the course",
        "members_course",
        "members_total",
    ),
}

#: Status words with a symbol each, so colour is never the only signal; and their order in
#: the coverage table (behind target first).
STATUS_LABELS: Mapping[str, tuple[str, str, int]] = {
    "missed": ("✖", "missed", 0),
    "at_risk": ("⚠", "behind target", 1),
    "not_started": ("○", "not started", 2),
    "on_track": ("▲", "on track", 3),
    "no_target": ("·", "no target", 4),
    "met": ("✔", "met", 5),
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: what the page's search compares.

    ``"Thừa Thiên Huế"`` -> ``"thuathienhue"``; the page's script folds a query the same way.
    """
    text = unicodedata.normalize("NFC", text).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    text = text.replace("Đ", "D").replace("đ", "d").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub("", plain)


def spellings_of(table: UnitTable | ProvinceTable) -> dict[str, tuple[str, ...]]:
    """Each unit's other names: those the units table knows besides the name (aliases,
    ``name_*`` columns such as an English name)."""
    units = table if isinstance(table, UnitTable) else table.unit_table()
    return {
        unit.code: tuple(s for s in UnitTable.spellings(unit) if s != unit.name) for unit in units
    }


@attrs.frozen
class ReportFacts:
    """What the report says about itself, beyond the plan.

    ``source`` says where the plan came from (a file, a store), ``position`` the log position
    it was read at, ``today`` the day coverage is judged on (default: the day ``made_at``
    falls on), ``start`` and ``end`` the programme's window (default: the calendar's, else the
    first and last session).  ``refresh_seconds`` makes the page reload itself (a live
    dashboard); ``None`` for a file.
    """

    programme: str = "Training plan"
    made_at: dt.datetime | None = None
    source: str | None = None
    position: int | None = None
    today: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    refresh_seconds: int | None = None


@attrs.frozen
class UnitEntry:
    code: str
    name: str
    region: str | None
    cluster: int
    host: bool
    #: Space-separated folded spellings: name, code, English name, aliases.
    keys: str


@attrs.frozen
class ClusterEntry:
    id: int
    host: UnitEntry
    venue: str
    date: dt.date | None
    date_text: str
    trainer_team: str | None
    members: tuple[UnitEntry, ...]


@attrs.frozen
class CalendarDay:
    day: dt.date
    label: str
    holiday: str | None
    #: One tuple of clusters per trainer team column.
    cells: tuple[tuple[ClusterEntry, ...], ...]


@attrs.frozen
class CoverageLine:
    code: str
    name: str
    cluster: int | None
    #: The measure's name (:class:`Measure`) and its words.
    measure_key: str
    measure: str
    value: int
    population: int
    share: float
    target: Target | None
    #: Working days (Monday to Friday, minus the calendar's holidays) from today to the deadline.
    days_left: int | None
    #: What is still missing to the target, per working day left (``None``: nothing to do or
    #: no day left).
    pace: float | None
    status: str
    symbol: str
    status_text: str
    rank: int


@attrs.frozen
class ReportModel:
    facts: ReportFacts
    made_at: dt.datetime
    today: dt.date
    start: dt.date | None
    end: dt.date | None
    holidays: tuple[tuple[dt.date, str], ...]
    units: tuple[UnitEntry, ...]
    clusters: tuple[ClusterEntry, ...]
    teams: tuple[str, ...]
    days: tuple[CalendarDay, ...]
    coverage: tuple[CoverageLine, ...] | None
    totals: tuple[tuple[str, int, int, float], ...]
    targets: tuple[Target, ...]
    measure_labels: Mapping[str, str]

    @property
    def sessions(self) -> int:
        return sum(1 for cluster in self.clusters if cluster.date is not None)

    @property
    def behind(self) -> int:
        """Coverage lines missed or behind target."""
        return sum(1 for line in self.coverage or () if line.rank <= 1)


def build_report(
    clusters: Iterable[ClusterLike],
    units: UnitDirectory,
    *,
    calendar: WorkingCalendar | None = None,
    coverage: Mapping[str, CoverageCounts] | None = None,
    targets: Sequence[Target] = (),
    facts: ReportFacts | None = None,
    spellings: Mapping[str, Sequence[str]] | None = None,
    statuses: Mapping[str, Mapping[Measure, str]] | None = None,
) -> ReportModel:
    """The report's content; refuses what :func:`check_clusters` refuses.

    A unit's status against a target is judged here (by
    :func:`schedcore.projections.coverage.progress`, the rule ``schedcore report`` uses) unless
    ``statuses`` gives it (the read models know which sessions are cancelled).
    """
    facts = facts or ReportFacts()
    ordered = check_clusters(clusters, units)
    made_at = facts.made_at or now()
    today = facts.today or made_at.date()
    entries: list[ClusterEntry] = []
    unit_entries: list[UnitEntry] = []
    for cluster in ordered:
        members = sorted(
            (_unit(code, cluster, units, spellings) for code in cluster.members),
            key=lambda entry: (not entry.host, entry.name),
        )
        unit_entries.extend(members)
        entries.append(
            ClusterEntry(
                id=cluster.id,
                host=members[0],
                venue=units.venue(cluster.host),
                date=cluster.date,
                date_text=f"{cluster.date:%a} {short_date(cluster.date)} {cluster.date:%Y}"
                if cluster.date
                else "no date yet",
                trainer_team=cluster.trainer_team,
                members=tuple(members),
            )
        )
    dates = [c.date for c in entries if c.date is not None]
    start = facts.start or (calendar.start if calendar else min(dates, default=None))
    end = facts.end or (calendar.end if calendar else max(dates, default=None))
    teams = tuple(sorted({c.trainer_team or "" for c in entries if c.date is not None}))
    lines = None
    totals: tuple[tuple[str, int, int, float], ...] = ()
    if coverage is not None:
        lines = _coverage(coverage, entries, units, targets, calendar, start, today, statuses or {})
        totals = _totals(coverage)
    return ReportModel(
        facts=facts,
        made_at=made_at,
        today=today,
        start=start,
        end=end,
        holidays=tuple(
            (h.day, h.name)
            for h in (calendar.holidays if calendar else ())
            if start is None or end is None or start <= h.day <= end
        ),
        units=tuple(sorted(unit_entries, key=lambda u: u.name)),
        clusters=tuple(entries),
        teams=teams,
        days=_days(entries, teams, calendar),
        coverage=lines,
        totals=totals,
        targets=tuple(targets),
        measure_labels={str(m): label for m, (label, _, _) in MEASURES.items()},
    )


def _unit(
    code: str,
    cluster: ClusterLike,
    units: UnitDirectory,
    spellings: Mapping[str, Sequence[str]] | None,
) -> UnitEntry:
    unit = units[code]
    names = [unit.name, code, *(spellings or {}).get(code, ())]
    keys = dict.fromkeys(k for name in names for k in (fold(name), name_key(name)) if k)
    return UnitEntry(
        code=code,
        name=unit.name,
        region=unit.region,
        cluster=cluster.id,
        host=code == cluster.host,
        keys=" ".join(keys),
    )


def _days(
    clusters: Sequence[ClusterEntry], teams: Sequence[str], calendar: WorkingCalendar | None
) -> tuple[CalendarDay, ...]:
    """Every working day from the first to the last session (the calendar's whole window when
    given), holidays on weekdays included and named; a session on another day is added."""
    dated = [c for c in clusters if c.date is not None]
    if not dated:
        return ()
    first = min(c.date for c in dated if c.date is not None)
    last = max(c.date for c in dated if c.date is not None)
    weekdays: frozenset[int] = frozenset(range(5))
    holidays: dict[dt.date, str] = {}
    if calendar is not None:
        first, last = min(first, calendar.start), max(last, calendar.end)
        weekdays = calendar.weekdays
        holidays = {h.day: h.name for h in calendar.holidays}
    by_day: dict[dt.date, list[ClusterEntry]] = {}
    for cluster in dated:
        if cluster.date is not None:
            by_day.setdefault(cluster.date, []).append(cluster)
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        if day.weekday() not in weekdays and day not in by_day:
            continue
        here = by_day.get(day, [])
        days.append(
            CalendarDay(
                day=day,
                label=f"{day:%a} {short_date(day)}",
                holiday=holidays.get(day),
                cells=tuple(
                    tuple(c for c in here if (c.trainer_team or "") == team) for team in teams
                ),
            )
        )
    return tuple(days)


def _working_days_left(today: dt.date, deadline: dt.date, calendar: WorkingCalendar | None) -> int:
    holidays = calendar.holiday_dates if calendar else frozenset()
    weekdays = calendar.weekdays if calendar else frozenset(range(5))
    count = 0
    day = today
    while day <= deadline:
        if day.weekday() in weekdays and day not in holidays:
            count += 1
        day += dt.timedelta(days=1)
    return count


def _coverage(
    rows: Mapping[str, CoverageCounts],
    clusters: Sequence[ClusterEntry],
    units: UnitDirectory,
    targets: Sequence[Target],
    calendar: WorkingCalendar | None,
    start: dt.date | None,
    today: dt.date,
    statuses: Mapping[str, Mapping[Measure, str]],
) -> tuple[CoverageLine, ...]:
    from schedcore.projections.coverage import progress

    session_of = {m.code: c for c in clusters for m in c.members}
    by_measure = {t.measure: t for t in targets}
    measures = [m for m in MEASURES if m in by_measure] or list(MEASURES)
    lines = []
    for code, row in rows.items():
        cluster = session_of.get(code)
        for measure in measures:
            label, counted, population_of = MEASURES[measure]
            value, population = getattr(row, counted), getattr(row, population_of)
            if not population and measure not in by_measure:
                continue
            target = by_measure.get(measure)
            pending = None
            if measure is Measure.TEAMS_TRAINED_IN_PERSON:
                ahead = (
                    cluster is not None
                    and cluster.date is not None
                    and cluster.date >= today
                    and (target is None or cluster.date <= target.deadline)
                )
                pending = max(population - value, 0) if ahead else 0
            standing = progress(
                value, population, target, start=start or today, today=today, pending=pending
            )
            days_left = pace = None
            if target is not None:
                days_left = _working_days_left(today, target.deadline, calendar)
                missing = max(math.ceil(target.share * population - 1e-9) - value, 0)
                pace = missing / days_left if missing and days_left else None
            status = statuses.get(code, {}).get(measure, str(standing.status))
            symbol, text, rank = STATUS_LABELS[status]
            lines.append(
                CoverageLine(
                    code=code,
                    name=units.name(code),
                    cluster=cluster.id if cluster else None,
                    measure_key=str(measure),
                    measure=label,
                    value=value,
                    population=population,
                    share=standing.share,
                    target=target,
                    days_left=days_left,
                    pace=pace,
                    status=status,
                    symbol=symbol,
                    status_text=text,
                    rank=rank,
                )
            )
    return tuple(sorted(lines, key=lambda line: (line.rank, line.share, line.name, line.measure)))


def _totals(rows: Mapping[str, CoverageCounts]) -> tuple[tuple[str, int, int, float], ...]:
    """(measure label, reached, population, share) over every unit."""
    if not rows:
        return ()
    total = sum(rows.values(), CoverageCounts(0, 0))
    found = []
    for label, counted, population_of in MEASURES.values():
        population = getattr(total, population_of)
        if population:
            value = getattr(total, counted)
            found.append((label, value, population, value / population))
    return tuple(found)
