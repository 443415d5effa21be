"""Meta's webhooks in: the verification handshake, the signature over the raw bytes, routing by
number or page within the channels that signed, idempotency on the provider's message id, and the
customers' messages through the same pipeline as the widget's (AI, language, handoff, billing)."""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.meta import MetaCredentials
from chatflow.meta.receiving import MAX_WEBHOOK_BYTES
from chatflow.meta.webhooks import contact_visitor_id
from chatflow.organizations import create_organization
from infra.functions import load_handler
from infra.local.fake_meta import FakeMeta
from tests.support.callers import super_admin
from tests.support.events import LambdaContextStub, sqs_event
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.meta_webhooks import MetaSender, messenger_text, meta_json, sign, whatsapp_status, whatsapp_text
from tests.support.secret_scan import register_secret

Db = psycopg.Connection[dict[str, Any]]

PHONE = "106540352242922"
OTHER_PHONE = "106540352249999"
PAGE = "318407991502937"
SECRET_A = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
SECRET_B = "ffeeddccbbaa00998877665544332211"
TOKEN = "EAAG" + "t0k3n" * 8


def _connected(db: Db, *, name: str, kind: str, account_id: str, app_secret: str, verify: str) -> UUID:
    for value, what in ((app_secret, "an app secret"), (TOKEN, "an access token")):
        register_secret(value, what)
    organization = create_organization(db, name=name, plan="pro", system_prompt="We are Brisa, a spa in Miami.")
    channel = create_channel(
        db,
        super_admin(),
        organization,
        name=f"{name} {kind}",
        channel_type=kind,  # type: ignore[arg-type]
        meta_credentials=MetaCredentials(
            kind=kind,  # type: ignore[arg-type]
            account_id=account_id,
            business_account_id="102290129340398" if kind == "whatsapp" else None,
            access_token=TOKEN,
            app_secret=app_secret,
            verify_token=verify,
        ),
    )
    return channel.id


@pytest.fixture
def whatsapp(db: Db) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


@pytest.fixture
def sender() -> MetaSender:
    return MetaSender("whatsapp", SECRET_A)


def _messages(db: Db, channel_id: UUID) -> list[dict[str, Any]]:
    return db.execute(
        """SELECT m.role, m.content, m.conversation_id, c.visitor_id, c.visitor_metadata FROM messages m
           JOIN conversations c ON c.id = m.conversation_id WHERE c.channel_id = %s ORDER BY m.seq""",
        (channel_id,),
    ).fetchall()


def test_the_handshake_echoes_the_challenge_for_a_known_verify_token(whatsapp: UUID, sender: MetaSender) -> None:
    answer = sender.verify({"hub.mode": "subscribe", "hub.verify_token": "brisa-verify", "hub.challenge": "1158201444"})

    assert (answer.status, answer.body) == (200, "1158201444")
    assert answer.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong-token", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "brisa-verify", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "brisa-verify"},
        {},
    ],
    ids=["wrong token", "wrong mode", "no challenge", "nothing"],
)
def test_any_other_handshake_is_403(whatsapp: UUID, sender: MetaSender, query: dict[str, str]) -> None:
    answer = sender.verify(query)

    assert answer.status == 403
    assert json.loads(answer.body)["error"]["code"] == "subscription_refused"


def test_a_verify_token_of_the_other_type_is_refused(whatsapp: UUID) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "brisa-verify", "hub.challenge": "1"}

    assert MetaSender("messenger", SECRET_A).verify(query).status == 403


def test_a_customer_message_is_answered_by_the_ai_in_their_language(
    whatsapp: UUID, sender: MetaSender, fake_openai: FakeOpenAI, db: Db
) -> None:
    fake_openai.then(Scripted(content="¡Claro! Abrimos a las 9."))
    text = "¿A qué hora abren mañana? 😊"

    answer = sender.post(whatsapp_text(PHONE, "13055551234", text, wamid="wamid.HBgLMTMwNTU1NTEyMzQVAgA", name="Ana"))

    assert (answer.status, answer.body) == (200, "EVENT_RECEIVED")
    rows = _messages(db, whatsapp)
    assert [(r["role"], r["content"]) for r in rows] == [("visitor", text), ("ai", "¡Claro! Abrimos a las 9.")]
    assert rows[0]["visitor_id"] == contact_visitor_id("whatsapp", whatsapp, "13055551234")
    assert rows[0]["visitor_metadata"] == {"channel": "whatsapp", "contactId": "13055551234", "contactName": "Ana"}
    conversation = db.execute("SELECT language FROM conversations").fetchone()
    assert conversation == {"language": "es"}
    assert "We are Brisa" in json.dumps(fake_openai.requests[-1]["messages"])


def test_the_signature_is_over_the_raw_bytes_as_sent(whatsapp: UUID, sender: MetaSender, db: Db) -> None:
    payload = whatsapp_text(PHONE, "13055551234", "Hola, ¿qué tal? ñandú", wamid="wamid.RAW1")
    escaped = meta_json(payload)  # Meta's form: \u00bf, no spaces
    spaced = json.dumps(payload, ensure_ascii=False, indent=1).encode()  # the same JSON, other bytes
    assert b"\\u00bf" in escaped

    first = sender.post_raw(spaced, sign(spaced, SECRET_A))
    tampered = escaped.replace(b"Hola", b"Holi")
    second = sender.post_raw(tampered, sign(escaped, SECRET_A))

    assert (first.status, second.status) == (200, 401)
    assert [r["content"] for r in _messages(db, whatsapp) if r["role"] == "visitor"] == ["Hola, ¿qué tal? ñandú"]


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=", "sha1=abc", "sha256=" + "0" * 64, sign(b"{}", SECRET_A)],
    ids=["missing", "empty", "other algorithm", "wrong", "of another body"],
)
def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(
    whatsapp: UUID, sender: MetaSender, db: Db, signature: str | None
) -> None:
    raw = meta_json(whatsapp_text(PHONE, "13055551234", "hello", wamid="wamid.BAD"))

    answer = sender.post_raw(raw, signature)

    assert answer.status == 401
    assert json.loads(answer.body)["error"]["code"] == "invalid_signature"
    assert _messages(db, whatsapp) == []


def test_a_redelivered_webhook_stores_nothing_twice(whatsapp: UUID, sender: MetaSender, db: Db) -> None:
    payload = whatsapp_text(PHONE, "13055551234", "Do you take walk-ins?", wamid="wamid.DUP")

    assert [sender.post(payload).status for _ in range(3)] == [200, 200, 200]

    rows = _messages(db, whatsapp)
    assert [r["role"] for r in rows] == ["visitor", "ai"]
    assert db.execute("SELECT conversations FROM usage_tracking").fetchone() == {"conversations": 1}


def test_concurrent_deliveries_of_one_message_store_it_once(whatsapp: UUID, sender: MetaSender, db: Db) -> None:
    payload = whatsapp_text(PHONE, "13055551234", "Is parking free?", wamid="wamid.RACE")
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(sender.post(payload).status)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 4
    assert [r["role"] for r in _messages(db, whatsapp)].count("visitor") == 1
    assert db.execute("SELECT count(*) AS n FROM conversations").fetchone() == {"n": 1}


def test_a_contact_keeps_one_open_conversation_and_another_contact_has_their_own(
    whatsapp: UUID, sender: MetaSender, db: Db
) -> None:
    sender.post(whatsapp_text(PHONE, "13055551234", "Hi", wamid="wamid.A1"))
    sender.post(whatsapp_text(PHONE, "13055551234", "Are you open on Sunday?", wamid="wamid.A2"))
    sender.post(whatsapp_text(PHONE, "13055559876", "Hola", wamid="wamid.B1", name="Luis"))

    rows = [r for r in _messages(db, whatsapp) if r["role"] == "visitor"]
    by_contact = {r["visitor_metadata"]["contactId"]: r["conversation_id"] for r in rows}
    assert len({r["conversation_id"] for r in rows}) == 2
    assert [r["conversation_id"] for r in rows][:2] == [by_contact["13055551234"]] * 2


def test_a_handoff_keyword_on_whatsapp_hands_over_and_silences_the_ai(
    whatsapp: UUID, sender: MetaSender, fake_openai: FakeOpenAI, db: Db
) -> None:
    sender.post(whatsapp_text(PHONE, "13055551234", "Quiero hablar con una persona", wamid="wamid.H1"))
    sender.post(whatsapp_text(PHONE, "13055551234", "¿Hola?", wamid="wamid.H2"))

    assert [r["role"] for r in _messages(db, whatsapp)] == ["visitor", "system", "visitor"]
    assert db.execute("SELECT responder_mode FROM conversations").fetchone() == {"responder_mode": "human"}
    handoffs = db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'conversation.handoff'").fetchone()
    assert handoffs == {"n": 1}
    assert fake_openai.requests == []


def test_a_webhook_naming_another_organisations_number_never_lands_there(whatsapp: UUID, db: Db) -> None:
    other = _connected(
        db, name="Other", kind="whatsapp", account_id=OTHER_PHONE, app_secret=SECRET_B, verify="other-verify"
    )

    # Signed with Brisa's secret, naming the other organisation's number.
    answer = MetaSender("whatsapp", SECRET_A).post(whatsapp_text(OTHER_PHONE, "13055551234", "hi", wamid="wamid.X"))

    assert answer.status == 200
    assert _messages(db, other) == []
    assert _messages(db, whatsapp) == []


def test_an_unknown_number_or_malformed_json_with_a_valid_signature_is_200_and_stores_nothing(
    whatsapp: UUID, sender: MetaSender, db: Db
) -> None:
    malformed = b'{"object": "whatsapp_business_account", "entry": ['

    unknown = sender.post(whatsapp_text("999", "13055551234", "hi", wamid="wamid.U"))
    broken = sender.post_raw(malformed, sign(malformed, SECRET_A))

    assert (unknown.status, broken.status) == (200, 200)
    assert _messages(db, whatsapp) == []


def test_an_oversized_body_is_413(whatsapp: UUID, sender: MetaSender, db: Db) -> None:
    raw = meta_json(whatsapp_text(PHONE, "13055551234", "x" * (MAX_WEBHOOK_BYTES + 1), wamid="wamid.BIG"))

    assert sender.post_raw(raw, sign(raw, SECRET_A)).status == 413
    assert _messages(db, whatsapp) == []


def test_statuses_and_media_in_one_batch_are_read_and_media_is_described(
    whatsapp: UUID, sender: MetaSender, db: Db, fake_meta: FakeMeta
) -> None:
    payload = whatsapp_text(PHONE, "13055551234", "unused", wamid="wamid.M1")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] = [
        {"from": "13055551234", "id": "wamid.M1", "type": "image", "image": {"id": "1", "caption": "My rash"}},
        {
            "from": "13055551234",
            "id": "wamid.M2",
            "type": "location",
            "location": {"latitude": 25.76, "longitude": -80.19},
        },
    ]
    value["statuses"] = whatsapp_status(PHONE, "wamid.OURS", "delivered", "13055551234")["entry"][0]["changes"][0][
        "value"
    ]["statuses"]

    assert sender.post(payload).status == 200

    visitor = [r["content"] for r in _messages(db, whatsapp) if r["role"] == "visitor"]
    assert visitor == ["[image] My rash", "[location] (25.76, -80.19)"]


def test_a_messenger_message_is_routed_by_its_page(db: Db) -> None:
    channel = _connected(db, name="Page", kind="messenger", account_id=PAGE, app_secret=SECRET_B, verify="page-verify")

    answer = MetaSender("messenger", SECRET_B).post(messenger_text(PAGE, "6000123456789", "Hello there", mid="m_1"))

    assert answer.status == 200
    rows = _messages(db, channel)
    assert rows[0]["content"] == "Hello there"
    assert rows[0]["visitor_metadata"] == {"channel": "messenger", "contactId": "6000123456789"}


def test_the_inbound_queue_function_handles_a_queued_webhook(whatsapp: UUID, db: Db) -> None:
    body = meta_json(whatsapp_text(PHONE, "13055551234", "From the queue", wamid="wamid.Q"))
    envelope = json.dumps({"kind": "whatsapp", "channelIds": [str(whatsapp)], "body": body.decode()})

    answer = load_handler("meta_inbound")(sqs_event(envelope, envelope), LambdaContextStub())

    assert answer == {"batchItemFailures": []}
    assert [r["content"] for r in _messages(db, whatsapp) if r["role"] == "visitor"] == ["From the queue"]
