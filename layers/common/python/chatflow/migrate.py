"""Applies the ordered SQL files of `migrations/` once each, under an advisory lock.

Every starting process may call `migrate()`: the lock makes the second one wait for the first and
then find nothing left to do. `python -m chatflow.migrate` runs it from a shell.
"""

from __future__ import annotations

import logging
from importlib import resources

import psycopg

__all__ = ["migrate", "migration_files"]

_logger = logging.getLogger(__name__)

# Any constant shared by every runner of this schema; "cf360" in ASCII.
_LOCK_ID = 0x6366333630


def migration_files() -> list[tuple[str, str]]:
    """(name, sql) of every migration, in the order they apply."""
    folder = resources.files("chatflow") / "migrations"
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in names]


def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns the names applied by this call."""
    applied: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       name text PRIMARY KEY,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            for name, sql in migration_files():
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                _logger.info("applied migration %s", name)
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied


if __name__ == "__main__":
    from chatflow.secrets import database_url
    from chatflow.settings import get_settings

    logging.basicConfig(level=logging.INFO)
    names = migrate(database_url(get_settings()))
    print(f"applied {len(names)} migration(s): {', '.join(names) or 'none pending'}")
