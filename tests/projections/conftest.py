"""Fixtures of the projection suite: a small programme on a SQLite file or a PostgreSQL schema.

Every test (and every hypothesis example) gets a store of its own -- a fresh SQLite file or a
fresh PostgreSQL schema -- because the views and their tracked position belong to the store.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import attrs
import pytest

from schedcore.application import Scheduler
from schedcore.domain.programme_spec import Measure, ProgrammeSpec, Target
from schedcore.reference import calendar_2022, vietnam_2022
from tests.conftest import PostgresTarget

STORES = ["sqlite", "postgres"]
#: Hà Nội and Hà Giang train together, Cao Bằng and Bắc Kạn together.
PROVINCES = ("01", "02", "04", "06")


@attrs.frozen
class Planned:
    id: int
    host: str
    members: tuple[str, ...]
    date: date | None = None
    trainer_team: str | None = None


def small_spec(name: str = "Small programme") -> ProgrammeSpec:
    """Four provinces, two clusters, the 2022 calendar, time zone, units table and targets."""
    return ProgrammeSpec(
        name=name,
        calendar=calendar_2022(),
        clusters=2,
        teams={"01": 4, "02": 3, "04": 3, "06": 2},
        members={"01": 10, "02": 8, "04": 7, "06": 5},
        delegates={"01": 3, "02": 2, "04": 2, "06": 2},
        bridge_points={"01": 3, "02": 2, "04": 2, "06": 2},
        targets=(
            Target(Measure.TEAMS_TRAINED_IN_PERSON, 1.0, date(2022, 9, 30)),
            Target(Measure.MEMBERS_FOLLOWING_CHANNEL, 1.0, date(2022, 9, 30)),
            Target(Measure.MEMBERS_ONLINE_COURSE, 1.0, date(2022, 11, 30)),
        ),
        time_zone="Asia/Ho_Chi_Minh",
        units=vietnam_2022().unit_table(),
    )


def small_plan() -> list[Planned]:
    return [
        Planned(1, "01", ("01", "02"), date(2022, 9, 12), "trainers-A"),
        Planned(2, "04", ("04", "06"), date(2022, 9, 13), "trainers-B"),
    ]


def open_small(url: str) -> Scheduler:
    """An open store holding the small programme with its plan applied."""
    spec = small_spec()
    app = Scheduler.open(url, programme=spec.name)
    app.create_programme(spec, actor="ministry")
    # halls and bridges with room to spare, so moves and connections are rarely refused
    app.apply_plan(small_plan(), actor="planner", hall_capacity=20, bridge_capacity=20)
    return app


@contextmanager
def postgres_schema(target: PostgresTarget) -> Iterator[str]:
    """A store URL on a schema of its own, dropped afterwards."""
    import psycopg

    schema = f"proj_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(target.url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{target.url}?{urlencode({'schema': schema})}"
    finally:
        with psycopg.connect(target.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'events.sqlite'}"


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgres":
        target: PostgresTarget = request.getfixturevalue("postgres")
        with postgres_schema(target) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'events.sqlite'}"


@pytest.fixture
def postgres_store_url(postgres: PostgresTarget) -> Iterator[str]:
    """A scratch PostgreSQL schema (for what only PostgreSQL has, e.g. notifications)."""
    with postgres_schema(postgres) as url:
        yield url


@pytest.fixture
def postgres_app(postgres_store_url: str) -> Iterator[Scheduler]:
    scheduler = open_small(postgres_store_url)
    yield scheduler
    scheduler.close()


@pytest.fixture
def app(store_url: str) -> Iterator[Scheduler]:
    scheduler = open_small(store_url)
    yield scheduler
    scheduler.close()
