"""Live updates: each conversation an event touched, as it is now, and its new messages, to every
WebSocket connection that may see them (chatflow.realtime decides who may see what)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from chatflow import realtime
from chatflow.db import Connection
from chatflow.outbox import (
    ConversationCreated,
    ConversationUpdated,
    DomainEvent,
    MessageCreated,
    listener,
)

__all__ = ["push_to_sockets"]


@listener(ConversationCreated, ConversationUpdated, MessageCreated)
def push_to_sockets(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """Each conversation once, however many of its events the batch holds. A post that fails is
    not retried (clients poll while their socket is down); a database that fails is."""
    touched: dict[UUID, tuple[bool, list[UUID]]] = {}
    for event in events:
        if event.conversation_id is None:
            continue
        _, message_ids = touched.setdefault(event.conversation_id, (False, []))
        if isinstance(event, ConversationCreated):
            touched[event.conversation_id] = (True, message_ids)
        elif isinstance(event, MessageCreated):
            message_ids.append(event.message_id)
    for conversation_id, (created, message_ids) in touched.items():
        realtime.publish_changes(conversation_id, created=created, message_ids=message_ids, conn=conn)
