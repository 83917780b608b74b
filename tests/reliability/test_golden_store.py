"""The golden store: a store written by an earlier release that every later release must read,
event by event, and report on identically.

``tests/fixtures/golden_store.sqlite`` and ``golden_report.json`` were written by
``tests/fixtures/make_golden.py``.  Never edit them to make a test pass: a difference here is a
store in the field that would read differently after an upgrade.  Only a new event type calls
for regenerating them (the last test says so).
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


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    """A copy of the golden store (reading it builds views in the file; the original stays)."""
    copy = tmp_path / "golden.sqlite"
    shutil.copyfile(make_golden.STORE, copy)
    return copy


def _without_now(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in NOW_FIELDS}


def test_every_event_of_the_golden_store_reads_through_the_mapper(golden: Path) -> None:
    app = Scheduler.open(f"sqlite:///{golden}", programme=make_golden.NAME)
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
        assert app.programme().name == make_golden.NAME
    finally:
        app.close()


def test_every_event_type_of_the_domain_is_in_the_golden_store(golden: Path) -> None:
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
    golden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = json.loads(make_golden.REPORT.read_text(encoding="utf-8"))
    assert main(["report", "--store", f"sqlite:///{golden}", "--json", "-"]) == 0
    reported = json.loads(capsys.readouterr().out)
    assert _without_now(reported) == _without_now(expected)
    assert expected["position"] == 120 and len(expected["clusters"]) == 3
