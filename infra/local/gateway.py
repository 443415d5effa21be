"""The local API Gateway: HTTP in, the REST proxy event AWS sends, a function's answer back out.

It reads the same route table as the CDK app, so a route that works here is wired the same way in
AWS. Like API Gateway it answers CORS preflights itself, turns a crashed or malformed function into
502 `{"message": "Internal server error"}`, refuses bodies over 10 MB, and runs the scheduled
functions with EventBridge's event. It also serves the widget's files and a health check. Like
Lambda's SQS event source mapping, it long-polls each queue of a queue-fed function (given by URL),
invokes the function with the SQS event, and deletes the messages that did not fail
(`batchItemFailures`); the others come back after their visibility timeout.

It is the WebSocket API too, at /ws: a handshake becomes the $connect event (refused with 403
unless the function answers 2xx), each message the event of its route ($default here), a close
the $disconnect event. Functions reach sockets as in AWS, through the Management API that boto3
posts to: POST, GET and DELETE on /ws/@connections/{connectionId}, 410 GoneException for a socket
that is not open. Like API Gateway it closes a socket idle for 10 minutes or open for 2 hours.

Functions run in worker processes, each serving one invocation at a time, as Lambda's execution
environments do: Powertools' resolver relies on it by keeping the current event in a class
attribute that every resolver of a process shares, so two threads of one process would answer
from each other's events. A worker imports a function on its first call (a cold start) and keeps
it. GATEWAY_WORKERS sets how many run at once.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import multiprocessing
import re
import secrets
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute
from starlette.routing import WebSocketRoute as StarletteWebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from starlette.websockets import WebSocket, WebSocketDisconnect

from infra.functions import ROOT, Handler, load_handler
from infra.routes import (
    CORS_HEADERS,
    CORS_METHODS,
    QUEUE_FUNCTIONS,
    ROUTES,
    SCHEDULED_FUNCTIONS,
    WEBSOCKET_ROUTES,
    QueueFunction,
    Route,
    ScheduledFunction,
    WebSocketRoute,
)

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
    "sqs_event",
    "websocket_event",
]

_logger = logging.getLogger(__name__)

# moto's default account, so that ARNs in events and in moto's answers agree.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "local"
STAGE = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
WIDGET_DIR = ROOT / "widget"
# The operators' app, built by `npm run build` in dashboard/; served at /app as CloudFront serves it.
DASHBOARD_DIR = ROOT / "dashboard" / "dist"
DASHBOARD_PATH = "/app"
FUNCTION_TIMEOUT_SECONDS = 30
WEBSOCKET_PATH = "/ws"
MAX_WEBSOCKET_MESSAGE_BYTES = 128 * 1024  # API Gateway's limit on a WebSocket message
WEBSOCKET_IDLE_SECONDS = 10 * 60  # API Gateway's idle connection timeout
WEBSOCKET_MAX_SECONDS = 2 * 3600  # API Gateway's maximum connection duration

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")


@dataclass(frozen=True, slots=True)
class RouteMatch:
    resource: str
    path_parameters: dict[str, str]
    route: Route | None  # None: the path exists but not for this method
    methods: tuple[str, ...]


class RouteTable:
    """API Gateway's matching: `{param}` is one segment, `{param+}` the rest of the path, and of
    several resources that match, the one with literal segments earliest wins."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._resources: dict[str, list[Route]] = {}
        for route in routes:
            self._resources.setdefault(route.path, []).append(route)
        self._patterns = {resource: _compile(resource) for resource in self._resources}

    def match(self, method: str, path: str) -> RouteMatch | None:
        if len(path) > 1:
            path = path.rstrip("/")
        candidates = [
            (_specificity(resource), resource, found.groupdict())
            for resource, pattern in self._patterns.items()
            if (found := pattern.fullmatch(path)) is not None
        ]
        if not candidates:
            return None
        _, resource, parameters = min(candidates)
        routes = self._resources[resource]
        route = next((r for r in routes if r.method in (method, "ANY")), None)
        return RouteMatch(resource, parameters, route, tuple(r.method for r in routes))


def _compile(resource: str) -> re.Pattern[str]:
    pattern = ""
    for segment in resource.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            pattern += f"/(?P<{segment[1:-2]}>.+)"
        elif segment.startswith("{") and segment.endswith("}"):
            pattern += f"/(?P<{segment[1:-1]}>[^/]+)"
        else:
            pattern += "/" + re.escape(segment)
    return re.compile(pattern or "/")


def _specificity(resource: str) -> tuple[int, ...]:
    return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in resource.strip("/").split("/"))


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the event is made of: one HTTP request as the gateway received it."""

    method: str
    path: str
    query_string: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    scheme: str = "http"
    server_port: int = 8000
    protocol: str = "HTTP/1.1"


def rest_event(
    request: HttpRequest,
    *,
    resource: str,
    path_parameters: Mapping[str, str] | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The REST API proxy event API Gateway sends to a Lambda function for this request."""
    now = now or datetime.now(UTC)
    request_id = request_id or str(uuid.uuid4())
    multi_headers = _forwarded(request, now)
    headers = {name: values[-1] for name, values in multi_headers.items()}
    user_agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), None)
    host = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
    domain_name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query_string, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _event_body(request.body, headers)
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": f"{binascii.crc32(resource.encode()):08x}"[:6],
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": base64.b64encode(secrets.token_bytes(10)).decode(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{STAGE}{request.path}",
            "accountId": ACCOUNT_ID,
            "protocol": request.protocol,
            "stage": STAGE,
            "domainPrefix": domain_name.split(".", 1)[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": domain_name,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _forwarded(request: HttpRequest, now: datetime) -> dict[str, list[str]]:
    """The client's headers plus the X-Forwarded-* and trace headers API Gateway adds."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    existing = {name.lower(): name for name in headers}
    forwarded_for = existing.get("x-forwarded-for", "X-Forwarded-For")
    chain = ", ".join([*headers.get(forwarded_for, []), request.source_ip])
    headers[forwarded_for] = [chain]
    headers[existing.get("x-forwarded-proto", "X-Forwarded-Proto")] = [request.scheme]
    headers[existing.get("x-forwarded-port", "X-Forwarded-Port")] = [str(request.server_port)]
    if "x-amzn-trace-id" not in existing:
        headers["X-Amzn-Trace-Id"] = [f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"]
    return headers


def _event_body(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, bool]:
    if not body:
        return None, False
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    textual = (
        not media_type
        or media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    )
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # declared as text but is not: pass it on untouched
    return base64.b64encode(body).decode("ascii"), True


def sqs_event(messages: Sequence[Mapping[str, Any]], *, queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends, from messages as receive_message returns
    them (with AttributeNames and MessageAttributeNames "All")."""
    records = []
    for m in messages:
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.get("DataType", "String"),
                    }
                    for name, value in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(function: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge sends to a function on a schedule rule."""
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/chatflow-{function}-schedule"],
        "detail": {},
    }


def new_connection_id() -> str:
    """An id in the format of API Gateway's (`L0SM9cOFvHcCIhw=`): 11 random bytes, base64. Like
    AWS's it may hold `/` and `+`, which boto3 percent-encodes in the @connections path."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


@dataclass(frozen=True, slots=True)
class SocketInfo:
    """What the gateway knows of a socket, and puts in each of its events."""

    connection_id: str
    connected_at: datetime
    source_ip: str
    user_agent: str | None
    domain_name: str


def websocket_event(
    socket_info: SocketInfo,
    *,
    route_key: str,
    event_type: str,
    request: HttpRequest | None = None,
    body: bytes | None = None,
    disconnect_code: int | None = None,
    disconnect_reason: str = "",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event API Gateway's WebSocket API sends a Lambda function: CONNECT (with the handshake's
    headers and query string), MESSAGE (with the body) or DISCONNECT (with the close code)."""
    now = now or datetime.now(UTC)
    context: dict[str, Any] = {"routeKey": route_key}
    if event_type == "MESSAGE":
        context["messageId"] = new_connection_id()
    if event_type == "DISCONNECT":
        context["disconnectStatusCode"] = disconnect_code if disconnect_code is not None else 1005
    context.update(
        eventType=event_type,
        extendedRequestId=new_connection_id(),
        requestTime=now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        messageDirection="IN",
    )
    if event_type == "DISCONNECT":
        context["disconnectReason"] = disconnect_reason
    identity: dict[str, Any] = {"sourceIp": socket_info.source_ip}
    if event_type != "MESSAGE" and socket_info.user_agent is not None:
        identity = {"userAgent": socket_info.user_agent, **identity}
    context.update(
        stage=STAGE,
        connectedAt=int(socket_info.connected_at.timestamp() * 1000),
        requestTimeEpoch=int(now.timestamp() * 1000),
        identity=identity,
        requestId=request_id or new_connection_id(),
        domainName=socket_info.domain_name,
        connectionId=socket_info.connection_id,
        apiId=API_ID,
    )
    event: dict[str, Any] = {}
    if event_type == "CONNECT" and request is not None:
        multi_headers = _forwarded(request, now)
        event["headers"] = {name: values[-1] for name, values in multi_headers.items()}
        event["multiValueHeaders"] = multi_headers
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(request.query_string, keep_blank_values=True):
            multi_query.setdefault(name, []).append(value)
        if multi_query:  # AWS leaves the keys out when the URL has no query string
            event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
            event["multiValueQueryStringParameters"] = multi_query
    elif event_type == "DISCONNECT":
        headers = {"Host": socket_info.domain_name, "X-Forwarded-For": socket_info.source_ip}
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["requestContext"] = context
    if event_type == "MESSAGE":
        try:
            event["body"], event["isBase64Encoded"] = (body or b"").decode("utf-8"), False
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body or b"").decode("ascii"), True
    else:
        event["isBase64Encoded"] = False
    return event


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's context object that our code and Powertools read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    timeout_seconds: float = FUNCTION_TIMEOUT_SECONDS
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[{self.function_version}]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _MalformedResponse(Exception):
    pass


def _proxy_response(result: object, *, request_id: str) -> Response:
    """The HTTP response for a function's proxy result; raises _MalformedResponse where API Gateway
    would answer 502. Values of multiValueHeaders win over headers of the same name, as in AWS."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raise _MalformedResponse(f"not a proxy response: {type(result).__name__}")
    try:
        status = int(result["statusCode"])
        raw_body = result.get("body")
        if raw_body is None:
            raw_body = ""
        if not 100 <= status <= 599 or not isinstance(raw_body, str):
            raise _MalformedResponse(f"statusCode {status} with a {type(raw_body).__name__} body")
        body = base64.b64decode(raw_body, validate=True) if result.get("isBase64Encoded") else raw_body.encode()
        merged: dict[str, tuple[str, list[str]]] = {}
        for name, value in (result.get("headers") or {}).items():
            merged[name.lower()] = (name, [str(value)])
        for name, values in (result.get("multiValueHeaders") or {}).items():
            merged[name.lower()] = (name, [str(v) for v in values])
        raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for key, (name, values) in merged.items()
            if key not in ("content-length", "transfer-encoding")
            for value in values
        ]
    except (TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise _MalformedResponse(str(exc)) from exc
    response = Response(content=body, status_code=status)
    response.raw_headers.extend(raw_headers)
    response.headers.setdefault("x-amzn-RequestId", request_id)
    return response


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything else starts so that a busy port fails fast.
    Raises OSError (EADDRINUSE) when another process listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a restart reuse a port whose old connections linger in TIME_WAIT; a port someone
        # listens on is still refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _invoke(load: Callable[[str], Handler], function: str, event: dict[str, Any], request_id: str) -> Any:
    handler = load(function)
    return handler(event, LambdaContext(function_name=f"chatflow-{function}", aws_request_id=request_id))


def _invoke_in_worker(function: str, event: dict[str, Any], request_id: str) -> Any:
    return _invoke(load_handler, function, event, request_id)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the gateway, not its workers, decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Functions:
    """Invokes functions: in a pool of worker processes, or, for a loader given by a test, in this
    process one invocation at a time (see the module docstring)."""

    def __init__(self, load: Callable[[str], Handler] | None, workers: int) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def invoke(self, function: str, event: dict[str, Any], request_id: str) -> Any:
        if self._load is not None:
            with self._lock:
                return _invoke(self._load, function, event, request_id)
        with self._lock:
            if self._pool is None:
                # Spawned, not forked: the gateway runs threads, and a forked child inherits their locks.
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_ignore_interrupts,
                )
            pool = self._pool
        try:
            return pool.submit(_invoke_in_worker, function, event, request_id).result()
        except BrokenProcessPool:
            with self._lock:  # a worker died (killed, out of memory): start afresh next time
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


class _QueuePoller:
    """One queue's side of the event source mapping: receive a batch, then delete what succeeded."""

    def __init__(self, function: QueueFunction, queue_url: str, wait_seconds: int) -> None:
        import boto3

        self._sqs: Any = boto3.client("sqs")
        self._function = function
        self._url = queue_url
        self._wait = wait_seconds
        self.queue_arn: str = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    def receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(self._function.batch_size, 10),
            WaitTimeSeconds=self._wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def settle(self, messages: list[dict[str, Any]], result: Any) -> None:
        """Delete every message but those the function reported as failed (Lambda's
        ReportBatchItemFailures); a result that is not a batch response fails the whole batch."""
        if not isinstance(result, dict) or not isinstance(result.get("batchItemFailures"), list):
            _logger.error("queue function %s answered no batchItemFailures", self._function.function)
            return
        failed = {f.get("itemIdentifier") for f in result["batchItemFailures"] if isinstance(f, dict)}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if failed:
            _logger.warning("queue function %s: %d message(s) to retry", self._function.function, len(failed))


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    # Open CORS on the gateway's own errors (as the CDK's gateway responses do) so that a browser
    # can read them.
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Access-Control-Allow-Origin": "*", **(headers or {})},
    )


def _internal_server_error(request_id: str) -> JSONResponse:
    return JSONResponse(
        {"message": "Internal server error"},
        status_code=502,
        headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": "InternalServerErrorException"},
    )


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class _NoCacheStaticFiles(StaticFiles):
    """The widget's files, revalidated on every load so that an edit shows on the next refresh."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


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


_SEND_TIMEOUT_SECONDS = 5


def _management_error(status: int, error_type: str, message: str | None) -> JSONResponse:
    # boto3 raises the exception named by x-amzn-ErrorType (GoneException for a 410).
    return JSONResponse(
        {"message": message},
        status_code=status,
        headers={"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _SinglePageApp(_NoCacheStaticFiles):
    """The dashboard's build: its files, and index.html for any other path under /app, so that a
    deep link (/app/es/conversations/…) or a reload opens the app, which routes in the browser."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise  # a missing asset stays a 404
            return await super().get_response("index.html", scope)


def create_app(
    *,
    routes: Sequence[Route] = ROUTES,
    scheduled: Sequence[ScheduledFunction] = SCHEDULED_FUNCTIONS,
    schedule_interval_seconds: float | None = None,
    static_dir: Path = WIDGET_DIR,
    dashboard_dir: Path = DASHBOARD_DIR,
    load: Callable[[str], Handler] | None = None,
    workers: int = 4,
    websocket_routes: Sequence[WebSocketRoute] = WEBSOCKET_ROUTES,
    websocket_idle_seconds: float = WEBSOCKET_IDLE_SECONDS,
    websocket_max_seconds: float = WEBSOCKET_MAX_SECONDS,
    queue_functions: Sequence[QueueFunction] = QUEUE_FUNCTIONS,
    queue_urls: Mapping[str, str] | None = None,
    queue_wait_seconds: int = 5,
) -> Starlette:
    """The gateway. Scheduled functions run once at start, then every `rate_minutes` of the table,
    or every `schedule_interval_seconds` when given (the local stack's CLEANUP_INTERVAL_SECONDS).
    Functions run in `workers` processes, unless a test gives its own `load`. Each queue function
    whose queue has a URL in `queue_urls` (logical name -> SQS URL) is fed by a poller."""
    table = RouteTable(routes)
    functions = _Functions(load, workers)
    socket_routes = {route.route_key: route for route in websocket_routes}
    sockets: dict[str, _OpenSocket] = {}

    async def invoke_route(request: Request) -> Response:
        match = table.match(request.method, request.url.path)
        if match is None:
            return _error(404, "route_not_found", f"No endpoint at {request.url.path}.")
        if request.method == "OPTIONS":
            return Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": ",".join(CORS_METHODS),
                    "Access-Control-Allow-Headers": ",".join(CORS_HEADERS),
                    "Access-Control-Max-Age": "600",
                },
            )
        if match.route is None:
            allowed = ", ".join([*match.methods, "OPTIONS"])
            return _error(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {match.resource}.",
                {"Allow": allowed},
            )
        try:
            body = await _read_body(request)
        except _TooLarge:
            return _error(413, "payload_too_large", "The request body is over 10 MB.")
        request_id = str(uuid.uuid4())
        event = rest_event(
            HttpRequest(
                method=request.method,
                path=request.url.path,
                query_string=request.url.query,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                body=body,
                source_ip=request.client.host if request.client else "127.0.0.1",
                scheme=request.url.scheme,
                server_port=request.url.port or (443 if request.url.scheme == "https" else 80),
                protocol=f"HTTP/{request.scope.get('http_version', '1.1')}",
            ),
            resource=match.resource,
            path_parameters=match.path_parameters,
            request_id=request_id,
        )
        try:
            result = await run_in_threadpool(functions.invoke, match.route.function, event, request_id)
            return _proxy_response(result, request_id=request_id)
        except Exception:
            # API Gateway shows the caller nothing of a crash; the console shows everything.
            _logger.exception("function %s failed on %s %s", match.route.function, request.method, request.url.path)
            return _internal_server_error(request_id)

    async def invoke_socket_route(route: WebSocketRoute, event: dict[str, Any]) -> bool:
        """Run the route's function; True when it answered 2xx."""
        request_id = event["requestContext"]["requestId"]
        try:
            result = await run_in_threadpool(functions.invoke, route.function, event, request_id)
        except Exception:
            _logger.exception("function %s failed on WebSocket %s", route.function, route.route_key)
            return False
        status = result.get("statusCode") if isinstance(result, Mapping) else None
        return isinstance(status, int) and 200 <= status < 300

    def message_route(data: bytes) -> WebSocketRoute | None:
        # The route selection expression $request.body.action: a JSON body's `action` names the
        # route when one has that key; everything else goes to $default.
        try:
            action = json.loads(data).get("action")
        except (ValueError, AttributeError, RecursionError):
            action = None
        if isinstance(action, str) and not action.startswith("$") and action in socket_routes:
            return socket_routes[action]
        return socket_routes.get("$default")

    async def on_message(sock: _OpenSocket, data: bytes) -> None:
        route = message_route(data)
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
        await invoke_socket_route(route, event)

    async def serve_socket(sock: _OpenSocket) -> tuple[int, str]:
        """Hand the socket's messages to their route until it closes; its close code and reason."""
        closes_at = time.monotonic() + websocket_max_seconds
        while True:
            wait = min(websocket_idle_seconds, closes_at - time.monotonic())
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
            await on_message(sock, data)

    async def websocket_endpoint(websocket: WebSocket) -> None:
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
        connect = socket_routes.get("$connect")
        if connect is not None:
            event = websocket_event(info, route_key="$connect", event_type="CONNECT", request=handshake)
            if not await invoke_socket_route(connect, event):
                # Closing before accepting refuses the handshake: the client gets HTTP 403, as from AWS.
                await websocket.close(code=1008)
                return
        await websocket.accept()
        sock = sockets[info.connection_id] = _OpenSocket(info, websocket)
        code, reason = 1006, ""
        try:
            code, reason = await serve_socket(sock)
        finally:
            del sockets[info.connection_id]
            sock.closed_by_gateway = sock.closed_by_gateway or (code, reason)
            disconnect = socket_routes.get("$disconnect")
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
                    await invoke_socket_route(disconnect, event)

    async def connections_endpoint(request: Request) -> Response:
        """API Gateway's Management API for this gateway's sockets, as boto3's
        apigatewaymanagementapi client calls it."""
        sock = sockets.get(request.path_params["connection_id"])
        if request.method == "POST":
            try:
                data = await _read_body(request)
            except _TooLarge:
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

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def run_on_schedule(function: ScheduledFunction) -> None:
        interval = schedule_interval_seconds or function.rate_minutes * 60
        while True:
            try:
                result = await run_in_threadpool(
                    functions.invoke, function.function, scheduled_event(function.function), str(uuid.uuid4())
                )
                _logger.info("scheduled function %s answered %s", function.function, result)
            except Exception:
                _logger.exception("scheduled function %s failed", function.function)
            await anyio.sleep(interval)

    async def poll_queue(function: QueueFunction, queue_url: str) -> None:
        poller: _QueuePoller | None = None
        while True:
            try:
                if poller is None:  # made (and remade after a failure) off the event loop: it calls SQS
                    poller = await run_in_threadpool(_QueuePoller, function, queue_url, queue_wait_seconds)
                # Abandoned on shutdown rather than waited for: a long poll may take its whole wait.
                messages = await anyio.to_thread.run_sync(poller.receive, abandon_on_cancel=True)
                if messages:
                    event = sqs_event(messages, queue_arn=poller.queue_arn)
                    result = await run_in_threadpool(functions.invoke, function.function, event, str(uuid.uuid4()))
                    await run_in_threadpool(poller.settle, messages, result)
            except Exception:
                _logger.exception("queue function %s failed; its messages come back later", function.function)
                await anyio.sleep(1)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            for function in scheduled:
                tasks.start_soon(run_on_schedule, function)
            for queue_function in queue_functions:
                url = (queue_urls or {}).get(queue_function.queue)
                if url:
                    tasks.start_soon(poll_queue, queue_function, url)
            yield
            tasks.cancel_scope.cancel()
        await run_in_threadpool(functions.close)

    return Starlette(
        routes=[
            StarletteRoute("/healthz", healthz, methods=["GET"]),
            Mount("/widget", _NoCacheStaticFiles(directory=static_dir, check_dir=False), name="widget"),
            Mount(
                DASHBOARD_PATH, _SinglePageApp(directory=dashboard_dir, html=True, check_dir=False), name="dashboard"
            ),
            StarletteWebSocketRoute(WEBSOCKET_PATH, websocket_endpoint),
            StarletteRoute(
                WEBSOCKET_PATH + "/@connections/{connection_id:path}",
                connections_endpoint,
                methods=["GET", "POST", "DELETE"],
            ),
            StarletteRoute("/{path:path}", invoke_route, methods=_ALL_METHODS),
        ],
        lifespan=lifespan,
    )
