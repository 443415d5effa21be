"""Live updates over API Gateway WebSockets: who is connected, what they may see, and pushing it.

Writes never call it: they write domain events (chatflow.outbox), and the listener
chatflow.listeners.push_to_sockets calls, once they have committed,

    realtime.publish_all([ConversationChange(conversation_id, created=..., message_ids=[...]), ...], conn=conn)

which reads the conversation as it is and posts its frames (`conversation_event`,
`message_created`) to every connection that may see them.
"""

from chatflow.realtime.changes import ConversationChange, conversation_events, publish_all, publish_changes
from chatflow.realtime.connections import MAX_CONNECTION_SECONDS
from chatflow.realtime.events import Event, EventType, conversation_event, message_created, note_created
from chatflow.realtime.publisher import PublishResult, publish, send

__all__ = [
    "MAX_CONNECTION_SECONDS",
    "ConversationChange",
    "Event",
    "EventType",
    "PublishResult",
    "conversation_event",
    "conversation_events",
    "message_created",
    "note_created",
    "publish",
    "publish_all",
    "publish_changes",
    "send",
]
