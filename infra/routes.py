"""The one route table: which function answers which method and path.

The local gateway reads it now; the CDK app builds API Gateway's resources from it, so what runs on
a laptop is what runs in AWS. Paths use API Gateway's `{param}` syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CORS_METHODS",
    "QUEUE_FUNCTIONS",
    "SCHEDULED_FUNCTIONS",
    "WEBHOOK_ROUTES",
    "WEBSOCKET_ROUTES",
    "WEBSOCKET_ROUTE_SELECTION",
    "WIDGET_ROUTES",
    "QueueFunction",
    "Route",
    "ScheduledFunction",
    "WebSocketRoute",
]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    function: str  # the folder under functions/


@dataclass(frozen=True, slots=True)
class WebSocketRoute:
    route_key: str  # $connect, $disconnect, $default, or a value of the body's `action`
    function: str  # the folder under functions/


@dataclass(frozen=True, slots=True)
class ScheduledFunction:
    function: str
    rate_minutes: int


@dataclass(frozen=True, slots=True)
class QueueFunction:
    """A function fed by an SQS queue (Lambda's event source mapping; the local gateway's poller)."""

    function: str
    queue: str  # the queue's logical name: "ingest" is the CDK's Jobs.ingest_queue, INGEST_QUEUE_URL locally
    batch_size: int


WIDGET_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/chat", "chat"),
    Route("POST", "/api/chat/identify", "chat"),
    Route("GET", "/api/chat/{conversationId}", "history"),
    Route("PATCH", "/api/chat/{conversationId}", "close"),
    Route("DELETE", "/api/chat/{conversationId}", "close"),
    Route("POST", "/api/chat/{conversationId}/handoff", "chat_handoff"),
    Route("POST", "/api/chat/{conversationId}/rating", "chat_rating"),
    Route("POST", "/api/chat/{conversationId}/transcript", "chat_transcript"),
    Route("POST", "/api/chat/offline", "chat_offline"),
    Route("POST", "/api/chat/{conversationId}/attachments", "attachments"),
    Route("POST", "/api/chat/{conversationId}/attachments/{attachmentId}", "attachments"),
    Route("GET", "/api/channels/{publicKey}/config", "widget_config"),
)

# Meta's webhooks (WhatsApp, Messenger): the verification handshake (GET) and the events (POST),
# which are checked and queued for meta_inbound.
WEBHOOK_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/webhooks/whatsapp", "meta_webhooks"),
    Route("POST", "/api/webhooks/whatsapp", "meta_webhooks"),
    Route("GET", "/api/webhooks/messenger", "meta_webhooks"),
    Route("POST", "/api/webhooks/messenger", "meta_webhooks"),
)

# The operators' API is one FastAPI function that routes within itself.
DASHBOARD_ROUTES: tuple[Route, ...] = (Route("ANY", "/api/dashboard/{proxy+}", "dashboard_api"),)

ROUTES: tuple[Route, ...] = WIDGET_ROUTES + WEBHOOK_ROUTES + DASHBOARD_ROUTES

# The WebSocket API (live updates). A message goes to the route named by its JSON body's `action`,
# and to $default when no route has that name; with only the three below, every message is $default.
WEBSOCKET_ROUTE_SELECTION = "$request.body.action"
WEBSOCKET_ROUTES: tuple[WebSocketRoute, ...] = (
    WebSocketRoute("$connect", "realtime"),
    WebSocketRoute("$disconnect", "realtime"),
    WebSocketRoute("$default", "realtime"),
)

# Answered by API Gateway itself (and the local gateway) for browsers' preflight requests.
CORS_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_HEADERS: tuple[str, ...] = ("Authorization", "Content-Type")

# knowledge_sync: hourly, so that a changed EMBEDDING_MODEL is re-embedded within the hour; each website
# is crawled again once its last sync is KNOWLEDGE_SYNC_DAYS (7) old: weekly, spread over the week.
SCHEDULED_FUNCTIONS: tuple[ScheduledFunction, ...] = (
    ScheduledFunction("cleanup", rate_minutes=60),
    ScheduledFunction("knowledge_sync", rate_minutes=60),
)

# Knowledge to embed: a few entries per invocation, each reported alone when it fails. Domain events
# to deliver (chatflow.outbox): a message per write, up to ten writes' events per invocation. Meta's
# webhooks (chatflow.meta.webhooks): each may call the AI, so a few per invocation.
QUEUE_FUNCTIONS: tuple[QueueFunction, ...] = (
    QueueFunction("ingest", queue="ingest", batch_size=5),
    QueueFunction("dispatch", queue="dispatch", batch_size=10),
    QueueFunction("meta_inbound", queue="inbound", batch_size=5),
)
