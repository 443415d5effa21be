"""WhatsApp and Messenger media into the attachment store (#20, item 3, with #19's attachments): a
customer's photo, PDF, voice note or video is fetched from a fake of the Graph API over real HTTP
(WhatsApp: GET /{mediaId}, then its URL with the channel's token; Messenger: the attachment's URL,
without a token, only on Meta's media hosts) and kept as the attachment of the message that describes
it, checked as an upload is; a redelivered webhook fetches nothing again; what is not what Meta said
stays a description."""

from __future__ import annotations

import argparse
import io
import time
from typing import Any
from uuid import UUID

import psycopg
import pytest
from PIL import Image

from infra.local import meta_webhook
from infra.local.fake_meta import FakeMeta, MediaFile
from infra.local.meta_samples import mp4_video, voice_note
from tests.integration.meta.test_inbound_webhooks import PAGE, PHONE, SECRET_A, SECRET_B, TOKEN, _connected
from tests.support.attachments_s3 import LocalS3
from tests.support.meta_webhooks import MetaSender, messenger_text, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"
PSID = "6001234567890123"


@pytest.fixture
def whatsapp(db: Db, s3: LocalS3, fake_meta: FakeMeta) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


@pytest.fixture
def messenger(db: Db, s3: LocalS3, fake_meta: FakeMeta) -> UUID:
    return _connected(db, name="Brisa", kind="messenger", account_id=PAGE, app_secret=SECRET_B, verify="brisa-page")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _media_webhook(wamid: str, kind: str, media: dict[str, Any]) -> dict[str, Any]:
    payload = whatsapp_text(PHONE, CUSTOMER, "unused", wamid=wamid)
    payload["entry"][0]["changes"][0]["value"]["messages"] = [
        {"from": CUSTOMER, "id": wamid, "timestamp": str(int(time.time())), "type": kind, kind: media}
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


def test_a_whatsapp_voice_note_and_video_are_kept_to_be_played(
    whatsapp: UUID, fake_meta: FakeMeta, db: Db, s3: LocalS3
) -> None:
    fake_meta.add_media("987003", MediaFile(token=TOKEN, data=voice_note(2), mime_type="audio/ogg; codecs=opus"))
    fake_meta.add_media("987004", MediaFile(token=TOKEN, data=mp4_video(), mime_type="video/mp4"))

    sender = MetaSender("whatsapp", SECRET_A)
    sender.post(_media_webhook("wamid.VOICE", "audio", {"id": "987003", "mime_type": "audio/ogg; codecs=opus"}))
    sender.post(_media_webhook("wamid.VIDEO", "video", {"id": "987004", "mime_type": "video/mp4", "caption": "Mira"}))

    assert _attachments(db) == [
        {"content": "[audio]", "status": "ready", "content_type": "audio/ogg", "name": "whatsapp-audio.ogg"},
        {"content": "[video] Mira", "status": "ready", "content_type": "video/mp4", "name": "whatsapp-video.mp4"},
    ]
    assert fake_meta.download_authorizations == [f"Bearer {TOKEN}"] * 2
    keys = db.execute("SELECT object_key FROM attachments ORDER BY created_at").fetchall()
    assert [s3.object(k["object_key"]) for k in keys] == [voice_note(2), mp4_video()]  # kept as they came


def test_a_voice_note_that_is_not_audio_stays_a_description(whatsapp: UUID, fake_meta: FakeMeta, db: Db) -> None:
    fake_meta.add_media("987005", MediaFile(token=TOKEN, data=b"<html><body>hi</body></html>", mime_type="audio/ogg"))

    reply = MetaSender("whatsapp", SECRET_A).post(
        _media_webhook("wamid.NOTVOICE", "audio", {"id": "987005", "mime_type": "audio/ogg"})
    )

    assert reply.status == 200
    assert fake_meta.downloads == ["987005"]
    assert _attachments(db) == []
    stored = db.execute("SELECT content FROM messages WHERE role = 'visitor'").fetchall()
    assert stored == [{"content": "[audio]"}]


def _messenger_files(mid: str, *files: tuple[str, str]) -> dict[str, Any]:
    payload = messenger_text(PAGE, PSID, "unused", mid=mid)
    message = payload["entry"][0]["messaging"][0]["message"]
    del message["text"]
    message["attachments"] = [{"type": kind, "payload": {"url": url}} for kind, url in files]
    return payload


def test_messenger_files_are_downloaded_from_their_urls_without_a_token(
    messenger: UUID, fake_meta: FakeMeta, db: Db
) -> None:
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    pdf_url = fake_meta.cdn_url("receipt%20mayo.pdf", pdf, "application/pdf")
    voice_url = fake_meta.cdn_url("audioclip-1764.mp4", voice_note(1), "audio/ogg")  # Meta names it as it likes
    video_url = fake_meta.cdn_url("v.mp4", mp4_video(), "video/mp4")
    sender = MetaSender("messenger", SECRET_B)

    sender.post(_messenger_files("m_FILE", ("file", pdf_url)))
    sender.post(_messenger_files("m_VOICE", ("audio", voice_url)))
    sender.post(_messenger_files("m_VIDEO", ("video", video_url)))
    sender.post(_messenger_files("m_VOICE", ("audio", voice_url)))  # redelivered

    assert [(a["content"], a["content_type"], a["name"]) for a in _attachments(db)] == [
        ("[file]", "application/pdf", "receipt mayo.pdf"),
        ("[audio]", "audio/ogg", "audioclip-1764.mp4"),
        ("[video]", "video/mp4", "v.mp4"),
    ]
    assert fake_meta.downloads == ["receipt%20mayo.pdf", "audioclip-1764.mp4", "v.mp4"]
    assert fake_meta.download_authorizations == ["", "", ""]


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/receipt.pdf",
        "http://scontent-mia3-1.xx.fbcdn.net/v/receipt.pdf",  # not HTTPS
        "https://fbcdn.net.attacker.example/receipt.pdf",
        "https://user@scontent.xx.fbcdn.net.attacker.example/receipt.pdf",
    ],
)
def test_a_messenger_url_off_metas_media_hosts_is_never_fetched(
    messenger: UUID, fake_meta: FakeMeta, db: Db, url: str
) -> None:
    reply = MetaSender("messenger", SECRET_B).post(_messenger_files("m_ELSEWHERE", ("file", url)))

    assert reply.status == 200
    assert _attachments(db) == []
    stored = db.execute("SELECT content FROM messages WHERE role = 'visitor'").fetchall()
    assert stored == [{"content": "[file]"}]


@pytest.mark.parametrize(
    ("kind", "option", "stored"),
    [
        ("whatsapp", "voice", ("[audio]", "audio/ogg", "whatsapp-audio.ogg")),
        ("whatsapp", "video", ("[video] Así quedó", "video/mp4", "whatsapp-video.mp4")),
        ("messenger", "voice", ("[audio]", "audio/ogg", "voice-note.ogg")),
        ("messenger", "file", ("[file]", "application/pdf", "receipt.pdf")),
    ],
)
def test_the_local_webhook_script_sends_voice_notes_videos_and_messenger_files_that_are_kept(
    db: Db, s3: LocalS3, fake_meta: FakeMeta, tmp_path: Any, kind: str, option: str, stored: tuple[str, str, str]
) -> None:
    """infra.local.meta_webhook's payloads with its files on the fake Graph API, as `make dev` uses them."""
    fake_meta.default_token = TOKEN
    secret = SECRET_A if kind == "whatsapp" else SECRET_B
    account = PHONE if kind == "whatsapp" else PAGE
    _connected(db, name="Brisa", kind=kind, account_id=account, app_secret=secret, verify="brisa-verify")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    args = argparse.Namespace(
        text="Así quedó" if option == "video" else None,
        phone_number_id=PHONE if kind == "whatsapp" else None,
        page_id=PAGE if kind == "messenger" else None,
        sender=CUSTOMER if kind == "whatsapp" else PSID,
        name="Ana",
        id=None,
        status=None,
        file=str(receipt) if option == "file" else None,
        voice=option == "voice",
        video=option == "video",
        fake=fake_meta.base_url.rsplit("/", 1)[0],
    )

    reply = MetaSender(kind, secret).post(meta_webhook._payload(args))

    assert reply.status == 200
    assert [(a["content"], a["content_type"], a["name"]) for a in _attachments(db)] == [stored]
