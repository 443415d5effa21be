"""The widget API's attachment calls, on the wire (camelCase): ask for an upload, confirm it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, field_serializer

from chatflow.attachments import MAX_ATTACHMENT_BYTES, UploadGrant
from chatflow.text import Storable
from chatflow_edge.widget_api.models import MessageOut, _In, _Out

__all__ = ["AttachmentConfirm", "AttachmentUploadRequest", "AttachmentUploadResponse", "ConfirmedAttachment"]

FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Storable]
ContentType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable]


class AttachmentUploadRequest(_In):
    public_key: UUID
    visitor_id: UUID
    name: FileName
    content_type: ContentType
    # Past the limit is the domain's 413 attachment_too_large, with its size in words; here only sanity.
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES * 100)


class AttachmentConfirm(_In):
    public_key: UUID
    visitor_id: UUID


class AttachmentUploadResponse(_Out):
    """POST `fields` and then the file (the last part, named `file`) as multipart/form-data to `url`."""

    attachment_id: UUID
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int

    @field_serializer("expires_at")
    def _iso_utc(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @classmethod
    def of(cls, grant: UploadGrant) -> AttachmentUploadResponse:
        return cls(
            attachment_id=grant.attachment_id,
            url=grant.url,
            fields=grant.fields,
            expires_at=grant.expires_at,
            max_bytes=grant.max_bytes,
        )


class ConfirmedAttachment(_Out):
    message: MessageOut
