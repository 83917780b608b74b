"""``schedcore report``, ``rebuild`` and ``history``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.values import Activity, AttendanceRow
from tests.projections.conftest import open_small, small_spec


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    app = open_small(url)
    app.record_attendance(
        [
            AttendanceRow("An", "t1", "01", "Ba Đình", Activity.HALL, date(2022, 9, 12)),
            AttendanceRow("Giang", "t9", "04", "Hoà An", Activity.BRIDGE, date(2022, 9, 13)),
        ],
        actor="coordinator",
    )
    app.close()
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_report_prints_clusters_provinces_and_totals(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", "--store", store, "--programme", small_spec().name)
    assert code == 0
    assert "Clusters" in out
    assert "Hà Nội" in out
    assert "TOTAL" in out


def test_the_json_report_has_the_documented_keys(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "report", "--store", store, "--programme", small_spec().name, "--json", "-"
    )
    report = json.loads(out)
    assert code == 0
    assert report["position"] > 0
    assert report["clusters"][0]["id"] == 1
    assert set(report["clusters"][0]) >= {"id", "host", "members", "date", "trainer_team"}
    assert report["provinces"]["01"]["members_hall"] == 1
    assert report["provinces"]["04"]["members_bridge"] == 1
    counts = {
        "teams_trained",
        "members_hall",
        "members_bridge",
        "members_course",
        "members_channel",
    }
    assert counts <= set(report["provinces"]["06"])
    assert report["totals"]["teams_trained"] == 2


def test_the_json_report_can_go_to_a_file(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.json"
    run(capsys, "report", "--store", store, "--programme", small_spec().name, "--json", str(path))
    assert json.loads(path.read_text(encoding="utf-8"))["totals"]["members_hall"] == 1


def test_a_report_as_of_a_position_shows_that_time(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(
        capsys,
        "report",
        "--store",
        store,
        "--programme",
        small_spec().name,
        "--position",
        "3",
        "--json",
        "-",
    )
    assert json.loads(out)["position"] == 3


def test_a_report_as_of_a_naive_timestamp_is_refused(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "report", "--store", store, "--as-of", "2022-09-20T10:00")
    assert code == 2
    assert err.startswith("error: ") and "time zone" in err


def test_rebuild_rebuilds_every_read_model_with_progress_on_a_terminal(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from schedcore.cli import _progress

    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: True)
    app = Scheduler.open(store)
    events = app.max_notification_id()
    app.close()
    code, out, err = run(capsys, "rebuild", "--store", store, "--programme", small_spec().name)
    assert code == 0
    assert "rebuilding" in err and f"{events}/{events}" in err
    assert out.startswith("rebuilt 6 read models")


def test_rebuild_into_a_pipe_draws_no_bar(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rebuild", "--store", store, "--programme", small_spec().name)
    assert code == 0
    assert err == "" and out.startswith("rebuilt 6 read models")


def test_history_lists_the_events_of_a_province(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "history",
        "--store",
        store,
        "--programme",
        small_spec().name,
        "--province",
        "04",
        "--json",
        "-",
    )
    entries = json.loads(out)
    assert code == 0
    assert entries
    assert {e["province"] for e in entries} == {"04"}
    assert entries[-1]["actor"] == "coordinator"


def test_history_says_when_nothing_matches(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "history", "--store", store, "--programme", small_spec().name, "--actor", "nobody"
    )
    assert "no events match" in out


def test_status_shows_each_model_and_changes_nothing(
    store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "report", "--store", store, "--programme", small_spec().name)
    path = Path(store.removeprefix("sqlite:///"))
    before = path.read_bytes()
    code, out, _ = run(capsys, "status", "--store", store, "--json", "-")
    document = json.loads(out)
    assert code == 0
    assert [m["model"] for m in document["models"]] == [
        "programmes",
        "roster",
        "calendar",
        "bridge",
        "coverage",
        "audit",
    ]
    assert {m["state"] for m in document["models"]} == {"current"}
    assert {m["lag"] for m in document["models"]} == {0}
    assert {m["position"] for m in document["models"]} == {document["head"]}
    assert path.read_bytes() == before


def test_rebuild_of_one_model_rebuilds_that_model_only(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "report", "--store", store, "--programme", small_spec().name)
    code, out, _ = run(capsys, "rebuild", "--store", store, "--model", "coverage", "--json", "-")
    assert code == 0
    assert json.loads(out)["rebuilt"] == ["coverage"]
    _, out, _ = run(capsys, "status", "--store", store, "--json", "-")
    generations = {m["model"]: m["generation"] for m in json.loads(out)["models"]}
    assert generations == {**dict.fromkeys(generations, 0), "coverage": 1}


def test_rebuild_of_an_unknown_model_is_refused(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "rebuild", "--store", store, "--model", "coverge")
    assert code == 2
    assert "unknown read model 'coverge' (did you mean 'coverage'?)" in err


def test_status_of_views_never_built_says_new_and_creates_nothing(
    store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    views = tmp_path / "no-views-yet.sqlite"
    code, out, _ = run(
        capsys, "status", "--store", store, "--views", f"sqlite:///{views}", "--json", "-"
    )
    assert code == 0
    assert {m["state"] for m in json.loads(out)["models"]} == {"new"}
    assert not views.exists()
