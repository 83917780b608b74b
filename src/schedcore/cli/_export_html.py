"""``schedcore export --format html``: the page of a plan file, or of a store's plan and views."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from schedcore.errors import NotFoundError

__all__ = ["html_page"]

if TYPE_CHECKING:
    from schedcore.calendar import WorkingCalendar
    from schedcore.exports import ClusterRecord


def html_page(args: argparse.Namespace, source: Any) -> bytes:
    """The page of the plan ``source`` names (see ``cli.export._Source``): from ``--plan``
    alone, else from the store's read models (caught up first), with each unit's coverage
    against the programme's targets; units named and placed from the programme's table."""
    from schedcore.exports.html import (
        ReportFacts,
        plan_of_views,
        plan_report_html,
        report_pictures,
        views_report_html,
    )

    calendar = _calendar(source.clusters, source.calendar)
    pictures = report_pictures(
        source.clusters, units=source.units, calendar=calendar, country=source.country
    )
    if args.plan:
        from schedcore.calendar import now

        facts = ReportFacts(
            programme=args.programme or source.name,
            source=f"plan file {args.plan}",
            # statuses are judged on the programme's day, not the machine's
            today=now(source.time_zone).date() if source.time_zone else None,
        )
        page = plan_report_html(
            source.clusters, units=source.units, calendar=calendar, facts=facts, pictures=pictures
        )
        return page.encode("utf-8")

    from schedcore.application import Scheduler
    from schedcore.cli._programme import programme_ref
    from schedcore.projections import ProjectionRunner
    from schedcore.stores import parse_store_url, resolve_store_url

    app = Scheduler.open(args.store, programme=programme_ref(args))
    try:
        runner = ProjectionRunner(app)
        try:
            runner.catch_up()
            views = runner.views()
            if not plan_of_views(views):
                raise NotFoundError(f"the store {args.store} holds no plan yet: apply one first")
            page = views_report_html(
                views,
                units=source.units,
                calendar=calendar,
                source=f"store {parse_store_url(resolve_store_url(args.store)).display}",
                pictures=pictures,
            )
        finally:
            runner.close()
    finally:
        app.close()
    return page.encode("utf-8")


def _calendar(
    clusters: tuple[ClusterRecord, ...], calendar: WorkingCalendar | None
) -> WorkingCalendar | None:
    from schedcore.cli.export import calendar_for

    return calendar_for(clusters, calendar)
