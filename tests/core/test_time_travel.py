"""Any aggregate as of a version or an aware moment: "what did the plan look like then?"."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.errors import InvalidInputError, NotFoundError
from tests.core.conftest import standard_plan


def _later(app: Scheduler) -> datetime:
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    return moment


def test_a_cluster_as_of_a_version_shows_its_state_then(planned: Scheduler) -> None:
    planned.set_host(1, "02", actor="planner")
    assert planned.cluster(1).host == "02"
    version = planned.cluster(1).version
    assert planned.cluster(1, as_of=version - 1).host == "01"


def test_the_plan_as_of_a_moment_lists_the_clusters_of_that_moment(planned: Scheduler) -> None:
    moment = _later(planned)
    plan = standard_plan()
    merged = attrs.evolve(plan[0], members=plan[0].members + plan[9].members)
    planned.apply_plan([merged, *plan[1:9]], actor="planner")
    then = planned.clusters(as_of=moment)
    assert len(then) == 10
    assert then[0].members == plan[0].members
    assert len(planned.clusters()) == 9


def test_an_aggregate_before_it_existed_is_not_found(app: Scheduler) -> None:
    before = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(NotFoundError):
        app.programme(as_of=before)


def test_a_naive_moment_is_refused(planned: Scheduler) -> None:
    with pytest.raises(InvalidInputError):
        planned.cluster(1, as_of=datetime(2022, 9, 10, 12, 0))


def test_a_session_as_of_a_moment_has_its_old_day(planned: Scheduler) -> None:
    old_day = planned.session(1).day
    moment = _later(planned)
    planned.reschedule_session(1, old_day + timedelta(days=1), actor="planner")
    assert planned.session(1, as_of=moment).day == old_day
