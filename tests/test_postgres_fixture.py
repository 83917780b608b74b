"""The PostgreSQL fixture gives each run a schema no other run can see."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import PostgresTarget

pytestmark = pytest.mark.postgres


def test_each_run_writes_into_its_own_schema(postgres: PostgresTarget) -> None:
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f'CREATE TABLE "{postgres.schema}".probe (n int)')
        connection.execute(f'INSERT INTO "{postgres.schema}".probe VALUES (1)')
        schemas = [
            row[0]
            for row in connection.execute(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'"
            )
        ]
    assert postgres.schema in schemas
    assert "public" not in schemas
    assert postgres.store_url.endswith(f"?schema={postgres.schema}")
