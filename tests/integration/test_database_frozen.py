"""A frozen database (every PostgreSQL process stopped with SIGSTOP: its sockets still accept and
acknowledge, nothing answers) makes no request hang (issue #23, item 13): connect, statement and
socket timeouts turn it into 503 `database_unavailable` within a few seconds, and the process answers
again once the database thaws. Uses test_database_restart.py's own server, never the session's."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.test_database_restart import (
    CONNECT_TIMEOUT_SECONDS,
    SLACK_SECONDS,
    RestartableDatabase,
    _server,  # noqa: F401  # the module-scoped server the `database` fixture uses
    _timed,
    database,  # noqa: F401
    visitor,  # noqa: F401
)
from tests.support.widget import WidgetClient

SOCKET_TIMEOUT_SECONDS = 2.0


def _processes(pgdata: Path) -> list[int]:
    """The postmaster and every process it started."""
    postmaster = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(entry.name))
    return [postmaster, *children]


@contextmanager
def _frozen(server: RestartableDatabase) -> Iterator[None]:
    pids = _processes(server.pgdata)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def socket_timeout(database: RestartableDatabase, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from chatflow.db import close_pool
    from chatflow.settings import get_settings

    close_pool()
    monkeypatch.setenv("DB_SOCKET_TIMEOUT_SECONDS", str(SOCKET_TIMEOUT_SECONDS))
    get_settings.cache_clear()


@pytest.mark.usefixtures("socket_timeout")
def test_a_frozen_database_is_503_within_the_timeouts_and_answers_again_once_it_thaws(
    database: RestartableDatabase,  # noqa: F811
    visitor: WidgetClient,  # noqa: F811
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    with _frozen(database):
        # The pooled connection's statement waits on a socket nobody reads; a new one, on a handshake.
        answers = [_timed(lambda: visitor.post("Anyone?", conversationId=conversation)) for _ in range(2)]

    for answer, seconds in answers:
        assert (answer.status, answer.error_code) == (503, "database_unavailable")
        assert seconds < max(CONNECT_TIMEOUT_SECONDS, SOCKET_TIMEOUT_SECONDS) + SLACK_SECONDS
    time.sleep(0.2)
    assert visitor.post("Back?", conversationId=conversation).status == 200
