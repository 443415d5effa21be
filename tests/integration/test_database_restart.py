"""The database restarting under the widget API: 503 `database_unavailable` while it is down (never a
500, never longer than the connect timeout), answers again once it is back without restarting the
process, and nothing accepted is lost or stored twice.

These tests stop and start their own embedded PostgreSQL (its own temp dir), never the session's."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row

from infra.local import postgres
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.widget import Answer, WidgetClient

# Short, so that the calls made while the database is down cost the suite little.
CONNECT_TIMEOUT_SECONDS = 2.0
# What a call may take beyond the connect timeout (a function's own work, a slow machine).
SLACK_SECONDS = 1.5


@dataclass(frozen=True)
class RestartableDatabase:
    pgdata: Path
    url: str

    def stop(self) -> None:
        postgres.stop(self.pgdata)

    def start(self) -> None:
        postgres.start(self.pgdata)

    def restart(self) -> None:
        self.stop()
        self.start()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def _server() -> Iterator[RestartableDatabase]:
    with postgres.throwaway_database("chatflow-restart-pg-", "chatflow_restart") as (url, pgdata):
        yield RestartableDatabase(pgdata, url)


@pytest.fixture
def database(_server: RestartableDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[RestartableDatabase]:
    """The module's own server, running and emptied, with the functions pointed at it."""
    from chatflow.db import close_pool
    from chatflow.settings import get_settings

    _server.start()  # a test may have left it stopped
    close_pool()
    monkeypatch.setenv("DATABASE_URL", _server.url)
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", str(CONNECT_TIMEOUT_SECONDS))
    get_settings.cache_clear()
    yield _server
    close_pool()
    get_settings.cache_clear()
    _server.start()
    tables = [
        r["tablename"]
        for r in _server.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('schema_migrations', 'audit_log')"  # append-only, even to TRUNCATE
        )
    ]
    with psycopg.connect(_server.url, autocommit=True) as conn:
        conn.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")


@pytest.fixture
def visitor(database: RestartableDatabase) -> WidgetClient:
    from chatflow.channels import create_channel
    from chatflow.organizations import create_organization

    with psycopg.connect(database.url, autocommit=True, row_factory=dict_row) as conn:
        organization_id = create_organization(conn, name="Acme Coffee", system_prompt="We sell coffee.")
        channel = create_channel(conn, super_admin(), organization_id, name="Website")
    return WidgetClient(channel.public_key, uuid4())


def _timed(call: Any) -> tuple[Answer, float]:
    started = time.monotonic()
    answer: Answer = call()
    return answer, time.monotonic() - started


def _calls(visitor: WidgetClient, conversation: str) -> dict[str, Any]:
    return {
        "a new conversation": lambda: visitor.post("Hello again", clientMessageId=uuid4()),
        "a message in a conversation": lambda: visitor.post(
            "Still there?", conversationId=conversation, clientMessageId=uuid4()
        ),
        "its history": lambda: visitor.history(conversation),
    }


@pytest.mark.parametrize("call", ["a new conversation", "a message in a conversation", "its history"])
def test_while_the_database_is_down_each_call_is_503_database_unavailable_within_the_connect_timeout(
    database: RestartableDatabase, visitor: WidgetClient, call: str
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    database.stop()

    # The first call meets the pooled connection the stop broke, the second an empty pool.
    answers = [_timed(_calls(visitor, conversation)[call]) for _ in range(2)]

    for answer, seconds in answers:
        assert (answer.status, answer.error_code) == (503, "database_unavailable")
        assert seconds < CONNECT_TIMEOUT_SECONDS + SLACK_SECONDS


def test_once_the_database_is_back_the_same_process_answers_again(
    database: RestartableDatabase, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    database.stop()
    assert visitor.post("Anyone?", conversationId=conversation).status == 503
    database.start()

    posted, post_seconds = _timed(lambda: visitor.post("Back?", conversationId=conversation))
    history = visitor.history(conversation)

    assert posted.status == 200
    assert posted.body["reply"] is not None
    assert post_seconds < CONNECT_TIMEOUT_SECONDS + SLACK_SECONDS
    assert history.status == 200
    assert [m["content"] for m in history.body["messages"] if m["role"] == "visitor"] == ["Hello", "Back?"]


def test_a_restart_between_two_requests_fails_neither(database: RestartableDatabase, visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    database.restart()

    answer = visitor.post("Still there?", conversationId=conversation)

    assert answer.status == 200


def test_every_pooled_connection_a_restart_broke_is_replaced_before_use(
    database: RestartableDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.db import close_pool, connection
    from chatflow.settings import get_settings

    close_pool()
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "3")
    get_settings.cache_clear()

    def three_at_once() -> set[int]:
        with contextlib.ExitStack() as held:
            conns = [held.enter_context(connection()) for _ in range(3)]
            return {c.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"] for c in conns}  # type: ignore[index]

    before = three_at_once()
    database.restart()

    after = three_at_once()

    assert len(after) == 3
    assert not after & before


def test_messages_accepted_before_the_outage_are_all_there_after_it(
    database: RestartableDatabase, visitor: WidgetClient
) -> None:
    conversation = visitor.post("First", clientMessageId=uuid4()).body["conversationId"]
    for text in ("Second", "Third"):
        assert visitor.post(text, conversationId=conversation, clientMessageId=uuid4()).status == 200
    database.stop()
    database.start()

    history = visitor.history(conversation)

    assert history.status == 200
    assert [m["role"] for m in history.body["messages"]] == ["visitor", "ai"] * 3
    assert [m["content"] for m in history.body["messages"] if m["role"] == "visitor"] == ["First", "Second", "Third"]


def test_an_opening_message_cut_off_by_the_outage_and_retried_is_stored_and_billed_once(
    database: RestartableDatabase, visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    # The database stops while the model is thinking: the message is stored, its answer cannot be;
    # the retry asks the model again for the answer never written.
    fake_openai.then(Scripted(content="We open at 8.", delay_seconds=1.5), Scripted(content="We open at 8."))
    client_message_id = uuid4()

    def stop_once_the_model_is_asked() -> None:
        deadline = time.monotonic() + 10
        while not fake_openai.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        database.stop()

    stopper = threading.Thread(target=stop_once_the_model_is_asked)
    stopper.start()
    cut_off = visitor.post("When do you open?", clientMessageId=client_message_id)
    stopper.join()
    database.start()

    retried = visitor.post("When do you open?", clientMessageId=client_message_id)

    assert (cut_off.status, cut_off.error_code) == (503, "database_unavailable")
    assert retried.status == 200
    assert retried.body["reply"]["content"] == "We open at 8."
    conversation_id = UUID(retried.body["conversationId"])
    messages = database.rows("SELECT role, client_message_id FROM messages ORDER BY seq")
    assert [(m["role"], m["client_message_id"]) for m in messages] == [("visitor", client_message_id), ("ai", None)]
    assert [r["id"] for r in database.rows("SELECT id FROM conversations")] == [conversation_id]
    usage = database.rows("SELECT conversations, messages, ai_messages FROM usage_tracking")
    assert usage == [{"conversations": 1, "messages": 2, "ai_messages": 1}]
