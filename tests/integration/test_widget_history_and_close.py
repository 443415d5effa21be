"""GET and PATCH /api/chat/{conversationId}: a visitor reads and ends its own conversation."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def test_history_lists_every_message_oldest_first(visitor: WidgetClient) -> None:
    first = visitor.post("Hello")
    conversation = first.body["conversationId"]
    visitor.post("Second", conversationId=conversation)

    answer = visitor.history(conversation)

    assert answer.status == 200
    assert answer.body["id"] == conversation
    assert answer.body["status"] == "open"
    assert answer.body["responderMode"] == "ai"
    assert [(m["role"], m["content"]) for m in answer.body["messages"]][::2] == [
        ("visitor", "Hello"),
        ("visitor", "Second"),
    ]
    assert [m["role"] for m in answer.body["messages"]] == ["visitor", "ai", "visitor", "ai"]
    assert set(answer.body["messages"][0]) == {"id", "role", "content", "createdAt"}


def test_history_after_a_message_returns_only_newer_ones(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    first = visitor.post("Hello")
    conversation = first.body["conversationId"]
    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content) "
        "VALUES (%s, %s, 'agent', 'Hi, I am Ana')",
        (conversation, tenant.organization_id),
    )

    answer = visitor.history(conversation, after=first.body["reply"]["id"])

    assert [(m["role"], m["content"]) for m in answer.body["messages"]] == [("agent", "Hi, I am Ana")]


def test_history_after_an_unknown_message_returns_everything(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.history(conversation, after=str(uuid4()))

    assert len(answer.body["messages"]) == 2


def test_history_of_someone_elses_conversation_is_404(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.another_visitor().history(conversation)

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")


def test_history_with_the_wrong_public_key_is_404(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = WidgetClient(uuid4(), visitor.visitor_id).history(conversation)

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")


def test_history_of_a_non_uuid_conversation_is_400(visitor: WidgetClient) -> None:
    answer = visitor.history("abc")

    assert (answer.status, answer.error_code) == (400, "invalid_uuid")


@pytest.mark.parametrize("missing", ["publicKey", "visitorId"])
def test_history_without_its_credentials_is_400(visitor: WidgetClient, missing: str) -> None:
    query = {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id)}
    del query[missing]

    answer = visitor.history_raw(str(uuid4()), query)

    assert (answer.status, answer.error_code) == (400, "missing_field")


def test_history_with_a_non_uuid_after_is_400(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.history(conversation, after="last")

    assert (answer.status, answer.error_code) == (400, "invalid_uuid")


def test_history_refuses_a_site_outside_the_channels_allowed_origins(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    db.execute("UPDATE channels SET allowed_origins = '{https://coffee.example}' WHERE id = %s", (tenant.channel_id,))

    answer = visitor.history(conversation)

    assert (answer.status, answer.error_code) == (403, "origin_not_allowed")


def test_close_ends_the_conversation(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.close(conversation)

    assert (answer.status, answer.body) == (200, {"id": conversation, "status": "closed"})
    row = db.execute("SELECT status, closed_at FROM conversations").fetchone()
    assert row is not None
    assert row["status"] == "closed"
    assert row["closed_at"] is not None


def test_close_is_idempotent_and_keeps_the_first_closing_time(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    visitor.close(conversation)
    first = db.execute("SELECT closed_at FROM conversations").fetchone()

    again = visitor.close(conversation)

    assert (again.status, again.body["status"]) == (200, "closed")
    assert db.execute("SELECT closed_at FROM conversations").fetchone() == first


def test_closing_writes_one_event_and_closing_again_writes_none(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    updates = "SELECT count(*) AS n FROM outbox WHERE type = 'conversation.updated' AND conversation_id = %s"
    before = db.execute(updates, (conversation,)).fetchone()
    assert before is not None

    visitor.close(conversation)
    visitor.close(conversation)

    assert db.execute(updates, (conversation,)).fetchone() == {"n": before["n"] + 1}


def test_close_of_someone_elses_conversation_is_404_and_changes_nothing(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.close(conversation, visitor_id=uuid4())

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")
    assert db.execute("SELECT status FROM conversations").fetchone() == {"status": "open"}


@pytest.mark.parametrize(
    ("path_id", "body", "code"),
    [("abc", '{"visitorId": "%s"}', "invalid_uuid"), (None, "{oops", "invalid_json"), (None, "{}", "missing_field")],
)
def test_close_with_bad_input_is_400(visitor: WidgetClient, path_id: str | None, body: str, code: str) -> None:
    raw = body % visitor.visitor_id if "%s" in body else body

    answer = visitor.close_raw(path_id or str(uuid4()), raw)

    assert (answer.status, answer.error_code) == (400, code)


def test_the_closed_status_shows_in_history(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    visitor.close(conversation)

    assert visitor.history(conversation).body["status"] == "closed"
