"""What live updates say: `{type, organizationId, conversationId, data}`, camelCase, one JSON text frame.

Each event knows two shapes of its data: the dashboard's (everything an operator sees) and the
visitor's (what the widget API would show them anyway), or none for events a visitor never gets.
Deciding it here, where the event is made, keeps the rule in one place: an operator-only detail
(who is assigned, an author's user id, a future private note) cannot reach a widget by accident.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, Literal, Protocol
from uuid import UUID

__all__ = [
    "UNKNOWN",
    "Event",
    "EventType",
    "MessageLike",
    "PersonLike",
    "conversation_created",
    "conversation_updated",
    "iso",
    "message_created",
]

EventType = Literal["conversation.created", "conversation.updated", "message.created"]


class _Unknown(Enum):
    UNKNOWN = "unknown"


# "Not known by this write path": the key is left out, and a client keeps what it had.
UNKNOWN: Final = _Unknown.UNKNOWN


class PersonLike(Protocol):
    """An operator as the inbox shows one (chatflow.inbox.UserRef fits)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


class MessageLike(Protocol):
    """A stored message (chatflow.conversations.MessageView and chatflow.inbox.InboxMessage fit)."""

    @property
    def id(self) -> UUID: ...
    @property
    def role(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


def iso(value: datetime) -> str:
    """The one timestamp format of our JSON (the widget API's): UTC, milliseconds, `Z`."""
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


def _person(person: PersonLike | None) -> dict[str, str] | None:
    return None if person is None else {"id": person.id, "name": person.name}


def conversation_created(
    *,
    conversation_id: UUID,
    organization_id: UUID,
    channel_id: UUID,
    visitor_id: UUID,
    status: str,
    responder_mode: str,
    language: str,
    created_at: datetime,
    last_message_at: datetime,
    page_url: str | None = None,
) -> Event:
    """A new conversation, for operators only: the visitor who opened it knows."""
    return Event(
        type="conversation.created",
        organization_id=organization_id,
        conversation_id=conversation_id,
        data={
            "id": str(conversation_id),
            "organizationId": str(organization_id),
            "channelId": str(channel_id),
            "visitorId": str(visitor_id),
            "status": status,
            "responderMode": responder_mode,
            "language": language,
            "pageUrl": page_url,
            "createdAt": iso(created_at),
            "lastMessageAt": iso(last_message_at),
        },
    )


def conversation_updated(
    *,
    conversation_id: UUID,
    organization_id: UUID,
    status: str,
    responder_mode: str,
    last_message_at: datetime,
    assigned_user: PersonLike | _Unknown | None = UNKNOWN,
) -> Event:
    """The conversation's state after a write. The visitor gets status and responder mode (the
    widget's subtitle, its end-of-conversation notice), never who is assigned."""
    visible = {
        "id": str(conversation_id),
        "status": status,
        "responderMode": responder_mode,
        "lastMessageAt": iso(last_message_at),
    }
    data: dict[str, Any] = dict(visible)
    if assigned_user is not UNKNOWN:
        data["assignedUser"] = _person(assigned_user)
    return Event(
        type="conversation.updated",
        organization_id=organization_id,
        conversation_id=conversation_id,
        data=data,
        widget_data=visible,
    )


def message_created(
    message: MessageLike,
    *,
    conversation_id: UUID,
    organization_id: UUID,
    author: PersonLike | None = None,
    visible_to_visitor: bool = True,
) -> Event:
    """A stored message: to operators as the inbox shows it (with its author for an agent's), to
    the visitor as the widget API does (`{id, role, content, createdAt}`), unless it is not meant
    for them (`visible_to_visitor=False`, for operator-only messages such as private notes)."""
    visible = {
        "id": str(message.id),
        "role": message.role,
        "content": message.content,
        "createdAt": iso(message.created_at),
    }
    return Event(
        type="message.created",
        organization_id=organization_id,
        conversation_id=conversation_id,
        data={**visible, "author": _person(author)},
        widget_data=visible if visible_to_visitor else None,
    )
