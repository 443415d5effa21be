"""Live updates over API Gateway WebSockets: who is connected, what they may see, and pushing it.

A write path calls one function after its write commits:

    realtime.publish_changes(conversation_id, created=..., message_ids=[...], conn=conn)

or builds events itself (`conversation_created`, `conversation_updated`, `message_created`) and
calls `realtime.publish(events)`. Neither ever raises.
"""

from chatflow.realtime.changes import conversation_events, publish_changes
from chatflow.realtime.connections import MAX_CONNECTION_SECONDS
from chatflow.realtime.events import (
    UNKNOWN,
    Event,
    EventType,
    conversation_created,
    conversation_updated,
    message_created,
)
from chatflow.realtime.publisher import PublishResult, publish, send

__all__ = [
    "MAX_CONNECTION_SECONDS",
    "UNKNOWN",
    "Event",
    "EventType",
    "PublishResult",
    "conversation_created",
    "conversation_events",
    "conversation_updated",
    "message_created",
    "publish",
    "publish_changes",
    "send",
]
