"""A visitor's rights over what a business keeps about them (GDPR access and erasure, CCPA): an
organisation's admin exports everything about a visitor as JSON, or erases it. Erasure redacts every
message of the visitor's conversations (the answers too: they may repeat what the visitor said),
removes the page, the browser's data, the identity its business signed (verified visitors) and the
link to the visitor id, deletes the outbound webhook deliveries about those conversations (their
bodies copy the messages and the identity; a pending one is not sent), and keeps the usage figures
as counts (they hold nothing personal). Both are recorded in the audit log, without the data itself."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from chatflow import audit, outbox
from chatflow.access import Caller
from chatflow.attachments.erasure import delete_stored
from chatflow.conversations import visitor_repository as conversations_repo
from chatflow.db import Connection, connection
from chatflow.errors import ConversationNotFound
from chatflow.origins import check_origin

__all__ = ["ERASED", "erase_own_conversation", "erase_visitor", "export_visitor"]

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
    UPDATE conversations SET visitor_id = gen_random_uuid(), page_url = NULL, visitor_metadata = '{}',
           rating_comment = NULL  -- the visitor's words on their rating (the number stays, as a count)
    WHERE id IN (SELECT id FROM theirs) RETURNING 1
), undelivered AS (
    DELETE FROM webhook_deliveries
    WHERE organization_id = %(org)s AND body::jsonb #>> '{data,conversation,id}' IN (SELECT id::text FROM theirs)
    RETURNING 1
), unnoted AS (
    -- Operators' private notes are about the visitor too.
    DELETE FROM conversation_notes WHERE conversation_id IN (SELECT id FROM theirs)
), files AS (
    -- Their attachments: the rows here, the stored files right after (chatflow.attachments.erasure).
    DELETE FROM attachments WHERE conversation_id IN (SELECT id FROM theirs)
    RETURNING object_key, thumbnail_key
)
SELECT (SELECT count(*) FROM unlinked) AS conversations, (SELECT count(*) FROM redacted) AS messages,
       (SELECT count(*) FROM undelivered) AS webhook_deliveries,
       ARRAY(SELECT k FROM files f, LATERAL unnest(ARRAY[f.object_key, f.thumbnail_key]) k
             WHERE k IS NOT NULL) AS files
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
    conversations, messages and webhook deliveries."""
    caller.require_admin(organization_id)
    row = conn.execute(_ERASE, {"org": organization_id, "visitor": visitor_id, "erased": ERASED}).fetchone()
    delete_stored(row["files"] if row else None)
    counts = (
        {
            "conversations": int(row["conversations"]),
            "messages": int(row["messages"]),
            "webhook_deliveries": int(row["webhook_deliveries"]),
        }
        if row
        else {}
    )
    audit.record(
        conn,
        action="visitor.erased",
        organization_id=organization_id,
        actor=caller,
        target=str(visitor_id),
        details=counts,
    )
    return counts


_ERASE_ONE = """
WITH redacted AS (
    UPDATE messages SET content = %(erased)s WHERE conversation_id = %(conversation)s RETURNING 1
), undelivered AS (
    DELETE FROM webhook_deliveries
    WHERE organization_id = (SELECT organization_id FROM conversations WHERE id = %(conversation)s)
      AND body::jsonb #>> '{data,conversation,id}' = %(conversation)s::text
    RETURNING 1
), unnoted AS (
    DELETE FROM conversation_notes WHERE conversation_id = %(conversation)s
), files AS (
    DELETE FROM attachments WHERE conversation_id = %(conversation)s RETURNING object_key, thumbnail_key
)
UPDATE conversations SET visitor_id = gen_random_uuid(), page_url = NULL, visitor_metadata = '{}',
           rating_comment = NULL  -- the visitor's words on their rating (the number stays, as a count)
WHERE id = %(conversation)s
RETURNING organization_id, (SELECT count(*) FROM redacted) AS messages,
          (SELECT count(*) FROM undelivered) AS webhook_deliveries,
       ARRAY(SELECT k FROM files f, LATERAL unnest(ARRAY[f.object_key, f.thumbnail_key]) k
             WHERE k IS NOT NULL) AS files
"""


def erase_own_conversation(*, conversation_id: UUID, visitor_id: UUID, origin: str | None = None) -> None:
    """The widget's "delete my conversation": the visitor's own conversation, from a page its channel
    allows, closed, its messages redacted and unlinked from the visitor as an admin's erasure does;
    usage stays. ConversationNotFound when it is not theirs."""
    event_ids: list[UUID] = []
    with connection() as conn, conn.transaction():
        found = conversations_repo.conversation_origins(conn, conversation_id=conversation_id, visitor_id=visitor_id)
        if found is None:
            raise ConversationNotFound("This conversation does not exist for this visitor.")
        check_origin(found.allowed_origins, origin)
        event_ids = conversations_repo.close_conversation(
            conn, conversation_id=conversation_id, visitor_id=visitor_id, organization_id=found.organization_id
        )
        row = conn.execute(_ERASE_ONE, {"erased": ERASED, "conversation": conversation_id}).fetchone()
        if row is not None:
            audit.record(
                conn,
                action="visitor.erased_own",
                organization_id=row["organization_id"],
                target=str(conversation_id),
                details={"messages": int(row["messages"]), "webhook_deliveries": int(row["webhook_deliveries"])},
            )
    delete_stored(row["files"] if row is not None else None)
    outbox.signal(event_ids)
