"""What the conversation service returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.attachments.models import AttachmentRef

__all__ = ["ConversationView", "MessageView", "PostResult"]


@dataclass(frozen=True, slots=True)
class MessageView:
    id: UUID
    role: str
    content: str
    created_at: datetime
    attachment: AttachmentRef | None = None  # a file sent in this message (its content is the file's name)
    author_name: str | None = None  # an agent's message: their first name (chatflow.names.first_name)
    author_avatar_url: str | None = None  # … and their photo (chatflow.media), when they uploaded one


@dataclass(frozen=True, slots=True)
class PostResult:
    conversation_id: UUID
    status: str
    responder_mode: str
    handoff: bool
    reply: MessageView | None


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: UUID
    status: str
    responder_mode: str
    messages: list[MessageView]
