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
    """Each conversation once, however many of its events the batch holds, and one look-up of who
    listens for the whole batch. A post that fails is not retried (clients poll while their socket is
    down); a database that fails is."""
    created: set[UUID] = set()
    message_ids: dict[UUID, list[UUID]] = {}
    for event in events:
        if event.conversation_id is None:
            continue
        ids = message_ids.setdefault(event.conversation_id, [])
        if isinstance(event, ConversationCreated):
            created.add(event.conversation_id)
        elif isinstance(event, MessageCreated):
            ids.append(event.message_id)
    realtime.publish_all(
        [realtime.ConversationChange(c, created=c in created, message_ids=ids) for c, ids in message_ids.items()],
        conn=conn,
    )
