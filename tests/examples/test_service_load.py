"""The example service under load: 2 worker processes on PostgreSQL, 32 concurrent callers.

Province coordinators upload attendance in small batches (some re-sent with their
``Idempotency-Key``), a planner changes capacities and reschedules the session no one records
in-person attendance for, and everyone reads the roster and the coverage report.  Afterwards
nothing may be lost or doubled: the store holds exactly the rows the service acknowledged, and
the views the workers kept equal a rebuild and a plain fold of the log.

``SCHEDCORE_LOAD_SECONDS`` bounds the run (default 15 s; 60 s under ``SCHEDCORE_STRESS=1``).
The rate and latencies are printed (``-s``) and recorded as test properties, never asserted:
speed belongs to ``benchmarks/bench_service.py``.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

import httpx
import pytest

from schedcore import NotFoundError, Scheduler, programme_2022
from tests.conftest import PostgresTarget
from tests.examples.conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))
from service.loadgen import SESSION_DAYS, bearer, clients_for, hand_plan, run_load, serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STRESS = os.environ.get("SCHEDCORE_STRESS", "").strip() not in ("", "0")
SECONDS = float(os.environ.get("SCHEDCORE_LOAD_SECONDS") or (60 if STRESS else 15))
REQUESTS_PER_CLIENT = 100_000 if STRESS else 400
CLIENTS = 32
WORKERS = 2
#: The cluster whose session is rescheduled during the run: its provinces record online rows
#: only, since moving the day would make in-person rows sent for the old day wrong.
RESCHEDULED = 10


@pytest.fixture
def store(postgres: PostgresTarget) -> Iterator[str]:
    import psycopg

    schema = f"svc_load_{uuid.uuid4().hex[:10]}"
    try:
        yield f"{postgres.url}?{urlencode({'schema': schema})}"
    finally:
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _together(count: int, call: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """``count`` calls released at once from as many threads."""
    barrier, answers = threading.Barrier(count), []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        response = call()
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_workers_under_32_clients_lose_and_double_nothing(
    store: str, record_property: Callable[[str, object], None]
) -> None:
    pytest.importorskip("schedcore.projections", reason="projections not merged into this tree")
    from schedcore.projections import ProjectionRunner
    from tests.projections.reference import reference_snapshot, snapshot

    secret = secrets.token_urlsafe(48)
    spec = programme_2022()
    planner = bearer(secret, "minh", "planner")
    env = {"SCHEDCORE_STORE": store, "SCHEDCORE_SERVICE_SECRET": secret}
    with (
        serve("service.app:create_app", env, workers=WORKERS) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        # Several planners (or deploy scripts) create the programme at once, on both workers.
        created = _together(8, lambda: http.post("/programme", headers=planner))
        assert sorted(r.status_code for r in created) == [201] + [409] * 7
        assert {r.json()["rule"] for r in created if r.status_code == 409} == {"programme_unique"}

        plan = hand_plan(sorted(spec.delegates))
        assert sum(len(c["members"]) for c in plan) == 63
        applied = http.post("/plan/apply", json={"clusters": plan}, headers=planner)
        assert applied.status_code == 200, applied.text

        clients = clients_for(plan, spec.delegates, CLIENTS, reschedulable=[RESCHEDULED])
        load = run_load(
            url,
            secret,
            clients,
            seconds=SECONDS,
            requests_per_client=REQUESTS_PER_CLIENT,
            reschedulable=[RESCHEDULED],
            capacity_clusters=[c["id"] for c in plan],
        )
        roster = {c["id"]: c["date"] for c in http.get("/roster", headers=planner).json()}

    print(f"\n{WORKERS} workers, {CLIENTS} clients: {load.summary()}")
    record_property("requests_per_second", round(load.rate, 1))
    record_property("p50_ms", round(load.percentile(0.5) * 1000, 1))
    record_property("p99_ms", round(load.percentile(0.99) * 1000, 1))

    # Every answer was 2xx or a documented error; no upload ran out of retries.
    assert load.failures == []
    assert load.unknown == []
    assert load.conflicts_spent["upload"] == 0 and load.conflicts_spent["replay"] == 0
    assert not [key for key in load.statuses if key[1] >= 500]
    assert load.statuses[("upload", 200)] > 0 and load.statuses[("read", 200)] > 0
    assert load.replays_marked == load.replays_sent > 0
    assert roster[RESCHEDULED] in {day.isoformat() for day in SESSION_DAYS}

    acknowledged: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for row in load.acknowledged:
        acknowledged[row[0]].add(row)
    app = Scheduler.open(store)
    try:
        for province in sorted(spec.delegates):
            try:
                book = app.attendance(province)
            except NotFoundError:
                assert province not in acknowledged
                continue
            stored = {(province, m, str(outcome)) for m, (outcome, _) in book.in_person.items()}
            stored |= {(province, m, "course") for m in book.course}
            stored |= {(province, m, "channel") for m in book.channel}
            assert stored == acknowledged[province], province

        # The views the workers kept while serving /coverage == a rebuild == a plain fold.
        with ProjectionRunner(app) as runner:
            runner.catch_up()
            incremental = snapshot(runner.views())
            runner.rebuild()
            rebuilt = snapshot(runner.views())
        reference = reference_snapshot(app, spec.name)
        assert incremental == reference
        assert rebuilt == reference
    finally:
        app.close()
