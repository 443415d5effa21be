"""The one call the live-update listener makes (chatflow.listeners.push_to_sockets): "this
conversation changed (and these messages are new)".

It reads what the frames say from the database when the listener runs, after the write committed,
so that every write publishes the same shapes whatever it had at hand, and the domain events need
carry only ids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from chatflow.db import Connection
from chatflow.inbox.repository import load_changed
from chatflow.realtime.events import Event, conversation_event, message_created
from chatflow.realtime.publisher import PublishResult, connection_for, publish
from chatflow.settings import get_settings

__all__ = ["ConversationChange", "conversation_events", "publish_all", "publish_changes"]


def conversation_events(
    conn: Connection, conversation_id: UUID, *, created: bool = False, message_ids: Collection[UUID] = ()
) -> list[Event]:
    """conversation.created (or .updated) with the conversation as it is now, then message.created
    for each of `message_ids` of it, oldest first. Empty when the conversation does not exist. Two
    round trips (one without messages)."""
    found = load_changed(conn, conversation_id=conversation_id, message_ids=list(message_ids))
    if found is None:
        return []
    summary, messages = found
    return [conversation_event(summary, created=created)] + [
        message_created(m, conversation_id=summary.id, organization_id=summary.organization_id) for m in messages
    ]


@dataclass(frozen=True, slots=True)
class ConversationChange:
    """What a committed write did to one conversation: created it, and/or added these messages."""

    conversation_id: UUID
    created: bool = False
    message_ids: Collection[UUID] = ()


def publish_changes(
    conversation_id: UUID,
    *,
    created: bool = False,
    message_ids: Collection[UUID] = (),
    conn: Connection | None = None,
) -> PublishResult:
    """Publish what a committed write did to one conversation (see `publish_all`)."""
    return publish_all([ConversationChange(conversation_id, created, message_ids)], conn=conn)


def publish_all(changes: Collection[ConversationChange], *, conn: Connection | None = None) -> PublishResult:
    """Publish what committed writes did to these conversations, in one look-up of who listens and
    one post sequence per connection. `conn`: the caller's connection when it holds one, outside
    any transaction. A post that fails is counted, never raised; a database that fails raises (the
    listener is then retried)."""
    if not changes or not get_settings().websocket_management_url:
        return PublishResult()  # no WebSocket API here: not even the read
    with connection_for(conn) as c:
        events = [
            event
            for change in changes
            for event in conversation_events(
                c, change.conversation_id, created=change.created, message_ids=change.message_ids
            )
        ]
    return publish(events, conn=conn)
