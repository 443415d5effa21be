"""Outbound webhooks: the deliveries each event makes for its organisation's endpoints, made once,
then attempted at once (through the queue, off this dispatch) and retried on their schedule
(chatflow.webhooks)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow import webhooks
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

__all__ = ["deliver_webhooks"]


@listener(ConversationCreated, ConversationUpdated, ConversationHandoff, ConversationRated, MessageCreated)
def deliver_webhooks(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """A receiver that fails does not fail this listener: its delivery is retried on its own schedule.
    A database that fails does (the deliveries not made yet are made on the retry)."""
    webhooks.send_soon(webhooks.enqueue(conn, events), conn=conn)
