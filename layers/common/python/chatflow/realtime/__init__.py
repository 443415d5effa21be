"""Live updates over API Gateway WebSockets: who is connected, what they may see, and pushing it.

Writes never call it: they write domain events (chatflow.outbox), and the listener
chatflow.listeners.push_to_sockets calls, once they have committed,

    realtime.publish_all([ConversationChange(conversation_id, created=..., message_ids=[...]), ...], conn=conn)

which reads the conversation as it is and posts its frames (`conversation_event`,
`message_created`) to every connection that may see them.
"""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
    from chatflow.realtime.changes import ConversationChange, conversation_events, publish_all, publish_changes
    from chatflow.realtime.connections import MAX_CONNECTION_SECONDS
    from chatflow.realtime.events import Event, EventType, conversation_event, message_created, note_created
    from chatflow.realtime.publisher import PublishResult, publish, send

# Imported on first use (chatflow._lazy): the writes only need `connections`, a few statements, and
# would otherwise pull the inbox's models and the publisher into every function's cold start.
__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(
            ("ConversationChange", "conversation_events", "publish_all", "publish_changes"), "chatflow.realtime.changes"
        ),
        "MAX_CONNECTION_SECONDS": "chatflow.realtime.connections",
        **dict.fromkeys(
            ("Event", "EventType", "conversation_event", "message_created", "note_created"), "chatflow.realtime.events"
        ),
        **dict.fromkeys(("PublishResult", "publish", "send"), "chatflow.realtime.publisher"),
    },
)

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
