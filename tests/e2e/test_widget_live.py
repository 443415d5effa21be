"""Live updates in the widget: what operators do reaches the visitor's page over the WebSocket, and
the widget falls back to polling, then reconnects, when the socket is down."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Page, Response, WebSocket, WebSocketRoute, expect

from chatflow import realtime
from chatflow.settings import get_settings
from tests.e2e.conftest import Db, Stack, Widget, wait_until

pytestmark = pytest.mark.e2e

SOCKET = re.compile(r"/ws(\?|$)")


@pytest.fixture
def publishing(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process publishes as the inbox will, through the stack's @connections endpoint."""
    info = json.loads((stack.local_dir / "stack.json").read_text(encoding="utf-8"))
    management_url = "http" + info["wsUrl"].removeprefix("ws")
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", management_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _agent_message(db: Db, conversation_id: str, content: str) -> UUID:
    """An agent's message, written as the inbox writes it: a person answers from now on."""
    row = db.execute(
        """
        WITH msg AS (
            INSERT INTO messages (conversation_id, organization_id, role, content)
            SELECT id, organization_id, 'agent', %s FROM conversations WHERE id = %s
            RETURNING id, conversation_id, created_at
        ), conv AS (
            UPDATE conversations c SET responder_mode = 'human', last_message_at = msg.created_at
            FROM msg WHERE c.id = msg.conversation_id
        )
        SELECT id FROM msg
        """,
        (content, conversation_id),
    ).fetchone()
    assert row is not None
    message_id: UUID = row["id"]
    return message_id


def _connected(db: Db, conversation_id: str) -> bool:
    found = db.execute("SELECT 1 FROM ws_connections WHERE conversation_id = %s", (conversation_id,)).fetchone()
    return found is not None


def _start_conversation(page: Page, stack: Stack, text: str = "Hi") -> tuple[Widget, str]:
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send(text)
    # the answer (or a handoff's notice, which the offer to leave a name may follow at once)
    expect(widget.messages("ai").or_(widget.messages("system")).first).to_be_visible()
    return widget, widget.storage()[f"cf360_conv_{stack.public_key}"]


@pytest.mark.usefixtures("publishing")
def test_an_agent_message_is_pushed_to_the_widget_within_a_second_without_a_poll(
    page: Page, stack: Stack, db: Db
) -> None:
    reads: list[Response] = []
    frames: list[str] = []
    page.on("response", lambda r: reads.append(r) if r.request.method == "GET" and "/api/chat/" in r.url else None)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    widget, conversation = _start_conversation(page, stack)
    # The socket opened with the panel; the conversation the first message started is bound to it.
    wait_until(lambda: _connected(db, conversation), page=page)
    reads_before = len(reads)

    message_id = _agent_message(db, conversation, "Hi, I'm Ana from Demo Coffee Co.")
    written = time.monotonic()
    result = realtime.publish_changes(UUID(conversation), message_ids=[message_id], conn=db)

    expect(widget.messages("agent")).to_have_text(["Hi, I'm Ana from Demo Coffee Co."], timeout=1_000)
    assert time.monotonic() - written < 1.0
    assert result.sent == 1
    assert len(reads) == reads_before  # pushed, not polled
    assert any(str(message_id) in frame for frame in frames)
    expect(widget.subtitle).to_have_text("A person from our team will answer here")
    page.wait_for_timeout(300)
    expect(widget.messages("agent")).to_have_count(1)


@pytest.mark.usefixtures("publishing")
def test_an_operator_closing_the_conversation_shows_the_visitor_that_it_ended(page: Page, stack: Stack, db: Db) -> None:
    widget, conversation = _start_conversation(page, stack)
    wait_until(lambda: _connected(db, conversation), page=page)

    db.execute("UPDATE conversations SET status = 'closed', closed_at = now() WHERE id = %s", (conversation,))
    realtime.publish_changes(UUID(conversation), conn=db)

    expect(widget.messages("system")).to_have_text(
        ["This conversation has ended. Write again any time to start a new one."], timeout=1_000
    )
    assert f"cf360_conv_{stack.public_key}" not in widget.storage()
    wait_until(lambda: not _connected(db, conversation), page=page)  # the widget let its socket go


@pytest.mark.usefixtures("publishing")
def test_while_the_socket_is_refused_the_widget_polls_and_then_connects_again(page: Page, stack: Stack, db: Db) -> None:
    attempts: list[float] = []

    def refuse_twice(ws: WebSocketRoute) -> None:
        if "conversationId=" in ws.url:
            attempts.append(time.monotonic())
        if "conversationId=" not in ws.url or len(attempts) <= 2:  # the panel's first socket: never up here
            ws.close(code=1011)
        else:
            ws.connect_to_server()

    page.route_web_socket(SOCKET, refuse_twice)
    widget, conversation = _start_conversation(page, stack, "I want to talk to a person, please")
    expect(widget.subtitle).to_have_text("A person from our team will answer here")

    # Not published: only a read can bring it, and the widget polls while its socket is down.
    _agent_message(db, conversation, "Polled, not pushed")
    expect(widget.messages("agent")).to_have_text(["Polled, not pushed"], timeout=7_000)

    wait_until(lambda: _connected(db, conversation), timeout=10, page=page)
    assert len(attempts) == 3
    message_id = _agent_message(db, conversation, "Pushed again")
    realtime.publish_changes(UUID(conversation), message_ids=[message_id], conn=db)
    expect(widget.messages("agent")).to_have_text(["Polled, not pushed", "Pushed again"], timeout=1_000)


def test_the_widget_pings_its_socket_and_reads_the_pong(page: Page, stack: Stack, db: Db) -> None:
    page.clock.install()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    widget, conversation = _start_conversation(page, stack)
    wait_until(lambda: _connected(db, conversation) and bool(sockets), page=page)
    received: list[Any] = []
    sockets[0].on("framereceived", lambda payload: received.append(payload))

    with sockets[0].expect_event("framesent", predicate=lambda payload: "ping" in str(payload)) as sent:
        page.clock.run_for(4 * 60 * 1000)

    assert json.loads(str(sent.value)) == {"action": "ping"}
    wait_until(lambda: any("pong" in str(frame) for frame in received), page=page)
    expect(widget.log.locator(".m")).to_have_count(2)  # a pong shows nothing
