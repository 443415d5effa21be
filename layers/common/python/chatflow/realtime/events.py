"""What live updates say: `{type, organizationId, conversationId, data}`, camelCase, one JSON text frame.

Each event knows two shapes of its data: the dashboard's, which is the dashboard API's own answer
for the same thing (chatflow.inbox.views, from the same SQL: a frame is what a reload would show),
and the visitor's (what the widget API would show them anyway), or none for events a visitor never
gets. Deciding it here, where the event is made, keeps the rule in one place: an operator-only
detail (who is assigned, an author's user id, a private note) cannot reach a widget by accident.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from chatflow.attachments.views import attachment_wire
from chatflow.inbox.repository import ConversationSummary, InboxMessage
from chatflow.inbox.views import ConversationSummaryOut, MessageOut
from chatflow.media import media_url
from chatflow.names import first_name

__all__ = ["Event", "EventType", "conversation_event", "iso", "message_created", "note_created"]

EventType = Literal[
    "conversation.created", "conversation.updated", "message.created", "note.created", "typing", "conversation.read"
]


def iso(value: datetime) -> str:
    """The one timestamp format of the widget API's JSON: UTC, milliseconds, `Z`."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    organization_id: UUID
    conversation_id: UUID
    data: Mapping[str, Any]
    # What a visitor may see of it; None: never sent to a widget.
    widget_data: Mapping[str, Any] | None = None
    # Encoded once per event, not once per connection it goes to.
    _frames: dict[str, bytes | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def envelope(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": self.type,
            "organizationId": str(self.organization_id),
            "conversationId": str(self.conversation_id),
            "data": dict(data),
        }

    def dashboard_frame(self) -> bytes:
        frame = self._frames.get("dashboard")
        if frame is None:
            frame = self._frames["dashboard"] = _encode(self.envelope(self.data))
        return frame

    def widget_frame(self) -> bytes | None:
        if "widget" not in self._frames:
            self._frames["widget"] = None if self.widget_data is None else _encode(self.envelope(self.widget_data))
        return self._frames["widget"]


def _encode(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def conversation_event(summary: ConversationSummary, *, created: bool = False) -> Event:
    """conversation.created (for operators only: the visitor who opened it knows) or
    conversation.updated: the conversation as the inbox lists it. The visitor gets its status and
    who answers (the widget's subtitle, its end-of-conversation notice), never who is assigned."""
    return Event(
        type="conversation.created" if created else "conversation.updated",
        organization_id=summary.organization_id,
        conversation_id=summary.id,
        data=ConversationSummaryOut.from_domain(summary).wire(),
        widget_data=None
        if created
        else {
            "id": str(summary.id),
            "status": summary.status,
            "responderMode": summary.responder_mode,
            "lastMessageAt": iso(summary.last_message_at),
        },
    )


def message_created(
    message: InboxMessage, *, conversation_id: UUID, organization_id: UUID, visible_to_visitor: bool = True
) -> Event:
    """A stored message: to operators as the inbox shows it (its author, model, sources), to the
    visitor as the widget API does (`{id, role, content, createdAt}`), unless it is not meant for
    them (`visible_to_visitor=False`, for operator-only messages such as private notes)."""
    return Event(
        type="message.created",
        organization_id=organization_id,
        conversation_id=conversation_id,
        data=MessageOut.from_domain(message).wire(),
        widget_data=_widget_message(message) if visible_to_visitor else None,
    )


def _widget_message(message: InboxMessage) -> dict[str, Any]:
    """As the widget API's history shows it; `attachment` only on a message that has one, `authorName`
    (the agent's first name) only on an agent's message whose author has one."""
    data: dict[str, Any] = {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "createdAt": iso(message.created_at),
    }
    author = first_name(message.author.name) if message.role == "agent" and message.author else None
    if author:
        data["authorName"] = author
    avatar = media_url(message.author.avatar_key) if message.role == "agent" and message.author else None
    if avatar:
        data["authorAvatarUrl"] = avatar
    if message.attachment is not None:
        data["attachment"] = attachment_wire(message.attachment)
    return data


def note_created(data: Mapping[str, Any], *, conversation_id: UUID, organization_id: UUID) -> Event:
    """A private note (chatflow.notes.views.NoteOut's wire form): to operators only, never to a widget."""
    return Event(
        type="note.created",
        organization_id=organization_id,
        conversation_id=conversation_id,
        data=data,
        widget_data=None,
    )
