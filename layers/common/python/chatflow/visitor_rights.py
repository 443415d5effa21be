"""A visitor's rights over what a business keeps about them (GDPR access and erasure, CCPA): an
organisation's admin exports everything about a visitor as JSON, or erases it. Erasure redacts every
message of the visitor's conversations (the answers too: they may repeat what the visitor said),
removes the page, the browser's data and the link to the visitor id, and keeps the usage figures as
counts (they hold nothing personal). Both are recorded in the audit log, without the data itself."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from chatflow import audit
from chatflow.access import Caller
from chatflow.db import Connection

__all__ = ["ERASED", "erase_visitor", "export_visitor"]

ERASED = "[erased]"

_CONVERSATIONS = """
SELECT c.id, c.channel_id, c.status, c.language, c.page_url, c.visitor_metadata, c.created_at, c.closed_at,
       coalesce((SELECT json_agg(json_build_object('role', m.role, 'content', m.content, 'createdAt', m.created_at)
                                 ORDER BY m.seq)
                 FROM messages m WHERE m.conversation_id = c.id), '[]') AS messages
FROM conversations c
WHERE c.organization_id = %s AND c.visitor_id = %s
ORDER BY c.created_at
"""

_ERASE = """
WITH theirs AS (
    SELECT id FROM conversations WHERE organization_id = %(org)s AND visitor_id = %(visitor)s FOR UPDATE
), redacted AS (
    UPDATE messages SET content = %(erased)s WHERE conversation_id IN (SELECT id FROM theirs) RETURNING 1
), unlinked AS (
    UPDATE conversations SET visitor_id = gen_random_uuid(), page_url = NULL, visitor_metadata = '{}'
    WHERE id IN (SELECT id FROM theirs) RETURNING 1
)
SELECT (SELECT count(*) FROM unlinked) AS conversations, (SELECT count(*) FROM redacted) AS messages
"""


def export_visitor(conn: Connection, caller: Caller, organization_id: UUID, visitor_id: UUID) -> dict[str, Any]:
    """Its admins: every conversation of the visitor in the organisation, with every message."""
    caller.require_admin(organization_id, write=False)
    rows = conn.execute(_CONVERSATIONS, (organization_id, visitor_id)).fetchall()
    audit.record(
        conn,
        action="visitor.exported",
        organization_id=organization_id,
        actor=caller,
        target=str(visitor_id),
        details={"conversations": len(rows)},
    )
    return {"visitorId": str(visitor_id), "conversations": rows}


def erase_visitor(conn: Connection, caller: Caller, organization_id: UUID, visitor_id: UUID) -> dict[str, int]:
    """Its admins: erase the visitor (a write, refused in an inactive organisation); how many
    conversations and messages."""
    caller.require_admin(organization_id)
    row = conn.execute(_ERASE, {"org": organization_id, "visitor": visitor_id, "erased": ERASED}).fetchone()
    counts = {"conversations": int(row["conversations"]), "messages": int(row["messages"])} if row else {}
    audit.record(
        conn,
        action="visitor.erased",
        organization_id=organization_id,
        actor=caller,
        target=str(visitor_id),
        details=counts,
    )
    return counts
