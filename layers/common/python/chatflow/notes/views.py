"""A note on the wire: the dashboard API's answer and the live frame's data are this same model."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from chatflow.inbox.views import UserRefOut
from chatflow.schema import Schema

__all__ = ["NoteOut"]


class NoteOut(Schema):
    id: UUID
    conversation_id: UUID
    author: UserRefOut | None
    content: str
    mentions: list[UserRefOut]
    created_at: datetime
