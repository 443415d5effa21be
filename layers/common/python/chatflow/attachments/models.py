"""What an attachment is, what may be uploaded, and how much each plan may store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.vocabulary import Plan

__all__ = [
    "ALLOWED_TYPES",
    "AUDIO_TYPES",
    "IMAGE_TYPES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_MEDIA_BYTES",
    "MAX_NAME_CHARS",
    "PLAN_STORAGE_LIMITS",
    "UPLOADS_PREFIX",
    "VIDEO_TYPES",
    "AttachmentRef",
    "MediaKind",
    "UploadGrant",
    "Uploader",
    "ai_note",
    "max_bytes_for",
]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# Where browsers upload, apart from what is served: a presigned POST stays valid for minutes after its
# file is confirmed, and must never be able to overwrite the checked, re-encoded file. The bucket's
# lifecycle expires this prefix after a day (infra/constructs/attachments.py).
UPLOADS_PREFIX = "uploads/"
MAX_NAME_CHARS = 255

IMAGE_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
ALLOWED_TYPES: frozenset[str] = IMAGE_TYPES | {"application/pdf", "text/plain"}
# Voice notes and videos, kept only from an outside channel (WhatsApp, Messenger: chatflow.meta.media),
# never uploaded from the widget or the dashboard; types a browser's <audio> and <video> play.
AUDIO_TYPES: frozenset[str] = frozenset({"audio/ogg", "audio/mp4", "audio/mpeg", "audio/aac"})
VIDEO_TYPES: frozenset[str] = frozenset({"video/mp4", "video/3gpp"})
# Meta's own caps on WhatsApp audio and video (16 MB); anything else is capped at MAX_ATTACHMENT_BYTES.
MAX_MEDIA_BYTES = 16 * 1024 * 1024


def max_bytes_for(content_type: str) -> int:
    """The largest file of this (checked) type that is kept."""
    return MAX_MEDIA_BYTES if content_type in AUDIO_TYPES | VIDEO_TYPES else MAX_ATTACHMENT_BYTES


# Bytes an organisation may add to storage in a calendar month (UTC).
PLAN_STORAGE_LIMITS: dict[Plan, int] = {
    "starter": 1 * 1024**3,
    "pro": 10 * 1024**3,
    "growth": 50 * 1024**3,
}

# Who sent it: a widget's visitor, an operator from the dashboard, or an outside channel's customer
# (WhatsApp/Messenger media, stored on the visitor's side of the conversation).
Uploader = Literal["visitor", "agent", "channel"]
# What an outside channel says a file is (chatflow.attachments.service.store_attachment_from_bytes checks it).
MediaKind = Literal["image", "audio", "video", "file"]


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A checked attachment, as a message shows it. The keys are never sent: clients get presigned URLs."""

    id: UUID
    name: str
    content_type: str
    size: int  # bytes of the file as stored (re-encoded for images)
    object_key: str
    thumbnail_key: str | None
    width: int | None
    height: int | None

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def is_media(self) -> bool:
        """Audio or video, which the dashboard plays in the thread."""
        return self.content_type in AUDIO_TYPES | VIDEO_TYPES


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """A presigned POST: the browser posts `fields` plus the file (last) as multipart to `url`."""

    attachment_id: UUID
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


_KIND_NOTES = {
    ("visitor", "image"): "The visitor sent an image: {name}",
    ("visitor", "audio"): "The visitor sent an audio recording: {name}",
    ("visitor", "video"): "The visitor sent a video: {name}",
    ("visitor", "file"): "The visitor sent a file: {name}",
    ("agent", "image"): "The agent sent an image: {name}",
    ("agent", "file"): "The agent sent a file: {name}",
}


def ai_note(role: str, name: str, content_type: str) -> str:
    """What the AI reads in place of an attachment: that it was sent, and its name, never its content
    (the bytes are the sender's, and a file could carry instructions meant for the model)."""
    side = "agent" if role == "agent" else "visitor"
    kind = "image" if content_type in IMAGE_TYPES else content_type.split("/")[0]
    return _KIND_NOTES.get((side, kind), _KIND_NOTES[(side, "file")]).format(name=name)
