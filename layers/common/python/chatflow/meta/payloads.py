"""Meta's webhook payloads read into what we act on: each customer's message (its number or page,
the contact, the provider's id, the text it becomes) and each status of a message we sent. What we
cannot read is skipped, never raised: one odd entry must not lose the others of a batch.

WhatsApp (Cloud API): `{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {"metadata": {"phone_number_id"}, "contacts": [{"wa_id", "profile": {"name"}}],
"messages": [{"id": "wamid…", "from", "type", …}], "statuses": [{"id", "status", …}]}}]}]}`.
Messenger: `{"object": "page", "entry": [{"id": pageId, "messaging": [{"sender": {"id"}, "recipient":
{"id"}, "message": {"mid", "text", "attachments", "is_echo"}}]}]}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chatflow.meta.models import MetaKind

__all__ = [
    "MAX_TEXT_LENGTH",
    "InboundMessage",
    "Media",
    "ReadUpTo",
    "StatusUpdate",
    "is_recording_without_words",
    "read_payload",
]

# WhatsApp's own limit for a text message; longer content (a caption, a list) is cut there.
MAX_TEXT_LENGTH = 4096

_MEDIA = ("image", "audio", "video", "document", "sticker")
# What a voice note or a video without a caption becomes (see _text): nothing a model can read.
_RECORDING_WITHOUT_WORDS = re.compile(r"(\[(audio|video)\]\s*)+")


def is_recording_without_words(text: str) -> bool:
    """A customer's voice note or video with no caption, as stored ("[audio]"): our models read text
    (and, where turned on, pictures), so there is no question in it to search or answer."""
    return _RECORDING_WITHOUT_WORDS.fullmatch(text.strip()) is not None


@dataclass(frozen=True, slots=True)
class Media:
    """A customer's file as the webhook names it, fetched after the message is stored
    (chatflow.meta.media): WhatsApp's by its id through the Graph API, Messenger's from its URL."""

    kind: str  # WhatsApp: image, audio, video, document, sticker; Messenger: image, audio, video, file
    media_id: str | None
    mime_type: str | None
    filename: str | None
    url: str | None = None  # Messenger's attachments[].payload.url


@dataclass(frozen=True, slots=True)
class InboundMessage:
    account_id: str  # the phone number id or page id it was sent to
    contact_id: str  # WhatsApp's wa_id, Messenger's page-scoped id
    contact_name: str | None
    provider_message_id: str  # wamid… / mid
    text: str
    media: Media | None = None  # kept as the message's attachment (chatflow.meta.media)
    sent_at: datetime | None = None  # when the customer sent it, by Meta's timestamp (the window counts from it)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    account_id: str
    provider_message_id: str
    status: str  # sent, delivered, read, failed
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class ReadUpTo:
    """Messenger's read receipt: the person has read every message the page sent them up to then."""

    account_id: str
    contact_id: str
    watermark: datetime


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _whatsapp_media(message: dict[str, Any]) -> Media | None:
    kind = message.get("type")
    if kind not in _MEDIA:
        return None
    media = _dict(message.get(kind))
    media_id = _str(media.get("id"))
    if media_id is None:
        return None
    return Media(str(kind), media_id[:200], _str(media.get("mime_type")), _str(media.get("filename")))


def _sent_at(value: Any, *, per_second: int) -> datetime | None:
    """Meta's timestamp (WhatsApp: seconds as a string; Messenger: milliseconds), None when absent or absurd."""
    try:
        seconds = int(value) / per_second
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC) if 1_000_000_000 < seconds < 10_000_000_000 else None


_MESSENGER_FILES = ("image", "audio", "video", "file")


def _messenger_media(attachments: list[dict[str, Any]]) -> Media | None:
    """The first file of a Messenger message (a message keeps one attachment; the others stay in its
    description): an image, audio, video or file with a URL to fetch. Stickers, locations and shared
    posts are not files."""
    for attachment in attachments:
        kind, payload = attachment.get("type"), _dict(attachment.get("payload"))
        url = _str(payload.get("url"))
        if kind in _MESSENGER_FILES and url and not payload.get("sticker_id") and len(url) <= 2000:
            return Media(str(kind), None, None, None, url)
    return None


def _whatsapp_text(message: dict[str, Any]) -> str | None:
    """A message as the text the conversation keeps: text as it is, interactive replies as their
    title, media, locations and contacts described (media is also downloaded: chatflow.meta.media)."""
    kind = message.get("type")
    if kind == "text":
        return _str(_dict(message.get("text")).get("body"))
    if kind == "button":
        return _str(_dict(message.get("button")).get("text"))
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get("button_reply")) or _dict(interactive.get("list_reply"))
        return _str(reply.get("title"))
    if kind in _MEDIA:
        media = _dict(message.get(kind))
        detail = _str(media.get("caption")) or _str(media.get("filename"))
        return f"[{kind}]" + (f" {detail}" if detail else "")
    if kind == "location":
        place = _dict(message.get("location"))
        words = " ".join(w for w in (_str(place.get("name")), _str(place.get("address"))) if w)
        where = f"({place.get('latitude')}, {place.get('longitude')})"
        return "[location] " + (f"{words} {where}" if words else where)
    if kind == "contacts":
        cards = []
        for card in _list(message.get("contacts")):
            name = _str(_dict(_dict(card).get("name")).get("formatted_name")) or ""
            phones = ", ".join(p for p in (_str(_dict(p).get("phone")) for p in _list(_dict(card).get("phones"))) if p)
            cards.append(" ".join(x for x in (name, phones) if x))
        return "[contacts] " + "; ".join(c for c in cards if c)
    return None


def _whatsapp(payload: dict[str, Any]) -> Iterator[InboundMessage | StatusUpdate]:
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            account_id = _str(_dict(value.get("metadata")).get("phone_number_id"))
            if change.get("field") != "messages" or account_id is None:
                continue
            names = {
                _str(_dict(c).get("wa_id")): _str(_dict(_dict(c).get("profile")).get("name"))
                for c in _list(value.get("contacts"))
            }
            for message in map(_dict, _list(value.get("messages"))):
                contact, message_id, text = _str(message.get("from")), _str(message.get("id")), _whatsapp_text(message)
                if contact and message_id and text:
                    yield InboundMessage(
                        account_id,
                        contact,
                        names.get(contact),
                        message_id,
                        text[:MAX_TEXT_LENGTH],
                        _whatsapp_media(message),
                        _sent_at(message.get("timestamp"), per_second=1),
                    )
            for status in map(_dict, _list(value.get("statuses"))):
                message_id, state = _str(status.get("id")), _str(status.get("status"))
                if message_id and state in ("sent", "delivered", "read", "failed"):
                    errors = [_dict(e) for e in _list(status.get("errors"))]
                    code = errors[0].get("code") if errors else None
                    yield StatusUpdate(account_id, message_id, state, code if isinstance(code, int) else None)


def _messenger(payload: dict[str, Any]) -> Iterator[InboundMessage | StatusUpdate | ReadUpTo]:
    for entry in map(_dict, _list(payload.get("entry"))):
        page_id = _str(entry.get("id"))
        if page_id is None:
            continue
        for event in map(_dict, _list(entry.get("messaging"))):
            message = _dict(event.get("message"))
            sender = _str(_dict(event.get("sender")).get("id"))
            # Receipts of what the page sent: delivered names the messages, read gives a time.
            for mid in _list(_dict(event.get("delivery")).get("mids")):
                if _str(mid):
                    yield StatusUpdate(page_id, mid, "delivered")
            watermark = _dict(event.get("read")).get("watermark")
            if sender and isinstance(watermark, int) and watermark > 0:
                yield ReadUpTo(page_id, sender, datetime.fromtimestamp(watermark / 1000, tz=UTC))
            message_id = _str(message.get("mid"))
            if not message or message.get("is_echo") or not sender or not message_id:
                continue  # our own sends come back as echoes; delivery and read receipts come later
            attachments = [_dict(a) for a in _list(message.get("attachments"))]
            text = _str(message.get("text"))
            if text is None:
                text = " ".join(f"[{_str(a.get('type')) or 'attachment'}]" for a in attachments) or None
            if text:
                yield InboundMessage(
                    page_id,
                    sender,
                    None,
                    message_id,
                    text[:MAX_TEXT_LENGTH],
                    _messenger_media(attachments),
                    _sent_at(event.get("timestamp"), per_second=1000),
                )


def read_payload(kind: MetaKind, payload: Any) -> list[InboundMessage | StatusUpdate | ReadUpTo]:
    """Everything a webhook's JSON tells, in its order; nothing for JSON of another shape."""
    if not isinstance(payload, dict):
        return []
    return list(_whatsapp(payload) if kind == "whatsapp" else _messenger(payload))
