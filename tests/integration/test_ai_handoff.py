"""The AI hands off: the model is given handoff_to_human, and a call of it switches the conversation to
a person as a keyword does — against the recording fake OpenAI server and the real database."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

_CANNOT_ANSWER = json.dumps({"reason": "cannot_answer", "summary": "Wants a refund for order 1182"})


def _conversation(db: Db, conversation_id: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT status, responder_mode, handoff_source, handoff_reason, handoff_summary, handed_off_at IS NOT NULL "
        "AS handed_off FROM conversations WHERE id = %s",
        (conversation_id,),
    ).fetchone()
    assert row is not None
    return row


def test_the_model_is_offered_the_handoff_tool_and_told_when_to_use_it(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    visitor.post("Hello")

    sent = fake_openai.requests[-1]
    assert [t["function"]["name"] for t in sent["tools"]] == ["handoff_to_human"]
    parameters = sent["tools"][0]["function"]["parameters"]
    assert parameters["properties"]["reason"]["enum"] == [
        "visitor_asked",
        "cannot_answer",
        "frustrated",
        "sensitive",
        "other",
    ]
    assert "handoff_to_human" in sent["messages"][0]["content"]


def test_a_channel_without_handoff_offers_no_tool(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    db.execute("UPDATE channels SET handoff_enabled = false WHERE id = %s", (tenant.channel_id,))

    visitor.post("Hello")

    assert "tools" not in fake_openai.requests[-1]
    assert "handoff_to_human" not in fake_openai.requests[-1]["messages"][0]["content"]


def test_a_tool_call_hands_off_with_its_reason_stored_and_no_ai_message(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))

    answer = visitor.post("I need a refund for order 1182, it arrived broken")

    assert answer.status == 200
    assert answer.body["handoff"] is True
    assert answer.body["responderMode"] == "human"
    assert answer.body["status"] == "pending"
    assert answer.body["reply"]["role"] == "system"
    conversation_id = answer.body["conversationId"]
    assert _conversation(db, conversation_id) == {
        "status": "pending",
        "responder_mode": "human",
        "handoff_source": "ai",
        "handoff_reason": "cannot_answer",
        "handoff_summary": "Wants a refund for order 1182",
        "handed_off": True,
    }
    roles = [r["role"] for r in db.execute("SELECT role FROM messages ORDER BY seq").fetchall()]
    assert roles == ["visitor", "system"]


def test_the_ai_handoff_notice_is_the_keyword_notice_in_the_visitors_language(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    keyword = visitor.post("Quiero hablar con un humano", lang="es")
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))
    other = WidgetClient(visitor.public_key, uuid4())

    by_ai = other.post("Necesito un reembolso de mi pedido, llegó roto", lang="es")

    assert by_ai.body["reply"]["content"] == keyword.body["reply"]["content"]


def test_a_tool_call_writes_the_same_handoff_event_with_its_reason(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))

    visitor.post("I need a refund for order 1182")

    row = db.execute("SELECT version, payload FROM outbox WHERE type = 'conversation.handoff'").fetchone()
    assert row == {
        "version": 2,
        "payload": {
            "requested_by": "visitor",
            "agent_name": None,
            "source": "ai",
            "reason": "cannot_answer",
            "summary": "Wants a refund for order 1182",
        },
    }


def test_after_an_ai_handoff_a_visitor_message_gets_no_ai_call_at_all(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))
    conversation_id = visitor.post("I need a refund").body["conversationId"]
    calls = len(fake_openai.requests)

    answer = visitor.post("Hello? Anyone?", conversationId=conversation_id)

    assert len(fake_openai.requests) == calls
    assert answer.body["reply"] is None
    assert answer.body["responderMode"] == "human"


def test_a_keyword_handoff_stores_that_the_visitor_asked(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    answer = visitor.post("I want to talk to a human")

    assert fake_openai.requests == []  # the fast path: no model call
    conversation = _conversation(db, answer.body["conversationId"])
    assert (conversation["handoff_source"], conversation["handoff_reason"]) == ("keyword", "visitor_asked")


@pytest.mark.parametrize(
    "arguments",
    [
        "{not json",
        json.dumps({"reason": "bored", "summary": "x"}),
        json.dumps(["visitor_asked"]),
        json.dumps({"summary": 42}),
        "",
    ],
    ids=["broken-json", "unknown-reason", "not-an-object", "no-reason", "empty"],
)
def test_a_tool_call_with_garbage_arguments_hands_off_as_other(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db, arguments: str
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=arguments))

    answer = visitor.post("Help me")

    assert answer.status == 200
    assert answer.body["handoff"] is True
    assert _conversation(db, answer.body["conversationId"])["handoff_reason"] == "other"


def test_an_overlong_multiline_summary_is_kept_as_one_bounded_line(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    summary = "Angry\nabout\tthe  bill " + "1234567890" * 100
    fake_openai.then(Scripted(content="", tool_arguments=json.dumps({"reason": "frustrated", "summary": summary})))

    answer = visitor.post("This bill is wrong!!")

    stored = _conversation(db, answer.body["conversationId"])["handoff_summary"]
    assert stored.startswith("Angry about the bill 1234567890")
    assert len(stored) == 300


def test_a_provider_without_tools_still_answers_and_keywords_still_hand_off(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    fake_openai.rejects_tools = True

    answered = visitor.post("What time do you open?")
    keyword = visitor.post("I want a real person", conversationId=answered.body["conversationId"])

    assert answered.body["reply"]["content"] == "Hello from the fake model."
    assert "tools" not in fake_openai.requests[-1]
    assert keyword.body["handoff"] is True


def test_a_model_that_hands_off_every_conversation_shows_in_the_handoff_reasons(
    tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.default = Scripted(content="", tool_arguments=json.dumps({"reason": "other", "summary": "?"}))

    for _ in range(3):
        WidgetClient(tenant.public_key, uuid4()).post("What time do you open?")

    rows = db.execute(
        "SELECT handoff_source, handoff_reason, count(*) AS n FROM conversations GROUP BY 1, 2"
    ).fetchall()
    assert rows == [{"handoff_source": "ai", "handoff_reason": "other", "n": 3}]


def test_a_retry_after_an_ai_handoff_returns_the_notice_without_calling_the_model_again(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    client_message_id = uuid4()
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))
    first = visitor.post("I need a refund", clientMessageId=client_message_id)

    again = visitor.post("I need a refund", clientMessageId=client_message_id)

    assert len(fake_openai.requests) == 1
    assert again.body["reply"] == first.body["reply"]
    assert again.body["handoff"] is True


def test_a_conversation_unlinked_from_its_visitor_loses_the_ais_summary_of_their_words(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))
    conversation_id = visitor.post("I need a refund for order 1182").body["conversationId"]

    db.execute("UPDATE conversations SET visitor_id = gen_random_uuid() WHERE id = %s", (conversation_id,))

    assert _conversation(db, conversation_id)["handoff_summary"] is None
    assert _conversation(db, conversation_id)["handoff_reason"] == "cannot_answer"


def test_a_tool_call_where_handoff_is_off_is_no_handoff_and_the_visitor_still_gets_an_answer(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    db.execute("UPDATE channels SET handoff_enabled = false WHERE id = %s", (tenant.channel_id,))
    fake_openai.then(Scripted(content="", tool_arguments=_CANNOT_ANSWER))

    answer = visitor.post("I need a refund")

    assert answer.body["handoff"] is False
    assert answer.body["responderMode"] == "ai"
    assert answer.body["reply"]["content"].startswith("Sorry")
