"""The organisation's members learn by email that a visitor left a message outside business hours."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.notifications import send_all
from chatflow.notifications.offline_message import load_offline_message, offline_message_emails
from chatflow.outbox import DomainEvent, OfflineMessageLeft, listener
from chatflow.settings import get_settings

__all__ = ["email_members_on_offline_message"]


@listener(OfflineMessageLeft)
def email_members_on_offline_message(conn: Connection, events: Sequence[DomainEvent]) -> None:
    settings = get_settings()
    for event in events:
        assert isinstance(event, OfflineMessageLeft)
        facts = load_offline_message(conn, conversation_id=event.conversation_id)
        if facts is None:
            continue  # deleted since (the visitor's erasure, retention)
        send_all(
            settings,
            offline_message_emails(
                facts, settings, organization_id=event.organization_id, conversation_id=event.conversation_id
            ),
        )
