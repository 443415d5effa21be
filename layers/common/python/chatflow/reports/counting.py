"""The listeners' side of the reports: each conversation's figures, kept on its row as its events
arrive (listeners.count_for_reports). Idempotent, for an event may be delivered more than once."""

from __future__ import annotations

from uuid import UUID

from chatflow.db import Connection

__all__ = ["RETURN_WINDOW_DAYS", "count_message", "mark_changed", "note_returning_visitor"]

# A conversation the AI closed does not count as resolved when its visitor came back within this.
RETURN_WINDOW_DAYS = 7

# An AI answer adds its tokens once (messages.reported); an agent's message may be its
# conversation's first reply of a person.
_COUNT_MESSAGE = """
WITH answer AS (
    UPDATE messages SET reported = true
    WHERE id = %(message_id)s AND role = 'ai' AND NOT reported
    RETURNING conversation_id, tokens_used, model
), ai AS (
    UPDATE conversations c
    SET ai_answers = c.ai_answers + 1, ai_tokens = c.ai_tokens + a.tokens_used, ai_model = coalesce(a.model, c.ai_model)
    FROM answer a WHERE c.id = a.conversation_id
)
UPDATE conversations c SET first_human_reply_at = m.created_at
FROM messages m
WHERE m.id = %(message_id)s AND m.role = 'agent' AND c.id = m.conversation_id
  AND (c.first_human_reply_at IS NULL OR c.first_human_reply_at > m.created_at)
"""

_RETURNING_VISITOR = """
WITH returned AS (
    UPDATE conversations earlier SET visitor_returned_at = new.created_at
    FROM conversations new
    WHERE new.id = %(conversation_id)s
      AND earlier.channel_id = new.channel_id AND earlier.visitor_id = new.visitor_id AND earlier.id <> new.id
      AND earlier.closed_at IS NOT NULL AND earlier.closed_at < new.created_at
      AND new.created_at <= earlier.closed_at + make_interval(days => %(days)s)
      AND (earlier.visitor_returned_at IS NULL OR earlier.visitor_returned_at > new.created_at)
    RETURNING earlier.organization_id, earlier.created_at
)
INSERT INTO report_dirty_days (organization_id, day)
SELECT r.organization_id, (r.created_at AT TIME ZONE o.time_zone)::date
FROM returned r JOIN organizations o ON o.id = r.organization_id
ON CONFLICT DO NOTHING
"""

# The day a conversation started, in its organisation's time zone, is remade on the next report.
_CHANGED = """
INSERT INTO report_dirty_days (organization_id, day)
SELECT c.organization_id, (c.created_at AT TIME ZONE o.time_zone)::date
FROM conversations c JOIN organizations o ON o.id = c.organization_id
WHERE c.id = ANY(%(conversation_ids)s)
ON CONFLICT DO NOTHING
"""


def count_message(conn: Connection, message_id: UUID) -> None:
    conn.execute(_COUNT_MESSAGE, {"message_id": message_id})


def note_returning_visitor(conn: Connection, conversation_id: UUID) -> None:
    conn.execute(_RETURNING_VISITOR, {"conversation_id": conversation_id, "days": RETURN_WINDOW_DAYS})


def mark_changed(conn: Connection, conversation_ids: list[UUID]) -> None:
    """These conversations changed: their days' rollups are remade on the next report."""
    conn.execute(_CHANGED, {"conversation_ids": conversation_ids})
