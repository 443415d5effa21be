"""Retention: how long an organisation keeps its conversations, and the scheduled deletion of what is
older. Off by default (NULL: kept); 30, 90, 365 days or any number from 1 to 36,500. A conversation
goes with its messages, its sockets' rows, the visitor's data it holds and the outbound webhook
deliveries about it; usage figures stay, as counts. The job deletes in batches (each a short
transaction), logs how many, and records each run that deleted anything in the organisation's audit
log."""

from __future__ import annotations

import logging
from collections import Counter
from uuid import UUID

from chatflow import audit
from chatflow.access import Caller
from chatflow.attachments.erasure import delete_stored
from chatflow.db import Connection, connection
from chatflow.errors import OrganizationNotFound

__all__ = ["BATCH_SIZE", "MAX_DAYS", "delete_expired_conversations", "get_retention", "set_retention"]

_logger = logging.getLogger(__name__)

MAX_DAYS = 36_500
BATCH_SIZE = 500

_DELETE_BATCH = """
WITH doomed AS (
    SELECT c.id FROM conversations c JOIN organizations o ON o.id = c.organization_id
    WHERE o.retention_days IS NOT NULL AND c.last_message_at < now() - make_interval(days => o.retention_days)
    ORDER BY c.last_message_at
    LIMIT %(batch)s
    FOR UPDATE OF c SKIP LOCKED
), undelivered AS (
    -- Their bodies copy the conversation's messages and the visitor's identity (migration 0072's index).
    DELETE FROM webhook_deliveries d USING doomed
    WHERE d.body::jsonb #>> '{data,conversation,id}' = doomed.id::text
), files AS (
    -- Their attachments (chatflow.attachments): the rows here, the stored files once the batch commits.
    DELETE FROM attachments a USING doomed WHERE a.conversation_id = doomed.id
    RETURNING a.conversation_id, a.object_key, a.thumbnail_key
)
DELETE FROM conversations c USING doomed WHERE c.id = doomed.id
RETURNING c.organization_id,
       ARRAY(SELECT k FROM files f, LATERAL unnest(ARRAY[f.object_key, f.thumbnail_key]) k
             WHERE f.conversation_id = c.id AND k IS NOT NULL) AS files
"""


def get_retention(conn: Connection, caller: Caller, organization_id: UUID) -> int | None:
    """Its admins and super admins."""
    caller.require_admin(organization_id, write=False)
    row = conn.execute("SELECT retention_days FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    if row is None:
        raise OrganizationNotFound()
    days: int | None = row["retention_days"]
    return days


def set_retention(conn: Connection, caller: Caller, organization_id: UUID, days: int | None) -> int | None:
    """Org admin: keep conversations `days` after their last message (None: keep them)."""
    caller.require_admin(organization_id)
    updated = conn.execute(
        "UPDATE organizations SET retention_days = %s, updated_at = now() WHERE id = %s RETURNING retention_days",
        (days, organization_id),
    ).fetchone()
    if updated is None:
        raise OrganizationNotFound()
    audit.record(
        conn, action="retention.changed", organization_id=organization_id, actor=caller, details={"days": days}
    )
    return days


def delete_expired_conversations(batch_size: int = BATCH_SIZE) -> int:
    """The scheduled run: delete, a batch at a time, every conversation past its organisation's
    retention; how many in all."""
    deleted: Counter[UUID] = Counter()
    while True:
        with connection() as conn, conn.transaction():
            rows = conn.execute(_DELETE_BATCH, {"batch": batch_size}).fetchall()
            batch = Counter(row["organization_id"] for row in rows)
            deleted.update(batch)
        delete_stored([key for row in rows for key in row["files"]])
        if len(rows) < batch_size:
            break
    if deleted:
        with connection() as conn, conn.transaction():
            for organization_id, count in deleted.items():
                audit.record(conn, action="retention.ran", organization_id=organization_id, details={"deleted": count})
    total = sum(deleted.values())
    _logger.info("deleted conversations past their retention", extra={"deleted": total})
    return total
