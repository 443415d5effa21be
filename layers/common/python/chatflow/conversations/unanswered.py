"""A visitor message nobody answered, answered once the AI is in charge again.

A message that arrives while a person is in charge gets no AI answer. If the person then gives the
conversation back to the AI without answering it (or at the very moment the message arrives), the
visitor would be left with neither. Releasing therefore answers the conversation's last message when
it is a visitor's without an answer: through the chat path's own retry of a stored message (its
client message id), so that the answer is stored, counted and announced exactly like any other, and
at most once (a message has one reply)."""

from __future__ import annotations

from uuid import UUID

from chatflow import outbox
from chatflow.conversations.service import _post
from chatflow.db import connection
from chatflow.settings import get_settings

__all__ = ["answer_unanswered"]

# The conversation's last message of the dialogue, when it is a visitor's that has no reply, in a
# conversation the AI answers; its client message id is set when the visitor's request had none.
_LAST_UNANSWERED = """
WITH last AS (
    SELECT m.id, m.role, m.content, m.client_message_id, c.visitor_id, ch.public_key
    FROM conversations c
    JOIN channels ch ON ch.id = c.channel_id
    JOIN LATERAL (
        SELECT id, role, content, client_message_id FROM messages
        WHERE conversation_id = c.id AND role IN ('visitor', 'ai', 'agent')
        ORDER BY seq DESC LIMIT 1
    ) m ON true
    WHERE c.id = %(conversation_id)s AND c.status <> 'closed' AND c.responder_mode = 'ai'
), keyed AS (
    UPDATE messages SET client_message_id = gen_random_uuid()
    WHERE id = (SELECT id FROM last WHERE role = 'visitor' AND client_message_id IS NULL)
    RETURNING id, client_message_id
)
SELECT last.id, last.content, coalesce(keyed.client_message_id, last.client_message_id) AS client_message_id,
       last.visitor_id, last.public_key
FROM last LEFT JOIN keyed ON keyed.id = last.id
WHERE last.role = 'visitor' AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = last.id)
"""


def answer_unanswered(conversation_id: UUID) -> bool:
    """Answer the conversation's last visitor message if it has no answer and the AI is in charge;
    whether an answer was written. Call it with no connection held: the AI is called in between."""
    settings = get_settings()
    event_ids: list[UUID] = []
    try:
        with connection() as conn:
            row = conn.execute(_LAST_UNANSWERED, {"conversation_id": conversation_id}).fetchone()
            if row is None:
                return False
            result = _post(
                conn,
                settings,
                event_ids,
                public_key=row["public_key"],
                visitor_id=row["visitor_id"],
                message=row["content"],
                conversation_id=conversation_id,
                language=None,
                page_url=None,
                client_message_id=row["client_message_id"],
                origin=None,
                visitor_metadata=None,
            )
            return result.reply is not None
    finally:
        outbox.signal(event_ids, settings=settings)
