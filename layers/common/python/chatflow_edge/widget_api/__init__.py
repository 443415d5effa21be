"""The edge of the public widget API: its JSON models, reading API Gateway events, its rate limits,
answers a browser may cache, and the resolver that answers every error in the contract's shape."""

from chatflow_edge.widget_api.caching import cacheable
from chatflow_edge.widget_api.limits import limit_request
from chatflow_edge.widget_api.models import (
    ChatRequest,
    ChatResponse,
    CloseRequest,
    CloseResponse,
    ConversationResponse,
    HandoffRequest,
    HandoffResponse,
    HistoryQuery,
    WidgetConfigResponse,
)
from chatflow_edge.widget_api.parsing import (
    MAX_BODY_BYTES,
    origin_of,
    parse_body,
    parse_query,
    parse_uuid,
    visitor_metadata,
)
from chatflow_edge.widget_api.resolver import build_resolver, json_response

__all__ = [
    "MAX_BODY_BYTES",
    "ChatRequest",
    "ChatResponse",
    "CloseRequest",
    "CloseResponse",
    "ConversationResponse",
    "HandoffRequest",
    "HandoffResponse",
    "HistoryQuery",
    "WidgetConfigResponse",
    "build_resolver",
    "cacheable",
    "json_response",
    "limit_request",
    "origin_of",
    "parse_body",
    "parse_query",
    "parse_uuid",
    "visitor_metadata",
]
