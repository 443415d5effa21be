"""POST /api/chat: a visitor's message in, the answer out — against the real database."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.crypto import encrypt, parse_key
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.integration.conftest import Tenant
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _count(db: Db, sql: str, *params: object) -> int:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return int(next(iter(row.values())))


def test_first_message_opens_a_conversation_and_gets_an_ai_reply(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    answer = visitor.post("What time do you open?")

    assert answer.status == 200
    assert answer.body["status"] == "open"
    assert answer.body["responderMode"] == "ai"
    assert answer.body["handoff"] is False
    assert answer.body["reply"]["role"] == "ai"
    assert answer.body["reply"]["content"] == "Hello from the fake model."
    assert UUID(answer.body["conversationId"])
    assert answer.body["reply"]["createdAt"].endswith("Z")


def test_reply_is_stored_with_its_model_and_tokens(visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db) -> None:
    answer = visitor.post("Hi")

    row = db.execute("SELECT role, model, tokens_used FROM messages WHERE id = %s", (answer.body["reply"]["id"],))
    assert row.fetchone() == {"role": "ai", "model": "gpt-4o-mini", "tokens_used": 42}


def test_prompt_carries_system_prompt_language_history_and_message(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    first = visitor.post("Hola", lang="es")
    visitor.post("¿Tienen café descafeinado?", conversationId=first.body["conversationId"], lang="es")

    sent = fake_openai.requests[-1]
    system = sent["messages"][0]
    assert system["role"] == "system"
    assert "We sell coffee. Open 8-18." in system["content"]
    assert "answer in Spanish" in system["content"]
    assert [m["role"] for m in sent["messages"][1:]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"] == "Hola"
    assert sent["messages"][-1]["content"] == "¿Tienen café descafeinado?"
    assert sent["model"] == "gpt-4o-mini"
    assert sent["temperature"] == pytest.approx(0.7)
    assert sent["max_tokens"] == 500


def test_history_in_the_prompt_is_bounded(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("CHAT_HISTORY_MESSAGES", "4")
    get_settings.cache_clear()
    conversation = visitor.post("one").body["conversationId"]
    for word in ("two", "three", "four"):
        visitor.post(word, conversationId=conversation)

    sent = fake_openai.requests[-1]["messages"]
    assert len(sent) == 1 + 4 + 1  # instructions, the last four messages, the new one
    assert sent[-1]["content"] == "four"


def test_channel_prompt_overrides_the_organisation_prompt(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    db.execute("UPDATE channels SET system_prompt = 'Only talk about tea.' WHERE id = %s", (tenant.channel_id,))

    visitor.post("Hello")

    system = fake_openai.requests[-1]["messages"][0]["content"]
    assert "Only talk about tea." in system
    assert "We sell coffee" not in system


def test_technical_parameters_come_from_the_organisation(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    db.execute(
        "UPDATE ai_settings SET model = 'gpt-4.1', temperature = 0.2, max_tokens = 120 WHERE organization_id = %s",
        (tenant.organization_id,),
    )

    visitor.post("Hello")

    sent = fake_openai.requests[-1]
    assert (sent["model"], sent["temperature"], sent["max_tokens"]) == ("gpt-4.1", pytest.approx(0.2), 120)


def test_organisation_key_is_used_before_the_environment_key(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    stored = encrypt("sk-org-secret-1234", parse_key(TEST_ENCRYPTION_KEY))
    db.execute(
        "UPDATE ai_settings SET encrypted_api_key = %s WHERE organization_id = %s", (stored, tenant.organization_id)
    )

    visitor.post("Hello")

    assert fake_openai.headers[-1]["authorization"] == "Bearer sk-org-secret-1234"


def test_platform_key_is_used_when_the_organisation_has_none(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    stored = encrypt("sk-platform-5678", parse_key(TEST_ENCRYPTION_KEY))
    db.execute("INSERT INTO platform_settings (key, value) VALUES ('openai_api_key', %s)", (stored,))

    visitor.post("Hello")

    assert fake_openai.headers[-1]["authorization"] == "Bearer sk-platform-5678"


def test_without_any_key_the_offline_provider_says_it_is_offline(visitor: WidgetClient) -> None:
    answer = visitor.post("Hola, ¿abren el domingo?", lang="es")

    assert answer.status == 200
    assert "[Demo sin conexión]" in answer.body["reply"]["content"]


def test_ai_failure_keeps_the_message_and_answers_with_a_polite_fallback(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.default = Scripted(status=500)

    answer = visitor.post("¿Hacen entregas?", lang="es")

    assert answer.status == 200
    assert answer.body["reply"]["role"] == "ai"
    assert answer.body["reply"]["content"].startswith("Lo siento")
    stored = db.execute("SELECT role, content FROM messages ORDER BY seq").fetchall()
    assert stored[0] == {"role": "visitor", "content": "¿Hacen entregas?"}


def test_ai_failure_is_retried_before_falling_back(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("AI_MAX_RETRIES", "1")
    get_settings.cache_clear()
    fake_openai.then(Scripted(status=503))

    answer = visitor.post("Hello")

    assert len(fake_openai.requests) == 2
    assert answer.body["reply"]["content"] == "Hello from the fake model."


def test_an_ai_rate_limit_is_retried_after_the_wait_the_provider_asks_for(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("AI_MAX_RETRIES", "1")
    get_settings.cache_clear()
    fake_openai.then(Scripted(status=429, headers={"retry-after": "0.2"}))

    answer = visitor.post("Hello")

    assert len(fake_openai.requests) == 2
    assert answer.body["reply"]["content"] == "Hello from the fake model."


@pytest.mark.parametrize("retry_after", [{"retry-after": "60"}, {"retry-after-ms": "30000"}])
def test_an_ai_rate_limit_asking_for_a_long_wait_falls_back_at_once(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, retry_after: dict[str, str]
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("AI_MAX_RETRIES", "2")
    get_settings.cache_clear()
    fake_openai.default = Scripted(status=429, headers=retry_after)
    started = time.monotonic()

    answer = visitor.post("Hello")

    assert time.monotonic() - started < 5  # not the 60 s (twice) the SDK would otherwise wait
    assert len(fake_openai.requests) == 1
    assert answer.status == 200
    assert answer.body["reply"]["content"].startswith("Sorry")


def test_a_failing_provider_is_given_up_on_within_the_bounds_of_its_settings(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("AI_MAX_RETRIES", "2")
    monkeypatch.setenv("AI_TIMEOUT_SECONDS", "0.3")
    get_settings.cache_clear()
    fake_openai.default = Scripted(delay_seconds=1.0)
    started = time.monotonic()

    answer = visitor.post("Hello")

    # Three attempts of 0.3 s and two backoffs of at most 0.5 and 1 s, with room for a slow machine.
    assert time.monotonic() - started < 0.3 * 3 + 1.5 + 5
    assert len(fake_openai.requests) == 3
    assert answer.body["reply"]["content"].startswith("Sorry")


def test_ai_timeout_answers_with_the_fallback(
    visitor: WidgetClient, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("AI_TIMEOUT_SECONDS", "0.3")
    get_settings.cache_clear()
    fake_openai.default = Scripted(delay_seconds=1.0)

    answer = visitor.post("Hello")

    assert answer.status == 200
    assert answer.body["reply"]["content"].startswith("Sorry")


def test_garbage_from_the_provider_answers_with_the_fallback(visitor: WidgetClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Scripted(raw_body=b"<html>bad gateway</html>")

    answer = visitor.post("Hello")

    assert answer.status == 200
    assert answer.body["reply"]["content"].startswith("Sorry")


def test_handoff_phrase_switches_to_a_human_and_the_ai_stays_silent(
    visitor: WidgetClient, fake_openai: FakeOpenAI
) -> None:
    conversation = visitor.post("Hola").body["conversationId"]

    handoff = visitor.post("Quiero HABLAR con una persona, por favor", conversationId=conversation)
    after = visitor.post("¿Hola?", conversationId=conversation)

    assert handoff.body["handoff"] is True
    assert handoff.body["responderMode"] == "human"
    assert handoff.body["status"] == "pending"
    assert handoff.body["reply"]["role"] == "system"
    assert after.body["reply"] is None
    assert after.body["responderMode"] == "human"
    assert len(fake_openai.requests) == 1


def test_handoff_on_the_first_message_opens_a_human_conversation(visitor: WidgetClient) -> None:
    answer = visitor.post("I need a human agent")

    assert answer.body["handoff"] is True
    assert answer.body["responderMode"] == "human"


def test_handoff_keywords_are_ignored_when_the_channel_disables_handoff(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    db.execute("UPDATE channels SET handoff_enabled = false WHERE id = %s", (tenant.channel_id,))

    answer = visitor.post("representante")

    assert answer.body["handoff"] is False
    assert answer.body["reply"]["role"] == "ai"


def test_channel_handoff_keywords_override_the_organisation_ones(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    db.execute("UPDATE channels SET handoff_keywords = '{manager}' WHERE id = %s", (tenant.channel_id,))

    assert visitor.post("representante").body["handoff"] is False
    assert visitor.post("Let me speak to the manager").body["handoff"] is True


def test_retry_with_the_same_client_message_id_returns_the_first_answer(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    client_message_id = uuid4()

    first = visitor.post("Hello", clientMessageId=client_message_id)
    again = visitor.post("Hello", clientMessageId=client_message_id)

    assert again.body == first.body
    assert _count(db, "SELECT count(*) FROM conversations") == 1
    assert _count(db, "SELECT count(*) FROM messages WHERE role = 'visitor'") == 1
    assert len(fake_openai.requests) == 1


def test_retry_in_an_existing_conversation_writes_nothing_twice(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    client_message_id = uuid4()

    first = visitor.post("More", conversationId=conversation, clientMessageId=client_message_id)
    again = visitor.post("More", conversationId=conversation, clientMessageId=client_message_id)

    assert again.body == first.body
    assert _count(db, "SELECT count(*) FROM messages WHERE role = 'visitor'") == 2


def test_racing_retries_of_a_first_message_open_one_conversation(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    client_message_id = uuid4()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: visitor.post("Hi", clientMessageId=client_message_id), range(6)))

    assert {a.status for a in answers} == {200}
    assert len({a.body["conversationId"] for a in answers}) == 1
    assert len({a.body["reply"]["id"] for a in answers}) == 1
    assert _count(db, "SELECT count(*) FROM messages WHERE role = 'visitor'") == 1
    assert _count(db, "SELECT count(*) FROM messages WHERE role = 'ai'") == 1
    assert (
        _count(db, "SELECT conversations FROM usage_tracking WHERE organization_id = %s", tenant.organization_id) == 1
    )


def test_a_retry_whose_first_attempt_never_answered_gets_an_answer(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    client_message_id = uuid4()
    first = visitor.post("Hello", clientMessageId=client_message_id)
    db.execute("DELETE FROM messages WHERE id = %s", (first.body["reply"]["id"],))  # as if the Lambda died mid-way

    again = visitor.post("Hello", clientMessageId=client_message_id)

    assert again.body["reply"]["role"] == "ai"
    assert _count(db, "SELECT count(*) FROM messages WHERE role = 'visitor'") == 1


def test_a_message_to_a_closed_conversation_starts_a_new_one(visitor: WidgetClient, db: Db) -> None:
    old = visitor.post("Hello").body["conversationId"]
    visitor.close(old)

    answer = visitor.post("I'm back", conversationId=old)

    assert answer.status == 200
    assert answer.body["conversationId"] != old
    assert _count(db, "SELECT count(*) FROM conversations") == 2


def test_usage_counts_conversations_messages_ai_messages_and_tokens(
    visitor: WidgetClient, tenant: Tenant, fake_openai: FakeOpenAI, db: Db
) -> None:
    conversation = visitor.post("one").body["conversationId"]
    visitor.post("two", conversationId=conversation)
    visitor.another_visitor().post("three")

    usage = db.execute(
        "SELECT conversations, messages, ai_messages, tokens, month FROM usage_tracking WHERE organization_id = %s",
        (tenant.organization_id,),
    ).fetchone()
    assert usage is not None
    assert (usage["conversations"], usage["messages"], usage["ai_messages"], usage["tokens"]) == (2, 6, 3, 126)
    assert usage["month"].day == 1


def test_a_visitor_over_the_plan_limit_is_never_cut_off(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    db.execute(
        "INSERT INTO usage_tracking (organization_id, month, conversations) "
        "VALUES (%s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 5000)",
        (tenant.organization_id,),
    )

    answer = visitor.post("Hello")

    assert answer.status == 200
    assert answer.body["reply"] is not None
    assert (
        _count(db, "SELECT conversations FROM usage_tracking WHERE organization_id = %s", tenant.organization_id)
        == 5001
    )


@pytest.mark.parametrize(
    "text",
    [
        "¡Hola! 😀☕ ¿Cuánto cuesta?",
        "Robert'); DROP TABLE messages;--",
        'She said "quotes" and \\backslashes\\',
        "multi\nline\ttext",
        "x" * 2000,
    ],
)
def test_text_is_stored_exactly_as_sent(visitor: WidgetClient, db: Db, text: str) -> None:
    answer = visitor.post(text)

    assert answer.status == 200
    row = db.execute("SELECT content FROM messages WHERE role = 'visitor'").fetchone()
    assert row == {"content": text}


def test_message_is_trimmed(visitor: WidgetClient, db: Db) -> None:
    visitor.post("   hello there \n ")

    assert db.execute("SELECT content FROM messages WHERE role = 'visitor'").fetchone() == {"content": "hello there"}


def test_visitor_metadata_and_page_are_kept_without_the_ip(visitor: WidgetClient, db: Db) -> None:
    visitor.post("Hello", pageUrl="https://shop.example.com/pricing")

    row = db.execute("SELECT page_url, visitor_metadata FROM conversations").fetchone()
    assert row is not None
    assert row["page_url"] == "https://shop.example.com/pricing"
    assert row["visitor_metadata"]["userAgent"].startswith("Mozilla/5.0")
    assert "203.0.113.10" not in json.dumps(row["visitor_metadata"])


def test_language_tag_is_normalised(visitor: WidgetClient, db: Db) -> None:
    visitor.post("Hola", lang="es-MX")

    assert db.execute("SELECT language FROM conversations").fetchone() == {"language": "es"}


def test_cors_is_open_by_default(visitor: WidgetClient) -> None:
    answer = visitor.post("Hello")

    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_a_channel_with_allowed_origins_refuses_other_sites(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    db.execute("UPDATE channels SET allowed_origins = '{https://coffee.example}' WHERE id = %s", (tenant.channel_id,))

    refused = visitor.post("Hello")  # the recorded event comes from https://shop.example.com
    body = json.dumps({"publicKey": str(tenant.public_key), "visitorId": str(visitor.visitor_id), "message": "Hi"})
    allowed = visitor.post_raw(body, headers={"Origin": "https://coffee.example"})

    assert refused.status == 403
    assert refused.error_code == "origin_not_allowed"
    assert allowed.status == 200
