"""Satisfaction (CSAT): the visitor rates a closed conversation once, on the channel's scale; the
rating is kept on the conversation with who gave the last answer, shown in the inbox, counted by the
reports and told to webhooks (conversation.rated)."""

from chatflow.satisfaction.service import (
    MAX_COMMENT_CHARS,
    RatingResult,
    SatisfactionSettings,
    get_settings,
    put_settings,
    rate_conversation,
)

__all__ = [
    "MAX_COMMENT_CHARS",
    "RatingResult",
    "SatisfactionSettings",
    "get_settings",
    "put_settings",
    "rate_conversation",
]
