"""Incrementally maintained views == a rebuild from zero == a plain fold of the events."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedcore.projections import ProjectionRunner
from tests.conftest import PostgresTarget
from tests.projections.commands import run
from tests.projections.conftest import open_small, postgres_schema, small_spec, sqlite_file
from tests.projections.reference import reference_snapshot, snapshot
from tests.strategies import projection_commands


def check_views_agree(
    url: str, commands: list[tuple[Any, ...]], batch_size: int, page_size: int
) -> None:
    app = open_small(url)
    runner = ProjectionRunner(app, batch_size=batch_size, page_size=page_size)
    try:
        for command in commands:
            if command[0] == "catch_up":
                if command[1] % 2:  # a runner restarted: its caches are loaded from the views
                    runner.close()
                    runner = ProjectionRunner(app, batch_size=batch_size, page_size=page_size)
                # sometimes only part of the way: the views may lag behind
                runner.catch_up(until=max(0, runner.head() - command[1]))
            else:
                run(app, command)
        runner.catch_up()
        incremental = snapshot(runner.views())
        runner.rebuild()
        rebuilt = snapshot(runner.views())
        reference = reference_snapshot(app, small_spec().name)
        assert incremental == reference
        assert rebuilt == reference
    finally:
        runner.close()
        app.close()


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


COMMANDS = {
    "commands": projection_commands,
    "batch_size": st.integers(1, 9),
    "page_size": st.integers(1, 4),
}


@examples(40)
@given(**COMMANDS)
def test_on_sqlite_views_kept_in_random_batches_equal_a_rebuild_and_a_plain_fold(
    commands: list[tuple[Any, ...]], batch_size: int, page_size: int
) -> None:
    with sqlite_file() as url:
        check_views_agree(url, commands, batch_size, page_size)


@examples(12)
@given(**COMMANDS)
def test_on_postgresql_views_kept_in_random_batches_equal_a_rebuild_and_a_plain_fold(
    postgres: PostgresTarget, commands: list[tuple[Any, ...]], batch_size: int, page_size: int
) -> None:
    with postgres_schema(postgres) as url:
        check_views_agree(url, commands, batch_size, page_size)
