"""The one call the live-update listener makes (chatflow.listeners.push_to_sockets): "this
conversation changed (and these messages are new)".

It reads what the frames say from the database when the listener runs, after the write committed,
so that every write publishes the same shapes whatever it had at hand, and the domain events need
carry only ids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from chatflow.db import Connection
from chatflow.realtime.events import (
    Event,
    conversation_created,
    conversation_updated,
    message_created,
)
from chatflow.realtime.publisher import PublishResult, connection_for, publish
from chatflow.settings import get_settings

__all__ = ["ConversationChange", "conversation_events", "publish_all", "publish_changes"]


@dataclass(frozen=True, slots=True)
class _Message:
    id: UUID
    role: str
    content: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Person:
    id: str
    name: str


_LOAD = """
SELECT c.id, c.organization_id, c.channel_id, c.visitor_id, c.status, c.responder_mode, c.language, c.page_url,
       c.created_at, c.last_message_at, c.assigned_user_id, au.name AS assigned_user_name,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', m.id, 'role', m.role, 'content', m.content, 'created_at', m.created_at,
                   'author_id', m.author_user_id, 'author_name', a.name) ORDER BY m.seq), '[]')
        FROM messages m LEFT JOIN users a ON a.id = m.author_user_id
        WHERE m.conversation_id = c.id AND m.id = ANY(%(message_ids)s::uuid[])) AS messages
FROM conversations c
LEFT JOIN users au ON au.id = c.assigned_user_id
WHERE c.id = %(conversation_id)s
"""


def conversation_events(
    conn: Connection, conversation_id: UUID, *, created: bool = False, message_ids: Collection[UUID] = ()
) -> list[Event]:
    """conversation.created (or .updated) with the conversation as it is now, then message.created
    for each of `message_ids` of it, oldest first. Empty when the conversation does not exist."""
    row = conn.execute(_LOAD, {"conversation_id": conversation_id, "message_ids": list(message_ids)}).fetchone()
    if row is None:
        return []
    return [_conversation_event(row, created=created)] + [
        message_created(
            _Message(
                id=UUID(m["id"]),
                role=m["role"],
                content=m["content"],
                created_at=datetime.fromisoformat(m["created_at"]),
            ),
            conversation_id=row["id"],
            organization_id=row["organization_id"],
            author=_Person(m["author_id"], m["author_name"] or "") if m["role"] == "agent" and m["author_id"] else None,
        )
        for m in row["messages"]
    ]


def _conversation_event(row: dict[str, Any], *, created: bool) -> Event:
    if created:
        return conversation_created(
            conversation_id=row["id"],
            organization_id=row["organization_id"],
            channel_id=row["channel_id"],
            visitor_id=row["visitor_id"],
            status=row["status"],
            responder_mode=row["responder_mode"],
            language=row["language"],
            created_at=row["created_at"],
            last_message_at=row["last_message_at"],
            page_url=row["page_url"],
        )
    assigned = row["assigned_user_id"]
    return conversation_updated(
        conversation_id=row["id"],
        organization_id=row["organization_id"],
        status=row["status"],
        responder_mode=row["responder_mode"],
        last_message_at=row["last_message_at"],
        assigned_user=_Person(assigned, row["assigned_user_name"] or "") if assigned else None,
    )


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """What a committed write did to one conversation: created it, and/or added these messages."""

    conversation_id: UUID
    created: bool = False
    message_ids: Collection[UUID] = ()


def publish_changes(
    conversation_id: UUID,
    *,
    created: bool = False,
    message_ids: Collection[UUID] = (),
    conn: Connection | None = None,
) -> PublishResult:
    """Publish what a committed write did to one conversation (see `publish_all`)."""
    return publish_all([ConversationChange(conversation_id, created, message_ids)], conn=conn)


def publish_all(changes: Collection[ConversationChange], *, conn: Connection | None = None) -> PublishResult:
    """Publish what committed writes did to these conversations, in one look-up of who listens and
    one post sequence per connection. `conn`: the caller's connection when it holds one, outside
    any transaction. A post that fails is counted, never raised; a database that fails raises (the
    listener is then retried)."""
    if not changes or not get_settings().websocket_management_url:
        return PublishResult()  # no WebSocket API here: not even the read
    with connection_for(conn) as c:
        events = [
            event
            for change in changes
            for event in conversation_events(
                c, change.conversation_id, created=change.created, message_ids=change.message_ids
            )
        ]
    return publish(events, conn=conn)
