"""A plan as an iCalendar file (RFC 5545) that calendar apps import and later update.

One all-day VEVENT per dated cluster session.  Each event's UID is derived from a name of the
programme and the cluster id, so importing a re-exported plan *updates* the events instead of
adding copies; bump ``sequence`` on every re-export of a changed plan so apps accept the new
version.  The name the UIDs derive from is ``uid_name``, by default the programme's name; give
the name the programme was *created* under (``Programme.name_as_created``) so a renamed
programme keeps its UIDs: ``schedcore export`` from a store does.
Built with the ``icalendar`` package (``pip install 'schedcore[calendar]'``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from schedcore.calendar import ensure_aware
from schedcore.domain.names import name_key
from schedcore.errors import InvalidInputError, MissingDependencyError
from schedcore.exports._files import write_bytes_atomically
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from icalendar import Calendar

__all__ = ["PRODID", "plan_to_calendar", "plan_to_ics", "session_uid", "write_plan_ics"]


def _version() -> str:
    try:
        return metadata.version("schedcore")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "dev"


#: Identifies the program that wrote the calendar (RFC 5545 section 3.7.3).
PRODID = f"-//schedcore//schedcore {_version()}//EN"

#: Fixed namespace for session UIDs: changing it would duplicate every imported event.
_UID_NAMESPACE = uuid.UUID("6f1c2b0e-57d4-4b8e-9a43-0c5e2f3d9b71")


def session_uid(programme: str, cluster_id: int) -> str:
    """The UID of a cluster's session: the same for the same name and cluster, always.

    ``programme`` is the name the UIDs derive from: the name the programme was created under,
    which a rename does not change (before renames existed it was the only name it had).
    """
    return str(uuid.uuid5(_UID_NAMESPACE, f"{programme}\x1fcluster\x1f{cluster_id}"))


def plan_to_calendar(
    clusters: Iterable[ClusterLike],
    *,
    programme: str,
    units: UnitSource | UnitDirectory | None = None,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    time_zone: str | None = None,
    hours: tuple[dt.time, dt.time] | None = None,
    uid_name: str | None = None,
) -> Calendar:
    """An ``icalendar.Calendar`` with one event per dated cluster.

    With ``hours`` (local start and end) and ``time_zone`` (the programme's, IANA) each event
    runs those hours in that zone, with the zone's definition embedded; otherwise it is an
    all-day event on the session's date (and ``time_zone`` names the calendar's zone).
    ``stamp`` (timezone-aware, default now) becomes every event's DTSTAMP.  Clusters without a
    date have no session yet and are left out; a plan with no dated cluster is refused.
    ``uid_name`` (default ``programme``) is the name the UIDs derive from: the name the
    programme was created under, so that a renamed programme's events keep their UIDs.
    """
    try:
        from icalendar import Calendar, Event
    except ImportError:
        raise MissingDependencyError(
            "the iCalendar export needs the icalendar package: pip install 'schedcore[calendar]'"
        ) from None
    if not isinstance(programme, str) or not programme.strip():
        raise InvalidInputError(f"the programme's name is empty or not text: {programme!r}")
    seed = programme if uid_name is None else uid_name
    if not isinstance(seed, str) or not seed.strip():
        raise InvalidInputError(f"the name the event UIDs derive from is empty: {seed!r}")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise InvalidInputError(f"sequence must be a whole number >= 0, got {sequence!r}")
    zone = None
    if time_zone is not None:
        zone = _zone(time_zone)
    if hours is not None and zone is None:
        raise InvalidInputError("session hours need the programme's time zone")
    moment = ensure_aware(stamp, "stamp") if stamp is not None else dt.datetime.now(dt.UTC)
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    directory = unit_directory(units)
    dated = [(c, c.date) for c in check_clusters(clusters, directory) if c.date is not None]
    if not dated:
        raise InvalidInputError("no cluster of the plan has a date: there is no session to export")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", programme)
    if time_zone is not None:
        calendar.add("x-wr-timezone", time_zone)
    for cluster, day in dated:
        host = directory[cluster.host]
        event = Event()
        event.add("uid", session_uid(seed, cluster.id))
        event.add("dtstamp", moment)
        event.add("sequence", sequence)
        if hours is not None and zone is not None:
            event.add("dtstart", dt.datetime.combine(day, hours[0], tzinfo=zone))
            event.add("dtend", dt.datetime.combine(day, hours[1], tzinfo=zone))
        else:
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"Cluster {cluster.id} training, hosted by {host.name}")
        event.add("location", directory.venue(cluster.host))
        if host.located and not host.planar:  # GEO is latitude and longitude, nothing else
            event.add("geo", (host.lat, host.lon))
        event.add("description", _description(cluster, directory, programme))
        calendar.add_component(event)
    if hours is not None:
        calendar.add_missing_timezones()
    return calendar


def _zone(name: str) -> dt.tzinfo:
    """The programme's zone (``zoneinfo``, which icalendar writes out as a VTIMEZONE)."""
    from schedcore.calendar import time_zone

    return time_zone(name)  # refuses an unknown name, with the nearest ones


def _description(cluster: ClusterLike, directory: UnitDirectory, programme: str) -> str:
    members = sorted(cluster.members, key=lambda code: name_key(directory.name(code)))
    lines = [
        f"{programme}",
        f"Cluster {cluster.id}: {len(members)} member units",
        f"Host: {directory.name(cluster.host)} ({cluster.host})",
    ]
    if cluster.trainer_team:
        lines.append(f"Trainer team: {cluster.trainer_team}")
    lines.append("Members: " + ", ".join(f"{directory.name(code)} ({code})" for code in members))
    return "\n".join(lines)


def plan_to_ics(
    clusters: Iterable[ClusterLike],
    *,
    programme: str,
    units: UnitSource | UnitDirectory | None = None,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    time_zone: str | None = None,
    hours: tuple[dt.time, dt.time] | None = None,
    uid_name: str | None = None,
) -> bytes:
    """:func:`plan_to_calendar` serialised as ``.ics`` bytes (UTF-8, CRLF line endings)."""
    calendar = plan_to_calendar(
        clusters,
        programme=programme,
        units=units,
        sequence=sequence,
        stamp=stamp,
        time_zone=time_zone,
        hours=hours,
        uid_name=uid_name,
    )
    data: bytes = calendar.to_ical()
    return data


def write_plan_ics(
    clusters: Iterable[ClusterLike],
    path: str | Path,
    *,
    programme: str,
    units: UnitSource | UnitDirectory | None = None,
    sequence: int = 0,
    stamp: dt.datetime | None = None,
    time_zone: str | None = None,
    hours: tuple[dt.time, dt.time] | None = None,
    uid_name: str | None = None,
) -> Path:
    """Write :func:`plan_to_ics` to ``path``; on bad input nothing is written."""
    data = plan_to_ics(
        clusters,
        programme=programme,
        units=units,
        sequence=sequence,
        stamp=stamp,
        time_zone=time_zone,
        hours=hours,
        uid_name=uid_name,
    )
    return write_bytes_atomically(path, data)
