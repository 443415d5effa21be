"""The connection pool: small, because a Lambda serves one request at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg.vector import register_vector_info
from psycopg.rows import dict_row
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool

from chatflow.errors import ServiceUnavailable
from chatflow.secrets import database_url
from chatflow.settings import get_settings

__all__ = ["Connection", "close_pool", "connection"]

Connection = psycopg.Connection[dict[str, Any]]

_pool: ConnectionPool[Connection] | None = None
_pool_lock = threading.Lock()


_vector_info: TypeInfo | None = None


def _configure(conn: Connection) -> None:
    """Teach each new connection pgvector's `vector` type. Its oid is the same for every connection
    of a database, so it is looked up once per process (one round trip), not per connection."""
    global _vector_info
    if _vector_info is None:
        row = conn.execute("SELECT oid, typarray FROM pg_type WHERE oid = 'vector'::regtype").fetchone()
        assert row is not None
        _vector_info = TypeInfo("vector", row["oid"], row["typarray"])
    register_vector_info(conn, _vector_info)


def _get_pool() -> ConnectionPool[Connection]:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                settings = get_settings()
                _pool = ConnectionPool(
                    database_url(settings),
                    min_size=1,
                    max_size=settings.db_pool_max_size,
                    kwargs={
                        "autocommit": True,
                        # Prepared statements pin RDS Proxy sessions; the proxy's deployments turn them off.
                        "prepare_threshold": 5 if settings.db_prepare_statements else None,
                        "row_factory": dict_row,
                        "connect_timeout": max(1, int(settings.db_connect_timeout_seconds)),
                        **(
                            {"options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c timezone=UTC"}
                            if settings.db_session_options
                            else {}
                        ),
                    },
                    configure=_configure,
                    # No check on checkout: it would cost a round trip per request. A connection
                    # broken by a database restart fails one request and the pool discards it.
                    max_idle=300,
                    timeout=settings.db_connect_timeout_seconds,
                    open=True,
                    name="chatflow",
                )
    return _pool


@contextmanager
def connection() -> Iterator[Connection]:
    """A pooled autocommit connection; database outages surface as ServiceUnavailable."""
    try:
        with _get_pool().connection() as conn:
            yield conn
    except psycopg.OperationalError as exc:
        # Covers refused connections, restarts (AdminShutdown), statement timeouts and PoolTimeout.
        raise ServiceUnavailable("database_unavailable", "The database is not reachable right now.") from exc


def close_pool() -> None:
    global _pool, _vector_info
    _vector_info = None  # the next pool may reach another database
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None
