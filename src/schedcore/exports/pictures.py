"""Pictures of a plan and of coverage, for planners who read maps and charts, not JSON.

Each function returns a ``matplotlib.figure.Figure`` on its own Agg canvas, without pyplot, so
it is safe in scripts, services and threads and never opens a window; write it with
:func:`save_png` (or ``figure.savefig``).  Needs ``pip install 'schedcore[pictures]'``
(matplotlib).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from schedcore.calendar import WorkingCalendar
from schedcore.errors import InvalidInputError
from schedcore.exports._cluster_map import cluster_map
from schedcore.exports._coverage_bars import coverage_bars
from schedcore.exports._figures import save_png
from schedcore.exports._session_calendar import session_calendar
from schedcore.exports._types import ClusterLike, UnitSource
from schedcore.exports._units import UnitDirectory, unit_directory

__all__ = [
    "cluster_map",
    "coverage_bars",
    "save_png",
    "session_calendar",
    "write_plan_pictures",
]


def write_plan_pictures(
    clusters: Iterable[ClusterLike],
    directory: str | Path,
    *,
    units: UnitSource | UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    dpi: int = 120,
    country: str | None = None,
) -> tuple[Path, ...]:
    """Write ``cluster_map.png`` and, when any cluster has a date, ``session_calendar.png``.

    ``country`` (ISO 3166-1 alpha-3, e.g. ``"VNM"``) is passed to :func:`cluster_map`, which
    draws that country's outline under the clusters.  Both pictures are drawn before either
    is written, so bad input writes nothing.  Returns the paths written.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{str(folder)!r} is not a directory")
    plan = list(clusters)
    resolved = unit_directory(units)
    pictures = {"cluster_map.png": cluster_map(plan, units=resolved, country=country)}
    if any(cluster.date is not None for cluster in plan):
        pictures["session_calendar.png"] = session_calendar(plan, units=resolved, calendar=calendar)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(f"cannot create {str(folder)!r}: {exc.strerror}") from None
    return tuple(save_png(figure, folder / name, dpi=dpi) for name, figure in pictures.items())
