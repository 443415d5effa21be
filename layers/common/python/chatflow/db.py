"""The connection pool: small, because a Lambda serves one request at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chatflow.errors import ServiceUnavailable
from chatflow.secrets import database_url
from chatflow.settings import get_settings

__all__ = ["Connection", "close_pool", "connection"]

Connection = psycopg.Connection[dict[str, Any]]

_pool: ConnectionPool[Connection] | None = None
_pool_lock = threading.Lock()


def _configure(conn: Connection) -> None:
    register_vector(conn)


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
                        "row_factory": dict_row,
                        "connect_timeout": max(1, int(settings.db_connect_timeout_seconds)),
                        "options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c timezone=UTC",
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
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None
