"""A small HTTP service embedding schedcore over PostgreSQL (or any store URL).

Run it (the ``service`` and ``postgres`` extras), as many worker processes as you like::

    export SCHEDCORE_SERVICE_SECRET=...   # >= 32 bytes; signs the bearer tokens
    SCHEDCORE_STORE=postgresql://postgres@127.0.0.1:5432/test?schema=demo \\
        uvicorn --app-dir examples --factory service.app:create_app --workers 4

Every route but ``GET /health`` needs ``Authorization: Bearer <token>``, an HS256 token signed
with ``$SCHEDCORE_SERVICE_SECRET`` (``python -m service.token`` issues one): its claims say who
calls (``sub``), in which role (``role``) and scope (``scope``).  :class:`BearerAuth` checks it
before the request reaches any route, so a request without a valid token gets 401 and reads or
writes nothing.  The role is turned into an :class:`~schedcore.Actor` with its constructors:
no token makes an operator, and the programme is created with ``require_roles=True`` so that
no later caller can act as one.  A retry may carry an ``Idempotency-Key`` header so that it
changes nothing the second time; the answer then says ``"replayed": true`` (and
``Idempotent-Replayed: true``).  Every error is JSON ``{"error", "message", "rule"}``, with the
status of :data:`STATUS` for the library's errors.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import attrs
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

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
    StoreBusyError,
    StoreError,
    programme_2022,
)
from schedcore.domain.ids import receipt_id
from schedcore.domain.receipt import Recorded
from schedcore.exports import ClusterRecord, plan_to_dict
from schedcore.security import Role
from service.auth import AuthenticationError, actor_from_token, bearer, service_secret

#: HTTP status per error class; the first match in this order wins (subclasses first).
STATUS: tuple[tuple[type[SchedcoreError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (StoreBusyError, 503),
    (ConcurrencyError, 409),
    (InfeasiblePlanError, 422),
    (RuleViolationError, 409),
    (InvalidInputError, 422),
    (NotFoundError, 404),
    (StoreError, 503),
)

#: Routes open without a token: (method, path).
OPEN_ROUTES = frozenset({("GET", "/health")})

#: Whether the library marks a result answered from an idempotency receipt (``replayed``);
#: until it does, the service looks for the receipt itself before running the command.
LIBRARY_MARKS_REPLAYS = "replayed" in attrs.fields_dict(Recorded)

R = TypeVar("R")


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


class RescheduleIn(BaseModel):
    date: dt.date
    override_reason: str | None = None


class CapacityIn(BaseModel):
    hall_capacity: int | None = Field(default=None, ge=0)
    bridge_capacity: int | None = Field(default=None, ge=0)


def error_body(error: str, message: str, rule: str | None = None) -> dict[str, Any]:
    """The one shape of every error the service answers."""
    return {"error": error, "message": message, "rule": rule}


class BearerAuth:
    """ASGI middleware: every request but :data:`OPEN_ROUTES` needs a valid bearer token.

    It runs before routing, so a request without one (missing, malformed, forged, expired,
    bad claims) is answered 401 before any route, body parsing or store access; the
    verified :class:`Actor` goes into the request's scope for :func:`caller`.
    """

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in OPEN_ROUTES:
            await self.app(scope, receive, send)
            return
        try:
            token = bearer(Headers(scope=scope).get("authorization"))
            scope["schedcore.actor"] = actor_from_token(token, self.secret)
        except AuthenticationError as exc:
            challenge = "Bearer" if "header" in str(exc) else 'Bearer error="invalid_token"'
            response = JSONResponse(
                status_code=401,
                content=error_body("AuthenticationError", str(exc)),
                headers={"WWW-Authenticate": challenge},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def caller(request: Request) -> Actor:
    """Who calls, as :class:`BearerAuth` verified it from the token (never from headers)."""
    actor: Actor = request.scope["schedcore.actor"]
    return actor


def scheduler(request: Request) -> Scheduler:
    """The application the lifespan opened: one per process, shared by every request."""
    found: Scheduler = request.app.state.scheduler
    return found


Caller = Annotated[Actor, Depends(caller)]
App = Annotated[Scheduler, Depends(scheduler)]
IdempotencyKey = Annotated[str | None, Header()]


def run_command(
    app_: Scheduler,
    key: str | None,
    response: Response,
    command: Callable[[], R],
    *,
    look_for_receipt: bool = not LIBRARY_MARKS_REPLAYS,
) -> tuple[R, bool]:
    """Run ``command``; returns its result and whether it was answered from an earlier
    request's receipt (a replay), which the response's ``Idempotent-Replayed`` header says.

    ``look_for_receipt``: for a library (or a command) whose result does not say
    ``replayed``, look for the key's receipt first; receipts are never deleted, so one that
    exists before the command is what answers it.
    """
    earlier = False
    if key is not None and key.strip() and look_for_receipt:
        try:
            earlier = receipt_id(app_.programme_id(), key) in app_.repository
        except Exception:  # the store failed: the command below reports it, typed
            earlier = False
    result = command()
    replayed = bool(getattr(result, "replayed", False)) or earlier
    if key is not None:
        response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return result, replayed


def answer(result: Any, replayed: bool) -> dict[str, Any]:
    document = attrs.asdict(result)
    document["replayed"] = replayed
    return document


def create_app(store: str | None = None, secret: str | None = None) -> FastAPI:
    """The service over the store at ``store`` (default ``$SCHEDCORE_STORE``), its tokens
    signed with ``secret`` (default ``$SCHEDCORE_SERVICE_SECRET``): refuses to start without
    either."""
    key = secret if secret is not None else service_secret()
    url = store or os.environ.get("SCHEDCORE_STORE")
    if not url:
        raise StoreError("set SCHEDCORE_STORE (e.g. postgresql://user@host:5432/db?schema=x)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = Scheduler.open(url)
        app.state.projections = None
        app.state.projections_lock = threading.Lock()
        app.state.pictures = None
        try:
            yield
        finally:
            if app.state.projections is not None:
                app.state.projections.close()
            app.state.scheduler.close()

    app = FastAPI(title="schedcore example service", lifespan=lifespan)
    app.add_middleware(BearerAuth, secret=key)

    @app.exception_handler(SchedcoreError)
    async def translate(request: Request, error: SchedcoreError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(error, cls)), 500)
        return JSONResponse(
            status_code=status,
            content=error_body(type(error).__name__, str(error), getattr(error, "rule", None)),
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()))
            problems.append(f"{where}: {item.get('msg', 'invalid')}")
        return JSONResponse(
            status_code=422,
            content=error_body("InvalidInputError", "; ".join(problems) or "invalid request"),
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        name = {404: "NotFoundError", 405: "MethodNotAllowedError"}.get(
            error.status_code, "HTTPError"
        )
        return JSONResponse(
            status_code=error.status_code,
            content=error_body(name, str(error.detail)),
            headers=error.headers,
        )

    @app.get("/health")
    def health(app_: App) -> dict[str, Any]:
        return {"status": "ok", "position": app_.max_notification_id()}

    @app.post("/programme", status_code=201)
    def create_programme(
        app_: App, actor: Caller, response: Response, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        """Create the built-in 2022 programme (409 if it exists); only actors with a role may
        change it afterwards.  Several workers or callers at once: one creates it, the others
        get 409 ``programme_unique``."""
        spec = programme_2022()
        try:
            programme_id, replayed = run_command(
                app_,
                idempotency_key,
                response,
                lambda: app_.create_programme(
                    spec, actor=actor, idempotency_key=idempotency_key, require_roles=True
                ),
                look_for_receipt=True,  # its result is the programme's id, never marked
            )
        except StoreBusyError:
            raise  # the store stayed locked: 503, not "already exists"
        except ConcurrencyError:
            # Another worker created it between our check and our write.
            raise RuleViolationError(
                f"programme {spec.name!r} already exists", rule="programme_unique"
            ) from None
        return {"name": spec.name, "id": str(programme_id), "replayed": replayed}

    @app.post("/plan")
    def plan(request: PlanRequest, actor: Caller) -> dict[str, Any]:
        """Solve the 2022 scenario (seconds of CPU: planners only); returns the plan, records
        nothing (see /plan/apply)."""
        if actor.role is not Role.PLANNER:
            raise PermissionDeniedError(f"{actor.describe()} may not plan: only a planner may")
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
        body: PlanIn,
        app_: App,
        actor: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        """Make the stored plan equal the body's clusters, recording only the differences."""
        clusters = [ClusterRecord(**c.model_dump()) for c in body.clusters]
        return answer(
            *run_command(
                app_,
                idempotency_key,
                response,
                lambda: app_.apply_plan(
                    clusters, actor=actor, idempotency_key=idempotency_key, reason=body.reason
                ),
            )
        )

    @app.post("/sessions/{cluster}/reschedule")
    def reschedule_session(
        cluster: int,
        body: RescheduleIn,
        app_: App,
        actor: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        """Move one cluster's session to another day (planner or that cluster's
        coordinator)."""
        return answer(
            *run_command(
                app_,
                idempotency_key,
                response,
                lambda: app_.reschedule_session(
                    cluster,
                    body.date,
                    actor=actor,
                    override_reason=body.override_reason,
                    idempotency_key=idempotency_key,
                ),
            )
        )

    @app.post("/sessions/{cluster}/capacity")
    def change_capacity(
        cluster: int,
        body: CapacityIn,
        app_: App,
        actor: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        """Change one session's hall and/or bridge capacity (``null`` keeps it)."""
        return answer(
            *run_command(
                app_,
                idempotency_key,
                response,
                lambda: app_.change_capacity(
                    cluster,
                    actor=actor,
                    hall_capacity=body.hall_capacity,
                    bridge_capacity=body.bridge_capacity,
                    idempotency_key=idempotency_key,
                ),
            )
        )

    @app.post("/attendance")
    def record_attendance(
        body: AttendanceIn,
        app_: App,
        actor: Caller,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        """Record attendance rows in bulk: every row checked before any is written."""
        rows = [
            AttendanceRow(r.member, r.team, r.province, r.commune, r.activity, r.date, line=n)
            for n, r in enumerate(body.rows, start=1)
        ]
        return answer(
            *run_command(
                app_,
                idempotency_key,
                response,
                lambda: app_.record_attendance(rows, actor=actor, idempotency_key=idempotency_key),
            )
        )

    @app.get("/roster")
    def roster(app_: App, actor: Caller) -> list[dict[str, Any]]:
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

    def caught_up(request: Request, app_: Scheduler) -> Any:
        """This worker's projection runner, caught up (call it holding the projections lock).
        One runner per worker process; runners of several workers share the views."""
        from schedcore.projections import ProjectionRunner

        state = request.app.state
        if state.projections is None:
            state.projections = ProjectionRunner(app_)
        state.projections.catch_up()
        return state.projections

    @app.get("/coverage")
    def coverage(request: Request, app_: App, actor: Caller) -> dict[str, Any]:
        """Coverage against the targets, from the projections (caught up first)."""
        with request.app.state.projections_lock:
            report = caught_up(request, app_).views().report()
        return {
            key: report[key] for key in ("programme", "position", "targets", "totals", "provinces")
        }

    @app.get("/dashboard", response_class=HTMLResponse)
    def dashboard(
        request: Request,
        app_: App,
        actor: Caller,
        refresh: Annotated[int, Query(ge=2, le=3600)] = 10,
    ) -> HTMLResponse:
        """The report page (``schedcore export --format html``) from the current views: the
        plan in force, coverage against every target, the log position.  It reloads itself
        every ``refresh`` seconds, so it shows attendance as it is recorded.  The pictures are
        drawn once per plan."""
        from schedcore.exports.html import plan_of_views, report_pictures, views_report_html

        state = request.app.state
        calendar = programme_2022().calendar
        with state.projections_lock:
            views = caught_up(request, app_).views()
            clusters = plan_of_views(views)
            if not clusters:
                raise NotFoundError("no plan has been applied yet: POST /plan/apply first")
            if state.pictures is None or state.pictures[0] != clusters:
                state.pictures = (clusters, report_pictures(clusters, calendar=calendar))
            page = views_report_html(
                views,
                calendar=calendar,
                source="the service's store",
                refresh_seconds=refresh,
                pictures=state.pictures[1],
            )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(
            status_code=500,
            content=error_body("InternalError", f"unexpected {type(error).__name__}"),
        )

    return app
