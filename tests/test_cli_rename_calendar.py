"""``schedcore rename`` and ``schedcore calendar`` on a store, and ``plan --apply`` after them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from schedcore.application import Scheduler
from schedcore.cli import main
from tests.cli_programme import Programme


@pytest.fixture(scope="module")
def planned_store(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    programme = Programme(tmp_path_factory.mktemp("rename-calendar"))
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    return programme


@pytest.fixture
def programme(planned_store: Programme, tmp_path: Path) -> Programme:
    """A copy of the planned store, the programme's files beside it."""
    copy = Programme(tmp_path)
    for path in planned_store.root.glob("store.sqlite*"):  # with its WAL
        shutil.copyfile(path, tmp_path / path.name)
    return copy


def session_days(programme: Programme) -> dict[int, str]:
    app = Scheduler.open(programme.store)
    try:
        return {c.number: app.session(c.number).day.isoformat() for c in app.clusters()}
    finally:
        app.close()


def test_rename_then_every_command_uses_the_new_name(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    out = programme.root / "rename.json"
    code = main(
        [
            "rename", *programme.in_store(), "--to", "Spring training 2025",
            "--reason", "the ministry's title", "--actor", "planner:minh", "--json", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["previous"] == programme.name and document["name"] == "Spring training 2025"
    assert document["events"] == 3 and document["actor"] == "planner:minh"
    capsys.readouterr()
    # the old name is refused, naming the new one
    assert main(["report", *programme.in_store()]) == 2
    assert "renamed to 'Spring training 2025'" in capsys.readouterr().err
    # the new name: report, history, export, status all work and show it
    store = ["--store", programme.store, "--programme", "Spring training 2025"]
    assert main(["report", *store, "--json", str(programme.root / "r.json")]) == 0
    report = json.loads((programme.root / "r.json").read_text(encoding="utf-8"))
    assert report["programme"] == "Spring training 2025"
    capsys.readouterr()
    assert main(["history", *store, "--json", "-"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert any(e["event"] == "Programme.Renamed" for e in history)
    assert main(["export", *store, "--format", "csv", "--out", str(programme.root / "p.csv")]) == 0
    capsys.readouterr()
    # the store's only programme: found without --programme too
    assert main(["report", "--store", programme.store, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["programme"] == "Spring training 2025"


def test_rename_to_the_name_it_has_records_nothing(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["rename", *programme.in_store(), "--to", programme.name, "--reason", "same"]
    assert main(argv) == 0
    assert "nothing recorded" in capsys.readouterr().out


def test_calendar_shows_and_changes_the_calendar_with_its_rules(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", *programme.in_store(), "--json", "-"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["start"], shown["end"], shown["weekdays"]) == (
        "2025-03-03",
        "2025-03-07",
        [0, 1, 2, 3, 4],
    )
    days = session_days(programme)
    busy = sorted(days.values())[0]
    # a holiday on a session's day is refused, naming the session; nothing recorded
    argv = ["calendar", *programme.in_store(), "--add-holiday", f"{busy}=Day off"]
    assert main([*argv, "--reason", "decree"]) == 2
    err = capsys.readouterr().err
    assert f"on {busy}" in err and "move or cancel" in err
    assert "a session is on a day it would take away" in err
    assert main(argv) == 2  # no reason
    assert "--reason" in capsys.readouterr().err
    # extend the window and work Saturdays, in one go
    argv = [
        "calendar", *programme.in_store(), "--end", "2025-03-15", "--weekdays", "mon-sat",
        "--add-holiday", "2025-03-10=Founders' day", "--reason", "more time", "--json", "-",
    ]  # fmt: skip
    assert main(argv) == 0
    changed = json.loads(capsys.readouterr().out)
    assert changed["events"] == 3 and changed["end"] == "2025-03-15"
    assert changed["weekdays"] == [0, 1, 2, 3, 4, 5]
    assert changed["holidays"] == [{"day": "2025-03-10", "name": "Founders' day"}]
    assert session_days(programme) == days


def test_plan_apply_after_a_calendar_change_plans_on_the_stores_calendar(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    days = sorted(session_days(programme).values())
    free = next(
        d for d in ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06") if d not in days
    )
    argv = ["calendar", *programme.in_store(), "--add-holiday", f"{free}=Day off"]
    assert main([*argv, "--reason", "decree"]) == 0
    assert "recorded 1 calendar event\n" in capsys.readouterr().out
    # the same file and options the programme was created from: the store's calendar wins
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 0
    assert free not in session_days(programme).values()
    app = Scheduler.open(programme.store)
    try:
        assert free in {h.day.isoformat() for h in app.programme().calendar.holidays}
    finally:
        app.close()
    # a file whose window was edited otherwise is refused, as before, with the reason
    edited = [*programme.problem()]
    edited[edited.index("--end") + 1] = "2025-03-14"
    assert main(["plan", *edited, "--apply", "--store", programme.store]) == 2
    err = capsys.readouterr().err
    assert "calendar" in err and "schedcore calendar" in err


def test_plan_apply_with_the_old_name_of_a_renamed_programme_is_refused(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["rename", *programme.in_store(), "--to", "renamed", "--reason", "r"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["plan", *programme.problem(), "--apply", "--store", programme.store]) == 2
    assert "under its new name 'renamed'" in capsys.readouterr().err
    app = Scheduler.open(programme.store)
    try:
        assert app.programme_names() == ["renamed"]  # no second programme under the old name
    finally:
        app.close()


def test_history_says_what_a_rename_and_a_calendar_change_did(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rename", *programme.in_store(), "--to", "new", "--reason", "the title"]) == 0
    store = ["--store", programme.store, "--programme", "new"]
    argv = ["calendar", *store, "--end", "2025-03-14", "--weekdays", "mon-sat", "--reason", "more"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["history", *store, "--json", "-"]) == 0
    summaries = {e["event"]: e["summary"] for e in json.loads(capsys.readouterr().out)}
    assert (
        summaries["Programme.Renamed"]
        == f"programme {programme.name!r} renamed to 'new': the title"
    )
    assert summaries["Programme.WindowChanged"] == (
        "window moved to 2025-03-03 to 2025-03-14 (was 2025-03-03 to 2025-03-07): more"
    )
    assert summaries["Programme.WeekdaysChanged"] == (
        "working weekdays Mon, Tue, Wed, Thu, Fri, Sat (were Mon, Tue, Wed, Thu, Fri): more"
    )


def _uids(path: Path) -> dict[str, str]:
    """Each exported event's UID by its summary (which names the cluster)."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    return {str(e["SUMMARY"]): str(e["UID"]) for e in calendar.walk("VEVENT")}


def test_a_rename_keeps_every_calendar_uid(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    from schedcore.exports import session_uid

    before, after = programme.root / "before.ics", programme.root / "after.ics"
    assert main(["export", *programme.in_store(), "--format", "ics", "--out", str(before)]) == 0
    argv = ["rename", *programme.in_store(), "--to", "Renamed 2025", "--reason", "new title"]
    assert main(argv) == 0
    store = ["--store", programme.store, "--programme", "Renamed 2025"]
    assert main(["export", *store, "--format", "ics", "--out", str(after)]) == 0
    capsys.readouterr()
    old, new = _uids(before), _uids(after)
    assert old and old == new  # calendar apps update the events instead of adding copies
    days = session_days(programme)
    assert sorted(old.values()) == sorted(session_uid(programme.name, n) for n in days)
    # the calendar is named by the name it has now
    assert b"X-WR-CALNAME:Renamed 2025" in after.read_bytes()
    # and a second rename keeps them too: they derive from the name it was created under
    argv = ["rename", *store, "--to", "Renamed again", "--reason", "and again"]
    assert main(argv) == 0
    again = programme.root / "again.ics"
    store[-1] = "Renamed again"
    assert main(["export", *store, "--format", "ics", "--out", str(again)]) == 0
    assert _uids(again) == old
