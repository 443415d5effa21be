"""The SQL of private notes. Scoped by hand to the caller's organisations as the inbox is (`scope`:
their ids, None for a super admin), on a dashboard connection where row-level security also applies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from chatflow.db import Connection
from chatflow.inbox.repository import UserRef

__all__ = ["Mention", "Note", "insert_note", "list_mentions", "list_notes", "load_note", "mark_read", "members_among"]


@dataclass(frozen=True, slots=True)
class Note:
    id: UUID
    conversation_id: UUID
    organization_id: UUID
    author: UserRef | None
    content: str
    mentions: tuple[UserRef, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Mention:
    """A note that names the caller, with where to read it."""

    note: Note
    read: bool


_NOTE_COLUMNS = sql.SQL("""
    n.id, n.conversation_id, n.organization_id, n.author_user_id, a.name AS author_name, n.content, n.created_at,
    (SELECT coalesce(json_agg(json_build_object('id', u.id, 'name', u.name)
                              ORDER BY array_position(n.mentioned_user_ids, u.id)), '[]')
     FROM users u WHERE u.id = ANY (n.mentioned_user_ids)) AS mentions
""")

_IN_SCOPE = sql.SQL("(%(scope)s::uuid[] IS NULL OR n.organization_id = ANY(%(scope)s::uuid[]))")

_LIST = sql.SQL("""
SELECT {columns} FROM conversation_notes n LEFT JOIN users a ON a.id = n.author_user_id
WHERE n.conversation_id = %(conversation_id)s AND {in_scope} ORDER BY n.created_at, n.id
""").format(columns=_NOTE_COLUMNS, in_scope=_IN_SCOPE)

_ONE = sql.SQL("""
SELECT {columns} FROM conversation_notes n LEFT JOIN users a ON a.id = n.author_user_id WHERE n.id = %(id)s
""").format(columns=_NOTE_COLUMNS)

_MENTIONS = sql.SQL("""
SELECT {columns}, nm.read_at IS NOT NULL AS read
FROM note_mentions nm
JOIN conversation_notes n ON n.id = nm.note_id
LEFT JOIN users a ON a.id = n.author_user_id
WHERE nm.user_id = %(user_id)s AND {in_scope}
ORDER BY nm.created_at DESC LIMIT %(limit)s
""").format(columns=_NOTE_COLUMNS, in_scope=_IN_SCOPE)


def _note(row: dict[str, Any]) -> Note:
    return Note(
        id=row["id"],
        conversation_id=row["conversation_id"],
        organization_id=row["organization_id"],
        author=UserRef(row["author_user_id"], row["author_name"] or "") if row["author_user_id"] else None,
        content=row["content"],
        mentions=tuple(UserRef(m["id"], m["name"] or "") for m in row["mentions"]),
        created_at=row["created_at"],
    )


def list_notes(conn: Connection, *, scope: list[UUID] | None, conversation_id: UUID) -> list[Note]:
    rows = conn.execute(_LIST, {"scope": scope, "conversation_id": conversation_id}).fetchall()
    return [_note(row) for row in rows]


def load_note(conn: Connection, note_id: UUID) -> Note | None:
    """Unscoped: for listeners, which decide who may see it when they send it."""
    row = conn.execute(_ONE, {"id": note_id}).fetchone()
    return _note(row) if row else None


def members_among(conn: Connection, *, organization_id: UUID, user_ids: Sequence[str]) -> set[str]:
    """Which of these are active members of the organisation."""
    rows = conn.execute(
        "SELECT m.user_id FROM organization_members m JOIN users u ON u.id = m.user_id "
        "WHERE m.organization_id = %s AND m.user_id = ANY(%s) AND u.active",
        (organization_id, list(user_ids)),
    ).fetchall()
    return {row["user_id"] for row in rows}


def insert_note(
    conn: Connection,
    *,
    conversation_id: UUID,
    organization_id: UUID,
    author_id: str,
    content: str,
    mentioned: Sequence[str],
) -> UUID:
    """The note and one unread mention per member it names (never its author)."""
    row = conn.execute(
        """
        INSERT INTO conversation_notes (conversation_id, organization_id, author_user_id, content, mentioned_user_ids)
        VALUES (%s, %s, %s, %s, %s) RETURNING id
        """,
        (conversation_id, organization_id, author_id, content, list(mentioned)),
    ).fetchone()
    assert row is not None
    note_id: UUID = row["id"]
    conn.execute(
        """
        INSERT INTO note_mentions (note_id, user_id, organization_id, conversation_id)
        SELECT %s, u, %s, %s FROM unnest(%s::text[]) AS u WHERE u <> %s
        """,
        (note_id, organization_id, conversation_id, list(mentioned), author_id),
    )
    return note_id


def list_mentions(conn: Connection, *, user_id: str, scope: list[UUID] | None, limit: int) -> list[Mention]:
    """The caller's mentions, newest first, in organisations they still belong to."""
    rows = conn.execute(_MENTIONS, {"user_id": user_id, "scope": scope, "limit": limit}).fetchall()
    return [Mention(_note(row), row["read"]) for row in rows]


def mark_read(conn: Connection, *, user_id: str, conversation_id: UUID) -> int:
    """The caller's mentions in this conversation read (they opened it)."""
    return conn.execute(
        "UPDATE note_mentions SET read_at = now() WHERE user_id = %s AND conversation_id = %s AND read_at IS NULL",
        (user_id, conversation_id),
    ).rowcount
