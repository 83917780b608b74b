"""Time travel: the roster, calendar and coverage as they were at a log position or a moment.

The read models' tables are filled, in a private in-memory database, from the latest view
snapshot at or before that point (:mod:`~schedcore.projections.snapshots`: one the live runner
took with the same model fingerprint, and for a moment, one whose events were all recorded by
then), and only the events after it are folded, by the same read models the live runner keeps;
a model without such a snapshot folds every event from the first.  The answers are those of a
full replay, from the same queries.  A moment means "every event recorded at or before it"
(events carry the time they were recorded); a position means "every event up to and including
it"; a programme day (:func:`views_on`) means "every event recorded by the end of that day in
the programme's time zone".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from schedcore.calendar import ensure_aware, local_date
from schedcore.domain.units import UnitTable
from schedcore.errors import InvalidInputError, NotFoundError, StoreError
from schedcore.projections._database import SqliteViews, ViewDatabase, views_for_app
from schedcore.projections.catalogue import ProgrammeFacts
from schedcore.projections.model import ReadModel
from schedcore.projections.queries import Views, programme_context, stable_ref
from schedcore.projections.runner import ProjectionRunner, default_models
from schedcore.projections.snapshots import latest_snapshot, load_snapshot, snapshots
from schedcore.projections.tracking import Checkpoint, Checkpoints
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
    views: ViewDatabase | None = None,
    runner: str = "schedcore",
) -> Views:
    """The views of ``programme`` (default: the application's) as of ``position`` or ``moment``.

    A naive ``moment`` is refused (:class:`InvalidInputError`): "10 September" is a different
    instant in Hà Nội and in Paris.  The views' ``position`` is the last event they include.
    Snapshots are looked for in ``views`` (default: the views beside the events) among those
    the runner called ``runner`` took.
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
    target = position if position is not None else head
    models = default_models()
    database = SqliteViews(":memory:")
    _start_from_snapshots(app, database, views, runner, models, target, moment)
    replay = ProjectionRunner(
        app,
        models,
        views=database,
        name="as-of",
        batch_size=2000,
        recorded_by=moment,
        snapshot_every=0,
    )
    done = replay.catch_up(until=target)
    last = done.position
    if moment is not None:
        # the last event recorded by then: the audit trail has a line for every event applied
        audited = database.query("SELECT MAX(position) FROM view_audit")[0][0]
        last = max(done.last_applied, int(audited or 0))
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


def _start_from_snapshots(
    app: Any,
    database: SqliteViews,
    views: ViewDatabase | None,
    runner: str,
    models: list[ReadModel],
    target: int,
    moment: datetime | None,
) -> None:
    """Fill ``database`` with the latest usable snapshot of each model, and give the models
    their checkpoints there (0 for a model without one)."""
    source = views
    if source is None:
        try:
            source = views_for_app(app)
        except StoreError:
            return  # an in-memory SQLite store: no views beside it, so no snapshots
    try:
        found = snapshots(source, runner)
        chosen = {
            m.name: latest_snapshot(found, m.name, m.fingerprint(), position=target, moment=moment)
            for m in models
        }
        if not any(chosen.values()):
            return
        checkpoints = Checkpoints("as-of")
        attached = "snapshot_source" if database.attach(source, "snapshot_source") else None
        with database.transaction() as cursor:
            Checkpoints.create_tables(cursor, database)
            for model in models:
                actual = {t.name: f"view_{t.name}" for t in model.tables}
                for table in model.tables:
                    cursor.execute(table.create_statement(actual[table.name], database))
                snapshot = chosen[model.name]
                if snapshot is not None:
                    load_snapshot(source, cursor, snapshot, model, actual, attached=attached)
                checkpoints.put(
                    cursor,
                    Checkpoint(
                        model.name,
                        "live",
                        model.fingerprint(),
                        snapshot.position if snapshot is not None else 0,
                        0,
                    ),
                )
        if attached:
            database.detach(attached)
    finally:
        if views is None:
            source.close()


def views_on(
    app: Any,
    day: date,
    *,
    facts: ProgrammeFacts,
    provinces: UnitTable | ProvinceTable | None = None,
    views: ViewDatabase | None = None,
    runner: str = "schedcore",
) -> Views:
    """The views of the programme ``facts`` describe (as the views know it now) on programme
    day ``day``: as recorded by the end of that day in the programme's time zone, with
    statuses judged on that day.

    A day outside :func:`programme_days`, or one by whose end nothing of the programme had
    been recorded yet, is refused (:class:`InvalidInputError`).  ``views`` and ``runner`` say
    where to look for snapshots, as for :func:`views_as_of`.
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
        found = views_as_of(
            app,
            moment=moment,
            programme=facts.id,
            provinces=provinces,
            views=views,
            runner=runner,
        )
    except NotFoundError:
        raise InvalidInputError(
            f"nothing of the programme '{facts.name}' had been recorded by the end of {day} "
            f"({zone.name} time): --on shows what had been recorded by the end of the day, "
            "and this programme was recorded later"
        ) from None
    found.today = day
    return found
