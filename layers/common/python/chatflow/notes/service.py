"""Private notes: operators write to each other on a conversation, and may name (`@mention`) members
of its organisation, who are told in the dashboard (a live frame, an unread mention) and by email.

A note is never the visitor's: it lives in its own table, its event (note.created) reaches only the
listeners that tell operators (chatflow.listeners.push_note_to_operators, email_mentioned_members),
and no path that sends to a visitor reads that table.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from chatflow import outbox
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection
from chatflow.errors import ConversationNotFound, InvalidInput
from chatflow.inbox import repository as inbox_repo
from chatflow.notes import repository as repo
from chatflow.notes.repository import Mention, Note
from chatflow.outbox import NoteCreated
from chatflow.outbox import repository as events_repo

__all__ = ["MAX_MENTIONS", "MAX_NOTE_CHARS", "add_note", "list_mentions", "list_notes", "mark_mentions_read"]

MAX_NOTE_CHARS = 10_000
MAX_MENTIONS = 20


def _scope(caller: Caller) -> list[UUID] | None:
    return None if caller.is_super_admin else caller.organization_ids


def list_notes(conn: Connection, caller: Caller, conversation_id: UUID) -> list[Note]:
    """Oldest first; ConversationNotFound for a conversation that is not the caller's."""
    if not _visible(conn, caller, conversation_id):
        raise ConversationNotFound()
    return repo.list_notes(conn, scope=_scope(caller), conversation_id=conversation_id)


def _visible(conn: Connection, caller: Caller, conversation_id: UUID) -> bool:
    row = conn.execute(
        "SELECT 1 FROM conversations c WHERE c.id = %(id)s "
        "AND (%(scope)s::uuid[] IS NULL OR c.organization_id = ANY(%(scope)s::uuid[]))",
        {"id": conversation_id, "scope": _scope(caller)},
    ).fetchone()
    return row is not None


def add_note(caller: Caller, conversation_id: UUID, content: str, mentions: Sequence[str] = ()) -> Note:
    """A note by the caller (closed conversations too: a note is about the conversation, not to the
    visitor). Every id in `mentions` must be a member of the conversation's organisation (400
    invalid_field otherwise); the caller naming themselves is kept in the text but not notified."""
    mentioned = list(dict.fromkeys(mentions))
    if len(mentioned) > MAX_MENTIONS:
        raise InvalidInput(f"mentions: at most {MAX_MENTIONS}", variant="field", field="mentions")
    with scoped_connection(caller) as conn:
        current = inbox_repo.lock_conversation(conn, scope=_scope(caller), conversation_id=conversation_id)
        if current is None:
            raise ConversationNotFound()
        caller.require_writable(current.organization_id)
        if mentioned and repo.members_among(conn, organization_id=current.organization_id, user_ids=mentioned) != set(
            mentioned
        ):
            raise InvalidInput(
                "mentions: not a member of this conversation's organisation", variant="field", field="mentions"
            )
        note_id = repo.insert_note(
            conn,
            conversation_id=conversation_id,
            organization_id=current.organization_id,
            author_id=caller.user_id,
            content=content,
            mentioned=mentioned,
        )
        event = NoteCreated(
            organization_id=current.organization_id,
            conversation_id=conversation_id,
            note_id=note_id,
            mentioned_user_ids=tuple(m for m in mentioned if m != caller.user_id),
        )
        events_repo.add(conn, [event])
        note = repo.load_note(conn, note_id)
    outbox.signal([event.id])
    assert note is not None
    return note


def list_mentions(conn: Connection, caller: Caller, *, limit: int = 50) -> list[Mention]:
    return repo.list_mentions(conn, user_id=caller.user_id, scope=_scope(caller), limit=limit)


def mark_mentions_read(conn: Connection, caller: Caller, conversation_id: UUID) -> int:
    return repo.mark_read(conn, user_id=caller.user_id, conversation_id=conversation_id)
