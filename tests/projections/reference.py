"""A reference implementation of the read models: a plain fold over the domain events.

Written independently of ``schedcore.projections`` (dicts and sets, one event at a time), so
that "incremental views == rebuild == this fold" means something.  :func:`snapshot` reads the
same facts back from a :class:`~schedcore.projections.Views` through its public queries.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from schedcore.application import Scheduler
from schedcore.domain.values import MemberBatch
from schedcore.projections import Views
from schedcore.projections.coverage import members_of


def events_of(
    app: Scheduler, until: int | None = None, *, identities: bool = False
) -> list[tuple[int, Any]]:
    """Every (position, event) of the log, decoded with the application's mapper.

    ``identities=True``: the members of attendance events named by their identifiers (read
    from the identity vault) instead of the pseudonyms the events hold."""
    found, position = [], 0
    while True:
        page = app.recorder.select_notifications(position + 1, 100, stop=until)
        if not page:
            break
        found.extend((n.id, app.mapper.to_domain_event(n)) for n in page)
        position = page[-1].id
    if identities:
        batches = [
            e.members for _, e in found if isinstance(getattr(e, "members", None), MemberBatch)
        ]
        named = app.member_identities({m for batch in batches for m in batch.members})
        for _, event in found:
            batch = getattr(event, "members", None)
            if isinstance(batch, MemberBatch):
                renamed = MemberBatch(
                    [named[m] for m in batch.members], batch.teams, batch.communes
                )
                object.__setattr__(event, "members", renamed)
    return found


def _name(event: Any) -> str:
    return type(event).__qualname__


def reference_snapshot(app: Scheduler, programme_name: str, until: int | None = None) -> dict:
    """The views of one programme, folded from the log by hand."""
    units: dict[str, dict[str, Any]] = {}
    programme_id = None
    clusters: dict[int, dict[str, Any]] = {}
    sessions: dict[int, dict[str, Any]] = {}
    points: dict[int, set[tuple[str, str]]] = defaultdict(set)
    members: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    audit = []
    ours: set[Any] = set()
    for position, event in events_of(app, until):
        name = _name(event)
        if name == "Programme.Created":
            if event.name != programme_name:
                continue
            programme_id = event.originator_id
            ours.add(event.originator_id)
            units = {
                u: {
                    "teams": event.teams.get(u, 0),
                    "members": event.members.get(u, 0),
                    "cluster": None,
                }
                for u in event.units
            }
        elif name.startswith("ProgrammeName."):
            continue  # the name index belongs to no programme: a name passes between them
        elif getattr(event, "programme_id", None) == programme_id and programme_id:
            ours.add(event.originator_id)
        if event.originator_id not in ours:
            continue
        audit.append(
            (
                position,
                event.actor,
                name,
                getattr(event, "province", None),
                event.number if name == "Cluster.Formed" else getattr(event, "cluster", None),
            )
        )
        if name == "Cluster.Formed":
            clusters[event.number] = {
                "host": None,
                "trainer": None,
                "dissolved": False,
                "members": set(),
            }
        elif name == "Cluster.Reformed":
            clusters[event.cluster]["dissolved"] = False
        elif name in ("Cluster.ProvinceAssigned", "Cluster.ProvinceMovedIn"):
            clusters[event.cluster]["members"].add(event.province)
        elif name in ("Cluster.ProvinceMovedOut", "Cluster.ProvinceWithdrawn"):
            cluster = clusters[event.cluster]
            cluster["members"].discard(event.province)
            if cluster["host"] == event.province:
                cluster["host"] = None
        elif name in ("Cluster.HostSet", "Cluster.HostChanged"):
            clusters[event.cluster]["host"] = event.host
        elif name == "Cluster.TrainerTeamAssigned":
            clusters[event.cluster]["trainer"] = event.trainer_team
        elif name == "Cluster.Dissolved":
            clusters[event.cluster].update(dissolved=True, host=None, trainer=None)
        elif name in ("Placement.Assigned", "Placement.Reassigned"):
            units[event.province]["cluster"] = event.cluster
        elif name == "Placement.Moved":
            units[event.province]["cluster"] = event.to_cluster
        elif name == "Placement.Withdrawn":
            units[event.province]["cluster"] = None
        elif name == "Session.Scheduled":
            sessions[event.cluster] = {
                "day": event.day,
                "status": "scheduled",
                "venue": (event.venue.province, event.venue.name),
                "hall": event.hall_capacity,
                "bridge": event.bridge_capacity,
                "seats": dict(event.seats),
            }
        elif name == "Session.Rescheduled":
            sessions[event.cluster]["day"] = event.day
        elif name == "Session.VenueChanged":
            sessions[event.cluster]["venue"] = (event.venue.province, event.venue.name)
        elif name == "Session.CapacityChanged":
            sessions[event.cluster].update(hall=event.hall_capacity, bridge=event.bridge_capacity)
        elif name == "Session.SeatsAllotted":
            sessions[event.cluster]["seats"][event.province] = event.seats
        elif name == "Session.SeatsReleased":
            sessions[event.cluster]["seats"].pop(event.province, None)
        elif name == "Session.Cancelled":
            sessions[event.cluster]["status"] = "cancelled"
        elif name == "Session.Reinstated":
            sessions[event.cluster].update(status="scheduled", day=event.day)
        elif name == "Session.Held":
            sessions[event.cluster]["status"] = "held"
        elif name == "Session.BridgePointsConnected":
            points[event.cluster].update((p[0], p[1]) for p in event.points)
        elif name == "Session.BridgePointsDisconnected":
            points[event.cluster].difference_update((p[0], p[1]) for p in event.points)
        elif name.startswith("Attendance.") and name != "Attendance.Opened":
            book = members[event.province]
            for member, team, commune in zip(
                event.members.members, event.members.teams, event.members.communes, strict=True
            ):
                record = book.setdefault(
                    member,
                    {
                        "team": team,
                        "commune": commune,
                        "in_person": None,
                        "cluster": None,
                        "course": False,
                        "channel": False,
                    },
                )
                if name == "Attendance.AttendedInHall":
                    record.update(in_person="hall", cluster=event.cluster)
                elif name == "Attendance.AttendedAtBridgePoints":
                    record.update(in_person="bridge", cluster=event.cluster)
                elif name == "Attendance.MarkedAbsent":
                    record.update(in_person="absent", cluster=event.cluster)
                elif name == "Attendance.OnlineCourseCompleted":
                    record["course"] = True
                elif name == "Attendance.ChannelFollowed":
                    record["channel"] = True
                elif name == "Attendance.RecordsVoided":
                    if event.activity == "course":
                        record["course"] = False
                    elif event.activity == "channel":
                        record["channel"] = False
                    else:
                        record.update(in_person=None, cluster=None)
    return {
        "roster": sorted(
            (
                number,
                c["host"],
                tuple(sorted(c["members"])),
                c["trainer"],
                "dissolved"
                if c["dissolved"]
                else sessions.get(number, {}).get("status", "unscheduled"),
            )
            for number, c in clusters.items()
        ),
        "sessions": sorted(
            (
                n,
                s["day"],
                s["status"],
                s["venue"],
                s["hall"],
                s["bridge"],
                tuple(sorted(s["seats"].items())),
            )
            for n, s in sessions.items()
        ),
        "placements": {u: d["cluster"] for u, d in units.items()},
        "bridge": {n: sorted(p) for n, p in points.items() if p},
        "members": {
            province: sorted(
                (
                    m,
                    r["team"],
                    r["commune"],
                    r["in_person"],
                    r["cluster"],
                    r["course"],
                    r["channel"],
                )
                for m, r in book.items()
            )
            for province, book in members.items()
        },
        "communes": _reference_communes(members),
        "clusters": _reference_clusters(members, units),
        "audit": audit,
    }


def _reference_communes(members: dict[str, dict[str, dict[str, Any]]]) -> dict:
    counts = {}
    for province, book in members.items():
        by_commune: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in book.values():
            by_commune[record["commune"]].append(record)
        for commune, records in by_commune.items():
            counts[(province, commune)] = (
                len({r["team"] for r in records}),
                len({r["team"] for r in records if r["in_person"] in ("hall", "bridge")}),
                len(records),
                sum(r["in_person"] == "hall" for r in records),
                sum(r["in_person"] == "bridge" for r in records),
                sum(r["in_person"] == "absent" for r in records),
                sum(r["course"] for r in records),
                sum(r["channel"] for r in records),
            )
    return counts


def _reference_clusters(members: dict, units: dict) -> dict:
    """Per cluster: teams trained there, hall, bridge, absent (by the session attended);
    members enrolled, course, channel (by the province's cluster now)."""
    result: dict[int, list[Any]] = defaultdict(lambda: [set(), 0, 0, 0, 0, 0, 0])
    for province, book in members.items():
        current = units[province]["cluster"]
        for record in book.values():
            if record["cluster"] is not None:
                row = result[record["cluster"]]
                if record["in_person"] in ("hall", "bridge"):
                    row[0].add((province, record["team"]))
                row[{"hall": 1, "bridge": 2, "absent": 3}[record["in_person"]]] += 1
            if current is not None:
                row = result[current]
                row[4] += 1
                row[5] += record["course"]
                row[6] += record["channel"]
    return {n: (len(r[0]), *r[1:]) for n, r in result.items()}


def snapshot(views: Views) -> dict:
    """The same facts as :func:`reference_snapshot`, read through the public queries."""
    roster = views.clusters(include_dissolved=True)
    sessions = views.sessions()
    facts = views.facts
    by_cluster = {
        int(row.key): (
            row.teams_trained,
            row.members_hall,
            row.members_bridge,
            row.members_absent,
            row.members_enrolled,
            row.members_course,
            row.members_channel,
        )
        for row in views.coverage("cluster")
        if any(
            (
                row.teams_trained,
                row.members_hall,
                row.members_bridge,
                row.members_absent,
                row.members_enrolled,
                row.members_course,
                row.members_channel,
            )
        )
    }
    communes = {
        tuple(row.key.split("/", 1)): (
            row.teams_enrolled,
            row.teams_trained,
            row.members_enrolled,
            row.members_hall,
            row.members_bridge,
            row.members_absent,
            row.members_course,
            row.members_channel,
        )
        for row in views.coverage("commune")
    }
    members = {}
    for province in facts.units:
        try:
            records = members_of(views.database, facts.key, province)
        except LookupError:
            continue
        members[province] = sorted(
            (r.member, r.team, r.commune, r.in_person, r.cluster, r.course, r.channel)
            for r in records
        )
    return {
        "roster": sorted(
            (c.id, c.host, tuple(c.members), c.trainer_team, c.status) for c in roster
        ),
        "sessions": sorted(
            (
                s.cluster,
                s.day,
                str(s.status),
                (s.venue.province, s.venue.name),
                s.hall_capacity,
                s.bridge_capacity,
                tuple(sorted(s.seats.items())),
            )
            for s in sessions
        ),
        "placements": {code: unit.cluster for code, unit in facts.units.items()},
        "bridge": {
            s.cluster: views.bridge_points(s.cluster)
            for s in views.bridge().sessions
            if views.bridge_points(s.cluster)
        },
        "members": members,
        "communes": communes,
        "clusters": by_cluster,
        "audit": [(e.position, e.actor, e.event, e.province, e.cluster) for e in views.history()],
    }
