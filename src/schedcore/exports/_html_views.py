"""The HTML report from the read models: the plan in force, coverage, targets, log position."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schedcore.calendar import WorkingCalendar
from schedcore.domain.programme_spec import Measure
from schedcore.exports._counts import CoverageCounts
from schedcore.exports._report_model import ReportFacts
from schedcore.exports._types import ClusterRecord, UnitSource
from schedcore.exports._units import UnitDirectory

if TYPE_CHECKING:
    from schedcore.exports.html import ReportPictures
    from schedcore.projections import Views

__all__ = ["plan_of_views", "views_report_html"]

_MEASURE_OF = {
    "teams_trained": Measure.TEAMS_TRAINED_IN_PERSON,
    "members_course": Measure.MEMBERS_ONLINE_COURSE,
    "members_channel": Measure.MEMBERS_FOLLOWING_CHANNEL,
}


def plan_of_views(views: Views) -> tuple[ClusterRecord, ...]:
    """The clusters in force: hosted, not dissolved, with their session's day (``None`` when
    cancelled or not scheduled)."""
    return tuple(
        ClusterRecord(
            id=c.id, host=c.host, members=c.members, date=c.date, trainer_team=c.trainer_team
        )
        for c in views.clusters()
        if c.host is not None and c.members
    )


def views_report_html(
    views: Views,
    *,
    units: UnitSource | UnitDirectory | None = None,
    calendar: WorkingCalendar | None = None,
    source: str | None = None,
    refresh_seconds: int | None = None,
    pictures: ReportPictures | None = None,
) -> str:
    """The page of :func:`~schedcore.exports.html.plan_report_html` from ``views``: their plan,
    each unit's coverage and status against the programme's targets on ``views.today``, and
    the log position they reflect.  ``units`` defaults to the views' province table."""
    from schedcore.exports.html import plan_report_html
    from schedcore.projections import Grouping

    rows = views.coverage(Grouping.PROVINCE)
    coverage = {
        row.key: CoverageCounts(
            teams_total=row.progress["teams_trained"].population,
            teams_trained=row.teams_trained,
            members_total=row.progress["members_course"].population,
            members_channel=row.members_channel,
            members_course=row.members_course,
        )
        for row in rows
    }
    statuses = {
        row.key: {
            measure: str(row.progress[count].status) for count, measure in _MEASURE_OF.items()
        }
        for row in rows
    }
    facts = ReportFacts(
        programme=views.facts.name,
        source=source,
        position=views.position,
        today=views.today,
        start=views.facts.start,
        end=views.facts.end,
        refresh_seconds=refresh_seconds,
    )
    return plan_report_html(
        plan_of_views(views),
        units=units if units is not None else views.provinces,
        calendar=calendar,
        coverage=coverage,
        targets=tuple(views.facts.targets.values()),
        facts=facts,
        statuses=statuses,
        pictures=pictures,
    )
