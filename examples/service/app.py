"""A small HTTP service embedding schedcore over PostgreSQL (or any store URL).

Run it (the ``service`` and ``postgres`` extras)::

    SCHEDCORE_STORE=postgresql://postgres@127.0.0.1:5432/test?schema=demo \\
        uvicorn --app-dir examples --factory service.app:create_app

Writes need who sends them, as headers a gateway sets after authenticating the caller:
``X-Actor`` (a name), ``X-Role`` (``planner``, ``cluster_coordinator`` or
``province_coordinator``) and, for coordinators, ``X-Scope`` (the cluster number or the
province code).  :func:`writer` builds an :class:`~schedcore.Actor` from them with its
constructors: text never becomes an all-rights operator, and the programme is created with
``require_roles=True`` so that no later caller can act as one.  A retry may carry an
``Idempotency-Key`` header so that it changes nothing the second time.  Errors of the
:class:`~schedcore.errors.SchedcoreError` family become JSON ``{"error", "message", "rule"}``
with the status of :data:`STATUS`; a body of the wrong shape is FastAPI's 422.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import attrs
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from schedcore import (
    Activity,
    Actor,
    AttendanceRow,
    ConcurrencyError,
    InfeasiblePlanError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    SchedcoreError,
    Scheduler,
    StoreError,
    programme_2022,
)
from schedcore.exports import ClusterRecord, plan_to_dict

#: HTTP status per error class; the first match in this order wins (subclasses first).
STATUS: tuple[tuple[type[SchedcoreError], int], ...] = (
    (PermissionDeniedError, 403),
    (ConcurrencyError, 409),
    (InfeasiblePlanError, 422),
    (RuleViolationError, 409),
    (InvalidInputError, 422),
    (NotFoundError, 404),
    (StoreError, 503),
)


class ClusterIn(BaseModel):
    id: int
    host: str
    members: list[str]
    date: dt.date | None = None
    trainer_team: str | None = None


class PlanIn(BaseModel):
    clusters: list[ClusterIn] = Field(min_length=1)
    reason: str = "plan applied"


class PlanRequest(BaseModel):
    time_limit: float = Field(default=30.0, gt=0, le=300)
    with_dates: bool = True


class RowIn(BaseModel):
    member: str
    team: str
    province: str
    commune: str
    activity: Activity
    date: dt.date


class AttendanceIn(BaseModel):
    rows: list[RowIn] = Field(min_length=1)


def writer(
    x_actor: Annotated[str | None, Header()] = None,
    x_role: Annotated[str | None, Header()] = None,
    x_scope: Annotated[str | None, Header()] = None,
) -> Actor:
    """Who writes, as an :class:`Actor` with a role: required on every write.

    Stands in for real authentication: a gateway in front of the service says who the caller
    is and in which role.  The role is looked up, never parsed from free text, and there is no
    way to ask for an operator: the service grants no more than the role's rights.
    """
    if x_actor is None or not x_actor.strip():
        raise PermissionDeniedError("writes need an X-Actor header naming who makes the change")
    name = x_actor.strip()
    role = (x_role or "").strip()
    scope = (x_scope or "").strip()
    if role == "planner":
        return Actor.planner(name)
    if role == "cluster_coordinator":
        if not scope.isdigit():
            raise InvalidInputError(f"X-Scope {scope!r}: a cluster coordinator needs its cluster")
        return Actor.cluster_coordinator(name, int(scope))
    if role == "province_coordinator":
        return Actor.province_coordinator(name, scope)
    raise PermissionDeniedError(
        f"X-Role {role!r}: writes need a role, one of planner, cluster_coordinator, "
        "province_coordinator"
    )


def scheduler(request: Request) -> Scheduler:
    """The application the lifespan opened: one per process, shared by every request."""
    found: Scheduler = request.app.state.scheduler
    return found


Writer = Annotated[Actor, Depends(writer)]
App = Annotated[Scheduler, Depends(scheduler)]
IdempotencyKey = Annotated[str | None, Header()]


def create_app(store: str | None = None) -> FastAPI:
    """The service over the store at ``store`` (default ``$SCHEDCORE_STORE``)."""
    url = store or os.environ.get("SCHEDCORE_STORE")
    if not url:
        raise StoreError("set SCHEDCORE_STORE (e.g. postgresql://user@host:5432/db?schema=x)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = Scheduler.open(url)
        try:
            yield
        finally:
            app.state.scheduler.close()

    app = FastAPI(title="schedcore example service", lifespan=lifespan)

    @app.exception_handler(SchedcoreError)
    async def translate(request: Request, error: SchedcoreError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(error, cls)), 500)
        return JSONResponse(
            status_code=status,
            content={
                "error": type(error).__name__,
                "message": str(error),
                "rule": getattr(error, "rule", None),
            },
        )

    @app.get("/health")
    def health(app_: App) -> dict[str, Any]:
        return {"status": "ok", "position": app_.max_notification_id()}

    @app.post("/programme", status_code=201)
    def create_programme(
        app_: App, actor: Writer, idempotency_key: IdempotencyKey = None
    ) -> dict[str, str]:
        """Create the built-in 2022 programme (409 if it exists); only actors with a role may
        change it afterwards."""
        spec = programme_2022()
        programme_id = app_.create_programme(
            spec, actor=actor, idempotency_key=idempotency_key, require_roles=True
        )
        return {"name": spec.name, "id": str(programme_id)}

    @app.post("/plan")
    def plan(request: PlanRequest) -> dict[str, Any]:
        """Solve the 2022 scenario; returns the plan (nothing is recorded: see /plan/apply)."""
        from schedcore.planning import scenario_2022, solve

        problem = scenario_2022(time_limit=request.time_limit, with_dates=request.with_dates)
        found = solve(problem)
        if not found.has_solution:
            raise InvalidInputError(
                f"no plan within {request.time_limit:g} s ({found.status.value}): allow more time"
            )
        document = plan_to_dict(found.clusters, programme=programme_2022().name)
        document["status"] = found.status.value
        document["breakdown"] = dict(found.breakdown)
        return document

    @app.post("/plan/apply")
    def apply_plan(
        body: PlanIn, app_: App, actor: Writer, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        """Make the stored plan equal the body's clusters, recording only the differences."""
        clusters = [ClusterRecord(**c.model_dump()) for c in body.clusters]
        applied = app_.apply_plan(
            clusters, actor=actor, idempotency_key=idempotency_key, reason=body.reason
        )
        return attrs.asdict(applied)

    @app.post("/attendance")
    def record_attendance(
        body: AttendanceIn, app_: App, actor: Writer, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        rows = [
            AttendanceRow(r.member, r.team, r.province, r.commune, r.activity, r.date, line=n)
            for n, r in enumerate(body.rows, start=1)
        ]
        result = app_.record_attendance(rows, actor=actor, idempotency_key=idempotency_key)
        return attrs.asdict(result)

    @app.get("/roster")
    def roster(app_: App) -> list[dict[str, Any]]:
        """The plan in force, from the aggregates: members, host, trainer team, session day."""
        entries = []
        for cluster in app_.clusters():
            try:
                session = app_.session(cluster.number)
                day: str | None = session.day.isoformat()
                status: str | None = str(session.status)
            except NotFoundError:
                day = status = None
            entries.append(
                {
                    "id": cluster.number,
                    "host": cluster.host,
                    "members": list(cluster.members),
                    "trainer_team": cluster.trainer_team,
                    "date": day,
                    "session": status,
                }
            )
        return entries

    @app.get("/coverage")
    def coverage(app_: App) -> dict[str, Any]:
        """Coverage against the targets, from the projections (caught up first)."""
        from schedcore.projections import ProjectionRunner

        with ProjectionRunner(app_) as runner:
            runner.catch_up()
            report = runner.views().report()
        return {
            key: report[key] for key in ("programme", "position", "targets", "totals", "provinces")
        }

    return app
