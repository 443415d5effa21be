"""A WhatsApp or Messenger voice note or video without words (#20): no model can hear it, so none is
asked (no tokens, and no "nothing in our knowledge base" answer to a question nobody could read); the
customer is asked, on their channel, to write, in the conversation's language, or in both while they
have written nothing yet. The agents play the recording in the thread. A video with a caption is a
question like any other."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest

from infra.local.fake_meta import FakeMeta, MediaFile
from infra.local.meta_samples import mp4_video, voice_note
from tests.integration.meta.test_inbound_media import _media_webhook
from tests.integration.meta.test_inbound_webhooks import PHONE, SECRET_A, TOKEN, _connected
from tests.support.attachments_s3 import LocalS3
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.meta_webhooks import MetaSender, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"
ASK_EN = "Thanks! I can't listen to voice notes or watch videos here"
ASK_ES = "¡Gracias! Aquí no puedo escuchar notas de voz ni ver videos"


@pytest.fixture
def whatsapp(db: Db, s3: LocalS3, fake_meta: FakeMeta) -> UUID:
    fake_meta.add_media("voice-1", MediaFile(token=TOKEN, data=voice_note(2), mime_type="audio/ogg; codecs=opus"))
    fake_meta.add_media("video-1", MediaFile(token=TOKEN, data=mp4_video(), mime_type="video/mp4"))
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


def _voice(wamid: str) -> dict[str, Any]:
    return _media_webhook(wamid, "audio", {"id": "voice-1", "mime_type": "audio/ogg; codecs=opus", "voice": True})


def _sent_texts(fake_meta: FakeMeta) -> list[str]:
    return [s.body["text"]["body"] for s in fake_meta.sent_to(PHONE) if "text" in s.body]


def test_a_first_voice_note_asks_the_customer_to_write_in_both_languages_without_asking_a_model(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI, db: Db
) -> None:
    MetaSender("whatsapp", SECRET_A).post(_voice("wamid.VOICE1"))

    assert fake_openai.requests == []
    [asked] = _sent_texts(fake_meta)
    assert asked.startswith(ASK_EN)
    assert asked.split("\n\n")[1].startswith(ASK_ES)
    reply = db.execute("SELECT role, tokens_used, model FROM messages WHERE role <> 'visitor'").fetchall()
    assert reply == [{"role": "system", "tokens_used": 0, "model": None}]
    assert db.execute("SELECT count(*) AS n FROM knowledge_gaps").fetchone() == {"n": 0}


def test_a_voice_note_after_a_spanish_question_is_answered_in_spanish_only(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI
) -> None:
    fake_openai.then(Scripted(content="Abrimos a las 8."))
    sender = MetaSender("whatsapp", SECRET_A)
    sender.post(whatsapp_text(PHONE, CUSTOMER, "¿A qué hora abren mañana?", wamid="wamid.Q1"))

    sender.post(_voice("wamid.VOICE2"))

    assert len(fake_openai.requests) == 1  # the written question only
    texts = _sent_texts(fake_meta)
    assert texts[0] == "Abrimos a las 8."
    assert texts[1].startswith(ASK_ES)
    assert ASK_EN not in texts[1]


def test_a_video_with_a_caption_is_a_question_the_ai_answers(
    whatsapp: UUID, fake_meta: FakeMeta, fake_openai: FakeOpenAI
) -> None:
    fake_openai.then(Scripted(content="Sí, eso se puede arreglar."))

    MetaSender("whatsapp", SECRET_A).post(
        _media_webhook(
            "wamid.VIDEO1", "video", {"id": "video-1", "mime_type": "video/mp4", "caption": "¿Esto se arregla?"}
        )
    )

    assert len(fake_openai.requests) == 1
    assert _sent_texts(fake_meta) == ["Sí, eso se puede arreglar."]
