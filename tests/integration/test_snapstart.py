"""Lambda SnapStart: an execution environment restored from a snapshot opens its own database
connections and draws its own random numbers (chatflow.snapstart).

Lambda's Python runtime runs the hooks registered with snapshot_restore_py: those before the
snapshot in the reverse order of their registration, those after a restore in their order. These
tests run them the same way, around a real pool on the test database: a connection opened before
the snapshot, and the state of `random`, are what every restored copy would otherwise share."""

from __future__ import annotations

import random
import time
from typing import Any

import psycopg
from snapshot_restore_py import get_after_restore, get_before_snapshot

from chatflow import snapstart
from chatflow.db import connection
from infra.functions import load_handler


def _take_snapshot() -> None:
    for func, args, kwargs in reversed(get_before_snapshot()):
        func(*args, **kwargs)


def _restore() -> None:
    for func, args, kwargs in get_after_restore():
        func(*args, **kwargs)


def _backend_pid() -> int:
    with connection() as conn:
        row = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()
        assert row is not None
        return int(row["pid"])


def test_every_function_registers_the_hooks_through_its_handler() -> None:
    load_handler("chat")

    assert (snapstart.before_snapshot, (), {}) in get_before_snapshot()
    assert (snapstart.after_restore, (), {}) in get_after_restore()


def test_a_restored_handler_opens_its_own_connection_not_the_snapshotted_one(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    snapshotted = _backend_pid()  # as if the initialisation had reached the database

    _restore()
    restored = _backend_pid()

    assert restored != snapshotted
    alive = db.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = %s", (snapshotted,)).fetchone()
    assert alive is not None
    assert alive["n"] == 0


def _backend_ends(db: psycopg.Connection[dict[str, Any]], pid: int, within: float = 5.0) -> bool:
    """PostgreSQL ends a backend a moment after its client closed the connection."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = db.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if alive is not None and alive["n"] == 0:
            return True
        time.sleep(0.02)
    return False


def test_no_connection_is_left_open_when_the_snapshot_is_taken(db: psycopg.Connection[dict[str, Any]]) -> None:
    opened = _backend_pid()

    _take_snapshot()

    assert _backend_ends(db, opened)
    assert _backend_pid() != opened  # the next request simply opens a new one


def test_two_environments_restored_from_one_snapshot_draw_different_numbers() -> None:
    random.seed(1234)
    snapshotted = random.getstate()

    draws = []
    for _ in range(2):  # two environments resumed from the same memory
        random.setstate(snapshotted)
        _restore()
        draws.append([random.random() for _ in range(4)])

    assert draws[0] != draws[1]
    random.setstate(snapshotted)
    assert draws[0] != [random.random() for _ in range(4)]  # not the snapshot's sequence either


def test_the_chat_snapshot_holds_what_a_first_message_would_load() -> None:
    load_handler("chat")
    from chatflow import language_detection

    registered = get_before_snapshot()
    assert (snapstart.prime_first_request, (), {}) in registered
    assert (language_detection.warm_up, (), {}) in registered

    _take_snapshot()

    assert language_detection._lingua.cache_info().currsize == 1  # lingua's models are in memory


def test_the_realtime_snapshot_holds_the_token_verifier_a_visitors_connect_leaves_out() -> None:
    load_handler("realtime")
    from chatflow.realtime import sockets

    assert (sockets.load_token_verifier, (), {}) in get_before_snapshot()
