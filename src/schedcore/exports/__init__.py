"""Exports of a plan and of coverage: JSON, CSV, iCalendar and pictures.

Everything here reads *shapes* (:class:`ClusterLike`, :class:`UnitInfo`), so it works with the
planner's clusters, with clusters read back from a file, and with a user's own units; the
coverage picture reads the projections' :class:`~schedcore.projections.CoverageRow`.
``icalendar`` and ``matplotlib`` are imported only when an ``.ics`` or a picture is made: the
rest of schedcore works without them.
"""

# ``schedcore.exports.Unit`` was the exports' own unit type; it is the one Unit now (documented
# as ``schedcore.Unit``), kept importable from here.
from schedcore.domain.units import Unit  # noqa: F401
from schedcore.exports._types import (
    ClusterLike,
    ClusterRecord,
    UnitInfo,
    UnitSource,
)
from schedcore.exports._units import UnitDirectory, unit_directory
from schedcore.exports.ics import plan_to_calendar, plan_to_ics, session_uid, write_plan_ics
from schedcore.exports.pictures import (
    cluster_map,
    coverage_bars,
    save_png,
    session_calendar,
    write_plan_pictures,
)
from schedcore.exports.plan_csv import PLAN_CSV_COLUMNS, plan_to_csv, read_plan_csv, write_plan_csv
from schedcore.exports.plan_json import (
    clusters_from_dict,
    plan_to_dict,
    plan_to_json,
    read_plan_json,
    write_plan_json,
)

__all__ = [
    "PLAN_CSV_COLUMNS",
    "ClusterLike",
    "ClusterRecord",
    "UnitDirectory",
    "UnitInfo",
    "UnitSource",
    "cluster_map",
    "clusters_from_dict",
    "coverage_bars",
    "plan_to_calendar",
    "plan_to_csv",
    "plan_to_dict",
    "plan_to_ics",
    "plan_to_json",
    "read_plan_csv",
    "read_plan_json",
    "save_png",
    "session_calendar",
    "session_uid",
    "unit_directory",
    "write_plan_csv",
    "write_plan_ics",
    "write_plan_json",
    "write_plan_pictures",
]
