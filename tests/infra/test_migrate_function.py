"""functions/migrate, as the deploy trigger runs it: every pending migration, then nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import psycopg
import pytest
from pydantic import SecretStr

from chatflow.migrate import migration_files
from chatflow.settings import Settings
from infra.functions import load_handler
from tests.support.events import LambdaContextStub


@pytest.fixture
def fresh_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS chatflow_trigger_test WITH (FORCE)")
        conn.execute("CREATE DATABASE chatflow_trigger_test")
    url = database_url.replace("/chatflow_test?", "/chatflow_trigger_test?")
    load_handler("migrate")
    module = sys.modules["chatflow_functions.migrate.handler"]
    monkeypatch.setattr(module, "get_settings", lambda: Settings(database_url=SecretStr(url)))
    yield url
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE chatflow_trigger_test WITH (FORCE)")


def test_the_first_deploy_applies_every_migration_and_the_next_one_nothing(fresh_database: str) -> None:
    handler = load_handler("migrate")

    first = handler({}, LambdaContextStub())
    second = handler({}, LambdaContextStub())

    assert first == {"applied": [name for name, _ in migration_files()]}
    assert second == {"applied": []}
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone() is not None
