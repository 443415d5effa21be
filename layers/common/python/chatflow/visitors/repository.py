"""The SQL of visitors: read from the conversations, grouped by visitor."""

from __future__ import annotations

from uuid import UUID

from chatflow.db import Connection
from chatflow.visitors.models import Visitor

__all__ = ["select_visitors"]

_SELECT = """
WITH grouped AS (
    SELECT c.visitor_id, c.channel_id, count(*) AS conversation_count, min(c.created_at) AS first_seen_at,
           max(c.last_message_at) AS last_seen_at,
           (array_agg(c.visitor_metadata -> 'identity' ORDER BY c.last_message_at DESC)
                FILTER (WHERE c.visitor_metadata ? 'identity'))[1] AS identity
    FROM conversations c
    WHERE c.organization_id = %(organization_id)s
    GROUP BY c.visitor_id, c.channel_id
)
SELECT visitor_id, channel_id, conversation_count, first_seen_at, last_seen_at,
       coalesce((identity ->> 'verified')::boolean, false) AS verified,
       identity ->> 'userId' AS user_id, identity ->> 'name' AS name, identity ->> 'email' AS email
FROM grouped
WHERE (NOT %(verified_only)s OR identity IS NOT NULL)
  AND (%(search)s::text IS NULL
       OR visitor_id::text = lower(%(search)s) OR identity ->> 'userId' = %(search)s
       OR identity ->> 'email' ILIKE %(pattern)s OR identity ->> 'name' ILIKE %(pattern)s)
ORDER BY last_seen_at DESC, visitor_id
LIMIT %(limit)s
"""


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select_visitors(
    conn: Connection, organization_id: UUID, *, verified_only: bool, limit: int, search: str | None = None
) -> list[Visitor]:
    """`search`: a visitor id, a verified user's own id (exact), or part of their email or name."""
    rows = conn.execute(
        _SELECT,
        {
            "organization_id": organization_id,
            "verified_only": verified_only,
            "limit": limit,
            "search": search,
            "pattern": None if search is None else "%" + _like_escaped(search) + "%",
        },
    ).fetchall()
    return [Visitor(**row) for row in rows]
