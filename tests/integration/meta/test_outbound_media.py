"""An agent's file out to WhatsApp and Messenger (#20, with #19's attachments), through a fake of the
Graph API over real HTTP: uploaded first (WhatsApp POST /{phoneNumberId}/media, Messenger POST
/{pageId}/message_attachments) and then sent by the id Meta answers; an upload Meta refuses shows the
failed delivery as a text does; past WhatsApp's window the file is refused before it is uploaded."""

from __future__ import annotations

import io
import json
from typing import Any
from uuid import UUID

import psycopg
import pytest
from PIL import Image

from chatflow.access import Caller
from chatflow.attachments.service import confirm_agent_upload, request_agent_upload
from chatflow.errors import WindowClosed
from infra.local.fake_meta import Failure, FakeMeta
from tests.integration.meta.test_inbound_webhooks import PAGE, PHONE, SECRET_A, SECRET_B, TOKEN, _connected
from tests.support.attachments_s3 import LocalS3, upload
from tests.support.callers import admin_of
from tests.support.meta_webhooks import MetaSender, messenger_text, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"
PSID = "6001234567890123"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _agent(db: Db, channel_id: UUID) -> Caller:
    organization = db.execute("SELECT organization_id FROM channels WHERE id = %s", (channel_id,)).fetchone()
    assert organization is not None
    db.execute("INSERT INTO users (id, email, name) VALUES ('agent-ana', 'ana@brisa.test', 'Ana')")
    db.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, 'agent-ana', 'agent')",
        (organization["organization_id"],),
    )
    return admin_of(organization["organization_id"], user_id="agent-ana")


def _conversation(db: Db) -> UUID:
    row = db.execute("SELECT id FROM conversations").fetchone()
    assert row is not None
    conversation_id: UUID = row["id"]
    return conversation_id


def _send_file(agent: Caller, conversation_id: UUID, data: bytes, content_type: str, name: str) -> UUID:
    """As the dashboard does: a grant, the browser's POST to S3, the confirmation."""
    grant = request_agent_upload(agent, conversation_id, name=name, content_type=content_type, size=len(data))
    assert upload({"url": grant.url, "fields": grant.fields}, data, content_type, name).status_code in (200, 204)
    message = confirm_agent_upload(agent, conversation_id, grant.attachment_id)
    return message.id


def _delivery(db: Db, message_id: UUID) -> dict[str, Any] | None:
    return db.execute(
        "SELECT status, failure_reason, error_code FROM meta_deliveries WHERE message_id = %s", (message_id,)
    ).fetchone()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 30)).save(out, format="PNG")
    return out.getvalue()


def test_an_agents_pdf_goes_to_whatsapp_uploaded_and_sent_by_its_media_id(
    s3: LocalS3, fake_meta: FakeMeta, db: Db
) -> None:
    whatsapp = _connected(
        db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify"
    )
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "¿Me manda el recibo?", wamid="wamid.R"))
    agent = _agent(db, whatsapp)

    message_id = _send_file(agent, _conversation(db), PDF, "application/pdf", "recibo mayo.pdf")

    [uploaded] = fake_meta.uploaded_to(PHONE)
    assert (uploaded.path, uploaded.authorization) == ("media", f"Bearer {TOKEN}")
    assert uploaded.fields == {"messaging_product": "whatsapp", "type": "application/pdf"}
    assert (uploaded.filename, uploaded.content_type, uploaded.data) == ("recibo mayo.pdf", "application/pdf", PDF)
    sent = fake_meta.sent_to(PHONE)[-1]
    assert sent.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "document",
        "document": {"id": "FAKEMEDIA000002", "filename": "recibo mayo.pdf"},
    }
    assert _delivery(db, message_id) == {"status": "sent", "failure_reason": None, "error_code": None}


def test_an_agents_photo_goes_to_messenger_as_an_attachment_message(s3: LocalS3, fake_meta: FakeMeta, db: Db) -> None:
    messenger = _connected(
        db, name="Brisa", kind="messenger", account_id=PAGE, app_secret=SECRET_B, verify="brisa-verify"
    )
    MetaSender("messenger", SECRET_B).post(messenger_text(PAGE, PSID, "Send me the map", mid="m_MAP"))
    agent = _agent(db, messenger)

    message_id = _send_file(agent, _conversation(db), _png(), "image/png", "map.png")

    [uploaded] = fake_meta.uploaded_to(PAGE)
    assert uploaded.path == "message_attachments"
    assert json.loads(uploaded.fields["message"]) == {
        "attachment": {"type": "image", "payload": {"is_reusable": False}}
    }
    assert (uploaded.filename, uploaded.content_type) == ("map.png", "image/png")
    assert uploaded.data.startswith(b"\x89PNG")  # the re-encoded image, as the inbox shows it
    sent = fake_meta.sent_to(PAGE)[-1]
    assert sent.body == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"attachment": {"type": "image", "payload": {"attachment_id": "FAKEATT000002"}}},
    }
    assert _delivery(db, message_id) == {"status": "sent", "failure_reason": None, "error_code": None}


def test_an_upload_meta_refuses_shows_the_failed_delivery_and_nothing_is_sent(
    s3: LocalS3, fake_meta: FakeMeta, db: Db
) -> None:
    whatsapp = _connected(
        db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify"
    )
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "the receipt?", wamid="wamid.F"))
    agent = _agent(db, whatsapp)
    sent_before = len(fake_meta.sent_to(PHONE))
    fake_meta.fail_next(Failure(status=400, code=131053, message="Media upload error"))

    message_id = _send_file(agent, _conversation(db), PDF, "application/pdf", "receipt.pdf")

    assert _delivery(db, message_id) == {"status": "failed", "failure_reason": "refused", "error_code": 131053}
    assert len(fake_meta.sent_to(PHONE)) == sent_before


def test_past_whatsapps_window_an_agents_file_is_refused_before_it_is_uploaded(
    s3: LocalS3, fake_meta: FakeMeta, db: Db
) -> None:
    whatsapp = _connected(
        db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify"
    )
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.OLD"))
    db.execute("UPDATE messages SET created_at = now() - interval '25 hours' WHERE role = 'visitor'")
    agent = _agent(db, whatsapp)

    with pytest.raises(WindowClosed):
        request_agent_upload(agent, _conversation(db), name="r.pdf", content_type="application/pdf", size=len(PDF))

    assert fake_meta.uploaded_to(PHONE) == []
