"""A message left for the team outside the channel's business hours.

Two ways in: the widget's offline form (the channel's `form` mode: an email and a message instead of
the chat), which opens a conversation that waits in the inbox for a person; or, in the `ai` mode, the
email a visitor leaves after a handoff outside the hours said when people are back. Either way the
conversation waits (pending, for a person), the address is kept for the agents (`contactEmail`), and
an OfflineMessageLeft event has the organisation's members emailed (listener
email_members_on_offline_message)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from chatflow import outbox
from chatflow.conversations import message_repository as conversation_messages
from chatflow.conversations.models import MessageView
from chatflow.db import Connection, connection
from chatflow.errors import ChannelNotFound, ConversationChanged
from chatflow.languages import text
from chatflow.origins import check_origin
from chatflow.outbox import ConversationCreated, DomainEvent, MessageCreated, OfflineMessageLeft
from chatflow.vocabulary import Language

__all__ = ["OfflineMessage", "leave_offline_message"]


@dataclass(frozen=True, slots=True)
class OfflineMessage:
    conversation_id: UUID
    status: str
    reply: MessageView  # "Thanks, we got your message…", in the visitor's language


_CHANNEL = """
SELECT ch.id, ch.organization_id, ch.allowed_origins
FROM channels ch JOIN organizations o ON o.id = ch.organization_id AND o.active
WHERE ch.public_key = %s AND ch.active
"""

# The form asked for a person: recorded as the visitor's own ask (the "Talk to a person" button's
# source), not as a keyword.
_AS_ASKED = "UPDATE conversations SET handoff_source = 'button', handoff_reason = 'visitor_asked' WHERE id = %s"


def leave_offline_message(
    *,
    public_key: UUID,
    visitor_id: UUID,
    email: str,
    message: str,
    language: Language,
    page_url: str | None = None,
    client_message_id: UUID | None = None,
    origin: str | None = None,
) -> OfflineMessage:
    """A new conversation with the visitor's message, waiting for a person, billed as any other.
    ChannelNotFound / OriginNotAllowed as the chat answers them. A retry with the same
    clientMessageId answers the first conversation."""
    conversation_id, message_id = uuid4(), uuid4()
    with connection() as conn, conn.transaction():
        channel = conn.execute(_CHANNEL, (public_key,)).fetchone()
        if channel is None:
            raise ChannelNotFound("No active channel has this public key.")
        check_origin(tuple(channel["allowed_origins"] or ()), origin)
        organization_id = channel["organization_id"]
        events: list[DomainEvent] = [
            ConversationCreated(
                organization_id=organization_id, conversation_id=conversation_id, channel_id=channel["id"]
            ),
            MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=message_id),
            OfflineMessageLeft(organization_id=organization_id, conversation_id=conversation_id, source="form"),
        ]
        written = conversation_messages.insert_opening_message(
            conn,
            conversation_id=conversation_id,
            message_id=message_id,
            channel_id=channel["id"],
            organization_id=organization_id,
            visitor_id=visitor_id,
            content=message,
            client_message_id=client_message_id,
            language=language,
            handoff=True,
            page_url=page_url,
            visitor_metadata={"contactEmail": email},
            events=events,
        )
        if written is None:
            # The same form sent again (a retry): the conversation it opened, and its notice.
            return _again(conn, channel["id"], visitor_id, client_message_id)
        conn.execute(_AS_ASKED, (conversation_id,))
        notice_id = uuid4()
        notice_events: list[DomainEvent] = [
            MessageCreated(organization_id=organization_id, conversation_id=conversation_id, message_id=notice_id)
        ]
        notice = conversation_messages.insert_reply(
            conn,
            message_id=notice_id,
            conversation_id=conversation_id,
            organization_id=organization_id,
            reply_to=message_id,
            role="system",
            content=text("offline_form_received", language, email=email),
            model=None,
            tokens_used=0,
            counts_as_ai_message=False,
            knowledge_chunk_ids=None,
            language=language,
            events=notice_events,
        )
        assert notice is not None  # the conversation was opened just now, in this transaction
    outbox.signal([e.id for e in [*events, *notice_events]])
    return OfflineMessage(conversation_id=conversation_id, status="pending", reply=notice)


_AGAIN = """
SELECT c.id, c.status, m.id AS notice_id, m.content, m.created_at
FROM conversations c
JOIN messages m ON m.conversation_id = c.id AND m.role = 'system'
WHERE c.channel_id = %s AND c.visitor_id = %s AND c.opening_client_message_id = %s
ORDER BY m.seq LIMIT 1
"""


def _again(conn: Connection, channel_id: UUID, visitor_id: UUID, client_message_id: UUID | None) -> OfflineMessage:
    row = conn.execute(_AGAIN, (channel_id, visitor_id, client_message_id)).fetchone()
    if row is None:
        raise ConversationChanged()
    return OfflineMessage(
        conversation_id=row["id"],
        status=row["status"],
        reply=MessageView(id=row["notice_id"], role="system", content=row["content"], created_at=row["created_at"]),
    )
