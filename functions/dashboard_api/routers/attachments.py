"""An agent's attachments (chatflow.attachments): a presigned POST straight to S3, then the upload
confirmed, checked and sent to the visitor as the caller's message. The thread's messages carry their
attachment with short-lived presigned URLs (MessageOut.attachment)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field, StringConstraints

from chatflow.attachments import MAX_ATTACHMENT_BYTES
from chatflow.attachments.service import confirm_agent_upload, request_agent_upload
from chatflow.inbox.views import MessageOut
from chatflow.text import Storable
from dependencies import CurrentCaller
from schemas import SIGNED_IN_ERRORS, Schema, error_responses

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=SIGNED_IN_ERRORS)


class AttachmentUploadIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), Storable] = Field(
        description="The file's name, as shown in the thread."
    )
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="image/jpeg, image/png, image/webp, image/gif, application/pdf or text/plain (415 otherwise)."
    )
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES * 100, description="Bytes; at most 10 MB (413 beyond).")


class AttachmentUploadOut(Schema):
    attachment_id: UUID
    url: str = Field(description="POST `fields`, then the file as the last part named `file` (multipart).")
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


@router.post(
    "/{conversation_id}/attachments",
    response_model=AttachmentUploadOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413, 415),
)
def request_upload(conversation_id: UUID, body: AttachmentUploadIn, caller: CurrentCaller) -> AttachmentUploadOut:
    """A presigned POST for one file into the conversation (its type and size pinned by the policy).
    409 `conversation_closed`, `storage_limit` when the month's attachments would pass the plan's
    storage, or `window_closed` on WhatsApp and Messenger past Meta's window (a file is free-form, as
    text is); 413 `attachment_too_large`; 415 `attachment_type_not_allowed`. There the file goes out
    as media uploaded to the Graph API."""
    grant = request_agent_upload(
        caller, conversation_id, name=body.name, content_type=body.content_type, size=body.size
    )
    return AttachmentUploadOut(
        attachment_id=grant.attachment_id,
        url=grant.url,
        fields=grant.fields,
        expires_at=grant.expires_at,
        max_bytes=grant.max_bytes,
    )


@router.post(
    "/{conversation_id}/attachments/{attachment_id}",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413),
)
def confirm_upload(conversation_id: UUID, attachment_id: UUID, caller: CurrentCaller) -> MessageOut:
    """The uploaded file checked (its bytes must be the declared type: 400 `attachment_mismatch`, the
    file deleted) and sent to the visitor as the caller's message, as `POST …/messages` does.
    409 `attachment_not_uploaded` before the upload. Idempotent: again, the same message."""
    return MessageOut.from_domain(confirm_agent_upload(caller, conversation_id, attachment_id))
