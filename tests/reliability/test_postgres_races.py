"""PostgreSQL writers that touch the same rows at once: none is failed to break a deadlock
that the code could have avoided, and one PostgreSQL does break is a lost race, not a store
that "cannot be opened".

Found in CI: concurrent ``schedcore record`` uploads sharing members failed now and then with
"cannot open store ...: deadlock detected"; each added its new members to the identity vault in
its own order.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from schedcore.application import Scheduler
from schedcore.domain.values import Activity, AttendanceRow
from schedcore.errors import ConcurrencyError, StoreError
from schedcore.stores import _postgres_connection, store_environment
from schedcore.vault import PostgresVault, _sealer_for
from tests.conftest import PostgresTarget
from tests.core.conftest import spec_2022, standard_plan
from tests.projections.conftest import postgres_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(postgres: PostgresTarget) -> Iterator[dict[str, str]]:
    """The connection settings of a store on a schema of its own."""
    with postgres_schema(postgres) as url:
        yield dict(store_environment(url))


def _together(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls in threads released at the same moment; the errors they raised."""
    start = threading.Barrier(len(calls), timeout=60)
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as exc:  # every failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_vault_writers_adding_the_same_members_in_opposite_orders_both_succeed_and_agree(
    settings: dict[str, str],
) -> None:
    vault = PostgresVault(settings, "test store", _sealer_for({"CIPHER_KEY": ""}))
    programme = uuid.uuid4()
    for round_ in range(15):
        members = [f"r{round_}-member-{i}" for i in range(300)]
        results: dict[str, dict[str, str]] = {}

        def add(order: list[str], tag: str, results: dict[str, dict[str, str]] = results) -> None:
            results[tag] = vault.add(programme, {m: f"{tag}-{m}" for m in order})

        errors = _together(
            lambda m=members: add(m, "first"),  # type: ignore[misc]
            lambda m=members: add(m[::-1], "second"),  # type: ignore[misc]
        )
        assert errors == [], f"round {round_}: {errors[0]!r}"
        assert results["first"] == results["second"], "the writers were told different names"
        kept = vault.pseudonyms(programme, members)
        assert kept == results["first"] and len(kept) == len(members)
        # For each member, the pseudonym of whichever writer came first.
        assert all(p in {f"first-{m}", f"second-{m}"} for m, p in kept.items())


def test_a_deadlock_postgresql_breaks_is_a_lost_race_and_a_bad_statement_names_the_store(
    settings: dict[str, str],
) -> None:
    with _postgres_connection(settings, "test store") as connection:
        schema = settings["POSTGRES_SCHEMA"]
        connection.execute(f'CREATE TABLE "{schema}".pair (k int PRIMARY KEY)')
        connection.execute(f'INSERT INTO "{schema}".pair VALUES (1), (2)')
    both_locked = threading.Barrier(2, timeout=60)

    def lock(first: int, second: int) -> None:
        with (
            _postgres_connection(settings, "test store") as connection,
            connection.transaction(),
        ):
            connection.execute(f'SELECT * FROM "{schema}".pair WHERE k = {first} FOR UPDATE')
            both_locked.wait()
            connection.execute(f'SELECT * FROM "{schema}".pair WHERE k = {second} FOR UPDATE')

    errors = _together(lambda: lock(1, 2), lambda: lock(2, 1))
    assert len(errors) == 1, errors  # PostgreSQL fails one of the two, the other goes on
    assert type(errors[0]) is ConcurrencyError
    assert "deadlock" in str(errors[0]) and "test store" in str(errors[0])
    assert "cannot open" not in str(errors[0])

    with (
        pytest.raises(StoreError) as failed,
        _postgres_connection(settings, "test store") as connection,
    ):
        connection.execute(f'SELECT nothing FROM "{schema}".pair')
    assert str(failed.value).startswith("store test store: ")
    assert "nothing" in str(failed.value)


def test_a_store_that_cannot_be_reached_cannot_be_opened(settings: dict[str, str]) -> None:
    unreachable = {**settings, "POSTGRES_PORT": "1", "POSTGRES_CONNECT_TIMEOUT": "2"}
    with (
        pytest.raises(StoreError, match=r"^cannot open store test store: "),
        _postgres_connection(unreachable, "test store"),
    ):
        pass  # pragma: no cover - never connected


def test_an_upload_whose_vault_insert_lost_a_deadlock_is_retried_and_records_everything(
    postgres: PostgresTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL breaking a deadlock fails one statement; the upload tries it again (as its
    # retry policy allows) instead of failing: the first vault insert is made to lose one
    with postgres_schema(postgres) as url:
        spec = spec_2022()
        app = Scheduler.open(url, programme=spec.name)
        try:
            app.create_programme(spec, actor="ministry")
            app.apply_plan(standard_plan(), actor="ministry")
            add = app.vault.add
            calls: list[int] = []

            def lose_the_first(programme: uuid.UUID, pseudonyms: dict[str, str]) -> object:
                calls.append(len(pseudonyms))
                if len(calls) == 1:
                    raise ConcurrencyError("store test: deadlock detected (injected)")
                return add(programme, pseudonyms)

            monkeypatch.setattr(app.vault, "add", lose_the_first)
            day = app.session(1).day
            rows = [
                AttendanceRow(f"member {k}", "team", "01", "commune", Activity.HALL, day)
                for k in range(5)
            ]
            result = app.record_attendance(rows, actor="coordinator")
            assert calls == [5, 5]  # lost once, then kept
            assert result.recorded == 5
            assert len(app.vault.everyone(app.programme_id(spec.name))) == 5
        finally:
            app.close()
