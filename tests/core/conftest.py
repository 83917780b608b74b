"""Fixtures of the event-sourced core: the same suite on memory://, a SQLite file, PostgreSQL.

Each test gets a programme of its own (a unique name, hence unique aggregate ids), so tests can
share one PostgreSQL schema without seeing each other's aggregates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import ProgrammeSpec
from schedcore.domain.values import Activity
from schedcore.reference import programme_2022, vietnam_2022
from tests.conftest import PostgresTarget

STORES = ["memory", "sqlite", "postgres"]
#: The events that record attendance facts, by class name, and the activity each records.
ATTENDANCE_EVENTS = {
    "OnlineCourseCompleted": Activity.COURSE,
    "ChannelFollowed": Activity.CHANNEL,
    "AttendedAtBridgePoints": Activity.BRIDGE,
}


@attrs.frozen
class Planned:
    """A planned cluster, shaped like the planner's PlannedCluster."""

    id: int
    host: str
    members: tuple[str, ...]
    date: date | None = None
    trainer_team: str | None = None


def spec_2022(name: str | None = None) -> ProgrammeSpec:
    return attrs.evolve(programme_2022(), name=name or f"test programme {uuid.uuid4().hex[:12]}")


def standard_plan() -> list[Planned]:
    """63 provinces in 10 clusters of 6-7 (in code order), one working day each, two trainer
    teams alternating."""
    codes = vietnam_2022().codes
    days = programme_2022().calendar.working_days()
    return [
        Planned(
            n + 1,
            codes[n * 6],
            tuple(codes[n * 6 : (n + 1) * 6] if n < 9 else codes[54:]),
            days[n],
            f"trainers-{'AB'[n % 2]}",
        )
        for n in range(10)
    ]


def planned_programme(url: str) -> str:
    """Create a fresh programme in the store at ``url`` and apply :func:`standard_plan`;
    returns the programme's name.  Nothing of the store stays open (children may fork)."""
    spec = spec_2022()
    app = Scheduler.open(url, programme=spec.name)
    try:
        app.create_programme(spec, actor="ministry")
        app.apply_plan(standard_plan(), actor="planner")
    finally:
        app.close()
    return spec.name


def province_sessions() -> dict[str, tuple[int, date]]:
    """Each province's cluster and session day in :func:`standard_plan`."""
    found = {}
    for planned in standard_plan():
        assert planned.date is not None
        for province in planned.members:
            found[province] = (planned.id, planned.date)
    return found


def store_url_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    target: PostgresTarget = request.getfixturevalue("postgres")
    return target.store_url


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url_for(request.param, tmp_path, request)


@pytest.fixture
def app(store_url: str) -> Iterator[Scheduler]:
    """An open store with a fresh programme (the 2022 figures under a unique name)."""
    spec = spec_2022()
    scheduler = Scheduler.open(store_url, programme=spec.name)
    scheduler.create_programme(spec, actor="ministry")
    yield scheduler
    scheduler.close()


@pytest.fixture
def planned(app: Scheduler) -> Scheduler:
    """``app`` with the standard plan applied (10 clusters, sessions scheduled)."""
    app.apply_plan(standard_plan(), actor="planner")
    return app
