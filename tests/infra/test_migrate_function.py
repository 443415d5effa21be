"""functions/migrate, as the deploy trigger runs it: every pending migration, then nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable

import psycopg
import pytest
from pydantic import SecretStr

from chatflow.migrate import migration_files
from chatflow.settings import Settings
from infra.functions import load_handler
from tests.support.events import LambdaContextStub


@pytest.fixture
def fresh_database(new_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> str:
    url = new_database("trigger")
    load_handler("migrate")
    module = sys.modules["chatflow_functions.migrate.handler"]
    monkeypatch.setattr(module, "get_settings", lambda: Settings(database_url=SecretStr(url)))
    return url


def test_the_first_deploy_applies_every_migration_and_the_next_one_nothing(fresh_database: str) -> None:
    handler = load_handler("migrate")

    first = handler({}, LambdaContextStub())
    second = handler({}, LambdaContextStub())

    assert first == {"applied": [name for name, _ in migration_files()]}
    assert second == {"applied": []}
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone() is not None
