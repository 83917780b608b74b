"""A plan as CSV: one row per (cluster, member unit), for spreadsheets and mail merges.

Columns: ``cluster_id, host, host_name, date, trainer_team, member, member_name``.  Dates are
ISO (``YYYY-MM-DD``) and empty when the plan has none; the file is UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from schedcore._csv import read_csv
from schedcore.exports._files import write_text_atomically
from schedcore.exports._plan_check import check_clusters
from schedcore.exports._types import ClusterLike, ClusterRecord, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

__all__ = ["PLAN_CSV_COLUMNS", "plan_to_csv", "read_plan_csv", "write_plan_csv"]

#: The columns of a plan's CSV, in order: one row per (cluster, member unit).
PLAN_CSV_COLUMNS = (
    "cluster_id",
    "host",
    "host_name",
    "date",
    "trainer_team",
    "member",
    "member_name",
)


def plan_to_csv(
    clusters: Iterable[ClusterLike], *, units: UnitSource | UnitDirectory | None = None
) -> str:
    """The plan as CSV text, clusters in id order and members in code order."""
    directory = unit_directory(units)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    for cluster in check_clusters(clusters, directory):
        host_name = directory.name(cluster.host)
        day = cluster.date.isoformat() if cluster.date else ""
        for code in sorted(cluster.members):
            writer.writerow(
                (
                    cluster.id,
                    cluster.host,
                    host_name,
                    day,
                    cluster.trainer_team or "",
                    code,
                    directory.name(code),
                )
            )
    return buffer.getvalue()


def write_plan_csv(
    clusters: Iterable[ClusterLike],
    path: str | Path,
    *,
    units: UnitSource | UnitDirectory | None = None,
) -> Path:
    """Write :func:`plan_to_csv` to ``path``; on bad input nothing is written."""
    return write_text_atomically(path, plan_to_csv(clusters, units=units))


def read_plan_csv(source: str | Path | io.TextIOBase) -> tuple[ClusterRecord, ...]:
    """The clusters of a CSV written by :func:`plan_to_csv` (or edited by hand in its format).

    The name columns are optional and ignored.  Rows of one cluster must agree on host, date
    and trainer team; errors name the file, row and column.
    """
    found: dict[int, ClusterRecord] = {}
    for row in read_csv(
        source,
        required=("cluster_id", "host", "date", "trainer_team", "member"),
        optional=("host_name", "member_name"),
    ):
        cluster_id = row.integer("cluster_id", minimum=1)
        record = ClusterRecord(
            id=cluster_id,
            host=row.text("host"),
            members=(row.text("member"),),
            date=row.day("date") if row.has("date") else None,
            trainer_team=row.text("trainer_team", required=False) or None,
        )
        earlier = found.get(cluster_id)
        if earlier is None:
            found[cluster_id] = record
            continue
        for column, before, now in (
            ("host", earlier.host, record.host),
            ("date", earlier.date, record.date),
            ("trainer_team", earlier.trainer_team, record.trainer_team),
        ):
            if before != now:
                raise row.error(
                    f"cluster {cluster_id} has {column} {_shown(before)} on an earlier row "
                    f"but {_shown(now)} here",
                    column,
                )
        found[cluster_id] = ClusterRecord(
            id=cluster_id,
            host=earlier.host,
            members=(*earlier.members, *record.members),
            date=earlier.date,
            trainer_team=earlier.trainer_team,
        )
    return tuple(found[key] for key in sorted(found))


def _shown(value: object) -> str:
    return "(empty)" if value is None else repr(str(value))
