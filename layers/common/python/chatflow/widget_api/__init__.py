"""The edge of the public widget API: request and response models, and the resolver that turns
domain errors into the contract's error shape."""

from chatflow.widget_api.http import build_resolver, origin_of, parse_body, parse_query, parse_uuid, visitor_metadata
from chatflow.widget_api.limits import limit_request
from chatflow.widget_api.models import (
    ChatRequest,
    ChatResponse,
    CloseRequest,
    CloseResponse,
    ConversationResponse,
    HistoryQuery,
)

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "CloseRequest",
    "CloseResponse",
    "ConversationResponse",
    "HistoryQuery",
    "build_resolver",
    "limit_request",
    "origin_of",
    "parse_body",
    "parse_query",
    "parse_uuid",
    "visitor_metadata",
]
