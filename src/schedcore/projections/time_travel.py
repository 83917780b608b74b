"""Time travel: the roster, calendar and coverage as they were at a log position or a moment.

The events up to that point are folded, by the same read models the live runner keeps, into a
private in-memory database; the answers come from the same queries.  A moment means "every event
recorded at or before it" (events carry the time they were recorded); a position means "every
event up to and including it"; a programme day (:func:`views_on`) means "every event recorded
by the end of that day in the programme's time zone".  At national scale this costs about one
rebuild.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from schedcore.calendar import ensure_aware, local_date
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError, NotFoundError
from schedcore.projections._database import SqliteViews
from schedcore.projections.catalogue import ProgrammeFacts
from schedcore.projections.queries import Views, programme_context, stable_ref
from schedcore.projections.runner import ProjectionRunner
from schedcore.projections.zone import end_of_day, programme_days, programme_zone
from schedcore.reference.provinces import ProvinceTable

__all__ = ["views_as_of", "views_on"]


def views_as_of(
    app: Any,
    *,
    position: int | None = None,
    moment: datetime | None = None,
    programme: str | UUID | None = None,
    provinces: UnitTable | ProvinceTable | None = None,
) -> Views:
    """The views of ``programme`` (default: the application's) as of ``position`` or ``moment``.

    A naive ``moment`` is refused (:class:`InvalidInputError`): "10 September" is a different
    instant in Hà Nội and in Paris.  The views' ``position`` is the last event they include.
    """
    if (position is None) == (moment is None):
        raise InvalidInputError("give exactly one of position and moment")
    head = int(app.recorder.max_notification_id() or 0)
    if position is not None:
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise InvalidInputError(f"a log position is a whole number >= 0, not {position!r}")
        if position > head:
            raise InvalidInputError(f"position {position} is beyond the log's last event ({head})")
    if moment is not None:
        moment = ensure_aware(moment, "as-of moment")
    database = SqliteViews(":memory:")
    runner = ProjectionRunner(
        app, views=database, name="as-of", batch_size=2000, recorded_by=moment
    )
    done = runner.catch_up(until=position if position is not None else head)
    last = done.last_applied if moment is not None else done.position
    ref = stable_ref(app, programme)
    units, zone = programme_context(app, ref)
    today = None
    if position is not None and last:
        rows = database.query("SELECT recorded_at FROM view_audit WHERE position = ?", (last,))
        if rows:
            today = local_date(datetime.fromisoformat(rows[0][0]), zone)
    return Views(
        database,
        ref,
        position=last,
        as_of=moment,
        today=today,
        provinces=provinces if provinces is not None else units,
        time_zone=zone,
    )


def views_on(
    app: Any,
    day: date,
    *,
    facts: ProgrammeFacts,
    provinces: UnitTable | ProvinceTable | None = None,
) -> Views:
    """The views of the programme ``facts`` describe (as the views know it now) on programme
    day ``day``: as recorded by the end of that day in the programme's time zone, with
    statuses judged on that day.

    A day outside :func:`programme_days`, or one by whose end nothing of the programme had
    been recorded yet, is refused (:class:`InvalidInputError`).
    """
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidInputError(f"a programme day is a date, not {day!r}")
    first, last = programme_days(facts)
    if not first <= day <= last:
        raise InvalidInputError(
            f"{day} is outside the programme '{facts.name}' ({first} to {last}): "
            "choose a day between them"
        )
    zone = programme_zone(programme_context(app, facts.id)[1])
    moment = end_of_day(day, zone)
    try:
        views = views_as_of(app, moment=moment, programme=facts.id, provinces=provinces)
    except NotFoundError:
        raise InvalidInputError(
            f"nothing of the programme '{facts.name}' had been recorded by the end of {day} "
            f"({zone.name} time): --on shows what had been recorded by the end of the day, "
            "and this programme was recorded later"
        ) from None
    views.today = day
    return views
