"""One self-contained HTML page of a plan and its progress: map, calendar, rosters, coverage.

The page opens offline in any browser: its pictures are SVG drawn by matplotlib and embedded
as data, its style and script are written inline, it loads nothing.  Readers find a unit by
any spelling (accents, English names and the table's aliases), show one cluster, and sort the
coverage table; it prints without the controls.  Needs ``pip install 'schedcore[html]'``
(Jinja2, matplotlib).

:func:`plan_report_html` takes what every export takes (a plan's clusters, units, an optional
calendar) plus optional coverage rows and targets; :func:`views_report_html` reads them all
from the read models (a store's plan in force and its attendance).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from schedcore.calendar import WorkingCalendar
from schedcore.domain.programme_spec import Measure, Target
from schedcore.errors import MissingDependencyError
from schedcore.exports._cluster_map import cluster_map
from schedcore.exports._counts import CoverageCounts
from schedcore.exports._files import write_bytes_atomically
from schedcore.exports._html_views import plan_of_views, views_report_html
from schedcore.exports._report_model import ReportFacts, build_report, spellings_of
from schedcore.exports._session_calendar import session_calendar
from schedcore.exports._types import (
    ClusterLike,
    UnitInfo,  # noqa: F401  (UnitSource's forward reference)
    UnitSource,
)
from schedcore.exports._units import UnitDirectory, unit_directory

if TYPE_CHECKING:
    from jinja2 import Environment
    from matplotlib.figure import Figure

__all__ = [
    "CoverageCounts",
    "ReportFacts",
    "ReportPictures",
    "plan_of_views",
    "plan_report_html",
    "report_pictures",
    "views_report_html",
    "write_plan_report",
]


@attrs.frozen
class ReportPictures:
    """The page's pictures as SVG text: the cluster map and, for a dated plan, the calendar."""

    cluster_map: str
    session_calendar: str | None


def _svg(figure: Figure) -> str:
    from matplotlib import rc_context

    buffer = io.StringIO()
    # Text stays text (smaller, selectable); no date, fixed ids: the same plan, the same bytes.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "schedcore"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()


def report_pictures(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    country: str | None = None,
) -> ReportPictures:
    """Draw the page's pictures (the slow part of a page: a service keeps them per plan);
    ``country`` (ISO alpha-3) draws its outline under the map."""
    plan = list(clusters)
    directory = unit_directory(units)
    calendar_svg = None
    if any(cluster.date is not None for cluster in plan):
        calendar_svg = _svg(session_calendar(plan, units=directory, calendar=calendar))
    return ReportPictures(_svg(cluster_map(plan, units=directory, country=country)), calendar_svg)


@cache
def _environment() -> Environment:
    try:
        import jinja2
    except ImportError:
        raise MissingDependencyError(
            "the HTML report needs Jinja2: pip install 'schedcore[html]'"
        ) from None
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("schedcore.exports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["data_uri"] = _data_uri
    environment.filters["percent"] = lambda share: f"{100 * share:.1f}%"
    environment.filters["count"] = lambda value: f"{value:,}"
    return environment


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _spellings(
    directory: UnitDirectory, spellings: Mapping[str, Sequence[str]] | None
) -> Mapping[str, Sequence[str]]:
    if spellings is not None:
        return spellings
    return spellings_of(directory.table)


def plan_report_html(
    clusters: Iterable[ClusterLike],
    *,
    units: UnitSource | UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    coverage: Mapping[str, CoverageCounts] | None = None,
    targets: Sequence[Target] = (),
    facts: ReportFacts | None = None,
    spellings: Mapping[str, Sequence[str]] | None = None,
    pictures: ReportPictures | None = None,
    statuses: Mapping[str, Mapping[Measure, str]] | None = None,
) -> str:
    """The whole page as text.

    ``units``: whatever :func:`~schedcore.exports.unit_directory` accepts (default: the
    built-in 2022 table).  ``coverage`` maps unit codes to their counts; with ``targets`` each
    unit is judged against each target on ``facts.today`` (missed and behind-target units
    first).  ``spellings`` maps unit codes to other names the search should find (default: a
    province table's English names and aliases).  ``pictures`` reuses pictures drawn before;
    ``statuses`` overrides a unit's judged status per measure (the read models' own).
    Raises :class:`~schedcore.errors.InvalidInputError` for a plan the exports refuse.
    """
    plan = list(clusters)
    directory = unit_directory(units)
    model = build_report(
        plan,
        directory,
        calendar=calendar,
        coverage=coverage,
        targets=targets,
        facts=facts,
        spellings=_spellings(directory, spellings),
        statuses=statuses,
    )
    drawn = pictures or report_pictures(plan, units=directory, calendar=calendar)
    template = _environment().get_template("report.html.j2")
    return template.render(report=model, pictures=drawn)


def write_plan_report(
    clusters: Iterable[ClusterLike],
    path: str | Path,
    **options: Any,
) -> Path:
    """Write :func:`plan_report_html` (same options) to ``path`` whole; returns the path."""
    page = plan_report_html(clusters, **options)
    return write_bytes_atomically(Path(path), page.encode("utf-8"))
