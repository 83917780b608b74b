"""The example service through its real HTTP interface: uvicorn in a subprocess, PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import PostgresTarget
from tests.examples.conftest import ROOT

pytestmark = pytest.mark.postgres

SERVE = ("--app-dir", "examples", "--factory", "service.app:create_app")
PLANNER = {"X-Actor": "minh", "X-Role": "planner"}


def coordinator(province: str) -> dict[str, str]:
    """The headers of the coordinator of ``province``, as a gateway would set them."""
    return {"X-Actor": f"an-{province}", "X-Role": "province_coordinator", "X-Scope": province}


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def service(postgres: PostgresTarget) -> Iterator[httpx.Client]:
    """The service on a free port over its own schema, with the 2022 programme and a plan."""
    import psycopg

    schema = f"{postgres.schema}_service"
    port = _free_port()
    env = {**os.environ, "SCHEDCORE_STORE": f"{postgres.url}?{urlencode({'schema': schema})}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *SERVE, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"the service did not start:\n{output}")
                time.sleep(0.2)
            assert client.post("/programme", headers=PLANNER).status_code == 201
            assert client.post("/plan/apply", json=PLAN, headers=PLANNER).status_code == 200
            yield client
    finally:
        server.terminate()
        server.wait(timeout=10)
        with psycopg.connect(postgres.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_roster_shows_the_applied_plan_with_its_session_days(service: httpx.Client) -> None:
    roster = service.get("/roster").json()
    assert [(c["id"], c["host"], c["members"], c["date"]) for c in roster] == [
        (1, "01", ["01", "26"], "2022-09-12"),
        (2, "79", ["74", "79"], "2022-09-13"),
    ]


def test_applying_the_plan_in_force_again_records_nothing(service: httpx.Client) -> None:
    response = service.post("/plan/apply", json=PLAN, headers=PLANNER)
    assert response.status_code == 200
    assert response.json()["events"] == 0


def test_recorded_attendance_is_counted_and_a_retry_with_its_key_records_nothing(
    service: httpx.Client,
) -> None:
    body = {"rows": [_row("01-M1"), _row("01-M2", activity="bridge")]}
    headers = {**HANOI, "Idempotency-Key": "import-1"}
    first = service.post("/attendance", json=body, headers=headers)
    again = service.post("/attendance", json=body, headers=headers)
    assert first.status_code == 200 and first.json()["recorded"] == 2
    assert again.json() == first.json()


def test_a_write_without_an_actor_is_forbidden(service: httpx.Client) -> None:
    response = service.post("/attendance", json={"rows": [_row("01-M9")]})
    assert response.status_code == 403
    assert response.json()["error"] == "PermissionDeniedError"


def test_a_write_with_a_name_but_no_role_is_forbidden(service: httpx.Client) -> None:
    response = service.post(
        "/attendance", json={"rows": [_row("01-M9")]}, headers={"X-Actor": "ministry"}
    )
    assert response.status_code == 403
    assert "X-Role" in response.json()["message"]


def test_a_role_written_into_the_name_grants_nothing(service: httpx.Client) -> None:
    headers = {"X-Actor": "province_coordinator[01]:an"}
    response = service.post("/attendance", json={"rows": [_row("01-M9")]}, headers=headers)
    assert response.status_code == 403


def test_a_province_coordinator_recording_another_province_is_forbidden_and_writes_nothing(
    service: httpx.Client,
) -> None:
    before = service.get("/health").json()["position"]
    response = service.post(
        "/attendance", json={"rows": [_row("01-M20")]}, headers=coordinator("02")
    )
    assert response.status_code == 403
    assert response.json()["error"] == "PermissionDeniedError"
    assert "province 01" in response.json()["message"]
    assert service.get("/health").json()["position"] == before


def test_a_planner_may_not_record_attendance(service: httpx.Client) -> None:
    response = service.post("/attendance", json={"rows": [_row("01-M21")]}, headers=PLANNER)
    assert response.status_code == 403


def test_a_province_coordinator_may_not_change_the_plan(service: httpx.Client) -> None:
    before = service.get("/health").json()["position"]
    response = service.post("/plan/apply", json=PLAN, headers=HANOI)
    assert response.status_code == 403
    assert service.get("/health").json()["position"] == before


def test_a_malformed_scope_is_unprocessable(service: httpx.Client) -> None:
    headers = {"X-Actor": "lan", "X-Role": "cluster_coordinator", "X-Scope": "three"}
    response = service.post("/plan/apply", json=PLAN, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInputError"


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


def test_a_body_of_the_wrong_shape_is_unprocessable(service: httpx.Client) -> None:
    response = service.post("/attendance", json={"rows": [{"member": "x"}]}, headers=HANOI)
    assert response.status_code == 422


def test_an_unknown_path_is_not_found(service: httpx.Client) -> None:
    assert service.get("/clusters/99").status_code == 404


def test_coverage_counts_the_recorded_attendance(service: httpx.Client) -> None:
    pytest.importorskip("schedcore.projections", reason="projections not merged into this tree")
    service.post("/attendance", json={"rows": [_row("01-M5")]}, headers=HANOI)
    coverage = service.get("/coverage").json()
    assert coverage["provinces"]["01"]["members_hall"] >= 1


def test_the_service_plans_the_2022_programme(service: httpx.Client) -> None:
    pytest.importorskip("schedcore.planning", reason="the planner is not merged into this tree")
    response = service.post("/plan", json={"time_limit": 15, "with_dates": False})
    assert response.status_code == 200
    clusters = response.json()["clusters"]
    assert len(clusters) == 10 and sum(len(c["members"]) for c in clusters) == 63
