"""Stable topics: moving a domain module never breaks reading the logs it wrote.

A store is written now, then its log is rewritten as if every aggregate had lived in another
module (``schedcore.old_home...``) when it was written.  Without aliases those events are
unknown; once that module's topics are registered as stable topics of today's classes, the
store reads back whole and the read models give the same report.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from eventsourcing import utils
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from schedcore._topics import topics_of
from schedcore.application import Scheduler
from schedcore.domain import Programme
from schedcore.domain.topics import (
    STABLE_AGGREGATE_TOPICS,
    event_classes,
    register_stable_topics,
    stable_topics,
)
from schedcore.errors import UnknownEventError
from schedcore.projections import ProjectionRunner
from schedcore.transcodings import TRANSCODINGS
from tests.core.conftest import planned_programme

OLD_HOME = "schedcore.old_home."


def test_every_stable_topic_resolves_to_its_class() -> None:
    for topic, cls in stable_topics().items():
        assert resolve_topic(topic) is cls, topic


def test_every_event_class_and_aggregate_is_stored_under_a_stable_topic() -> None:
    stable = stable_topics()
    for cls in (*event_classes(), *STABLE_AGGREGATE_TOPICS.values()):
        assert stable.get(get_topic(cls)) is cls, cls.__qualname__


def test_values_are_stored_by_transcoding_name_not_by_topic_and_the_names_are_frozen() -> None:
    assert [t.name for t in TRANSCODINGS] == [
        "date_iso",
        "schedcore_holiday",
        "schedcore_calendar",
        "schedcore_target",
        "schedcore_venue",
        "schedcore_members",
        "schedcore_recorded",
        "schedcore_applied_plan",
        "schedcore_recorded_attendance",
    ]


def _moved(stored: StoredEvent) -> StoredEvent:
    """``stored`` as written when the domain lived in ``schedcore.old_home``."""
    old = "schedcore.domain."
    assert stored.topic.startswith(old)
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic.replace(old, OLD_HOME, 1),
        state=stored.state.replace(b'"' + old.encode(), b'"' + OLD_HOME.encode()),
    )


def _report(app: Scheduler) -> str:
    runner = ProjectionRunner(app)
    try:
        runner.catch_up()
        document = runner.views(today=date(2022, 10, 1)).report()
    finally:
        runner.close()
    return json.dumps(document, sort_keys=True, default=str)


def test_a_log_written_before_the_domain_moved_reads_back_once_its_topics_are_aliased(
    tmp_path: Path,
) -> None:
    written = f"sqlite:///{tmp_path / 'written.sqlite'}"
    name = planned_programme(written)
    app = Scheduler.open(written, programme=name)
    expected = _report(app)
    stored = app.recorder.select_notifications(start=None, limit=10_000)
    app.close()
    assert any(b'"originator_topic"' in s.state for s in stored)

    moved = Scheduler.open(f"sqlite:///{tmp_path / 'moved.sqlite'}", programme=name)
    moved.recorder.insert_events([_moved(s) for s in stored])
    first = moved.recorder.select_notifications(start=None, limit=1)[0]
    assert first.topic == f"{OLD_HOME}programme:Programme.Created"
    with pytest.raises(UnknownEventError, match="old_home"):
        moved.programme()

    old_home = {
        topic.replace("schedcore.domain.", OLD_HOME, 1): cls
        for topic, cls in STABLE_AGGREGATE_TOPICS.items()
    }
    register_stable_topics(old_home)
    try:
        created = moved.mapper.to_domain_event(first)
        assert isinstance(created, Programme.Created) and created.name == name
        assert moved.programme().name == name
        # the store's only programme is found under its old topic too (no --programme needed)
        assert moved.programme_names() == [name]
        # The projection runner's topic filter takes in the aliases registered before it starts.
        assert f"{OLD_HOME}programme:Programme.Created" in topics_of({Programme.Created})
        assert _report(moved) == expected
    finally:
        moved.close()
        for topic in stable_topics(old_home, {}):  # leave the process's registry as it was
            utils._topic_cache.pop(topic, None)
