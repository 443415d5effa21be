"""A conversation a visitor handed to a person goes to the next available member, round-robin,
in organisations that ask for it (chatflow.inbox.assignment)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.inbox.assignment import auto_assign
from chatflow.outbox import ConversationHandoff, DomainEvent, listener

__all__ = ["auto_assign_on_handoff"]


@listener(ConversationHandoff)
def auto_assign_on_handoff(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """An agent who took a conversation over holds it already; only the visitor's handoffs wait for someone."""
    for event in events:
        if isinstance(event, ConversationHandoff) and event.requested_by == "visitor":
            auto_assign(conn, event.conversation_id)
