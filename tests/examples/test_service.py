"""The example service through its real HTTP interface: uvicorn in a subprocess, PostgreSQL.

Callers authenticate with HS256 bearer tokens signed with ``$SCHEDCORE_SERVICE_SECRET``; the
tokens here are made with PyJWT directly, as ``python -m service.token`` makes them (one test
runs that command too).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import jwt
import pytest

from tests.conftest import PostgresTarget
from tests.examples.conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))
from service.loadgen import bearer, serve, token

pytestmark = pytest.mark.postgres

SERVE = ("--app-dir", "examples", "--factory", "service.app:create_app")
SECRET = secrets.token_urlsafe(48)
PLANNER = bearer(SECRET, "minh", "planner")


def coordinator(province: str) -> dict[str, str]:
    """The token of the coordinator of ``province``."""
    return bearer(SECRET, f"an-{province}", "province_coordinator", province)


HANOI = coordinator("01")
PLAN = {
    "clusters": [
        {
            "id": 1,
            "host": "01",
            "members": ["01", "26"],
            "date": "2022-09-12",
            "trainer_team": "T1",
        },
        {"id": 2, "host": "79", "members": ["79", "74"], "date": "2022-09-13"},
    ]
}


def _row(member: str, province: str = "01", activity: str = "hall") -> dict[str, str]:
    return {
        "member": member,
        "team": f"{province}-T1",
        "province": province,
        "commune": f"{province}-C1",
        "activity": activity,
        "date": "2022-09-12",
    }


def _env(store: str, secret: str | None = SECRET) -> dict[str, str]:
    env = {**os.environ, "SCHEDCORE_STORE": store}
    env.pop("SCHEDCORE_SERVICE_SECRET", None)
    if secret is not None:
        env["SCHEDCORE_SERVICE_SECRET"] = secret
    return env


@pytest.fixture(scope="module")
def store(postgres: PostgresTarget) -> Iterator[str]:
    import psycopg

    schema = f"{postgres.schema}_service"
    try:
        yield f"{postgres.url}?{urlencode({'schema': schema})}"
    finally:
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def service(store: str) -> Iterator[httpx.Client]:
    """The service on a free port over its own schema, with the 2022 programme and a plan."""
    with (
        serve("service.app:create_app", _env(store)) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        assert client.post("/programme", headers=PLANNER).status_code == 201
        assert client.post("/plan/apply", json=PLAN, headers=PLANNER).status_code == 200
        yield client


def _position(service: httpx.Client) -> int:
    position: int = service.get("/health").json()["position"]
    return position


def _recorded(store: str, province: str) -> set[str]:
    from schedcore import NotFoundError, Scheduler

    app = Scheduler.open(store)
    try:
        return set(app.attendance(province).members)
    except NotFoundError:  # nothing recorded for the province yet
        return set()
    finally:
        app.close()


# -- authentication ---------------------------------------------------------------------------


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert set(body) == {"error", "message", "rule"}
    assert body["error"] == "AuthenticationError"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/roster"), ("GET", "/coverage"), ("POST", "/attendance"), ("POST", "/plan")],
)
def test_every_route_but_health_needs_a_token(
    service: httpx.Client, method: str, path: str
) -> None:
    response = service.request(method, path, json={"rows": [_row("01-M90")]})
    _assert_unauthorized(response)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization" in response.json()["message"]


def test_health_needs_no_token(service: httpx.Client) -> None:
    assert service.get("/health").json()["status"] == "ok"


def test_a_token_signed_with_another_secret_is_unauthorized(service: httpx.Client) -> None:
    forged = bearer(secrets.token_urlsafe(48), "minh", "planner")
    response = service.post("/plan/apply", json=PLAN, headers=forged)
    _assert_unauthorized(response)
    assert "signature" in response.json()["message"]


def test_an_expired_token_is_unauthorized(service: httpx.Client) -> None:
    expired = {"Authorization": f"Bearer {token(SECRET, 'minh', 'planner', hours=-1)}"}
    response = service.get("/roster", headers=expired)
    _assert_unauthorized(response)
    assert "expired" in response.json()["message"]


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "minh", "role": "operator"},
        {"sub": "minh", "role": "admin"},
        {"sub": "an", "role": "province_coordinator"},  # no scope
        {"sub": "lan", "role": "cluster_coordinator", "scope": "three"},
        {"role": "planner"},  # no sub
        {"sub": "minh"},  # no role
    ],
)
def test_a_token_with_bad_claims_is_unauthorized(
    service: httpx.Client, claims: dict[str, str]
) -> None:
    signed = jwt.encode({**claims, "exp": 4_000_000_000}, SECRET, algorithm="HS256")
    response = service.get("/roster", headers={"Authorization": f"Bearer {signed}"})
    _assert_unauthorized(response)


def test_a_token_without_expiry_is_unauthorized(service: httpx.Client) -> None:
    signed = jwt.encode({"sub": "minh", "role": "planner"}, SECRET, algorithm="HS256")
    _assert_unauthorized(service.get("/roster", headers={"Authorization": f"Bearer {signed}"}))


def test_the_old_gateway_headers_grant_nothing(service: httpx.Client) -> None:
    headers = {"X-Actor": "minh", "X-Role": "planner"}
    _assert_unauthorized(service.post("/plan/apply", json=PLAN, headers=headers))


def test_the_role_comes_from_the_token_not_from_headers(service: httpx.Client) -> None:
    headers = {**HANOI, "X-Role": "planner", "X-Actor": "minh"}
    response = service.post("/plan/apply", json=PLAN, headers=headers)
    assert response.status_code == 403


def test_an_unauthorized_write_writes_nothing(service: httpx.Client, store: str) -> None:
    before = _position(service)
    body = {"rows": [_row("01-M91"), _row("01-M92", activity="bridge")]}
    forged = bearer(secrets.token_urlsafe(48), "an-01", "province_coordinator", "01")
    for headers in ({}, forged, {"Authorization": "Basic bWluaDp4"}):
        _assert_unauthorized(service.post("/attendance", json=body, headers=headers))
    assert _position(service) == before
    assert not {"01-M91", "01-M92"} & _recorded(store, "01")


def test_the_token_command_prints_a_token_the_service_accepts(service: httpx.Client) -> None:
    env = {**os.environ, "SCHEDCORE_SERVICE_SECRET": SECRET}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "examples"), *filter(None, [env.get("PYTHONPATH")])]
    )
    command = [sys.executable, "-m", "service.token", "--actor", "an", "--role"]
    done = subprocess.run(
        [*command, "province_coordinator", "--scope", "01", "--hours", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    issued = done.stdout.strip()
    response = service.post(
        "/attendance",
        json={"rows": [_row("01-M70")]},
        headers={"Authorization": f"Bearer {issued}"},
    )
    assert response.status_code == 200 and response.json()["recorded"] == 1
    # The same command without the secret refuses, saying what to set.
    env.pop("SCHEDCORE_SERVICE_SECRET")
    refused = subprocess.run(
        [*command, "planner"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and "SCHEDCORE_SERVICE_SECRET" in refused.stderr


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_the_service_refuses_to_start_without_a_usable_secret(
    store: str, secret: str | None
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", *SERVE, "--port", "0"],
        cwd=ROOT,
        env=_env(store, secret),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "SCHEDCORE_SERVICE_SECRET" in done.stdout + done.stderr


# -- the plan and the roster -------------------------------------------------------------------


def test_the_roster_shows_the_applied_plan_with_its_session_days(service: httpx.Client) -> None:
    roster = service.get("/roster", headers=HANOI).json()
    assert [(c["id"], c["host"], c["members"], c["date"]) for c in roster] == [
        (1, "01", ["01", "26"], "2022-09-12"),
        (2, "79", ["74", "79"], "2022-09-13"),
    ]


def test_applying_the_plan_in_force_again_records_nothing(service: httpx.Client) -> None:
    response = service.post("/plan/apply", json=PLAN, headers=PLANNER)
    assert response.status_code == 200
    assert response.json()["events"] == 0
    assert response.json()["replayed"] is False


# -- attendance and replays ----------------------------------------------------------------


def test_recorded_attendance_is_counted_and_a_retry_with_its_key_is_a_marked_replay(
    service: httpx.Client, store: str
) -> None:
    body = {"rows": [_row("01-M1"), _row("01-M2", activity="bridge")]}
    headers = {**HANOI, "Idempotency-Key": "import-1"}
    first = service.post("/attendance", json=body, headers=headers)
    position = _position(service)
    again = service.post("/attendance", json=body, headers=headers)
    assert first.status_code == 200 and first.json()["recorded"] == 2
    assert first.json()["replayed"] is False
    assert first.headers["Idempotent-Replayed"] == "false"
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _position(service) == position
    assert {"01-M1", "01-M2"} <= _recorded(store, "01")


def test_a_request_without_a_key_is_never_marked_a_replay(service: httpx.Client) -> None:
    body = {"rows": [_row("01-M3")]}
    first = service.post("/attendance", json=body, headers=HANOI)
    again = service.post("/attendance", json=body, headers=HANOI)
    assert "Idempotent-Replayed" not in again.headers
    assert first.json()["recorded"] == 1
    assert again.json()["recorded"] == 0 and again.json()["already_recorded"] == 1
    assert again.json()["replayed"] is False


def test_a_province_coordinator_recording_another_province_is_forbidden_and_writes_nothing(
    service: httpx.Client,
) -> None:
    before = _position(service)
    response = service.post(
        "/attendance", json={"rows": [_row("01-M20")]}, headers=coordinator("02")
    )
    assert response.status_code == 403
    assert response.json()["error"] == "PermissionDeniedError"
    assert "province 01" in response.json()["message"]
    assert _position(service) == before


def test_a_planner_may_not_record_attendance(service: httpx.Client) -> None:
    response = service.post("/attendance", json={"rows": [_row("01-M21")]}, headers=PLANNER)
    assert response.status_code == 403


def test_a_province_coordinator_may_not_change_the_plan(service: httpx.Client) -> None:
    before = _position(service)
    response = service.post("/plan/apply", json=PLAN, headers=HANOI)
    assert response.status_code == 403
    assert _position(service) == before


def test_a_coordinator_may_not_run_the_planner(service: httpx.Client) -> None:
    for headers in (HANOI, bearer(SECRET, "lan", "cluster_coordinator", 1)):
        response = service.post("/plan", json={"time_limit": 1}, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "PermissionDeniedError"


def test_a_province_outside_the_programme_is_invalid_input(service: httpx.Client) -> None:
    response = service.post(
        "/attendance", json={"rows": [_row("X-1", "99")]}, headers=coordinator("99")
    )
    assert response.status_code == 422
    assert "99" in response.json()["message"]


def test_creating_the_programme_twice_conflicts(service: httpx.Client) -> None:
    response = service.post("/programme", headers=PLANNER)
    assert response.status_code == 409
    assert response.json()["rule"] == "programme_unique"


def test_a_member_in_two_teams_breaks_a_rule(service: httpx.Client) -> None:
    row = {**_row("01-M1"), "team": "01-T2", "activity": "course"}
    response = service.post("/attendance", json={"rows": [row]}, headers=HANOI)
    assert response.status_code == 409
    assert response.json()["rule"] == "member_in_one_team"


# -- the documented error shape ------------------------------------------------------------------


def test_a_body_of_the_wrong_shape_is_invalid_input_naming_the_fields(
    service: httpx.Client,
) -> None:
    before = _position(service)
    response = service.post("/attendance", json={"rows": [{"member": "x"}]}, headers=HANOI)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error", "message", "rule"}
    assert body["error"] == "InvalidInputError" and body["rule"] is None
    assert "rows.0.team" in body["message"] and "rows.0.date" in body["message"]
    assert _position(service) == before


def test_malformed_json_is_invalid_input(service: httpx.Client) -> None:
    response = service.post(
        "/attendance",
        content=b'{"rows": [',
        headers={**HANOI, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInputError"


def test_an_unknown_path_is_not_found_in_the_documented_shape(service: httpx.Client) -> None:
    response = service.get("/clusters/99", headers=HANOI)
    assert response.status_code == 404
    assert response.json() == {"error": "NotFoundError", "message": "Not Found", "rule": None}


# -- single-session changes ----------------------------------------------------------------------


def test_a_planner_reschedules_a_session_and_a_replay_is_marked(service: httpx.Client) -> None:
    headers = {**PLANNER, "Idempotency-Key": "move-2"}
    body = {"date": "2022-09-14", "override_reason": None}
    first = service.post("/sessions/2/reschedule", json=body, headers=headers)
    again = service.post("/sessions/2/reschedule", json=body, headers=headers)
    assert first.status_code == 200 and first.json() == {"events": 1, "replayed": False}
    assert again.json() == {"events": 1, "replayed": True}
    assert again.headers["Idempotent-Replayed"] == "true"
    roster = {c["id"]: c["date"] for c in service.get("/roster", headers=PLANNER).json()}
    assert roster[2] == "2022-09-14"


def test_a_session_on_a_weekend_breaks_a_rule(service: httpx.Client) -> None:
    body = {"date": "2022-09-17", "override_reason": None}
    response = service.post("/sessions/2/reschedule", json=body, headers=PLANNER)
    assert response.status_code == 409
    assert response.json()["rule"]


def test_only_the_cluster_s_own_coordinator_or_a_planner_changes_its_capacity(
    service: httpx.Client,
) -> None:
    body = {"hall_capacity": 5000, "bridge_capacity": None}
    for headers in (HANOI, bearer(SECRET, "lan", "cluster_coordinator", 1)):
        response = service.post("/sessions/2/capacity", json=body, headers=headers)
        assert response.status_code == 403
    own = bearer(SECRET, "binh", "cluster_coordinator", 2)
    response = service.post("/sessions/2/capacity", json=body, headers=own)
    assert response.status_code == 200 and response.json()["events"] == 1


def test_a_capacity_below_zero_is_invalid_input(service: httpx.Client) -> None:
    body = {"hall_capacity": -1}
    response = service.post("/sessions/2/capacity", json=body, headers=PLANNER)
    assert response.status_code == 422
    assert "hall_capacity" in response.json()["message"]


def test_a_session_that_does_not_exist_is_not_found(service: httpx.Client) -> None:
    response = service.post("/sessions/9/capacity", json={"hall_capacity": 10}, headers=PLANNER)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFoundError"


# -- reports -----------------------------------------------------------------------------------


def test_coverage_counts_the_recorded_attendance(service: httpx.Client) -> None:
    pytest.importorskip("schedcore.projections", reason="projections not merged into this tree")
    service.post("/attendance", json={"rows": [_row("01-M5")]}, headers=HANOI)
    coverage = service.get("/coverage", headers=HANOI).json()
    assert coverage["provinces"]["01"]["members_hall"] >= 1


def test_the_service_plans_the_2022_programme(service: httpx.Client) -> None:
    pytest.importorskip("schedcore.planning", reason="the planner is not merged into this tree")
    response = service.post("/plan", json={"time_limit": 15, "with_dates": False}, headers=PLANNER)
    assert response.status_code == 200
    clusters = response.json()["clusters"]
    assert len(clusters) == 10 and sum(len(c["members"]) for c in clusters) == 63
