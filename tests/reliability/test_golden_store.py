"""The golden stores: stores written by earlier releases that every later release must read,
event by event, and report on identically.

``tests/fixtures/golden_store.sqlite`` and ``golden_report.json`` were written by
``tests/fixtures/make_golden.py``.  ``golden_store_name_ids.sqlite`` and
``golden_report_name_ids.json`` are the golden store of the releases before the name index,
when a programme's id derived from its name: kept as they were, they must read and report
the same for ever too.  Never edit them to make a test pass: a difference here is a store in
the field that would read differently after an upgrade.  Only a new event type calls for
regenerating the newest (the test of every event type says so); the older ones never change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from schedcore.application import Scheduler
from schedcore.cli import main
from schedcore.domain.topics import event_classes
from tests.fixtures import make_golden

#: Report fields that depend on the day the report is made, not on the store.
NOW_FIELDS = ("today",)


#: Every golden store: (store, report, its programme's name, its events).
GOLDEN = {
    "newest": (make_golden.STORE, make_golden.REPORT, make_golden.NAME, 134),
    "name_ids": (
        make_golden.HERE / "golden_store_name_ids.sqlite",
        make_golden.HERE / "golden_report_name_ids.json",
        make_golden.NAME,
        119,
    ),
}


@pytest.fixture(params=sorted(GOLDEN))
def golden_of(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path, str, int]:
    """A copy of a golden store (reading it builds views in the file; the original stays)."""
    store, report, name, events = GOLDEN[request.param]
    copy = tmp_path / "golden.sqlite"
    shutil.copyfile(store, copy)
    return copy, report, name, events


def _without_now(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in NOW_FIELDS}


def test_every_event_of_the_golden_store_reads_through_the_mapper(
    golden_of: tuple[Path, Path, str, int],
) -> None:
    golden, _, name, count = golden_of
    app = Scheduler.open(f"sqlite:///{golden}", programme=name)
    try:
        stored = app.recorder.select_notifications(start=None, limit=10_000)
        assert [n.id for n in stored] == list(range(1, app.max_notification_id() + 1))
        events = [app.mapper.to_domain_event(n) for n in stored]
        assert all(
            type(event) is resolve_topic(n.topic) for event, n in zip(events, stored, strict=True)
        )
        # every aggregate it holds loads, every event applied by today's domain
        for originator in {n.originator_id for n in stored}:
            last = max(n.originator_version for n in stored if n.originator_id == originator)
            assert app.repository.get(originator).version == last
        assert app.programme().name == name
        assert app.max_notification_id() == count
    finally:
        app.close()


def test_every_event_type_of_the_domain_is_in_the_golden_store(tmp_path: Path) -> None:
    golden = tmp_path / "golden.sqlite"
    shutil.copyfile(make_golden.STORE, golden)
    app = Scheduler.open(f"sqlite:///{golden}", programme=make_golden.NAME)
    try:
        stored = {n.topic for n in app.recorder.select_notifications(start=None, limit=10_000)}
    finally:
        app.close()
    held = {resolve_topic(topic) for topic in stored}
    missing = sorted(get_topic(cls) for cls in event_classes() if cls not in held)
    assert not missing, (
        f"the golden store holds no event of {', '.join(missing)}: make the new event type "
        "happen in tests/fixtures/make_golden.py and regenerate (python -m "
        "tests.fixtures.make_golden), then commit both files"
    )


def test_the_golden_store_reports_as_it_did_when_it_was_written(
    golden_of: tuple[Path, Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    golden, report, _, events = golden_of
    expected = json.loads(report.read_text(encoding="utf-8"))
    assert main(["report", "--store", f"sqlite:///{golden}", "--json", "-"]) == 0
    reported = json.loads(capsys.readouterr().out)
    assert _without_now(reported) == _without_now(expected)
    assert expected["position"] == events and len(expected["clusters"]) == 3


def test_the_programme_of_the_store_of_name_derived_ids_is_renamed_and_reports_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store written before the name index: its programme is renamed (the old name is
    refused, the new one reports the same figures) and its calendar changed by events."""
    store, report, name, _ = GOLDEN["name_ids"]
    golden = tmp_path / "golden.sqlite"
    shutil.copyfile(store, golden)
    app = Scheduler.open(f"sqlite:///{golden}", programme=name)
    try:
        pid = app.programme().id
        app.rename_programme("Golden, renamed", reason="a new title", actor="ministry")
        assert app.programme("Golden, renamed").id == pid
    finally:
        app.close()
    url = f"sqlite:///{golden}"
    assert main(["report", "--store", url, "--programme", name]) == 2
    assert "renamed to 'Golden, renamed'" in capsys.readouterr().err
    assert main(["report", "--store", url, "--programme", "Golden, renamed", "--json", "-"]) == 0
    reported = json.loads(capsys.readouterr().out)
    expected = json.loads(report.read_text(encoding="utf-8"))
    assert reported["programme"] == "Golden, renamed"
    changed = {"programme", "position", "today"}
    assert {k: v for k, v in reported.items() if k not in changed} == {
        k: v for k, v in expected.items() if k not in changed
    }


def test_the_calendar_uids_of_a_golden_store_stay_what_they_were_across_a_rename(
    golden_of: tuple[Path, Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """UIDs derive from the name the programme was created under: for the store of
    name-derived ids, its only name, as before renames existed; and a rename keeps them."""
    from icalendar import Calendar

    from schedcore.exports import session_uid

    store, _, name, _ = golden_of
    url = f"sqlite:///{store}"

    def uids(programme: str) -> list[str]:
        out = store.with_suffix(".ics")
        argv = ["export", "--store", url, "--programme", programme, "--format", "ics"]
        assert main([*argv, "--out", str(out)]) == 0
        calendar = Calendar.from_ical(out.read_bytes())
        return sorted(str(e["UID"]) for e in calendar.walk("VEVENT"))

    before = uids(name)
    app = Scheduler.open(url, programme=name)
    try:
        first = app.programme().name_as_created
        days = {c.number for c in app.clusters() if not c.dissolved}
        app.rename_programme("Golden, once more", reason="a new title", actor="ministry")
    finally:
        app.close()
    capsys.readouterr()
    assert before and uids("Golden, once more") == before
    assert set(before) <= {session_uid(first, n) for n in days}
    if golden_of[3] == 119:  # the store of name-derived ids
        assert first == name
    else:
        assert first == make_golden.DRAFT != name  # created as a draft, renamed since
