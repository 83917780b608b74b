"""The example service under concurrent uploads vs a raw FastAPI endpoint inserting rows.

    python benchmarks/bench_service.py [--quick] [--postgres postgresql://...]

Both sides are uvicorn with the same number of worker processes (2) on the same PostgreSQL,
behind the same authentication (the service's :class:`~service.app.BearerAuth` middleware:
an HS256 bearer token verified on every request), taking the same JSON body.  32 clients
(threads, one keep-alive connection each, :mod:`service.loadgen`) each act as the coordinator
of their own province and send a fixed number of requests: 80% uploads of 5 new rows (hall,
bridge and course rows on the session's day), 20% re-sends of an earlier upload with its
``Idempotency-Key``.

* **ours**: ``examples/service`` -- ``Scheduler.record_attendance`` checks every rule (one
  team per member, one in-person outcome, the session's day, hall seats), records the rows as
  events with an idempotency receipt, and answers a re-send from the receipt;
* **raw**: :func:`create_raw_app`, what a user would write instead -- the same pydantic body,
  the province checked against the token, then ``executemany`` of the rows into a plain table
  (primary key province, member, activity; ``ON CONFLICT DO NOTHING``), one transaction per
  request, from a psycopg connection pool.  No rules, no history, no idempotency receipt.

The figure is raw seconds / our seconds for the same requests (our throughput as a share of
the raw endpoint's; goal >= 0.5), median over repetitions that alternate which side goes
first; p50/p99 latency of both from every request of every repetition.  Starting the servers,
creating the schemas, the programme and the plan are not timed.
"""

import argparse
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "examples"))

from _harness import Comparison, Figure, Suite, alternate, median, percentile  # noqa: E402

GOAL = 0.5
WORKERS = 2
RAW_ENV = "BENCH_SERVICE_RAW_POSTGRES"
RAW_SCHEMA_ENV = "BENCH_SERVICE_RAW_SCHEMA"
RAW_TABLE = """
CREATE TABLE IF NOT EXISTS attendance (
    province text NOT NULL,
    member text NOT NULL,
    team text NOT NULL,
    commune text NOT NULL,
    activity text NOT NULL,
    day date NOT NULL,
    actor text NOT NULL,
    PRIMARY KEY (province, member, activity)
)
"""
RAW_INSERT = (
    "INSERT INTO attendance (province, member, team, commune, activity, day, actor) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def create_raw_app() -> Any:
    """The baseline: ``uvicorn --app-dir benchmarks --factory bench_service:create_raw_app``
    with ``$BENCH_SERVICE_RAW_POSTGRES``, ``$BENCH_SERVICE_RAW_SCHEMA`` (where the table is)
    and ``$SCHEDCORE_SERVICE_SECRET``."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from psycopg_pool import ConnectionPool
    from service.app import AttendanceIn, BearerAuth, error_body
    from service.auth import service_secret

    url = os.environ[RAW_ENV]
    search_path = f"-c search_path={os.environ[RAW_SCHEMA_ENV]}"
    pool = ConnectionPool(url, min_size=4, max_size=16, open=False, kwargs={"options": search_path})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool.open(wait=True)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(BearerAuth, secret=service_secret())

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/attendance", response_model=None)
    def record(body: AttendanceIn, request: Request) -> dict[str, Any] | JSONResponse:
        actor = request.scope["schedcore.actor"]
        if any(r.province != actor.province for r in body.rows):
            return JSONResponse(
                status_code=403,
                content=error_body("PermissionDeniedError", "rows of another province"),
            )
        values = [
            (r.province, r.member, r.team, r.commune, str(r.activity), r.date, str(actor))
            for r in body.rows
        ]
        with pool.connection() as connection, connection.cursor() as cursor:
            cursor.executemany(RAW_INSERT, values)
        return {"rows": len(values), "recorded": len(values), "replayed": False}

    return app


def _drop(postgres: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def _schema(postgres: str, prefix: str) -> Iterator[str]:
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        yield schema
    finally:
        _drop(postgres, schema)


class _Sides:
    """Both sides of one comparison; each run keeps its :class:`Load` for the latencies."""

    def __init__(self, postgres: str, clients: int, requests: int) -> None:
        from service.loadgen import clients_for, hand_plan

        from schedcore import programme_2022

        self.postgres = postgres
        self.requests = requests
        self.secret = secrets.token_urlsafe(48)
        self.spec = programme_2022()
        self.plan = hand_plan(sorted(self.spec.delegates))
        self.clients = lambda: clients_for(self.plan, self.spec.delegates, clients)
        self.ours_loads: list[Any] = []
        self.raw_loads: list[Any] = []

    def _load(self, url: str, *, replays: bool) -> Any:
        from service.loadgen import UPLOADS_ONLY, run_load

        return run_load(
            url,
            self.secret,
            self.clients(),
            seconds=3600,
            requests_per_client=self.requests,
            mix=UPLOADS_ONLY,
            check_replays=replays,
        )

    def ours(self) -> float:
        import httpx
        from service.loadgen import bearer, serve

        with _schema(self.postgres, "bench_svc_ours") as schema:
            env = {
                "SCHEDCORE_STORE": f"{self.postgres}?{urlencode({'schema': schema})}",
                "SCHEDCORE_SERVICE_SECRET": self.secret,
            }
            with serve("service.app:create_app", env, workers=WORKERS) as url:
                planner = bearer(self.secret, "minh", "planner")
                with httpx.Client(base_url=url, timeout=60) as http:
                    http.post("/programme", headers=planner).raise_for_status()
                    http.post(
                        "/plan/apply", json={"clusters": self.plan}, headers=planner
                    ).raise_for_status()
                load = self._load(url, replays=True)
        if load.failures or load.unknown:
            raise RuntimeError(f"the service failed under load: {load.failures[:3]}")
        self.ours_loads.append(load)
        return float(load.seconds)

    def raw(self) -> float:
        import psycopg
        from service.loadgen import serve

        with _schema(self.postgres, "bench_svc_raw") as schema:
            with psycopg.connect(self.postgres, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
                connection.execute(f'SET search_path TO "{schema}"')
                connection.execute(RAW_TABLE)
            env = {
                RAW_ENV: self.postgres,
                RAW_SCHEMA_ENV: schema,
                "SCHEDCORE_SERVICE_SECRET": self.secret,
            }
            with serve("bench_service:create_raw_app", env, workers=WORKERS, app_dir=HERE) as url:
                load = self._load(url, replays=False)
        if [f for f in load.failures if not f.startswith("replay")] or load.unknown:
            raise RuntimeError(f"the raw endpoint failed under load: {load.failures[:3]}")
        self.raw_loads.append(load)
        return float(load.seconds)


def suite(
    *,
    postgres: str | None,
    clients: int = 32,
    requests: int = 100,
    repeat: int = 3,
    **_: Any,
) -> Suite:
    """The harness's entry point."""
    result = Suite(
        "service",
        "HTTP service: concurrent uploads vs a raw FastAPI endpoint",
        settings={
            "clients": clients,
            "requests_per_client": requests,
            "repeat": repeat,
            "workers": WORKERS,
        },
    )
    if not postgres:
        result.skipped = "needs PostgreSQL (--postgres URL or $SCHEDCORE_BENCH_POSTGRES)"
        return result
    try:
        import fastapi  # noqa: F401
        import jwt  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        result.skipped = f"needs the service extra (pip install 'schedcore[service]'): {exc}"
        return result
    sides = _Sides(postgres, clients, requests)
    ours, raw = alternate(sides.ours, sides.raw, repeat=repeat)
    work = clients * requests
    result.comparisons.append(
        Comparison(
            f"{WORKERS} workers, {clients} clients: uploads of 5 rows, 20% re-sent with their key",
            "raw FastAPI endpoint, psycopg executemany per request",
            work,
            "requests",
            ours,
            raw,
            goal=GOAL,
            notes="same uvicorn worker count, same bearer-token middleware, same body",
        )
    )
    for label, loads in (("ours", sides.ours_loads), ("raw", sides.raw_loads)):
        latencies = [x for load in loads for x in load.all_latencies()]
        rate = median(load.rate for load in loads)
        result.figures += [
            Figure(f"{label}: requests/s", round(rate, 1), "req/s", "median of repetitions"),
            Figure(f"{label}: p50 latency", round(percentile(latencies, 0.5) * 1000, 1), "ms"),
            Figure(f"{label}: p99 latency", round(percentile(latencies, 0.99) * 1000, 1), "ms"),
        ]
    conflicts = sum(sum(load.conflicts_retried.values()) for load in sides.ours_loads)
    result.notes.append(
        f"Ours: {conflicts} ConcurrencyError retries in all; every re-send was answered from "
        "its receipt and marked replayed. Raw: a re-send inserts nothing (ON CONFLICT DO "
        "NOTHING) and says nothing about it."
    )
    return result


def main(argv: list[str] | None = None) -> int:
    from _harness import suite_markdown

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("SCHEDCORE_BENCH_POSTGRES"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="8 requests per client, once")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.repeat = 8, 1
    done = suite(
        postgres=args.postgres, clients=args.clients, requests=args.requests, repeat=args.repeat
    )
    print("\n".join(suite_markdown(done)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
