"""An attachment on the wire, for the widget and the dashboard alike: what it is, and short-lived
presigned URLs to fetch it (signed when the message is read, so a page reload always has fresh ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from chatflow.attachments import storage
from chatflow.attachments.models import AttachmentRef
from chatflow.schema import Schema
from chatflow.settings import get_settings

__all__ = ["AttachmentOut", "attachment_wire"]


class AttachmentOut(Schema):
    id: UUID
    name: str = Field(description="The uploader's file name: untrusted text.")
    content_type: str = Field(
        description="What the bytes are (checked): image/jpeg, image/png, image/webp, "
        "image/gif, application/pdf or text/plain; from WhatsApp and Messenger also audio/ogg, audio/mp4, "
        "audio/mpeg, audio/aac, video/mp4 or video/3gpp."
    )
    size: int = Field(description="Bytes of the file as stored (images re-encoded without metadata).")
    width: int | None = None
    height: int | None = None
    url: str = Field(
        description="A presigned GET of the file, served as its checked type: images, audio and video inline "
        "(to show or play), other files as a download with their name."
    )
    thumbnail_url: str | None = Field(default=None, description="A presigned GET of a WebP thumbnail (images).")
    expires_at: datetime = Field(description="When both URLs stop working.")

    @model_validator(mode="before")
    @classmethod
    def _signed(cls, value: Any) -> Any:
        # Filled from the domain's AttachmentRef: the URLs are signed here, never stored.
        if isinstance(value, AttachmentRef):
            return attachment_fields(value)
        return value


def attachment_fields(ref: AttachmentRef) -> dict[str, Any]:
    expires_at = datetime.now(UTC) + timedelta(seconds=get_settings().attachments_url_seconds)
    return {
        "id": ref.id,
        "name": ref.name,
        "content_type": ref.content_type,
        "size": ref.size,
        "width": ref.width,
        "height": ref.height,
        "url": storage.presigned_get(
            ref.object_key,
            content_type=ref.content_type,
            download_name=None if ref.is_image or ref.is_media else ref.name,
        ),
        "thumbnail_url": (
            storage.presigned_get(ref.thumbnail_key, content_type="image/webp") if ref.thumbnail_key else None
        ),
        "expires_at": expires_at,
    }


def attachment_wire(ref: AttachmentRef) -> dict[str, Any]:
    """As a client reads it (camelCase, JSON values)."""
    return AttachmentOut.model_validate(ref).wire()
