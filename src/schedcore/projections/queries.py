"""One object to ask the read models questions: :class:`Views`.

A :class:`Views` is bound to a view database (live, or folded "as of" a moment or position by
:mod:`schedcore.projections.time_travel`), to one programme, and to the log position it
reflects.  Its :meth:`Views.report` is what ``schedcore report --json`` prints.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from schedcore.calendar import local_date, now
from schedcore.domain.units import UnitTable, unit_table_of
from schedcore.projections._database import ViewDatabase
from schedcore.projections.audit import AuditEntry, history
from schedcore.projections.bridge import BridgeCoverage, bridge_coverage, connected_points
from schedcore.projections.calendar_view import SessionEntry, sessions
from schedcore.projections.catalogue import ProgrammeFacts, programme_facts
from schedcore.projections.coverage import CoverageRow, Grouping, coverage
from schedcore.projections.report_document import report_document
from schedcore.projections.roster import ClusterRoster, roster
from schedcore.reference.provinces import ProvinceTable

__all__ = ["Views", "programme_context", "stable_ref"]


class Views:
    """The read models of one programme, as of ``position``.

    ``today`` is the day statuses are judged on: the as-of moment's day for time travel,
    otherwise the current day; both in the programme's time zone.
    """

    def __init__(
        self,
        database: ViewDatabase,
        programme: str | UUID | int,
        *,
        position: int,
        as_of: datetime | None = None,
        today: date | None = None,
        provinces: UnitTable | ProvinceTable | None = None,
        time_zone: str = "UTC",
    ) -> None:
        self.database = database
        self.position = position
        self.as_of = as_of
        self.facts: ProgrammeFacts = programme_facts(database, programme)
        self.time_zone = time_zone
        self.today = today or (
            local_date(as_of, time_zone) if as_of is not None else now(time_zone).date()
        )
        #: The programme's units (names, regions), from its ``Programme.Created`` event.
        self.provinces = unit_table_of(provinces)

    @property
    def key(self) -> int:
        """The programme's key in the view database."""
        return self.facts.key

    # -- the questions ---------------------------------------------------------------------

    def clusters(self, *, include_dissolved: bool = False) -> list[ClusterRoster]:
        """Which provinces train together, who hosts, on which day, with which trainers."""
        return roster(self.database, self.key, include_dissolved=include_dissolved)

    def sessions(
        self,
        *,
        day: date | None = None,
        cluster: int | None = None,
        province: str | None = None,
        include_cancelled: bool = True,
    ) -> list[SessionEntry]:
        """The session calendar, by day; filter by day, cluster or a seated province."""
        return sessions(
            self.database,
            self.key,
            day=day,
            cluster=cluster,
            province=province,
            include_cancelled=include_cancelled,
        )

    def coverage(
        self, by: Grouping | str = Grouping.PROVINCE, *, today: date | None = None
    ) -> list[CoverageRow]:
        """Teams and members trained, by country, region, province, cluster or commune."""
        return coverage(
            self.database,
            self.facts,
            by,
            today=today or self.today,
            provinces=self.provinces,
        )

    def bridge(self) -> BridgeCoverage:
        """Share of communes connected per session and overall."""
        return bridge_coverage(self.database, self.facts)

    def bridge_points(self, cluster: int) -> list[tuple[str, str]]:
        """The communes connected to a cluster's session."""
        return connected_points(self.database, self.key, cluster)

    def history(
        self,
        *,
        province: str | None = None,
        cluster: int | None = None,
        actor: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Who did what, when, for this programme."""
        return history(
            self.database,
            programme=self.key,
            province=province,
            cluster=cluster,
            actor=actor,
            limit=limit,
        )

    # -- the report ------------------------------------------------------------------------

    def report(self, *, today: date | None = None, on: date | None = None) -> dict[str, Any]:
        """Everything a coordinator's report shows, as plain JSON-ready data.

        Keys: ``programme``, ``position``, ``as_of``, ``on``, ``today``, ``time_zone``,
        ``window``, ``units``, ``targets``, ``clusters``, ``provinces`` (by GSO code),
        ``regions``, ``cluster_coverage``, ``travel``, ``totals``, ``bridge``
        (``docs/reference/cli.md`` describes each).  ``on`` is the programme day asked for
        (``report --on``), if any.
        """
        return report_document(self, today or self.today, on=on)


def stable_ref(app: Any, programme: str | UUID | None) -> UUID:
    """The id of a programme given by its name now (default: the application's): the views
    are asked by id, which no rename changes (views as of a past position hold the name the
    programme had then).  A name given up by a rename is a ``NotFoundError`` naming the new."""
    return app.programme_id(programme)  # type: ignore[no-any-return]


def programme_context(app: Any, programme: str | UUID) -> tuple[UnitTable | None, str]:
    """The programme's units table and time zone, as its events recorded them (``None`` and
    UTC when the store does not hold it: the views then answer "not found" themselves)."""
    from schedcore.errors import NotFoundError

    try:
        found = app.programme(programme)
    except NotFoundError:
        return None, "UTC"
    return found.unit_table, found.time_zone
