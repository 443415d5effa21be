"""Conversations with visitors: start, continue, read and close them.

The names are imported on first use (chatflow._lazy): the widget API's models read this package's
views (`chatflow.conversations.models`), and importing them should not import the chat's whole
pipeline (the AI, its settings, streaming, billing) into every function that never answers a
message."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
    from chatflow.conversations.models import ConversationView, MessageView, PostResult
    from chatflow.conversations.person import PersonRequest, ask_for_person
    from chatflow.conversations.service import post_visitor_message
    from chatflow.conversations.visitor import close_conversation, get_conversation

__all__ = [
    "ConversationView",
    "MessageView",
    "PersonRequest",
    "PostResult",
    "ask_for_person",
    "close_conversation",
    "get_conversation",
    "post_visitor_message",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "ConversationView": "chatflow.conversations.models",
        "MessageView": "chatflow.conversations.models",
        "PostResult": "chatflow.conversations.models",
        "PersonRequest": "chatflow.conversations.person",
        "ask_for_person": "chatflow.conversations.person",
        "close_conversation": "chatflow.conversations.visitor",
        "get_conversation": "chatflow.conversations.visitor",
        "post_visitor_message": "chatflow.conversations.service",
    },
)
