"""Our messages out to WhatsApp and Messenger, through a fake of Meta's Graph API over real HTTP: the
AI's answer in the customer's language, the handoff notice, an agent's reply; sent once however often
the listener runs; retried on 5xx; a permanent refusal recorded as failed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow import outbox
from chatflow.inbox import send_agent_message
from chatflow.listeners import LISTENERS
from infra.local.fake_meta import Failure, FakeMeta
from tests.integration.meta.test_inbound_webhooks import PAGE, PHONE, SECRET_A, SECRET_B, TOKEN, _connected
from tests.support.callers import admin_of
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.meta_webhooks import MetaSender, messenger_text, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"


@pytest.fixture
def whatsapp(db: Db) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


def _deliveries(db: Db) -> list[dict[str, Any]]:
    return db.execute(
        """SELECT m.role, d.status, d.provider_message_id, d.attempts, d.error_code FROM meta_deliveries d
           JOIN messages m ON m.id = d.message_id ORDER BY m.seq"""
    ).fetchall()


def test_the_ai_answer_goes_to_the_customer_on_whatsapp_in_their_language(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="¡Hola! Abrimos mañana a las 9."))

    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "¿Abren mañana?", wamid="wamid.IN1"))

    [sent] = fake_meta.sent_to(PHONE)
    assert sent.authorization == f"Bearer {TOKEN}"
    assert sent.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"preview_url": False, "body": "¡Hola! Abrimos mañana a las 9."},
    }
    assert "Spanish" in str(fake_openai.requests[-1]["messages"][0])
    assert _deliveries(db) == [
        {"role": "ai", "status": "sent", "provider_message_id": "wamid.FAKE000001", "attempts": 1, "error_code": None}
    ]


def test_the_handoff_notice_and_then_the_agents_reply_go_out_and_the_visitors_own_never(
    whatsapp: UUID, fake_meta: FakeMeta, db: Db
) -> None:
    organization = db.execute("SELECT organization_id FROM channels WHERE id = %s", (whatsapp,)).fetchone()
    assert organization is not None
    db.execute("INSERT INTO users (id, email, name) VALUES ('agent-ana', 'ana@brisa.test', 'Ana')")
    db.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, 'agent-ana', 'admin')",
        (organization["organization_id"],),
    )
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "I want a human", wamid="wamid.H"))
    conversation = db.execute("SELECT id FROM conversations").fetchone()
    assert conversation is not None

    send_agent_message(
        admin_of(organization["organization_id"], user_id="agent-ana"), conversation["id"], "Hi, I'm Ana."
    )

    bodies = [s.body["text"]["body"] for s in fake_meta.sent_to(PHONE)]
    assert bodies[0].startswith("I'm connecting you with a person")
    assert bodies[1:] == ["Hi, I'm Ana."]
    assert [(d["role"], d["status"]) for d in _deliveries(db)] == [("system", "sent"), ("agent", "sent")]


def test_a_message_is_sent_once_however_often_its_event_is_dispatched(
    whatsapp: UUID, fake_meta: FakeMeta, db: Db
) -> None:
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.ONCE"))
    events = [r["id"] for r in db.execute("SELECT id FROM outbox WHERE type = 'message.created'").fetchall()]
    db.execute("DELETE FROM listener_runs")  # as if every run were lost and done again

    outbox.dispatch(events, LISTENERS)

    assert len(fake_meta.sent_to(PHONE)) == 1


def test_a_5xx_is_retried_and_the_message_goes_out_once(whatsapp: UUID, fake_meta: FakeMeta, db: Db) -> None:
    fake_meta.fail_next(Failure(status=500, code=2, message="Service temporarily unavailable"))

    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.RETRY"))
    [pending] = _deliveries(db)
    events = [r["id"] for r in db.execute("SELECT id FROM outbox WHERE type = 'message.created'").fetchall()]
    outcome = outbox.dispatch(events, LISTENERS)

    assert (pending["status"], pending["attempts"], pending["error_code"]) == ("pending", 1, 2)
    assert outcome.ran >= 1
    assert [(d["status"], d["attempts"]) for d in _deliveries(db)] == [("sent", 2)]
    assert len(fake_meta.sent_to(PHONE)) == 2  # the failed attempt and the one that went through


def test_a_permanent_refusal_is_recorded_as_failed_and_not_retried(whatsapp: UUID, fake_meta: FakeMeta, db: Db) -> None:
    fake_meta.fail_next(Failure(status=400, code=131047, message="Re-engagement message"))

    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.LATE"))

    assert [(d["status"], d["error_code"]) for d in _deliveries(db)] == [("failed", 131047)]
    assert db.execute(
        "SELECT count(*) AS n FROM listener_runs WHERE listener = 'send_to_meta' AND done_at IS NULL"
    ).fetchone() == {"n": 0}


def test_messenger_answers_as_a_response_to_the_page_scoped_id(fake_meta: FakeMeta, db: Db) -> None:
    _connected(db, name="Page", kind="messenger", account_id=PAGE, app_secret=SECRET_B, verify="page-verify")

    MetaSender("messenger", SECRET_B).post(messenger_text(PAGE, "6000123456789", "Hello", mid="m_IN"))

    [sent] = fake_meta.sent_to(PAGE)
    assert sent.body["recipient"] == {"id": "6000123456789"}
    assert sent.body["messaging_type"] == "RESPONSE"
    assert "tag" not in sent.body
