"""Members named in a private note learn it by email, in their language (chatflow.notes.emails)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.notes import load_note
from chatflow.notes.emails import load_mention_recipients, mention_emails
from chatflow.notifications import send_all
from chatflow.outbox import DomainEvent, NoteCreated, listener
from chatflow.settings import get_settings

__all__ = ["email_mentioned_members"]


@listener(NoteCreated)
def email_mentioned_members(conn: Connection, events: Sequence[DomainEvent]) -> None:
    settings = get_settings()
    for event in events:
        if not isinstance(event, NoteCreated) or not event.mentioned_user_ids:
            continue
        note = load_note(conn, event.note_id)
        if note is None:
            continue
        recipients = load_mention_recipients(
            conn, organization_id=event.organization_id, user_ids=list(event.mentioned_user_ids)
        )
        send_all(settings, mention_emails(recipients, note, settings))
