"""A programme's identity is its random id, not its name: renames, the name index, and
programmes of stores written before the index (whose ids derive from their names)."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.ids import cluster_id, programme_id, programme_name_id, session_id
from schedcore.domain.programme_name import ProgrammeName
from schedcore.errors import (
    ConcurrencyError,
    InvalidInputError,
    NotFoundError,
    ProgrammeRenamedError,
    RuleViolationError,
)
from schedcore.projections import ProjectionRunner
from schedcore.projections.time_travel import views_as_of
from tests.core.conftest import spec_2022, standard_plan, store_url_for


def test_a_new_programme_gets_a_random_id_not_one_derived_from_its_name(app: Scheduler) -> None:
    programme = app.programme()
    assert programme.id != programme_id(programme.name)
    assert programme.id.version == 4
    assert app.programme_id(programme.name) == programme.id
    entry = app.repository.get(programme_name_id(programme.name))
    assert isinstance(entry, ProgrammeName) and entry.programme == programme.id


def test_after_a_rename_every_query_finds_the_programme_by_its_new_name_only(
    planned: Scheduler,
) -> None:
    app = planned
    old = app.programme()
    new_name = f"renamed {uuid.uuid4().hex[:8]}"
    result = app.rename_programme(
        new_name, reason="the ministry's new title", actor="planner", programme=old.name
    )
    assert result.events == 3  # Renamed, the old name released, the new one claimed
    renamed = app.programme(new_name)
    assert (renamed.id, renamed.name) == (old.id, new_name)
    assert renamed.version == old.version + 1
    # everything keyed by the (stable) id is found through the new name
    assert [c.number for c in app.clusters(programme=new_name)] == list(range(1, 11))
    assert app.session(3, programme=new_name).id == session_id(old.id, 3)
    assert app.cluster(3, programme=new_name).id == cluster_id(old.id, 3)
    assert new_name in app.programme_names() and old.name not in app.programme_names()
    # the old name is refused, naming the new one
    with pytest.raises(ProgrammeRenamedError) as refused:
        app.programme(old.name)
    assert refused.value.new_name == new_name and new_name in str(refused.value)
    with pytest.raises(NotFoundError, match="renamed to"):
        app.cancel_session(3, reason="x", actor="planner", programme=old.name)
    # commands by the new name work, and are recorded on the same aggregates
    app.cancel_session(3, reason="storm", actor="planner", programme=new_name)
    assert app.session(3, programme=new_name).status.value == "cancelled"


def test_a_store_opened_for_a_programme_follows_its_rename(app: Scheduler) -> None:
    new_name = f"followed {uuid.uuid4().hex[:8]}"
    app.rename_programme(new_name, reason="tidy", actor="planner")
    assert app.programme().name == new_name  # the default programme is the renamed one
    assert app.rename_programme(new_name, reason="again", actor="planner").events == 0


def test_a_rename_to_a_name_another_programme_holds_is_refused_and_writes_nothing(
    app: Scheduler,
) -> None:
    other = spec_2022()
    app.create_programme(other, actor="ministry")
    before = app.max_notification_id()
    with pytest.raises(RuleViolationError) as refused:
        app.rename_programme(other.name, reason="clash", actor="planner")
    assert refused.value.rule == "programme_unique"
    for name, reason in (("", "blank"), ("  padded ", "blanks around"), ("fine", "  ")):
        with pytest.raises((InvalidInputError, RuleViolationError)):
            app.rename_programme(name, reason=reason, actor="planner")
    assert app.max_notification_id() == before


def test_a_name_given_up_by_a_rename_can_be_taken_by_a_new_programme(app: Scheduler) -> None:
    first = app.programme()
    app.rename_programme(f"{first.name} (2022)", reason="archived", actor="planner")
    second = app.create_programme(attrs.evolve(spec_2022(), name=first.name), actor="ministry")
    assert second != first.id
    assert app.programme(first.name).id == second
    assert app.programme(f"{first.name} (2022)").id == first.id
    # and the first cannot take its old name back while the second holds it
    with pytest.raises(RuleViolationError, match="already exists"):
        app.rename_programme(first.name, reason="back", actor="planner", programme=first.id)


def test_creating_a_programme_again_with_its_idempotency_key_answers_from_the_first(
    store_url: str,
) -> None:
    spec = spec_2022()
    app = Scheduler.open(store_url, programme=spec.name)
    try:
        first = app.create_programme(spec, actor="ministry", idempotency_key="create-1")
        before = app.max_notification_id()
        assert app.create_programme(spec, actor="ministry", idempotency_key="create-1") == first
        assert app.max_notification_id() == before
        with pytest.raises(RuleViolationError, match="already exists"):
            app.create_programme(spec, actor="ministry")
    finally:
        app.close()


def test_a_creation_sent_again_after_a_rename_answers_with_the_first_programme(
    store_url: str,
) -> None:
    spec = spec_2022()
    app = Scheduler.open(store_url, programme=spec.name)
    try:
        first = app.create_programme(spec, actor="ministry", idempotency_key="create-1")
        app.rename_programme("Renamed meanwhile", reason="new title", actor="ministry")
        before = app.max_notification_id()
        again = app.create_programme(spec, actor="ministry", idempotency_key="create-1")
        assert again == first and app.max_notification_id() == before
        # and once another programme has taken the old name, still the first one
        other = app.create_programme(spec, actor="ministry")
        assert other != first
        assert app.create_programme(spec, actor="ministry", idempotency_key="create-1") == first
    finally:
        app.close()


def test_a_creation_sent_again_to_an_older_store_answers_with_its_programme(
    tmp_path: Path,
) -> None:
    """A programme an older release created with a key has the id derived from its name."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    name = "Older programme"
    pid = legacy_programme(url, name)
    app = Scheduler.open(url, programme=name)
    try:
        from schedcore.domain.receipt import Receipt, Recorded

        receipt = Receipt.issue(
            pid, "create-1", command="create_programme", result=Recorded(1), actor="ministry"
        )
        app._save(receipt)  # as older releases kept it: under the programme, by its name
        again = app.create_programme(spec_2022(name), actor="ministry", idempotency_key="create-1")
        assert again == pid
    finally:
        app.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_two_writers_creating_the_same_name_at_once_one_wins_the_other_is_refused(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = store_url_for(kind, tmp_path, request)
    spec = spec_2022()
    apps = [Scheduler.open(url, programme=spec.name) for _ in range(4)]
    start = threading.Barrier(len(apps))
    outcomes: list[Any] = [None] * len(apps)

    def create(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = apps[index].create_programme(spec, actor=f"ministry-{index}")
        except (RuleViolationError, ConcurrencyError) as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(apps))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        won = [o for o in outcomes if isinstance(o, uuid.UUID)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == len(apps) - 1, outcomes
        assert all(
            isinstance(o, RuleViolationError) and o.rule == "programme_unique" for o in lost
        ), lost
        # one programme of that name, one Created event for it
        created = [
            n
            for n in apps[0].recorder.select_notifications(start=None, limit=100_000)
            if n.topic.endswith("Programme.Created")
            and apps[0].mapper.to_domain_event(n).name == spec.name  # type: ignore[attr-defined]
        ]
        assert len(created) == 1 and created[0].originator_id == won[0]
    finally:
        for app in apps:
            app.close()


# -- stores written before the name index --------------------------------------------------


def legacy_programme(url: str, name: str) -> uuid.UUID:
    """A programme as schedcore wrote it before the name index: its id uuid5 of its name, no
    index entry."""
    from schedcore.domain.programme import Programme

    app = Scheduler.open(url)
    try:
        spec = attrs.evolve(spec_2022(), name=name)
        programme = Programme.create(spec, actor="ministry", id=programme_id(name))
        app._save(programme)
        return programme.id
    finally:
        app.close()


def test_a_programme_of_an_older_store_is_found_renamed_and_its_name_kept_unique(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    name = "programme of an older release"
    pid = legacy_programme(url, name)
    app = Scheduler.open(url, programme=name)
    try:
        assert app.programme().id == pid  # found by its name, without an index entry
        app.apply_plan(standard_plan(), actor="planner")
        with pytest.raises(RuleViolationError, match="already exists"):
            app.create_programme(attrs.evolve(spec_2022(), name=name), actor="ministry")
        app.rename_programme("its new name", reason="renamed", actor="planner")
        assert app.programme("its new name").id == pid
        with pytest.raises(ProgrammeRenamedError):
            app.programme(name)
        assert app.session(1, programme="its new name").id == session_id(pid, 1)
        # its old name is free again, for a programme of a new (random) id
        again = app.create_programme(attrs.evolve(spec_2022(), name=name), actor="ministry")
        assert again != pid and app.programme(name).id == again
    finally:
        app.close()


def test_the_views_follow_a_rename_and_keep_every_row_of_the_programme(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    try:
        app.create_programme(spec, actor="ministry")
        app.apply_plan(standard_plan(), actor="planner")
        runner = ProjectionRunner(app)
        runner.catch_up()
        before = runner.views()
        sessions = before.sessions()
        app.rename_programme("renamed in the views", reason="r", actor="planner")
        runner.catch_up()
        after = runner.views()
        assert after.facts.name == "renamed in the views" and after.facts.id == before.facts.id
        assert after.sessions() == sessions
        # a view as of a position before the rename answers by id, with the name it had then
        past = views_as_of(
            app, position=app.max_notification_id() - 3, programme="renamed in the views"
        )
        assert past.facts.name == spec.name and past.facts.id == before.facts.id
        runner.close()
    finally:
        app.close()


def test_the_old_name_is_refused_by_the_views_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    try:
        app.create_programme(spec, actor="ministry")
        app.rename_programme("new", reason="r", actor="planner")
        runner = ProjectionRunner(app)
        runner.catch_up()
        with pytest.raises(ProgrammeRenamedError):
            runner.views(spec.name)
        assert runner.views("new").facts.name == "new"
        runner.close()
    finally:
        app.close()


def test_the_catalogue_resolves_events_without_recomputing_ids(tmp_path: Path) -> None:
    """Every aggregate's programme is a row of the catalogue's aggregates table."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    try:
        app.create_programme(spec, actor="ministry")
        app.apply_plan(standard_plan(), actor="planner")
        runner = ProjectionRunner(app)
        runner.catch_up()
        rows = dict(runner.database.query("SELECT aggregate, programme FROM view_aggregates"))
        created = {
            str(n.originator_id)
            for n in app.recorder.select_notifications(start=None, limit=100_000)
            if n.originator_version == 1
            and not n.topic.split(":")[1].startswith(("Programme.", "ProgrammeName."))
        }
        assert set(rows) == created and set(rows.values()) == {1}
        runner.close()
    finally:
        app.close()


def test_a_log_of_renames_and_calendar_changes_replays_to_the_live_state(store_url: str) -> None:
    """Replaying the log (a second application reading the same store) gives the live state."""
    spec = spec_2022()
    app = Scheduler.open(store_url, programme=spec.name)
    try:
        pid = app.create_programme(spec, actor="ministry")
        app.rename_programme("first new name", reason="one", actor="planner")
        app.rename_programme("second new name", reason="two", actor="planner")
        app.add_holiday(date(2022, 9, 20), "a day off", reason="decree", actor="planner")
        live = app.programme()
        replayed = app.repository.get(pid)
        assert (replayed.name, replayed.calendar) == (live.name, live.calendar)
        assert replayed.version == live.version == 4
    finally:
        app.close()
