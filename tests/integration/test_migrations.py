"""The migration runner: each file once, in order, recorded, and never twice at the same time."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from chatflow.migrate import migrate, migration_files


@pytest.fixture
def empty_database(new_database: Callable[[str], str]) -> str:
    return new_database("migrations")


def test_migration_files_are_ordered_sql_files() -> None:
    names = [name for name, _ in migration_files()]

    assert names == sorted(names)
    assert names[0] == "0001_initial.sql"


def test_a_new_database_gets_every_migration_recorded(empty_database: str) -> None:
    applied = migrate(empty_database)

    assert applied == [name for name, _ in migration_files()]
    with psycopg.connect(empty_database) as conn:
        recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert recorded == applied


def test_running_again_applies_nothing(empty_database: str) -> None:
    migrate(empty_database)

    assert migrate(empty_database) == []


def test_two_runners_starting_together_apply_each_migration_once(empty_database: str) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(migrate, [empty_database, empty_database]))

    assert sorted(len(r) for r in results) == [0, len(migration_files())]


def test_the_schema_has_every_table_of_the_data_model(empty_database: str) -> None:
    migrate(empty_database)

    with psycopg.connect(empty_database) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_chunks_embedding_idx'"
        ).fetchone()
    assert tables >= {
        "organizations",
        "ai_settings",
        "users",
        "organization_members",
        "channels",
        "conversations",
        "messages",
        "channel_knowledge",
        "knowledge_chunks",
        "usage_tracking",
        "platform_settings",
        "ws_connections",
        "schema_migrations",
    }
    assert index is not None
    assert "hnsw" in index[0]
    assert "vector_cosine_ops" in index[0]


def test_a_failing_migration_leaves_nothing_half_applied(empty_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import chatflow.migrate as runner

    broken = [*migration_files(), ("9999_broken.sql", "CREATE TABLE half_done (id int); SELECT no_such_function();")]
    monkeypatch.setattr(runner, "migration_files", lambda: broken)

    with pytest.raises(psycopg.errors.UndefinedFunction):
        runner.migrate(empty_database)

    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM schema_migrations WHERE name = '9999_broken.sql'").fetchone() == (0,)
