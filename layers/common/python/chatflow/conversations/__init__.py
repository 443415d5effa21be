"""Conversations with visitors: start, continue, read and close them."""

from chatflow.conversations.models import ConversationView, MessageView, PostResult
from chatflow.conversations.person import PersonRequest, ask_for_person
from chatflow.conversations.service import close_conversation, get_conversation, post_visitor_message

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
