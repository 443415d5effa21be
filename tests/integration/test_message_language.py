"""Each visitor message is answered in the language it is written in (issue #15, item 2): detected,
stored on the message, told to the AI; the conversation's language when the message says nothing of
its own. The handoff notice and the fallback follow the same rule."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

SPANISH_HANDOFF = "Te estoy comunicando con una persona de nuestro equipo."
SPANISH_FALLBACK = "Lo siento, ahora mismo no puedo responder."


def _instructions(fake_openai: FakeOpenAI) -> str:
    return str(fake_openai.requests[-1]["messages"][0]["content"])


def _languages(db: Db, conversation_id: str) -> list[tuple[str, str | None]]:
    rows = db.execute(
        "SELECT role, language FROM messages WHERE conversation_id = %s ORDER BY seq", (conversation_id,)
    ).fetchall()
    return [(r["role"], r["language"]) for r in rows]


def test_a_spanish_message_on_an_english_widget_is_answered_in_spanish(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    answer = visitor.post("Hola, ¿a qué hora abren los sábados?", lang="en")

    assert "The visitor's message is in Spanish: answer in Spanish" in _instructions(fake_openai)
    assert _languages(db, answer.body["conversationId"]) == [("visitor", "es"), ("ai", "es")]


def test_a_visitor_who_switches_language_gets_answers_in_the_new_one(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    conversation = visitor.post("Hola, ¿tienen estacionamiento?", lang="es").body["conversationId"]

    visitor.post("Sorry, do you have parking for bikes?", conversationId=conversation, lang="es")

    assert "answer in English" in _instructions(fake_openai)
    row = db.execute("SELECT language FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row == {"language": "en"}


def test_a_message_without_a_language_of_its_own_keeps_the_conversations(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    conversation = visitor.post("Buenas tardes, quiero hacer un pedido", lang="en").body["conversationId"]

    visitor.post("#A-1029 👍", conversationId=conversation, lang="en")

    assert "answer in Spanish" in _instructions(fake_openai)
    assert _languages(db, conversation)[-2:] == [("visitor", "es"), ("ai", "es")]


def test_a_first_message_without_a_language_of_its_own_takes_the_widgets(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    answer = visitor.post("ok", lang="es")

    assert "answer in Spanish" in _instructions(fake_openai)
    assert _languages(db, answer.body["conversationId"])[0] == ("visitor", "es")


def test_spanglish_gets_the_dominant_language(visitor: WidgetClient, fake_openai: FakeOpenAI) -> None:
    visitor.post("Hola, quería saber si el delivery llega hasta Brickell hoy", lang="en")

    assert "answer in Spanish" in _instructions(fake_openai)


def test_the_handoff_notice_speaks_the_messages_language(visitor: WidgetClient, db: Db) -> None:
    answer = visitor.post("Hola, quiero hablar con una persona", lang="en")

    assert answer.body["handoff"] is True
    assert answer.body["reply"]["role"] == "system"
    assert answer.body["reply"]["content"].startswith(SPANISH_HANDOFF)
    assert _languages(db, answer.body["conversationId"]) == [("visitor", "es"), ("system", "es")]


def test_the_fallback_speaks_the_messages_language(visitor: WidgetClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Scripted(status=500)

    answer = visitor.post("¿Cuánto cuesta un café con leche?", lang="en")

    assert answer.body["reply"]["content"].startswith(SPANISH_FALLBACK)


def test_a_retry_of_a_message_left_unanswered_is_answered_in_its_language(
    visitor: WidgetClient, fake_openai: FakeOpenAI, db: Db
) -> None:
    client_message_id = "6f1d2c1e-0f4b-4e55-9d57-3c1b2a0e9f10"
    first = visitor.post("¿Hacen envíos a domicilio?", lang="en", clientMessageId=client_message_id)
    db.execute("DELETE FROM messages WHERE role = 'ai'")  # as if the function died before the answer
    fake_openai.requests.clear()

    again = visitor.post(
        "¿Hacen envíos a domicilio?",
        conversationId=first.body["conversationId"],
        lang="en",
        clientMessageId=client_message_id,
    )

    assert again.body["reply"]["role"] == "ai"
    assert "answer in Spanish" in _instructions(fake_openai)
    assert _languages(db, first.body["conversationId"]) == [("visitor", "es"), ("ai", "es")]
