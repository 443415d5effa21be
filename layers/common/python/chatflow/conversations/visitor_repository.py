"""The SQL of the widget's own reads and closes of a visitor's conversation (chatflow.conversations.visitor).

Apart from the chat pipeline's repository, whose imports (the AI's settings and prompts, billing,
attachments' writes) the history and close functions would otherwise load at every cold start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import sql

from chatflow.attachments.repository import ref_from_row
from chatflow.conversations.models import ConversationView, MessageView
from chatflow.db import Connection
from chatflow.media import media_url
from chatflow.names import first_name
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as outbox
from chatflow.outbox.repository import events_when

__all__ = ["ConversationOrigins", "close_conversation", "conversation_origins", "load_conversation"]


_LOAD_CONVERSATION = """
SELECT c.id, c.status, c.responder_mode, ch.allowed_origins,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', m.id, 'role', m.role, 'content', m.content, 'created_at', m.created_at,
                   'author', (SELECT u.name FROM users u WHERE u.id = m.author_user_id AND m.role = 'agent'),
                   'author_avatar', (SELECT u.avatar_key FROM users u
                                     WHERE u.id = m.author_user_id AND m.role = 'agent'),
                   'attachment', (SELECT to_jsonb(att) FROM attachments att
                                  WHERE att.message_id = m.id AND att.status = 'ready')) ORDER BY m.seq),
               '[]')
        FROM (
            SELECT id, role, content, created_at, seq, author_user_id FROM messages
            WHERE conversation_id = c.id
              AND seq > coalesce((SELECT a.seq FROM messages a
                                  WHERE a.id = %(after)s::uuid AND a.conversation_id = c.id), 0)
            ORDER BY seq LIMIT %(limit)s
        ) m) AS messages
FROM conversations c
JOIN channels ch ON ch.id = c.channel_id AND ch.public_key = %(public_key)s AND ch.active
JOIN organizations o ON o.id = ch.organization_id AND o.active
WHERE c.id = %(conversation_id)s AND c.visitor_id = %(visitor_id)s
"""


def load_conversation(
    conn: Connection,
    *,
    public_key: UUID,
    visitor_id: UUID,
    conversation_id: UUID,
    after: UUID | None,
    limit: int,
) -> tuple[ConversationView, tuple[str, ...]] | None:
    """The conversation with its messages after `after` (all when `after` is not one of its
    messages), and its channel's allowed origins; None when it is not this visitor's on this channel."""
    row = conn.execute(
        _LOAD_CONVERSATION,
        {
            "public_key": public_key,
            "visitor_id": visitor_id,
            "conversation_id": conversation_id,
            "after": after,
            "limit": limit,
        },
    ).fetchone()
    if row is None:
        return None
    view = ConversationView(
        id=row["id"],
        status=row["status"],
        responder_mode=row["responder_mode"],
        messages=[
            MessageView(
                id=UUID(m["id"]),
                role=m["role"],
                content=m["content"],
                created_at=datetime.fromisoformat(m["created_at"]),
                attachment=ref_from_row(m.get("attachment")),
                author_name=first_name(m.get("author")),
                author_avatar_url=media_url(m.get("author_avatar")),
            )
            for m in row["messages"]
        ],
    )
    return view, tuple(row["allowed_origins"])


_CLOSE_CONVERSATION = (
    sql.SQL("""
WITH closed AS (
    UPDATE conversations SET status = 'closed', closed_at = now()
    WHERE id = %(conversation_id)s AND visitor_id = %(visitor_id)s AND status <> 'closed'
    RETURNING id
), {events}
SELECT id FROM events
""")
    .format(events=events_when("closed"))
    .as_bytes()
)


@dataclass(frozen=True, slots=True)
class ConversationOrigins:
    """What the widget's close and erase need before they write: whose conversation it is and the
    pages its channel allows."""

    organization_id: UUID
    allowed_origins: tuple[str, ...]


def conversation_origins(conn: Connection, *, conversation_id: UUID, visitor_id: UUID) -> ConversationOrigins | None:
    """The organisation and allowed origins of a visitor's conversation; None when it is not theirs."""
    row = conn.execute(
        "SELECT c.organization_id, ch.allowed_origins FROM conversations c JOIN channels ch ON ch.id = c.channel_id "
        "WHERE c.id = %s AND c.visitor_id = %s",
        (conversation_id, visitor_id),
    ).fetchone()
    if row is None:
        return None
    return ConversationOrigins(row["organization_id"], tuple(row["allowed_origins"] or ()))


def close_conversation(
    conn: Connection, *, conversation_id: UUID, visitor_id: UUID, organization_id: UUID
) -> list[UUID]:
    """Close a visitor's conversation and write its event, in one statement (so one commit and no
    transaction around it); the ids of the events written, none when it was closed already (or is
    not theirs: the caller has checked that it is)."""
    event = ConversationUpdated(organization_id=organization_id, conversation_id=conversation_id)
    rows = conn.execute(
        _CLOSE_CONVERSATION,
        {"conversation_id": conversation_id, "visitor_id": visitor_id, "events": outbox.records([event])},
    ).fetchall()
    return [row["id"] for row in rows]
