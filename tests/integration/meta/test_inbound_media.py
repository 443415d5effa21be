"""WhatsApp media into the attachment store (#20, item 3, with #19's attachments): a customer's photo
or PDF is fetched through a fake of the Graph API over real HTTP (GET /{mediaId}, then its URL with
the channel's token) and kept as the attachment of the message that describes it, re-encoded and
checked as an upload is; a redelivered webhook fetches nothing again; what we do not keep (a voice
note) stays a description."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from PIL import Image

from infra.local.fake_meta import FakeMeta, MediaFile
from tests.integration.meta.test_inbound_webhooks import PHONE, SECRET_A, TOKEN, _connected
from tests.support.attachments_s3 import LocalS3, local_s3
from tests.support.meta_webhooks import MetaSender, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with local_s3() as started:
        yield started


@pytest.fixture
def whatsapp(db: Db, s3: LocalS3, fake_meta: FakeMeta) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _media_webhook(wamid: str, kind: str, media: dict[str, Any]) -> dict[str, Any]:
    payload = whatsapp_text(PHONE, CUSTOMER, "unused", wamid=wamid)
    payload["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": CUSTOMER, "id": wamid, "timestamp": "1764750000", "type": kind, kind: media}
    ]
    return payload


def _attachments(db: Db) -> list[dict[str, Any]]:
    return db.execute(
        """SELECT m.content, a.status, a.content_type, a.name FROM attachments a JOIN messages m ON m.id = a.message_id
           ORDER BY a.created_at"""
    ).fetchall()


def test_a_customers_photo_is_kept_as_the_attachment_of_its_message(
    whatsapp: UUID, fake_meta: FakeMeta, db: Db, s3: LocalS3
) -> None:
    fake_meta.add_media("987001", MediaFile(token=TOKEN, data=_photo(), mime_type="image/png"))

    reply = MetaSender("whatsapp", SECRET_A).post(
        _media_webhook("wamid.PHOTO", "image", {"id": "987001", "mime_type": "image/png", "caption": "My order 😊"})
    )

    assert reply.status == 200
    assert _attachments(db) == [
        {"content": "[image] My order 😊", "status": "ready", "content_type": "image/png", "name": "whatsapp-image.png"}
    ]
    assert fake_meta.downloads == ["987001"]
    assert s3.keys  # the photo (and its thumbnail) in the bucket


def test_a_redelivered_media_webhook_fetches_and_keeps_nothing_twice(
    whatsapp: UUID, fake_meta: FakeMeta, db: Db
) -> None:
    fake_meta.add_media(
        "987002",
        MediaFile(
            token=TOKEN, data=b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", mime_type="application/pdf"
        ),
    )
    webhook = _media_webhook(
        "wamid.PDF", "document", {"id": "987002", "mime_type": "application/pdf", "filename": "receipt.pdf"}
    )

    MetaSender("whatsapp", SECRET_A).post(webhook)
    MetaSender("whatsapp", SECRET_A).post(webhook)

    assert [(a["content"], a["name"]) for a in _attachments(db)] == [("[document] receipt.pdf", "receipt.pdf")]
    assert fake_meta.downloads == ["987002"]


def test_a_voice_note_stays_a_description(whatsapp: UUID, fake_meta: FakeMeta, db: Db) -> None:
    fake_meta.add_media("987003", MediaFile(token=TOKEN, data=b"OggS\x00\x02" + bytes(64), mime_type="audio/ogg"))

    reply = MetaSender("whatsapp", SECRET_A).post(
        _media_webhook("wamid.VOICE", "audio", {"id": "987003", "mime_type": "audio/ogg"})
    )

    assert reply.status == 200
    assert _attachments(db) == []
    stored = db.execute("SELECT content FROM messages WHERE role = 'visitor'").fetchall()
    assert stored == [{"content": "[audio]"}]
