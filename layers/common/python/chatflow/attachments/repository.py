"""The attachments' SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from chatflow.attachments.models import AttachmentRef
from chatflow.db import Connection

__all__ = [
    "PendingAttachment",
    "TargetConversation",
    "delete_attachment",
    "insert_pending",
    "lock_attachment",
    "mark_ready",
    "month_storage",
    "ref_from_row",
    "visitor_conversation",
]


@dataclass(frozen=True, slots=True)
class TargetConversation:
    id: UUID
    organization_id: UUID
    status: str
    language: str
    plan: str
    allowed_origins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingAttachment:
    id: UUID
    organization_id: UUID
    conversation_id: UUID
    uploaded_by: str
    author_user_id: str | None
    name: str
    declared_type: str
    declared_size: int
    object_key: str
    status: str
    message_id: UUID | None
    created_at: datetime


_VISITOR_CONVERSATION = """
SELECT c.id, c.organization_id, c.status, c.language, o.plan, ch.allowed_origins
FROM conversations c
JOIN channels ch ON ch.id = c.channel_id AND ch.public_key = %(public_key)s AND ch.active
JOIN organizations o ON o.id = c.organization_id AND o.active
WHERE c.id = %(conversation_id)s AND c.visitor_id = %(visitor_id)s
"""


def visitor_conversation(
    conn: Connection, *, public_key: UUID, visitor_id: UUID, conversation_id: UUID
) -> TargetConversation | None:
    """A visitor's conversation on an active channel; None when it is not theirs."""
    row = conn.execute(
        _VISITOR_CONVERSATION,
        {"public_key": public_key, "visitor_id": visitor_id, "conversation_id": conversation_id},
    ).fetchone()
    if row is None:
        return None
    return TargetConversation(
        id=row["id"],
        organization_id=row["organization_id"],
        status=row["status"],
        language=row["language"],
        plan=row["plan"],
        allowed_origins=tuple(row["allowed_origins"] or ()),
    )


_CONVERSATION = """
SELECT c.id, c.organization_id, c.status, c.language, o.plan
FROM conversations c JOIN organizations o ON o.id = c.organization_id
WHERE c.id = %(conversation_id)s
"""


def conversation(conn: Connection, conversation_id: UUID) -> TargetConversation | None:
    """Any conversation this connection may see (the dashboard's is scoped by row-level security)."""
    row = conn.execute(_CONVERSATION, {"conversation_id": conversation_id}).fetchone()
    if row is None:
        return None
    return TargetConversation(
        id=row["id"],
        organization_id=row["organization_id"],
        status=row["status"],
        language=row["language"],
        plan=row["plan"],
    )


# Stored this month, plus uploads granted in the last hour and not checked yet: a burst of grants
# cannot pass the limit together before any of them is confirmed.
_MONTH_STORAGE = """
SELECT coalesce(sum(CASE WHEN status = 'ready' THEN stored_bytes ELSE declared_size END), 0)::bigint AS used
FROM attachments
WHERE organization_id = %(organization_id)s
  AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  AND (status = 'ready' OR created_at > now() - interval '1 hour')
  AND (%(excluding)s::uuid IS NULL OR id <> %(excluding)s::uuid)
"""


def month_storage(conn: Connection, organization_id: UUID, *, excluding: UUID | None = None) -> int:
    """Bytes of attachments the organisation stored this calendar month (UTC)."""
    row = conn.execute(_MONTH_STORAGE, {"organization_id": organization_id, "excluding": excluding}).fetchone()
    return int(row["used"]) if row else 0


_INSERT_PENDING = """
INSERT INTO attachments (id, organization_id, conversation_id, uploaded_by, author_user_id, name, declared_type,
                         declared_size, object_key)
VALUES (%(id)s, %(organization_id)s, %(conversation_id)s, %(uploaded_by)s, %(author_user_id)s, %(name)s,
        %(declared_type)s, %(declared_size)s, %(object_key)s)
"""


def insert_pending(
    conn: Connection,
    *,
    attachment_id: UUID,
    organization_id: UUID,
    conversation_id: UUID,
    uploaded_by: str,
    author_user_id: str | None,
    name: str,
    declared_type: str,
    declared_size: int,
    object_key: str,
) -> None:
    conn.execute(
        _INSERT_PENDING,
        {
            "id": attachment_id,
            "organization_id": organization_id,
            "conversation_id": conversation_id,
            "uploaded_by": uploaded_by,
            "author_user_id": author_user_id,
            "name": name,
            "declared_type": declared_type,
            "declared_size": declared_size,
            "object_key": object_key,
        },
    )


_LOCK = """
SELECT id, organization_id, conversation_id, uploaded_by, author_user_id, name, declared_type, declared_size,
       object_key, status, message_id, created_at
FROM attachments WHERE id = %(id)s AND conversation_id = %(conversation_id)s
"""


def lock_attachment(
    conn: Connection, *, attachment_id: UUID, conversation_id: UUID, lock: bool = True
) -> PendingAttachment | None:
    """The attachment of this conversation (locked for the transaction when `lock`); None when none is."""
    statement = _LOCK + (" FOR UPDATE" if lock else "")
    row = conn.execute(statement, {"id": attachment_id, "conversation_id": conversation_id}).fetchone()
    return None if row is None else PendingAttachment(**row)


def delete_attachment(conn: Connection, attachment_id: UUID) -> None:
    conn.execute("DELETE FROM attachments WHERE id = %s", (attachment_id,))


_MARK_READY = """
UPDATE attachments SET status = 'ready', ready_at = now(), message_id = %(message_id)s,
       content_type = %(content_type)s, size = %(size)s, stored_bytes = %(stored_bytes)s,
       thumbnail_key = %(thumbnail_key)s, width = %(width)s, height = %(height)s
WHERE id = %(id)s
"""


def mark_ready(
    conn: Connection,
    *,
    attachment_id: UUID,
    message_id: UUID,
    content_type: str,
    size: int,
    stored_bytes: int,
    thumbnail_key: str | None,
    width: int | None,
    height: int | None,
) -> None:
    conn.execute(
        _MARK_READY,
        {
            "id": attachment_id,
            "message_id": message_id,
            "content_type": content_type,
            "size": size,
            "stored_bytes": stored_bytes,
            "thumbnail_key": thumbnail_key,
            "width": width,
            "height": height,
        },
    )


def ref_from_row(row: dict[str, Any] | None) -> AttachmentRef | None:
    """An AttachmentRef from a JSON object or row with the attachments table's column names (the
    message queries add one per message), None for none."""
    if not row or row.get("id") is None:
        return None
    return AttachmentRef(
        id=UUID(str(row["id"])),
        name=row["name"],
        content_type=row["content_type"],
        size=int(row["size"] or 0),
        object_key=row["object_key"],
        thumbnail_key=row.get("thumbnail_key"),
        width=row.get("width"),
        height=row.get("height"),
    )
