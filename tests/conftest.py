"""Shared fixtures.  PostgreSQL tests use ``postgres`` and get a schema of their own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import attrs
import pytest

#: Where the PostgreSQL tests find a server; documented in docs/how-to/postgresql.md.
POSTGRES_ENV = "SCHEDCORE_TEST_POSTGRES"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@attrs.frozen
class PostgresTarget:
    """A reachable server and a schema created for this test run alone."""

    url: str
    schema: str

    @property
    def store_url(self) -> str:
        """The store URL that points schedcore at this run's schema."""
        return f"{self.url}?{urlencode({'schema': self.schema})}"


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL not reachable at ${POSTGRES_ENV}: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: PostgreSQL tests must run, not skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresTarget]:
    url = os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("psycopg is not installed (pip install 'schedcore[postgres]')")
        raise
    schema = f"schedcore_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as exc:
        _unavailable(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
    try:
        yield PostgresTarget(url, schema)
    finally:
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
