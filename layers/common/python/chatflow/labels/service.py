"""Labels: an organisation's coloured names for its conversations. Admins create, rename, recolour and
delete them; every member puts them on conversations and takes them off, and filters the inbox by
one. Putting or taking one is a conversation.updated event: the cards of every operator follow."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg

from chatflow import audit, outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection
from chatflow.errors import ConversationNotFound, LabelExists, LabelNotFound
from chatflow.inbox import repository as inbox_repo
from chatflow.outbox import ConversationUpdated
from chatflow.outbox import repository as events_repo

__all__ = [
    "LABEL_COLORS",
    "Label",
    "add_label",
    "conversation_labels",
    "create_label",
    "delete_label",
    "list_labels",
    "remove_label",
    "update_label",
]

# The palette the dashboard offers: readable as a chip's background with dark or white text.
LABEL_COLORS = (
    "#ef4444",
    "#f97316",
    "#eab308",
    "#22c55e",
    "#14b8a6",
    "#3b82f6",
    "#6366f1",
    "#a855f7",
    "#ec4899",
    "#6b7280",
)


@dataclass(frozen=True, slots=True)
class Label:
    id: UUID
    organization_id: UUID
    name: str
    color: str


def list_labels(conn: Connection, caller: Caller, organization_id: UUID) -> list[Label]:
    caller.require_member(organization_id)
    rows = conn.execute(
        "SELECT id, organization_id, name, color FROM labels WHERE organization_id = %s ORDER BY lower(name)",
        (organization_id,),
    ).fetchall()
    return [Label(**row) for row in rows]


def create_label(caller: Caller, organization_id: UUID, *, name: str, color: str) -> Label:
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        try:
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO labels (organization_id, name, color) VALUES (%s, %s, %s) "
                    "RETURNING id, organization_id, name, color",
                    (organization_id, name, color),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise LabelExists() from exc
        assert row is not None
        audit.record(conn, action="label.created", organization_id=organization_id, actor=caller, target=str(row["id"]))
    return Label(**row)


def update_label(
    caller: Caller, organization_id: UUID, label_id: UUID, *, name: str | None, color: str | None
) -> Label:
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        try:
            with conn.transaction():
                row = conn.execute(
                    "UPDATE labels SET name = coalesce(%s, name), color = coalesce(%s, color) "
                    "WHERE id = %s AND organization_id = %s RETURNING id, organization_id, name, color",
                    (name, color, label_id, organization_id),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise LabelExists() from exc
        if row is None:
            raise LabelNotFound()
        ids = _touch_conversations(conn, organization_id, label_id)
    outbox.signal(ids)
    return Label(**row)


def delete_label(caller: Caller, organization_id: UUID, label_id: UUID) -> None:
    caller.require_admin(organization_id)
    with scoped_connection(caller) as conn:
        ids = _touch_conversations(conn, organization_id, label_id)
        deleted = conn.execute(
            "DELETE FROM labels WHERE id = %s AND organization_id = %s", (label_id, organization_id)
        ).rowcount
        if not deleted:
            raise LabelNotFound()
        audit.record(conn, action="label.deleted", organization_id=organization_id, actor=caller, target=str(label_id))
    outbox.signal(ids)


def _touch_conversations(conn: Connection, organization_id: UUID, label_id: UUID) -> list[UUID]:
    """The open conversations wearing the label changed too (their cards show it): their events, in
    the caller's transaction; the caller signals them once it has committed."""
    rows = conn.execute(
        "SELECT cl.conversation_id FROM conversation_labels cl JOIN conversations c ON c.id = cl.conversation_id "
        "WHERE cl.label_id = %s AND c.status <> 'closed'",
        (label_id,),
    ).fetchall()
    events = [ConversationUpdated(organization_id=organization_id, conversation_id=r["conversation_id"]) for r in rows]
    events_repo.add(conn, events)
    return [e.id for e in events]


def _scope(caller: Caller) -> list[UUID] | None:
    return None if caller.is_super_admin else caller.organization_ids


def _put(caller: Caller, conversation_id: UUID, label_id: UUID, *, on: bool) -> list[Label]:
    events: list[ConversationUpdated] = []
    with scoped_connection(caller) as conn:
        current = inbox_repo.lock_conversation(conn, scope=_scope(caller), conversation_id=conversation_id)
        if current is None:
            raise ConversationNotFound()
        caller.require_writable(current.organization_id)
        exists = conn.execute(
            "SELECT 1 FROM labels WHERE id = %s AND organization_id = %s", (label_id, current.organization_id)
        ).fetchone()
        if exists is None:
            raise LabelNotFound()
        changed = (
            conn.execute(
                "INSERT INTO conversation_labels (conversation_id, label_id, organization_id) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (conversation_id, label_id, current.organization_id),
            ).rowcount
            if on
            else conn.execute(
                "DELETE FROM conversation_labels WHERE conversation_id = %s AND label_id = %s",
                (conversation_id, label_id),
            ).rowcount
        )
        if changed:
            events = [ConversationUpdated(organization_id=current.organization_id, conversation_id=conversation_id)]
            events_repo.add(conn, events)
        labels = conversation_labels(conn, conversation_id)
    outbox.signal([e.id for e in events])
    return labels


def add_label(caller: Caller, conversation_id: UUID, label_id: UUID) -> list[Label]:
    """On (again, harmlessly). The conversation's labels after it."""
    return _put(caller, conversation_id, label_id, on=True)


def remove_label(caller: Caller, conversation_id: UUID, label_id: UUID) -> list[Label]:
    return _put(caller, conversation_id, label_id, on=False)


def conversation_labels(conn: Connection, conversation_id: UUID) -> list[Label]:
    rows = conn.execute(
        "SELECT l.id, l.organization_id, l.name, l.color "
        "FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id "
        "WHERE cl.conversation_id = %s ORDER BY lower(l.name)",
        (conversation_id,),
    ).fetchall()
    return [Label(**row) for row in rows]
