"""POST /api/chat/{conversationId}/handoff: the widget's "Talk to a person" — against the real database."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.fake_openai import FakeOpenAI
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def conversation_id(visitor: WidgetClient, fake_openai: FakeOpenAI) -> str:
    conversation: str = visitor.post("What time do you open?").body["conversationId"]
    return conversation


def test_the_button_passes_the_conversation_to_a_person_with_the_handoff_notice(
    visitor: WidgetClient, conversation_id: str, db: Db
) -> None:
    answer = visitor.ask_for_person(conversation_id)

    assert answer.status == 200
    assert answer.body["available"] is True
    assert answer.body["responderMode"] == "human"
    assert answer.body["status"] == "pending"
    assert answer.body["reply"]["role"] == "system"
    row = db.execute(
        "SELECT responder_mode, handoff_source, handoff_reason FROM conversations WHERE id = %s", (conversation_id,)
    ).fetchone()
    assert row == {"responder_mode": "human", "handoff_source": "button", "handoff_reason": "visitor_asked"}


def test_the_button_writes_the_same_handoff_event_as_a_keyword(
    visitor: WidgetClient, conversation_id: str, db: Db
) -> None:
    visitor.ask_for_person(conversation_id)

    row = db.execute("SELECT payload FROM outbox WHERE type = 'conversation.handoff'").fetchone()
    assert row is not None
    assert row["payload"]["requested_by"] == "visitor"
    assert row["payload"]["source"] == "button"


def test_the_notice_is_in_the_conversations_language(visitor: WidgetClient, fake_openai: FakeOpenAI) -> None:
    conversation = visitor.post("Hola, ¿a qué hora abren el sábado?", lang="es").body["conversationId"]
    keyword = visitor.another_visitor().post("Quiero hablar con un humano", lang="es")

    answer = visitor.ask_for_person(conversation)

    assert answer.body["reply"]["content"] == keyword.body["reply"]["content"]


def test_pressing_it_again_changes_nothing(visitor: WidgetClient, conversation_id: str, db: Db) -> None:
    visitor.ask_for_person(conversation_id)
    events = db.execute("SELECT count(*) AS n FROM outbox").fetchone()

    again = visitor.ask_for_person(conversation_id)

    assert again.status == 200
    assert again.body["responderMode"] == "human"
    assert again.body["reply"] is None
    assert db.execute("SELECT count(*) AS n FROM outbox").fetchone() == events
    notices = db.execute("SELECT count(*) AS n FROM messages WHERE role = 'system'").fetchone()
    assert notices == {"n": 1}


def test_after_the_button_a_visitor_message_gets_no_ai_call(
    visitor: WidgetClient, conversation_id: str, fake_openai: FakeOpenAI
) -> None:
    visitor.ask_for_person(conversation_id)
    calls = len(fake_openai.requests)

    answer = visitor.post("Are you there?", conversationId=conversation_id)

    assert answer.body["reply"] is None
    assert len(fake_openai.requests) == calls


def test_another_visitors_conversation_is_not_found(visitor: WidgetClient, conversation_id: str) -> None:
    answer = visitor.another_visitor().ask_for_person(conversation_id)

    assert answer.status == 404
    assert answer.error_code == "conversation_not_found"


def test_an_unknown_conversation_is_not_found(visitor: WidgetClient) -> None:
    assert visitor.ask_for_person(uuid4()).status == 404


@pytest.mark.parametrize(
    ("conversation", "body"),
    [
        ("not-a-uuid", json.dumps({"visitorId": str(uuid4())})),
        (str(uuid4()), "{not json"),
        (str(uuid4()), json.dumps({"visitorId": "nope"})),
        (str(uuid4()), json.dumps({})),
        (str(uuid4()), json.dumps({"visitorId": str(uuid4()), "email": "not an email"})),
        (str(uuid4()), json.dumps({"visitorId": str(uuid4()), "email": "a" * 250 + "@x.io"})),
    ],
    ids=["conversation-not-uuid", "malformed-json", "visitor-not-uuid", "no-visitor", "bad-email", "long-email"],
)
def test_bad_input_is_a_400_with_a_code(visitor: WidgetClient, conversation: str, body: str) -> None:
    answer = visitor.ask_for_person_raw(conversation, body)

    assert answer.status == 400
    assert answer.error_code


def test_a_closed_conversation_answers_409(visitor: WidgetClient, conversation_id: str) -> None:
    visitor.close(conversation_id)

    answer = visitor.ask_for_person(conversation_id)

    assert answer.status == 409
    assert answer.error_code == "conversation_closed"


def test_it_is_rate_limited_like_patch(visitor: WidgetClient, conversation_id: str) -> None:
    answers = [visitor.ask_for_person(conversation_id).status for _ in range(12)]

    assert answers[:10] == [200] * 10
    assert answers[-1] == 429


def test_without_handoff_it_says_nobody_is_available_and_changes_nothing(
    visitor: WidgetClient, tenant: Tenant, conversation_id: str, db: Db
) -> None:
    db.execute("UPDATE channels SET handoff_enabled = false WHERE id = %s", (tenant.channel_id,))

    answer = visitor.ask_for_person(conversation_id)

    assert answer.status == 200
    assert answer.body["available"] is False
    assert answer.body["responderMode"] == "ai"
    assert answer.body["reply"] is None
    assert db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'conversation.handoff'").fetchone() == {"n": 0}


def test_without_handoff_the_email_left_is_kept_on_the_conversation_for_the_agents(
    visitor: WidgetClient, tenant: Tenant, conversation_id: str, db: Db
) -> None:
    db.execute("UPDATE channels SET handoff_enabled = false WHERE id = %s", (tenant.channel_id,))

    answer = visitor.ask_for_person(conversation_id, email="  ana@example.com ")

    assert answer.body["emailSaved"] is True
    row = db.execute(
        "SELECT visitor_metadata->>'contactEmail' AS email FROM conversations WHERE id = %s", (conversation_id,)
    ).fetchone()
    assert row == {"email": "ana@example.com"}
    updates = db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'conversation.updated'").fetchone()
    assert updates is not None
    assert updates["n"] >= 1
