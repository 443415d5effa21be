"""The local API Gateway: the same functions as in AWS, reached by the same events.

HTTP requests become the REST proxy event AWS sends (`rest`, matched by `routing` against the route
table the CDK app reads too), WebSocket traffic the WebSocket API's events, with the Management API
that functions post to (`websocket_api`). Scheduled functions run with EventBridge's event
(`schedules`) and queue-fed functions are fed as by Lambda's SQS event source mapping (`queues`). The
events and the Lambda context are built in `events`; functions run in worker processes, as in
Lambda's execution environments (`invoker`). It also serves the widget's files and the operators'
app (`static`) and a health check; `app` puts it all together.
"""

from infra.local.gateway.app import bind_socket, create_app, server_config
from infra.local.gateway.events import (
    ACCOUNT_ID,
    REGION,
    HttpRequest,
    LambdaContext,
    SocketInfo,
    new_connection_id,
    rest_event,
    scheduled_event,
    sqs_event,
    websocket_event,
)
from infra.local.gateway.rest import MAX_BODY_BYTES
from infra.local.gateway.routing import RouteMatch, RouteTable
from infra.local.gateway.static import DASHBOARD_DIR, DASHBOARD_PATH, WIDGET_DIR
from infra.local.gateway.websocket_api import MAX_WEBSOCKET_MESSAGE_BYTES, WEBSOCKET_PATH

__all__ = [
    "ACCOUNT_ID",
    "DASHBOARD_DIR",
    "DASHBOARD_PATH",
    "MAX_BODY_BYTES",
    "MAX_WEBSOCKET_MESSAGE_BYTES",
    "REGION",
    "WEBSOCKET_PATH",
    "WIDGET_DIR",
    "HttpRequest",
    "LambdaContext",
    "RouteMatch",
    "RouteTable",
    "SocketInfo",
    "bind_socket",
    "create_app",
    "new_connection_id",
    "rest_event",
    "scheduled_event",
    "server_config",
    "sqs_event",
    "websocket_event",
]
