"""The connection pool: small, because a Lambda serves one request at a time."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from chatflow.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from psycopg.types import TypeInfo
    from psycopg_pool import ConnectionPool

__all__ = ["Connection", "close_pool", "connection"]

Connection = psycopg.Connection[dict[str, Any]]

_pool: ConnectionPool[_Connection] | None = None
_pool_lock = threading.Lock()


_vector_info: TypeInfo | None = None


class _Connection(psycopg.Connection[dict[str, Any]]):
    """A connection that waits for its server `socket_timeout` seconds at most, per round trip.

    libpq's connect_timeout bounds the handshake and the server's statement_timeout a statement it
    runs, but a frozen server (stopped, stalled in a failover, a network that drops without a reset)
    runs nothing and enforces nothing, while its socket may still accept and acknowledge: a request
    would wait until the function's own timeout. So every wait psycopg makes on the connection has a
    deadline; past it the connection is closed (its state is unknown) and the caller gets an
    OperationalError, which `connection` answers as DatabaseUnavailable."""

    socket_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval=interval, timeout=timeout if timeout is not None else self.socket_timeout)
        except psycopg.errors._WaitTimeout:  # psycopg's own, an OperationalError
            if timeout is None:
                self.pgconn.finish()  # nothing sent on it may be trusted now; the pool discards it
            raise


def _configure(conn: Connection) -> None:
    """Teach each new connection pgvector's `vector` type. Its oid is the same for every connection
    of a database, so it is looked up once per process (one round trip), not per connection."""
    global _vector_info
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    if _vector_info is None:
        row = conn.execute("SELECT oid, typarray FROM pg_type WHERE oid = 'vector'::regtype").fetchone()
        assert row is not None
        _vector_info = TypeInfo("vector", row["oid"], row["typarray"])
    register_vector_info(conn, _vector_info)


def _get_pool() -> ConnectionPool[_Connection]:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                # Imported on the first request rather than with the module: the pool, the settings
                # (pydantic-settings) and the secrets' readers are tens of ms of every cold start, and
                # a function that answers from memory (a refusal, a preflight) never needs them.
                from psycopg_pool import ConnectionPool

                from chatflow.secrets import database_url
                from chatflow.settings import get_settings

                settings = get_settings()
                _Connection.socket_timeout = settings.db_socket_timeout_seconds
                _pool = ConnectionPool(
                    database_url(settings),
                    connection_class=_Connection,
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
                    # No round trip on checkout: `_checked_out` finds connections a restart broke
                    # without one.
                    max_idle=300,
                    timeout=settings.db_connect_timeout_seconds,
                    # While the database is down the pool retries in the background, each delay
                    # twice the last; given up after this long, the next request starts over at
                    # once. Short, so that the first requests after the database is back do not
                    # wait out a long delay (or fail waiting): a request waits `timeout` at most.
                    reconnect_timeout=max(2.0, settings.db_connect_timeout_seconds),
                    open=True,
                    name="chatflow",
                )
    return _pool


def _left_by_server(conn: Connection) -> bool:
    """Whether the server has closed this idle connection, found without a round trip. A server
    that stops or restarts tells each client (57P01) and closes the socket, so an idle autocommit
    connection with anything to read is one to throw away. At worst (a stray notice) a good
    connection is replaced: one connect, never a failed request."""
    if conn.closed:
        return True
    poller = select.poll()  # not select.select: it fails on descriptors above 1023
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _checked_out(pool: ConnectionPool[_Connection]) -> _Connection:
    """A pooled connection the server has not closed, within the pool's timeout. Each one a restart
    broke is closed and given back, and the pool opens another in its place at once: so a restart
    between two requests costs the next one a connect, not a 503. Nothing was sent on a discarded
    connection, so nothing can be written twice."""
    from psycopg_pool import PoolTimeout

    deadline = time.monotonic() + pool.timeout
    for _ in range(pool.max_size + 1):  # each pooled connection is found broken at most once
        conn = pool.getconn(timeout=deadline - time.monotonic())
        if not _left_by_server(conn):
            return conn
        conn.close()
        pool.putconn(conn)
    raise PoolTimeout("no live connection in the pool")


@contextmanager
def connection() -> Iterator[Connection]:
    """A pooled autocommit connection; database outages surface as DatabaseUnavailable."""
    try:
        pool = _get_pool()
        conn = _checked_out(pool)
        try:
            with conn:  # a pooled connection: given back below, not closed
                yield conn
        finally:
            pool.putconn(conn)
    except psycopg.OperationalError as exc:
        # Covers refused connections, restarts (AdminShutdown), statement timeouts and PoolTimeout.
        raise DatabaseUnavailable() from exc


def close_pool() -> None:
    global _pool, _vector_info
    _vector_info = None  # the next pool may reach another database
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None
