"""Fixtures every test may use: one throw-away PostgreSQL per test session, the fake OpenAI server,
and the environment a function runs with."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.fake_openai import FakeOpenAI

# Every test's captured output is scanned for secrets; a finding fails the session.
pytest_plugins = ["tests.support.secret_scan", "pytester"]

# The environment of a function, before anything reads settings.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "chatflow-tests")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
TEST_ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
os.environ["ENCRYPTION_KEY"] = TEST_ENCRYPTION_KEY
os.environ["ALLOW_OFFLINE_AI"] = "true"
os.environ["AI_MAX_RETRIES"] = "0"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """TEST_DATABASE_URL when set (another PostgreSQL, migrated here), else an embedded server of
    the session's own in a temp dir."""
    from chatflow.db import close_pool
    from chatflow.migrate import migrate
    from infra.local import postgres

    with contextlib.ExitStack() as stack:
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            migrate(url)
        else:
            url, _ = stack.enter_context(postgres.throwaway_database("chatflow-test-pg-", "chatflow_test"))
        os.environ["DATABASE_URL"] = url
        try:
            yield url
        finally:
            close_pool()  # before the server stops


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A connection to the test database, emptied after the test."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn
        tables = [
            r["tablename"]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
            )
        ]
        conn.execute("TRUNCATE " + ", ".join(str(t) for t in tables) + " CASCADE")


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """Points the platform's OpenAI key and base URL at the fake server for this test."""
    from chatflow.settings import get_settings

    fake_openai_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-environment-key-0000")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai_server.base_url)
    get_settings.cache_clear()
    yield fake_openai_server
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from chatflow.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
