"""The organisation's admins learn by email that a conversation passed from the AI to a person."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.notifications import send_all
from chatflow.notifications.handoff import handoff_emails, load_handoff_recipients
from chatflow.outbox import ConversationHandoff, DomainEvent, listener
from chatflow.settings import get_settings

__all__ = ["email_admins_on_handoff"]


@listener(ConversationHandoff)
def email_admins_on_handoff(conn: Connection, events: Sequence[DomainEvent]) -> None:
    settings = get_settings()
    for event in events:
        assert isinstance(event, ConversationHandoff)
        recipients = load_handoff_recipients(conn, conversation_id=event.conversation_id)
        send_all(
            settings,
            handoff_emails(
                recipients,
                settings,
                organization_id=event.organization_id,
                conversation_id=event.conversation_id,
                taken_over_by=event.agent_name,
            ),
        )
