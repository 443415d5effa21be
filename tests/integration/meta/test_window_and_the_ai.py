"""The AI does not answer a WhatsApp or Messenger message handled after its 24-hour window closed (#20):
Meta would refuse the answer, so none is generated (the model is never called: no tokens) and the
agents read a private note that says why, in the conversation's language, once however often Meta
redelivers the message. The window counts from Meta's timestamp, not from when we handled it."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import psycopg
import pytest

from infra.local.fake_meta import FakeMeta
from tests.integration.meta.test_inbound_webhooks import PAGE, PHONE, SECRET_A, SECRET_B, _connected
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.meta_webhooks import MetaSender, messenger_text, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"
HOUR = 3600


@pytest.fixture
def whatsapp(db: Db, fake_meta: FakeMeta) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


def _roles(db: Db) -> list[str]:
    return [r["role"] for r in db.execute("SELECT role FROM messages ORDER BY seq").fetchall()]


def _notes(db: Db) -> list[dict[str, Any]]:
    return db.execute("SELECT author_user_id, content FROM conversation_notes ORDER BY created_at").fetchall()


def test_a_whatsapp_message_handled_past_its_window_gets_no_ai_answer_and_a_note_says_why(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI, db: Db
) -> None:
    sent = int(time.time()) - 25 * HOUR
    late = whatsapp_text(PHONE, CUSTOMER, "¿Abren el domingo?", wamid="wamid.LATE", timestamp=sent)

    MetaSender("whatsapp", SECRET_A).post(late)
    MetaSender("whatsapp", SECRET_A).post(late)  # Meta redelivers it

    assert _roles(db) == ["visitor"]
    assert fake_openai.requests == []  # no tokens spent
    assert fake_meta.sent_to(PHONE) == []
    [note] = _notes(db)
    assert note["author_user_id"] is None
    assert note["content"].startswith("La IA no respondió al mensaje del cliente del ")
    assert "ventana de 24 horas de WhatsApp" in note["content"]
    assert time.strftime("%Y-%m-%d %H:%M", time.gmtime(sent)) in note["content"]
    # the note went live to the operators like any other (its listeners ran and are done)
    assert db.execute("SELECT count(*) AS n FROM listener_runs WHERE done_at IS NULL").fetchone() == {"n": 0}
    assert db.execute(
        "SELECT count(*) AS n FROM listener_runs WHERE listener = 'push_note_to_operators'"
    ).fetchone() == {"n": 1}


def test_a_messenger_message_past_its_window_is_noted_in_english(
    db: Db, fake_meta: FakeMeta, fake_openai: FakeOpenAI
) -> None:
    _connected(db, name="Brisa", kind="messenger", account_id=PAGE, app_secret=SECRET_B, verify="brisa-page")
    sent_ms = (int(time.time()) - 30 * HOUR) * 1000

    MetaSender("messenger", SECRET_B).post(
        messenger_text(PAGE, "6001234567890123", "Are you open on Sunday?", mid="m_LATE", timestamp_ms=sent_ms)
    )

    assert _roles(db) == ["visitor"]
    assert fake_openai.requests == []
    [note] = _notes(db)
    assert note["content"].startswith("The AI did not answer the customer's message of ")
    assert "Messenger's 24-hour window had closed" in note["content"]


def test_within_its_window_a_late_message_is_answered_as_ever(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="Sí, de 10 a 4."))

    MetaSender("whatsapp", SECRET_A).post(
        whatsapp_text(PHONE, CUSTOMER, "¿Abren el domingo?", wamid="wamid.SLOW", timestamp=int(time.time()) - 23 * HOUR)
    )

    assert _roles(db) == ["visitor", "ai"]
    assert [s.body["text"]["body"] for s in fake_meta.sent_to(PHONE)] == ["Sí, de 10 a 4."]
    assert _notes(db) == []
