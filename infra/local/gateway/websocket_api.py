"""The WebSocket API, at /ws: a handshake becomes the $connect event (refused with 403 unless the
function answers 2xx), each message the event of its route ($default here), a close the
$disconnect event. Functions reach sockets as in AWS, through the Management API that boto3 posts
to: POST, GET and DELETE on /ws/@connections/{connectionId}, 410 GoneException for a socket that is
not open. Like API Gateway it closes a socket idle for 10 minutes or open for 2 hours.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from infra.local.gateway.events import HttpRequest, SocketInfo, new_connection_id, websocket_event
from infra.local.gateway.invoker import Functions
from infra.local.gateway.rest import BodyTooLarge, read_body
from infra.routes import WebSocketRoute

__all__ = [
    "MAX_WEBSOCKET_MESSAGE_BYTES",
    "WEBSOCKET_IDLE_SECONDS",
    "WEBSOCKET_MAX_SECONDS",
    "WEBSOCKET_PATH",
    "WebSocketApi",
]

_logger = logging.getLogger(__name__)

WEBSOCKET_PATH = "/ws"
MAX_WEBSOCKET_MESSAGE_BYTES = 128 * 1024  # API Gateway's limit on a WebSocket message
WEBSOCKET_IDLE_SECONDS = 10 * 60  # API Gateway's idle connection timeout
WEBSOCKET_MAX_SECONDS = 2 * 3600  # API Gateway's maximum connection duration
_SEND_TIMEOUT_SECONDS = 5


class WebSocketApi:
    """The sockets open on this gateway, the routes their events go to, and the Management API
    that reaches them."""

    def __init__(
        self,
        functions: Functions,
        routes: Sequence[WebSocketRoute],
        *,
        idle_seconds: float = WEBSOCKET_IDLE_SECONDS,
        max_seconds: float = WEBSOCKET_MAX_SECONDS,
    ) -> None:
        self._functions = functions
        self._routes = {route.route_key: route for route in routes}
        self._idle_seconds = idle_seconds
        self._max_seconds = max_seconds
        self._sockets: dict[str, _OpenSocket] = {}

    async def _invoke_route(self, route: WebSocketRoute, event: dict[str, Any]) -> bool:
        """Run the route's function; True when it answered 2xx."""
        request_id = event["requestContext"]["requestId"]
        try:
            result = await run_in_threadpool(self._functions.invoke, route.function, event, request_id)
        except Exception:
            _logger.exception("function %s failed on WebSocket %s", route.function, route.route_key)
            return False
        status = result.get("statusCode") if isinstance(result, Mapping) else None
        return isinstance(status, int) and 200 <= status < 300

    def _message_route(self, data: bytes) -> WebSocketRoute | None:
        # The route selection expression $request.body.action: a JSON body's `action` names the
        # route when one has that key; everything else goes to $default.
        try:
            action = json.loads(data).get("action")
        except (ValueError, AttributeError, RecursionError):
            action = None
        if isinstance(action, str) and not action.startswith("$") and action in self._routes:
            return self._routes[action]
        return self._routes.get("$default")

    async def _on_message(self, sock: _OpenSocket, data: bytes) -> None:
        route = self._message_route(data)
        event = websocket_event(
            sock.info, route_key=route.route_key if route else "$default", event_type="MESSAGE", body=data
        )
        if route is None:
            # What API Gateway answers a message no route takes.
            forbidden = {
                "message": "Forbidden",
                "connectionId": sock.info.connection_id,
                "requestId": event["requestContext"]["requestId"],
            }
            await sock.send(json.dumps(forbidden).encode())
            return
        await self._invoke_route(route, event)

    async def _serve(self, sock: _OpenSocket) -> tuple[int, str]:
        """Hand the socket's messages to their route until it closes; its close code and reason."""
        closes_at = time.monotonic() + self._max_seconds
        while True:
            wait = min(self._idle_seconds, closes_at - time.monotonic())
            with anyio.move_on_after(max(wait, 0)) as timer:
                try:
                    message = await sock.websocket.receive()
                except (RuntimeError, WebSocketDisconnect):
                    message = {"type": "websocket.disconnect", "code": 1006}
            if timer.cancelled_caught:
                # API Gateway's limits: 10 minutes without a message, 2 hours in all.
                await sock.close(1001, "Going away")
                return 1001, "Going away"
            if message["type"] == "websocket.disconnect":
                code, reason = message.get("code") or 1005, message.get("reason") or ""
                return sock.closed_by_gateway or (code, reason)
            data = message["bytes"] if message.get("bytes") is not None else (message.get("text") or "").encode()
            sock.last_active = datetime.now(UTC)
            if len(data) > MAX_WEBSOCKET_MESSAGE_BYTES:
                await sock.close(1009, "Message too big")
                return 1009, "Message too big"
            await self._on_message(sock, data)

    async def endpoint(self, websocket: WebSocket) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in websocket.scope["headers"]]
        host = websocket.headers.get("host", "localhost")
        source_ip = websocket.client.host if websocket.client else "127.0.0.1"
        info = SocketInfo(
            connection_id=new_connection_id(),
            connected_at=datetime.now(UTC),
            source_ip=source_ip,
            user_agent=websocket.headers.get("user-agent"),
            domain_name=host.rsplit(":", 1)[0] if not host.endswith("]") else host,
        )
        secure = websocket.url.scheme == "wss"
        handshake = HttpRequest(
            method="GET",
            path=websocket.url.path,
            query_string=websocket.url.query,
            headers=headers,
            source_ip=source_ip,
            scheme="https" if secure else "http",
            server_port=websocket.url.port or (443 if secure else 80),
        )
        connect = self._routes.get("$connect")
        if connect is not None:
            event = websocket_event(info, route_key="$connect", event_type="CONNECT", request=handshake)
            if not await self._invoke_route(connect, event):
                # Closing before accepting refuses the handshake: the client gets HTTP 403, as from AWS.
                await websocket.close(code=1008)
                return
        await websocket.accept()
        sock = self._sockets[info.connection_id] = _OpenSocket(info, websocket)
        code, reason = 1006, ""
        try:
            code, reason = await self._serve(sock)
        finally:
            del self._sockets[info.connection_id]
            sock.closed_by_gateway = sock.closed_by_gateway or (code, reason)
            disconnect = self._routes.get("$disconnect")
            if disconnect is not None:
                event = websocket_event(
                    info,
                    route_key="$disconnect",
                    event_type="DISCONNECT",
                    disconnect_code=code,
                    disconnect_reason=reason,
                )
                # Shielded: a socket dropped as the gateway stops still gets its $disconnect.
                with anyio.CancelScope(shield=True):
                    await self._invoke_route(disconnect, event)

    async def management_api(self, request: Request) -> Response:
        """API Gateway's Management API for this gateway's sockets, as boto3's
        apigatewaymanagementapi client calls it."""
        sock = self._sockets.get(request.path_params["connection_id"])
        if request.method == "POST":
            try:
                data = await read_body(request)
            except BodyTooLarge:
                data = b"x" * (MAX_WEBSOCKET_MESSAGE_BYTES + 1)
            if len(data) > MAX_WEBSOCKET_MESSAGE_BYTES:
                return _management_error(413, "PayloadTooLargeException", "Message too long")
            try:
                sent = sock is not None and await sock.send(data)
            except TimeoutError:
                return _management_error(429, "LimitExceededException", "The client is not reading")
            return Response(status_code=200) if sent else _management_error(410, "GoneException", None)
        if sock is None or sock.closed_by_gateway is not None:
            return _management_error(410, "GoneException", None)
        if request.method == "DELETE":
            await sock.close(1000, "")
            return Response(status_code=204)
        return JSONResponse(
            {
                "connectedAt": _iso(sock.info.connected_at),
                "identity": {"sourceIp": sock.info.source_ip, "userAgent": sock.info.user_agent or ""},
                "lastActiveAt": _iso(sock.last_active),
            }
        )


class _OpenSocket:
    """One accepted socket. Sends are serialised so that frames posted together arrive whole and
    in order; a socket is closed once, whoever closes it."""

    def __init__(self, info: SocketInfo, websocket: WebSocket) -> None:
        self.info = info
        self.websocket = websocket
        self.last_active = info.connected_at
        self.closed_by_gateway: tuple[int, str] | None = None
        self._send_lock = anyio.Lock()

    async def send(self, data: bytes) -> bool:
        """False when the socket is (or becomes) closed; raises TimeoutError when the client does not
        read (API Gateway's LimitExceededException: its buffer is full)."""
        if self.closed_by_gateway is not None:
            return False
        async with self._send_lock:
            try:
                with anyio.fail_after(_SEND_TIMEOUT_SECONDS):
                    try:
                        await self.websocket.send_text(data.decode("utf-8"))
                    except UnicodeDecodeError:
                        await self.websocket.send_bytes(data)
            except (RuntimeError, OSError, WebSocketDisconnect):
                return False  # closed meanwhile
        self.last_active = datetime.now(UTC)
        return True

    async def close(self, code: int, reason: str) -> None:
        if self.closed_by_gateway is not None:
            return
        self.closed_by_gateway = (code, reason)
        with contextlib.suppress(RuntimeError, OSError):
            await self.websocket.close(code=code, reason=reason)


def _management_error(status: int, error_type: str, message: str | None) -> JSONResponse:
    # boto3 raises the exception named by x-amzn-ErrorType (GoneException for a 410).
    return JSONResponse(
        {"message": message},
        status_code=status,
        headers={"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
