"""Releasing a conversation answers the visitor message nobody answered (issue #23, item 14): a
message that arrived while a person was in charge (or at the very moment of the release) gets the AI's
answer once the AI is in charge again, never silence from both."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg

from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _replies_to(db: Db, message_id: UUID) -> list[dict[str, Any]]:
    return db.execute("SELECT role, content FROM messages WHERE reply_to = %s", (message_id,)).fetchall()


def _last_visitor_message(db: Db, conversation: str) -> UUID:
    row = db.execute(
        "SELECT id FROM messages WHERE conversation_id = %s AND role = 'visitor' ORDER BY seq DESC LIMIT 1",
        (conversation,),
    ).fetchone()
    assert row is not None
    message_id: UUID = row["id"]
    return message_id


def test_release_answers_a_visitor_message_left_unanswered(people: People, tenant: Tenant, db: Db) -> None:
    agent = people.make(agent_of=[tenant.organization_id])
    visitor = WidgetClient(tenant.public_key, uuid4())
    conversation = visitor.post("Hello").body["conversationId"]
    assert people.post(agent, f"/conversations/{conversation}/takeover").status_code == 200
    waiting = visitor.post("Are you still there?", conversationId=conversation)
    assert waiting.body["reply"] is None  # a person is in charge: the AI stays silent
    unanswered = _last_visitor_message(db, conversation)

    assert people.post(agent, f"/conversations/{conversation}/release").status_code == 200

    assert [r["role"] for r in _replies_to(db, unanswered)] == ["ai"]


def test_release_after_the_person_answered_adds_no_ai_answer(people: People, tenant: Tenant, db: Db) -> None:
    agent = people.make(agent_of=[tenant.organization_id])
    visitor = WidgetClient(tenant.public_key, uuid4())
    conversation = visitor.post("Hello").body["conversationId"]
    people.post(agent, f"/conversations/{conversation}/takeover")
    visitor.post("Are you still there?", conversationId=conversation)
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Yes, here."})
    ai_before = db.execute("SELECT count(*) AS n FROM messages WHERE role = 'ai'").fetchone()

    people.post(agent, f"/conversations/{conversation}/release")

    assert db.execute("SELECT count(*) AS n FROM messages WHERE role = 'ai'").fetchone() == ai_before
