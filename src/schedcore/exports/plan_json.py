"""A plan as JSON: what the planner's ``plan --json`` writes, plus names for people to read.

The ``clusters`` items keep the planner's keys (``id, host, members, date, trainer_team``) so a
file written here is read back by :func:`read_plan_json` like the planner's own output; the
added ``host_name`` and ``member_names`` are for readers and are ignored on the way back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from schedcore.errors import InvalidInputError, NotFoundError
from schedcore.exports._files import write_text_atomically
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, ClusterRecord, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

__all__ = [
    "clusters_from_dict",
    "plan_to_dict",
    "plan_to_json",
    "read_plan_json",
    "write_plan_json",
]


def plan_to_dict(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    programme: str | None = None,
) -> dict[str, Any]:
    """A JSON-able dict of the plan, clusters in id order, with unit names resolved."""
    directory = unit_directory(units)
    items = []
    for cluster in check_clusters(clusters, directory):
        members = sorted(cluster.members)
        items.append(
            {
                "id": cluster.id,
                "host": cluster.host,
                "host_name": directory.name(cluster.host),
                "date": cluster.date.isoformat() if cluster.date else None,
                "trainer_team": cluster.trainer_team,
                "members": members,
                "member_names": [directory.name(code) for code in members],
            }
        )
    document: dict[str, Any] = {}
    if programme is not None:
        document["programme"] = programme
    document["clusters"] = items
    return document


def plan_to_json(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    programme: str | None = None,
) -> str:
    """:func:`plan_to_dict` as indented UTF-8 JSON text (names are not escaped)."""
    document = plan_to_dict(clusters, units=units, programme=programme)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_plan_json(
    clusters: Iterable[ClusterLike],
    path: str | Path,
    *,
    units: UnitSource | UnitDirectory | None = None,
    programme: str | None = None,
) -> Path:
    """Write :func:`plan_to_json` to ``path``; on bad input nothing is written."""
    return write_text_atomically(path, plan_to_json(clusters, units=units, programme=programme))


def read_plan_json(path: str | Path) -> tuple[ClusterRecord, ...]:
    """The clusters of a plan JSON file (the planner's ``plan --json`` or :func:`plan_to_json`)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFoundError(f"plan file {str(source)!r} does not exist") from None
    except IsADirectoryError:
        raise InvalidInputError(f"plan file {str(source)!r} is a directory") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{source}: not UTF-8 text; is this a plan JSON file?") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read plan file {str(source)!r}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return clusters_from_dict(data, source=str(source))


def clusters_from_dict(data: object, *, source: str = "plan") -> tuple[ClusterRecord, ...]:
    """Validate a decoded plan document and return its clusters; errors name the bad key."""
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"{source}: expected a JSON object with a 'clusters' list")
    items = data.get("clusters")
    if not isinstance(items, list):
        raise InvalidInputError(f"{source}: 'clusters' is missing or is not a list")
    return tuple(_cluster(item, f"{source}: clusters[{index}]") for index, item in enumerate(items))


def _cluster(item: object, where: str) -> ClusterRecord:
    if not isinstance(item, Mapping):
        raise InvalidInputError(f"{where}: expected an object")
    cluster_id = item.get("id")
    if isinstance(cluster_id, bool) or not isinstance(cluster_id, int) or cluster_id < 1:
        raise InvalidInputError(f"{where}.id: expected a whole number >= 1, got {cluster_id!r}")
    host = item.get("host")
    if not isinstance(host, str) or not host:
        raise InvalidInputError(f"{where}.host: expected a unit code, got {host!r}")
    members = item.get("members")
    if (
        not isinstance(members, list)
        or not members
        or not all(isinstance(code, str) and code for code in members)
    ):
        raise InvalidInputError(f"{where}.members: expected a non-empty list of unit codes")
    return ClusterRecord(
        id=cluster_id,
        host=host,
        members=tuple(members),
        date=_date(item.get("date"), f"{where}.date"),
        trainer_team=_optional_text(item.get("trainer_team"), f"{where}.trainer_team"),
    )


def _date(value: object, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInputError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD or null)")


def _optional_text(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise InvalidInputError(f"{where}: expected text or null, got {value!r}")
