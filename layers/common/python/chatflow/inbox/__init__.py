"""The operators' inbox: conversations of the caller's organisations, read, answered, handed over."""

from chatflow.inbox.repository import (
    ConversationDetail,
    ConversationSummary,
    InboxFilter,
    InboxMessage,
    LastMessage,
    UserRef,
    ViewCounts,
)
from chatflow.inbox.service import (
    MAX_PAGE_SIZE,
    InboxPage,
    assign_conversation,
    close_conversation,
    count_views,
    get_conversation,
    list_conversations,
    release_conversation,
    reopen_conversation,
    send_agent_message,
    send_template_message,
    take_over_conversation,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "ConversationDetail",
    "ConversationSummary",
    "InboxFilter",
    "InboxMessage",
    "InboxPage",
    "LastMessage",
    "UserRef",
    "ViewCounts",
    "assign_conversation",
    "close_conversation",
    "count_views",
    "get_conversation",
    "list_conversations",
    "release_conversation",
    "reopen_conversation",
    "send_agent_message",
    "send_template_message",
    "take_over_conversation",
]
