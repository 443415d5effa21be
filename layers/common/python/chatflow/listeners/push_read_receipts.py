"""Read receipts, live: the visitor learns an agent opened the conversation, the operators that the
visitor read it (chatflow.inbox.presence)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow import realtime
from chatflow.db import Connection
from chatflow.inbox.presence import read_receipt_events
from chatflow.outbox import ConversationRead, DomainEvent, listener

__all__ = ["push_read_receipts"]


@listener(ConversationRead)
def push_read_receipts(conn: Connection, events: Sequence[DomainEvent]) -> None:
    realtime.publish(read_receipt_events(conn, [e for e in events if isinstance(e, ConversationRead)]), conn=conn)
