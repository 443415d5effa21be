"""What an attachment is, what may be uploaded, and how much each plan may store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from chatflow.vocabulary import Plan

__all__ = [
    "ALLOWED_TYPES",
    "IMAGE_TYPES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_NAME_CHARS",
    "PLAN_STORAGE_LIMITS",
    "UPLOADS_PREFIX",
    "AttachmentRef",
    "UploadGrant",
    "Uploader",
    "ai_note",
]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# Where browsers upload, apart from what is served: a presigned POST stays valid for minutes after its
# file is confirmed, and must never be able to overwrite the checked, re-encoded file. The bucket's
# lifecycle expires this prefix after a day (infra/constructs/attachments.py).
UPLOADS_PREFIX = "uploads/"
MAX_NAME_CHARS = 255

IMAGE_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
ALLOWED_TYPES: frozenset[str] = IMAGE_TYPES | {"application/pdf", "text/plain"}

# Bytes an organisation may add to storage in a calendar month (UTC).
PLAN_STORAGE_LIMITS: dict[Plan, int] = {
    "starter": 1 * 1024**3,
    "pro": 10 * 1024**3,
    "growth": 50 * 1024**3,
}

# Who sent it: a widget's visitor, an operator from the dashboard, or an outside channel's customer
# (WhatsApp/Messenger media, stored on the visitor's side of the conversation).
Uploader = Literal["visitor", "agent", "channel"]


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


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """A presigned POST: the browser posts `fields` plus the file (last) as multipart to `url`."""

    attachment_id: UUID
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


_KIND_NOTES = {
    ("visitor", True): "The visitor sent an image: {name}",
    ("visitor", False): "The visitor sent a file: {name}",
    ("agent", True): "The agent sent an image: {name}",
    ("agent", False): "The agent sent a file: {name}",
}


def ai_note(role: str, name: str, content_type: str) -> str:
    """What the AI reads in place of an attachment: that it was sent, and its name, never its content
    (the bytes are the sender's, and a file could carry instructions meant for the model)."""
    side = "agent" if role == "agent" else "visitor"
    return _KIND_NOTES[(side, content_type in IMAGE_TYPES)].format(name=name)
