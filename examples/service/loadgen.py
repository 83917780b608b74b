"""Drive the example service with many concurrent callers, and start it for a test or benchmark.

Used by ``tests/examples/test_service_load.py`` and ``benchmarks/bench_service.py``; also handy
against a deployment of your own.  :func:`serve` starts uvicorn (any number of worker
processes) and waits for ``GET /health``; :func:`hand_plan` is a plan of the 2022 programme
that places every province (10 clusters of consecutive provinces, one working day each between
12 and 30 September 2022, a trainer team each) without solving anything; :func:`run_load`
runs the clients and returns everything they saw: each request's status and latency, and the
attendance rows the service acknowledged as recorded.

The clients (threads, each with its own keep-alive connection) are province coordinators, one
province each, with a planner's token for session changes.  A client's mix, per request:
uploads of a few new rows (hall or bridge on its session's day, course), re-sends of an
earlier upload with the same ``Idempotency-Key`` (which must come back ``replayed``), capacity
changes, reschedules (only of the clusters no client records in-person attendance for: moving
a session day would make later hall rows of it wrong), and reads (``/roster``, ``/coverage``).
A 409 ``ConcurrencyError`` is retried with the same key; any other answer is kept as it is.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import jwt

EXAMPLES = Path(__file__).resolve().parents[1]
#: The session days of :func:`hand_plan`: working days of 12-30 September 2022.
SESSION_DAYS = tuple(
    dt.date(2022, 9, d) for d in (12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30)
)
#: Errors the service documents; anything else in a response body is a failure.
DOCUMENTED_ERRORS = frozenset(
    {
        "AuthenticationError",
        "PermissionDeniedError",
        "ConcurrencyError",
        "StoreBusyError",
        "RuleViolationError",
        "InvalidInputError",
        "UnknownProvinceError",
        "NotFoundError",
        "StoreError",
    }
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def token(
    secret: str, actor: str, role: str, scope: str | int | None = None, hours: float = 2
) -> str:
    """A bearer token, signed as ``python -m service.token`` signs it."""
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": actor,
        "role": role,
        "iat": now,
        "exp": now + dt.timedelta(hours=hours),
    }
    if scope is not None:
        claims["scope"] = str(scope)
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(secret: str, actor: str, role: str, scope: str | int | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(secret, actor, role, scope)}"}


@contextmanager
def serve(
    target: str,
    env: Mapping[str, str],
    *,
    workers: int = 1,
    app_dir: Path = EXAMPLES,
    cwd: Path | None = None,
    startup_timeout: float = 60,
) -> Iterator[str]:
    """Run ``uvicorn --factory target`` with ``workers`` processes on a free port; yields its
    base URL once ``GET /health`` answers, and stops it (and its workers) afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory", target]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(
        command,
        cwd=cwd or EXAMPLES.parent,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    output = server.stdout.read().decode() if server.stdout else ""
                    raise RuntimeError(f"{target} did not start:\n{output}")
                time.sleep(0.2)
        yield url
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if server.stdout:
            server.stdout.close()


def hand_plan(units: Sequence[str], clusters: int = 10) -> list[dict[str, Any]]:
    """Every unit placed: ``clusters`` clusters of consecutive units, distinct days and teams."""
    ordered = sorted(units)
    size, extra = divmod(len(ordered), clusters)
    plan, start = [], 0
    for number in range(1, clusters + 1):
        members = ordered[start : start + size + (number <= extra)]
        start += len(members)
        if members:
            plan.append(
                {
                    "id": number,
                    "host": members[0],
                    "members": members,
                    "date": SESSION_DAYS[number - 1].isoformat(),
                    "trainer_team": f"T{number}",
                }
            )
    return plan


@attrs.define
class Client:
    """One simulated caller: the coordinator of ``province`` (session on ``day``)."""

    number: int
    province: str
    cluster: int
    day: dt.date
    #: Hall seats left to this client's province (rows beyond them would break a rule).
    hall_seats: int
    #: Whether this client records in-person rows (False on clusters that get rescheduled).
    in_person: bool


def clients_for(
    plan: Sequence[Mapping[str, Any]],
    seats: Mapping[str, int],
    count: int,
    *,
    reschedulable: Sequence[int] = (),
) -> list[Client]:
    """``count`` clients, each the coordinator of its own province, taken from every cluster
    in turn; those of ``reschedulable`` clusters record only online rows."""
    queues = [[(c, p) for p in c["members"]] for c in plan]
    chosen: list[tuple[Mapping[str, Any], str]] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    if len(chosen) < count:
        raise ValueError(f"{count} clients need {count} provinces; the plan has {len(chosen)}")
    return [
        Client(
            number=n,
            province=province,
            cluster=cluster["id"],
            day=dt.date.fromisoformat(cluster["date"]),
            hall_seats=seats.get(province, 0),
            in_person=cluster["id"] not in reschedulable,
        )
        for n, (cluster, province) in enumerate(chosen, start=1)
    ]


@attrs.define
class Load:
    """What one run saw."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = attrs.Factory(dict)
    statuses: Counter[tuple[str, int]] = attrs.Factory(Counter)
    #: (province, member, activity) of every row a 2xx answer reported recorded.
    acknowledged: set[tuple[str, str, str]] = attrs.Factory(set)
    #: Rows sent in uploads that ended with a retry spent or a transport error: unknown fate.
    unknown: list[tuple[str, str, str]] = attrs.Factory(list)
    replays_sent: int = 0
    replays_marked: int = 0
    conflicts_retried: Counter[str] = attrs.Factory(Counter)
    #: Uploads / changes whose retries were all spent on 409 ConcurrencyError.
    conflicts_spent: Counter[str] = attrs.Factory(Counter)
    #: Answers that are neither 2xx nor a documented error, or a replay that was not marked.
    failures: list[str] = attrs.Factory(list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    def percentile(self, share: float, kind: str | None = None) -> float:
        values = sorted(self.all_latencies() if kind is None else self.latencies.get(kind, []))
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(share * len(values)))]

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {len(v)}" for k, v in sorted(self.latencies.items()))
        errors = {f"{k} {s}": n for (k, s), n in sorted(self.statuses.items()) if s >= 300}
        return (
            f"{self.requests} requests in {self.seconds:.1f} s: {self.rate:.1f} requests/s, "
            f"p50 {self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} "
            f"ms ({kinds}); {len(self.acknowledged)} rows acknowledged, "
            f"{self.replays_marked}/{self.replays_sent} replays marked, errors {errors}, "
            "conflicts retried "
            f"{dict(self.conflicts_retried)}, spent {dict(self.conflicts_spent)}"
        )


class _Worker:
    def __init__(
        self,
        base_url: str,
        client: Client,
        *,
        coordinator: dict[str, str],
        planner: dict[str, str],
        mix: Mapping[str, float],
        reschedulable: Sequence[int],
        capacity_clusters: Sequence[int],
        load: Load,
        lock: threading.Lock,
        seed: int,
        retries: int,
        batch: int,
        check_replays: bool,
    ) -> None:
        self.check_replays = check_replays
        self.http = httpx.Client(base_url=base_url, timeout=120)
        self.client = client
        self.coordinator = coordinator
        self.planner = planner
        self.kinds = list(mix)
        self.weights = [mix[k] for k in self.kinds]
        self.reschedulable = list(reschedulable)
        self.capacity_clusters = list(capacity_clusters)
        self.load = load
        self.lock = lock
        self.random = random.Random(seed)
        self.retries = retries
        self.batch = batch
        self.next_member = 0
        self.sent: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # key, body, answer

    # -- one request ---------------------------------------------------------------------

    def _send(
        self, kind: str, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> httpx.Response | None:
        """One request, retried on 409 ConcurrencyError (same key); None: no answer."""
        for attempt in range(self.retries + 1):
            started = time.perf_counter()
            try:
                response = self.http.request(method, path, headers=headers, json=body)
            except httpx.TransportError as exc:
                with self.lock:
                    self.load.failures.append(f"{kind} {path}: {type(exc).__name__}: {exc}")
                return None
            elapsed = time.perf_counter() - started
            with self.lock:
                self.load.latencies.setdefault(kind, []).append(elapsed)
                self.load.statuses[(kind, response.status_code)] += 1
            if response.status_code == 409 and _error(response) in (
                "ConcurrencyError",
                "StoreBusyError",
            ):
                if attempt < self.retries:
                    with self.lock:
                        self.load.conflicts_retried[kind] += 1
                    time.sleep(self.random.uniform(0.001, 0.02) * (attempt + 1))
                    continue
                with self.lock:
                    self.load.conflicts_spent[kind] += 1
                return response
            if not response.is_success and _error(response) not in DOCUMENTED_ERRORS:
                with self.lock:
                    self.load.failures.append(
                        f"{kind} {path}: {response.status_code} {response.text[:300]}"
                    )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the operations -------------------------------------------------------------------

    def _rows(self) -> list[dict[str, str]]:
        c = self.client
        rows = []
        for _ in range(self.batch):
            n = self.next_member
            self.next_member += 1
            member = f"{c.province}-L{c.number}-{n}"
            base = {
                "member": member,
                "team": f"{c.province}-L{c.number}-T{n // 4}",
                "province": c.province,
                "commune": f"{c.province}-L{c.number}-C{n // 40}",
            }
            if c.in_person and c.hall_seats > 0 and n % 3 == 0:
                c.hall_seats -= 1
                rows.append({**base, "activity": "hall", "date": c.day.isoformat()})
            elif c.in_person and n % 3 == 1:
                rows.append({**base, "activity": "bridge", "date": c.day.isoformat()})
            else:
                rows.append({**base, "activity": "course", "date": "2022-10-03"})
        return rows

    def upload(self) -> None:
        c = self.client
        key = f"upload-{c.province}-{c.number}-{self.next_member}"
        body = {"rows": self._rows()}
        headers = {**self.coordinator, "Idempotency-Key": key}
        response = self._send("upload", "POST", "/attendance", headers, body)
        triples = [(r["province"], r["member"], r["activity"]) for r in body["rows"]]
        if response is None or _error(response) in ("ConcurrencyError", "StoreBusyError"):
            with self.lock:
                self.load.unknown.extend(triples)
            return
        if response.is_success:
            answer = response.json()
            if answer.get("replayed") is not False or answer.get("recorded") != len(triples):
                with self.lock:
                    self.load.failures.append(f"upload {key}: first answer {answer}")
            with self.lock:
                self.load.acknowledged.update(triples)
            self.sent.append((key, body, answer))

    def resend(self) -> None:
        if not self.sent:
            self.upload()
            return
        key, body, first = self.random.choice(self.sent)
        headers = {**self.coordinator, "Idempotency-Key": key}
        with self.lock:
            self.load.replays_sent += 1
        response = self._send("replay", "POST", "/attendance", headers, body)
        if response is None or not response.is_success:
            return
        answer = response.json()
        marked = (
            answer.get("replayed") is True
            and response.headers.get("Idempotent-Replayed") == "true"
            and {k: v for k, v in answer.items() if k != "replayed"}
            == {k: v for k, v in first.items() if k != "replayed"}
        )
        with self.lock:
            if marked:
                self.load.replays_marked += 1
            elif self.check_replays:
                self.load.failures.append(f"replay {key}: {response.headers} {answer}")

    def capacity(self) -> None:
        cluster = self.random.choice(self.capacity_clusters)
        # Far above any hall's allotted seats: never shrinks below them.
        body = {"hall_capacity": 100_000 + self.random.randrange(1000), "bridge_capacity": None}
        key = f"capacity-{self.client.number}-{time.monotonic_ns()}"
        headers = {**self.planner, "Idempotency-Key": key}
        self._send("change", "POST", f"/sessions/{cluster}/capacity", headers, body)

    def reschedule(self) -> None:
        if not self.reschedulable:
            self.capacity()
            return
        cluster = self.random.choice(self.reschedulable)
        day = self.random.choice(SESSION_DAYS)
        key = f"reschedule-{self.client.number}-{time.monotonic_ns()}"
        headers = {**self.planner, "Idempotency-Key": key}
        body = {"date": day.isoformat(), "override_reason": None}
        self._send("change", "POST", f"/sessions/{cluster}/reschedule", headers, body)

    def read(self) -> None:
        path = self.random.choice(("/roster", "/coverage"))
        self._send("read", "GET", path, self.coordinator)

    def run(self, stop_at: float, requests: int) -> None:
        operations = {
            "upload": self.upload,
            "replay": self.resend,
            "capacity": self.capacity,
            "reschedule": self.reschedule,
            "read": self.read,
        }
        try:
            for _ in range(requests):
                if time.monotonic() >= stop_at:
                    break
                operations[self.random.choices(self.kinds, self.weights)[0]]()
        except Exception as exc:  # a bug in the client: reported, not silent
            with self.lock:
                self.load.failures.append(f"client {self.client.number}: {exc!r}")
        finally:
            self.http.close()


#: The default mix of operations (weights).
MIX = {"upload": 0.6, "replay": 0.15, "capacity": 0.07, "reschedule": 0.03, "read": 0.15}
#: Uploads and re-sends only: what the raw baseline of the benchmark can also serve.
UPLOADS_ONLY = {"upload": 0.8, "replay": 0.2}


def run_load(
    base_url: str,
    secret: str,
    clients: Sequence[Client],
    *,
    seconds: float,
    requests_per_client: int,
    mix: Mapping[str, float] = MIX,
    reschedulable: Sequence[int] = (),
    capacity_clusters: Sequence[int] = (1,),
    batch: int = 5,
    retries: int = 8,
    seed: int = 2022,
    check_replays: bool = True,
) -> Load:
    """Run every client in its own thread until ``seconds`` pass or each has sent
    ``requests_per_client`` operations (retries of a conflict not counted).
    ``check_replays=False``: a re-send that is not marked a replay is no failure (an endpoint
    without idempotency keys)."""
    load, lock = Load(), threading.Lock()
    planner = bearer(secret, "minh", "planner")
    workers = [
        _Worker(
            base_url,
            client,
            coordinator=bearer(
                secret, f"coordinator-{client.province}", "province_coordinator", client.province
            ),
            planner=planner,
            mix=mix,
            reschedulable=reschedulable,
            capacity_clusters=capacity_clusters,
            load=load,
            lock=lock,
            seed=seed * 1000 + client.number,
            retries=retries,
            batch=batch,
            check_replays=check_replays,
        )
        for client in clients
    ]
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=w.run, args=(stop_at, requests_per_client), daemon=True)
        for w in workers
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


def _error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
