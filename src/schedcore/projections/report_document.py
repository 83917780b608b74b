"""The coordinator's report as one JSON-ready document: what ``schedcore report`` prints.

Every figure has its unit (``units`` names them), every code its name, and every share is an
honest one (:mod:`schedcore.projections.shares`).  The figures agree with each other: the
province rows add up to the totals, the cluster rows add up to the totals too (in-person
counts follow the session attended, the rest the unit's cluster; units in no cluster have a
row of their own), and the members at each session's bridge points add up to the attendance
table's bridge column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from schedcore.domain.units import UnitTable
from schedcore.projections.coverage import COUNTS, CoverageRow, Grouping, coverage_by
from schedcore.projections.shares import Share
from schedcore.projections.travel import session_travel
from schedcore.projections.zone import programme_days, programme_zone

if TYPE_CHECKING:
    from schedcore.projections.queries import Views

__all__ = ["MEASURE_UNITS", "NO_CLUSTER", "UNITS", "report_document"]

#: The unit of each count of a coverage row.
MEASURE_UNITS: Mapping[str, str] = {
    "teams_trained": "teams",
    "members_hall": "members",
    "members_bridge": "members",
    "members_course": "members",
    "members_channel": "members",
}
#: The unit of every figure of the document, by key (``bridge.members``: a key of ``bridge``).
UNITS: Mapping[str, str] = {
    **MEASURE_UNITS,
    "teams_expected": "teams",
    "teams_enrolled": "teams",
    "members_expected": "members",
    "members_enrolled": "members",
    "members_absent": "members",
    "hall_capacity": "seats",
    "seats_allotted": "seats",
    "seats": "seats",
    "km_to_host": "km",
    "delegate_travel": "person-km",
    "bridge_capacity": "communes",
    "bridge.connected": "communes",
    "bridge.expected": "communes",
    "bridge.communes_attended": "communes",
    "bridge.members": "members",
}
#: The measures held against a target, shown as shares of their population.
SHARED = ("teams_trained", "members_course", "members_channel")
#: The key of the cluster row of the units in no cluster.
NO_CLUSTER = "-"
_IN_PERSON = ("teams_trained", "members_hall", "members_bridge", "members_absent")
_TOTALLED = (*COUNTS, "members_absent", "teams_enrolled", "members_enrolled")


def _counts(row: CoverageRow) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(row, name) for name in COUNTS}
    data.update(
        teams_expected=row.teams_expected,
        teams_enrolled=row.teams_enrolled,
        members_expected=row.members_expected,
        members_enrolled=row.members_enrolled,
        members_absent=row.members_absent,
        status={name: str(p.status) for name, p in row.progress.items()},
        shares={
            name: Share(row.progress[name].value, row.progress[name].population, unit).as_json()
            for name in SHARED
            for unit in (MEASURE_UNITS[name],)
        },
    )
    return data


def _unclustered(rows: list[CoverageRow], clustered: set[str]) -> dict[str, Any] | None:
    """The units in no cluster: enrolment and online measures (their in-person counts are
    in the row of the session attended)."""
    alone = [row for row in rows if row.key not in clustered]
    if not alone:
        return None
    data: dict[str, Any] = {name: 0 for name in _TOTALLED}
    for row in alone:
        for name in _TOTALLED:
            if name not in _IN_PERSON:
                data[name] += getattr(row, name)
    data.update(
        teams_expected=sum(row.teams_expected or 0 for row in alone),
        members_expected=sum(row.members_expected or 0 for row in alone),
        status={},
    )
    population = {
        "teams": sum(row.progress["teams_trained"].population for row in alone),
        "members": sum(row.progress["members_course"].population for row in alone),
    }
    data["shares"] = {
        name: Share(data[name], population[MEASURE_UNITS[name]], MEASURE_UNITS[name]).as_json()
        for name in SHARED
    }
    return data


def report_document(views: Views, today: date, *, on: date | None = None) -> dict[str, Any]:
    """Everything a coordinator's report shows (see ``docs/reference/cli.md``)."""
    facts = views.facts
    units = facts.units
    table = views.provinces

    def name_of(code: str | None) -> str | None:
        return table.name(code) if code is not None and code in table else None

    groups = coverage_by(
        views.database,
        facts,
        [Grouping.PROVINCE, Grouping.REGION, Grouping.COUNTRY, Grouping.CLUSTER],
        today=today,
        provinces=table,
    )
    bridge = views.bridge()
    bridge_by_session = {s.cluster: s for s in bridge.sessions}
    sessions = {s.cluster: s for s in views.sessions()}
    travel = session_travel(sessions.values(), table)
    seated = {
        code: (cluster, seats)
        for cluster, session in sessions.items()
        if str(session.status) != "cancelled"
        for code, seats in session.seats.items()
    }

    provinces: dict[str, Any] = {}
    for row in groups[Grouping.PROVINCE]:
        entry: dict[str, Any] = {
            "name": row.name,
            "region": _region(table, row.key),
            "cluster": units[row.key].cluster if row.key in units else None,
        }
        entry.update(_counts(row))
        connected, expected = bridge.provinces.get(row.key, (0, 0))
        entry["bridge"] = {"connected": connected, "expected": expected}
        cluster_seated, seats = seated.get(row.key, (None, None))
        trip = travel.get(cluster_seated) if cluster_seated is not None else None
        entry["seats"] = seats
        entry["km_to_host"] = trip.km[row.key] if trip is not None else None
        provinces[row.key] = entry

    clusters = []
    for c in views.clusters():
        session = sessions.get(c.id)
        clusters.append(
            {
                "id": c.id,
                "host": c.host,
                "host_name": name_of(c.host),
                "members": list(c.members),
                "member_names": {code: name_of(code) for code in c.members},
                "date": c.date.isoformat() if c.date is not None else None,
                "trainer_team": c.trainer_team,
                "status": c.status,
                "venue": c.venue,
                "hall_capacity": session.hall_capacity if session is not None else None,
                "seats_allotted": sum(session.seats.values()) if session is not None else None,
                "bridge_capacity": session.bridge_capacity if session is not None else None,
                "delegate_travel": travel[c.id].person_km if c.id in travel else None,
            }
        )

    by_cluster: dict[str, Any] = {row.key: _counts(row) for row in groups[Grouping.CLUSTER]}
    clustered = {code for code, unit in units.items() if unit.cluster is not None}
    alone = _unclustered(groups[Grouping.PROVINCE], clustered)
    if alone is not None:
        by_cluster[NO_CLUSTER] = alone

    def bridge_figures(connected: int, expected: int) -> dict[str, Any]:
        share = Share(connected, max(connected, expected), "communes")
        return {
            "connected": connected,
            "expected": expected,
            "share": round(connected / share.of, 6) if share.of else 0.0,
            "percent": share.percent,
            "missing": share.missing,
        }

    in_force = [s for s in sessions.values() if str(s.status) != "cancelled"]
    complete = bool(in_force) and all(s.cluster in travel for s in in_force)
    total_travel = sum(t.person_km for t in travel.values()) if complete else None
    zone = programme_zone(views.time_zone)
    return {
        "programme": facts.name,
        "position": views.position,
        "as_of": views.as_of.isoformat() if views.as_of is not None else None,
        "on": on.isoformat() if on is not None else None,
        "today": today.isoformat(),
        "time_zone": zone.name,
        "window": {
            "start": facts.start.isoformat(),
            "end": facts.end.isoformat(),
            "last_day": programme_days(facts)[1].isoformat(),
        },
        "units": dict(UNITS),
        "targets": [
            {
                "measure": str(t.measure),
                "share": t.share,
                "deadline": t.deadline.isoformat(),
                "unit": "teams" if str(t.measure).startswith("teams") else "members",
            }
            for t in facts.targets.values()
        ],
        "clusters": clusters,
        "provinces": provinces,
        "regions": {row.key: _counts(row) for row in groups[Grouping.REGION]},
        "cluster_coverage": by_cluster,
        "travel": {
            "delegate_travel": total_travel,
            "basis": "hall seats x great-circle km from each province's capital to its host's",
        },
        "totals": _counts(groups[Grouping.COUNTRY][0]),
        "bridge": {
            **bridge_figures(bridge.connected, bridge.expected),
            "communes_attended": bridge.communes_attended,
            "members": bridge.members,
            "sessions": [
                {
                    "cluster": s.cluster,
                    "date": (
                        sessions[s.cluster].day.isoformat() if s.cluster in sessions else None
                    ),
                    **bridge_figures(s.connected, s.expected),
                    "communes_attended": s.communes_attended,
                    "members": s.members,
                }
                for s in bridge_by_session.values()
            ],
        },
    }


def _region(table: UnitTable, code: str) -> str:
    unit = table.get(code)
    return unit.region if unit is not None and unit.region else "-"
