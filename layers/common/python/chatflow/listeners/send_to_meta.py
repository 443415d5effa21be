"""WhatsApp and Messenger: our new messages in a conversation of a connected channel (AI answers,
agents' replies, system notices) go out through Meta's Graph API (chatflow.meta.outbound)."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.meta.outbound import send_messages
from chatflow.outbox import DomainEvent, MessageCreated, listener

__all__ = ["send_to_meta"]


@listener(MessageCreated)
def send_to_meta(conn: Connection, events: Sequence[DomainEvent]) -> None:
    """Raises (and is retried) while Meta cannot take a message; a message Meta refuses for good is
    recorded as failed, not retried."""
    send_messages(conn, [event.message_id for event in events if isinstance(event, MessageCreated)])
