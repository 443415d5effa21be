"""Canned replies (see service.py)."""

from chatflow.canned_replies.service import (
    MAX_CONTENT_CHARS,
    VARIABLES,
    CannedReply,
    create_reply,
    delete_reply,
    list_replies,
    update_reply,
)

__all__ = [
    "MAX_CONTENT_CHARS",
    "VARIABLES",
    "CannedReply",
    "create_reply",
    "delete_reply",
    "list_replies",
    "update_reply",
]
