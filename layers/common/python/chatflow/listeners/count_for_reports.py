"""What each conversation came to, kept on its row for the reports (chatflow.reports): an AI answer's
tokens and model, the first reply of a person, a visitor who came back within 7 days of a close;
and its day marked for the reports' rollups to be remade. Each write is idempotent: an event
delivered twice counts once."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.outbox import (
    ConversationCreated,
    ConversationHandoff,
    ConversationRated,
    ConversationUpdated,
    DomainEvent,
    MessageCreated,
    listener,
)
from chatflow.reports import count_message, mark_changed, note_returning_visitor

__all__ = ["count_for_reports"]


@listener(MessageCreated, ConversationCreated, ConversationUpdated, ConversationHandoff, ConversationRated)
def count_for_reports(conn: Connection, events: Sequence[DomainEvent]) -> None:
    for event in events:
        if isinstance(event, MessageCreated):
            count_message(conn, event.message_id)
        elif isinstance(event, ConversationCreated):
            note_returning_visitor(conn, event.conversation_id)
    mark_changed(conn, [e.conversation_id for e in events if e.conversation_id is not None])
