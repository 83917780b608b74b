"""``schedcore export --format html``: the page of a plan file, or of a store's plan and views."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from schedcore.cli._common import require_programme_store
from schedcore.errors import NotFoundError

if TYPE_CHECKING:
    from schedcore.exports import ClusterRecord
    from schedcore.reference import ProvinceTable

__all__ = ["html_page"]


def html_page(
    args: argparse.Namespace, table: ProvinceTable | None
) -> tuple[tuple[ClusterRecord, ...], bytes]:
    """(the clusters shown, the page): from ``--plan`` alone, else from the store's read
    models (caught up first), with each unit's coverage against the programme's targets."""
    from schedcore.cli.export import _calendar_for
    from schedcore.exports import read_plan_json
    from schedcore.exports.html import (
        ReportFacts,
        plan_of_views,
        plan_report_html,
        views_report_html,
    )
    from schedcore.reference import programme_2022

    if args.plan:
        clusters = read_plan_json(args.plan)
        facts = ReportFacts(
            programme=args.programme or ("Training plan" if table else programme_2022().name),
            source=f"plan file {args.plan}",
        )
        page = plan_report_html(
            clusters,
            units=table,
            calendar=_calendar_for(clusters, table is None),
            facts=facts,
        )
        return clusters, page.encode("utf-8")

    require_programme_store(args.store)
    from schedcore.application import Scheduler
    from schedcore.projections import ProjectionRunner
    from schedcore.stores import parse_store_url, resolve_store_url

    app = Scheduler.open(args.store, programme=args.programme)
    try:
        runner = ProjectionRunner(app)
        try:
            runner.catch_up()
            views = runner.views()
            clusters = plan_of_views(views)
            if not clusters:
                raise NotFoundError(f"the store {args.store} holds no plan yet: apply one first")
            page = views_report_html(
                views,
                units=table,
                calendar=_calendar_for(clusters, table is None),
                source=f"store {parse_store_url(resolve_store_url(args.store)).display}",
            )
        finally:
            runner.close()
    finally:
        app.close()
    return clusters, page.encode("utf-8")
