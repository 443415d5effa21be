"""The local API Gateway: HTTP in, the REST proxy event AWS sends, a function's answer back out.

It reads the same route table as the CDK app, so a route that works here is wired the same way in
AWS. Like API Gateway it answers CORS preflights itself, turns a crashed or malformed function into
502 `{"message": "Internal server error"}`, refuses bodies over 10 MB, and runs the scheduled
functions with EventBridge's event. It also serves the widget's files and a health check.

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
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from infra.functions import ROOT, Handler, load_handler
from infra.routes import CORS_HEADERS, CORS_METHODS, ROUTES, SCHEDULED_FUNCTIONS, Route, ScheduledFunction

__all__ = [
    "ACCOUNT_ID",
    "MAX_BODY_BYTES",
    "REGION",
    "WIDGET_DIR",
    "HttpRequest",
    "LambdaContext",
    "RouteMatch",
    "RouteTable",
    "bind_socket",
    "create_app",
    "rest_event",
    "scheduled_event",
]

_logger = logging.getLogger(__name__)

# moto's default account, so that ARNs in events and in moto's answers agree.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "local"
STAGE = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
WIDGET_DIR = ROOT / "widget"
FUNCTION_TIMEOUT_SECONDS = 30

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


def create_app(
    *,
    routes: Sequence[Route] = ROUTES,
    scheduled: Sequence[ScheduledFunction] = SCHEDULED_FUNCTIONS,
    schedule_interval_seconds: float | None = None,
    static_dir: Path = WIDGET_DIR,
    load: Callable[[str], Handler] | None = None,
    workers: int = 4,
) -> Starlette:
    """The gateway. Scheduled functions run once at start, then every `rate_minutes` of the table,
    or every `schedule_interval_seconds` when given (the local stack's CLEANUP_INTERVAL_SECONDS).
    Functions run in `workers` processes, unless a test gives its own `load`."""
    table = RouteTable(routes)
    functions = _Functions(load, workers)

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

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            for function in scheduled:
                tasks.start_soon(run_on_schedule, function)
            yield
            tasks.cancel_scope.cancel()
        await run_in_threadpool(functions.close)

    return Starlette(
        routes=[
            StarletteRoute("/healthz", healthz, methods=["GET"]),
            Mount("/widget", _NoCacheStaticFiles(directory=static_dir, check_dir=False), name="widget"),
            StarletteRoute("/{path:path}", invoke_route, methods=_ALL_METHODS),
        ],
        lifespan=lifespan,
    )
